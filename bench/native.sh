#!/usr/bin/env bash
# Issue #3 targets, measured with hyperfine in one run beside a peer (release build):
#   1. `tcli web list` (load the library + run it in process) against an exec module that does
#      the same (reads the same tcli.toml, prints the same rows): target within 1.5x;
#   2. `tcli --help` with 50 native plugins installed, warm index: target < 5 ms, and, by
#      strace, proof that no plugin library is opened and no process started.
# Usage: bench/native.sh   (builds release tcli + web; needs hyperfine, cc, strace, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }
command -v strace >/dev/null || { echo "installing strace" >&2; apt-get install -y strace >/dev/null; }

cargo build --release -p tcli-core -p tcli-plugin-web --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-native.XXXXXX)"
trap 'rm -rf "$W"' EXIT
OUT="${BENCH_OUT:-bench/out}"
mkdir -p "$OUT" "$W/bin" "$W/plugins" "$W/many" "$W/cache" "$W/cache50" "$W/data" "$W/config"

{
    echo "[bookmarks]"
    for i in $(seq 1 20); do echo "site$i = \"https://site$i.example.com/\""; done
} > "$W/config/tcli.toml"

cp "$TARGET_DIR/release/libtcli_plugin_web.so" "$W/plugins/"
# The peer: an exec module that reads the same settings file and prints the same table.
cat > "$W/bin/tcli-webx" <<'SH'
#!/bin/sh
exec awk -F' = ' '
    /^\[/ { in_b = ($0 == "[bookmarks]"); next }
    in_b && NF == 2 { gsub(/"/, "", $2); n[++c] = $1; u[c] = $2; if (length($1) > w) w = length($1) }
    END { printf "%-*s  %s\n", w, "NAME", "URL"; for (i = 1; i <= c; i++) printf "%-*s  %s\n", w, n[i], u[i] }
' "$TCLI_CONFIG_DIR/tcli.toml"
SH
chmod +x "$W/bin/tcli-webx"

export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_NO_DOCKER=1
export PATH="$W/bin:/usr/local/bin:/usr/bin:/bin"
export TCLI_CACHE_DIR="$W/cache" TCLI_PLUGIN_PATH="$W/plugins"
"$TCLI" web list >/dev/null # builds the index once
"$TCLI" webx >/dev/null

echo "== 1. tcli web list (native) vs tcli webx (exec doing the same)"
hyperfine -N --warmup 30 --runs 300 --export-json "$OUT/native-web.json" \
    -n "native: tcli web list" "$TCLI web list" \
    -n "exec: tcli webx" "$TCLI webx"

echo "== 2. tcli --help with 50 native plugins installed"
# 49 small C modules with their own names (built against the SDK's C header) plus web.
cat > "$W/mod.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "tcli_plugin.h"
static const char *manifest(void) { return "{\"schema\":1,\"verbs\":[]}"; }
static int run(const TcliHostV1 *host, int argc, const char *const *argv) {
    (void)host; (void)argc; (void)argv;
    puts("Usage: tcli " NAME);
    return 0;
}
static const TcliPluginV1 d = { TCLI_PLUGIN_MAGIC, TCLI_ABI_VERSION, sizeof(TcliPluginV1),
    NAME, "Benchmark module " NAME, "0.1.0", "bench C", manifest, run, {0} };
const TcliPluginV1 *tcli_plugin_v1(void) { return &d; }
C
for i in $(seq 1 49); do
    cc -O2 -shared -fPIC -I plugin-sdk/include -DNAME="\"mod$i\"" -o "$W/many/libmod$i.so" "$W/mod.c"
done
cp "$TARGET_DIR/release/libtcli_plugin_web.so" "$W/many/"
export TCLI_CACHE_DIR="$W/cache50" TCLI_PLUGIN_PATH="$W/many"
"$TCLI" --help > "$W/help.txt"
listed=$(grep -c '\[native\]' "$W/help.txt" || true)
echo "native modules listed by tcli --help: $listed (expect 50)"
hyperfine -N --warmup 30 --runs 300 --export-json "$OUT/native-help-warm.json" \
    -n "tcli --help (50 native, warm)" "$TCLI --help"
hyperfine --warmup 1 --runs 10 --prepare "rm -f $W/cache50/index.jsonl" \
    --export-json "$OUT/native-help-cold.json" -n "tcli --help (50 native, cold index)" "$TCLI --help"

strace -f -qq -e trace=openat,execve -o "$W/trace" "$TCLI" --help >/dev/null
libs=$(grep -c "openat(.*$W/many/.*\.so" "$W/trace" || true)
execs=$(grep -c 'execve(' "$W/trace" || true)
strace -f -qq -e trace=openat -o "$W/trace-run" "$TCLI" mod7 >/dev/null
control=$(grep -c "openat(.*$W/many/.*\.so" "$W/trace-run" || true)
echo "warm tcli --help under strace: plugin libraries opened=$libs (target 0), execve=$execs (1 = tcli itself)"
echo "  control, same count for 'tcli mod7': $control (the one library it runs)"
LD_DEBUG=files "$TCLI" --help 2> "$W/lddebug" >/dev/null
loaded=$(grep -c "file=$W/many" "$W/lddebug" || true)
echo "warm tcli --help under LD_DEBUG=files: plugin libraries loaded by ld.so=$loaded (target 0)"

echo "== summary"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def res(f):
    return json.load(open(f"{out}/{f}"))["results"]
native, exec_ = res("native-web.json")
ratio = native["median"] / exec_["median"]
print(f"web list: native {native['median']*1000:.3f} ms, exec peer {exec_['median']*1000:.3f} ms (medians); "
      f"ratio {ratio:.2f} (target <= 1.50)")
warm = res("native-help-warm.json")[0]
cold = res("native-help-cold.json")[0]
print(f"tcli --help, 50 native: warm mean {warm['mean']*1000:.3f} ms, median {warm['median']*1000:.3f} ms "
      f"(target < 5 ms); cold index {cold['mean']*1000:.1f} ms")
PY
