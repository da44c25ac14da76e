#!/usr/bin/env bash
# Issue #13 targets, measured with hyperfine (release build), each beside a peer in the same run:
#   1. `tcli doctor` with 50 checks of which 10 sleep 1 s: target < 1.5 s (parallel). Peer: the
#      same 50 command lines run by `xargs -P 32 sh -c` (the floor any parallel runner has).
#   2. `tcli doctor` with 50 instant checks (`run = "true"`): target < 100 ms. Same peer.
#   3. the warm path unchanged: `tcli --help` and dispatch of an exec module with the doctor
#      library in the plugin dir, against the same without it: target within noise.
# Prints best (min) and median of each, and the ratios. Usage: bench/doctor.sh
# (builds release tcli + doctor; needs hyperfine, cc, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

cargo build --release -p tcli-core -p tcli-plugin-doctor --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-doctor.XXXXXX)"
trap 'rm -rf "$W"' EXIT
OUT="${BENCH_OUT:-bench/out}"
mkdir -p "$OUT" "$W/bin" "$W/plugins" "$W/none" "$W/data" "$W/home" \
    "$W/slow/config" "$W/fast/config" "$W/cache-slow" "$W/cache-fast" "$W/cache-with" "$W/cache-without"
cp "$TARGET_DIR/release/libtcli_plugin_doctor.so" "$W/plugins/"
cc -O2 -o "$W/bin/tcli-hello" bench/hello.c

# 50 checks, 10 of them sleeping 1 s (spread through the list), and 50 instant ones.
: > "$W/slow.cmds"
: > "$W/fast.cmds"
for i in $(seq 1 50); do
    if [ $((i % 5)) -eq 0 ]; then cmd="sleep 1"; else cmd="true"; fi
    printf '[checks.c%s]\nrun = "%s"\n' "$i" "$cmd" >> "$W/slow/config/tcli.toml"
    printf '%s\n' "$cmd" >> "$W/slow.cmds"
    printf '[checks.c%s]\nrun = "true"\n' "$i" >> "$W/fast/config/tcli.toml"
    printf 'true\n' >> "$W/fast.cmds"
done

export HOME="$W/home" TCLI_DATA_DIR="$W/data" TCLI_NO_DOCKER=1
export PATH="$W/bin:/usr/local/bin:/usr/bin:/bin"
unset CI
SLOW="env TCLI_CONFIG_DIR=$W/slow/config TCLI_CACHE_DIR=$W/cache-slow TCLI_PLUGIN_PATH=$W/plugins $TCLI doctor"
FAST="env TCLI_CONFIG_DIR=$W/fast/config TCLI_CACHE_DIR=$W/cache-fast TCLI_PLUGIN_PATH=$W/plugins $TCLI doctor"
WITH="env TCLI_CONFIG_DIR=$W/fast/config TCLI_CACHE_DIR=$W/cache-with TCLI_PLUGIN_PATH=$W/plugins"
WITHOUT="env TCLI_CONFIG_DIR=$W/fast/config TCLI_CACHE_DIR=$W/cache-without TCLI_PLUGIN_PATH=$W/none"
for c in "$SLOW" "$FAST"; do $c >/dev/null 2>&1; done # index built once, as on any warm machine
$WITH "$TCLI" --help >/dev/null
$WITHOUT "$TCLI" --help >/dev/null
$SLOW >"$W/slow.out" 2>&1 || { cat "$W/slow.out"; exit 1; }
grep -q '^51 checks: 51 ok' "$W/slow.out" || { echo "doctor did not pass all 51 checks:" >&2; cat "$W/slow.out" >&2; exit 1; }

echo "== 1. 50 checks, 10 sleeping 1 s"
hyperfine -N --warmup 1 --runs 10 --export-json "$OUT/doctor-slow.json" \
    -n "tcli doctor (50 checks, 10 x sleep 1)" "$SLOW" \
    -n "peer: xargs -P 32 sh -c (same commands)" "xargs -a $W/slow.cmds -P 32 -d '\n' -n 1 sh -c"

echo "== 2. 50 instant checks"
hyperfine -N --warmup 5 --runs 50 --export-json "$OUT/doctor-fast.json" \
    -n "tcli doctor (50 instant checks)" "$FAST" \
    -n "peer: xargs -P 32 sh -c (same commands)" "xargs -a $W/fast.cmds -P 32 -d '\n' -n 1 sh -c"

echo "== 3. warm path with and without the doctor library installed"
hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/doctor-warm-help.json" \
    -n "tcli --help, without doctor" "$WITHOUT $TCLI --help" \
    -n "tcli --help, with doctor" "$WITH $TCLI --help"
hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/doctor-warm-dispatch.json" \
    -n "tcli hello, without doctor" "$WITHOUT $TCLI hello" \
    -n "tcli hello, with doctor" "$WITH $TCLI hello"

python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
def load(name):
    return json.load(open(f"{out}/{name}.json"))["results"]
def ms(r, f):
    return f(r["times"]) * 1000
print("\n== summary (ms: best / median)")
for name, target in [("doctor-slow", 1500), ("doctor-fast", 100)]:
    a, peer = load(name)
    best, med = ms(a, min), ms(a, statistics.median)
    print(f"{a['command']}: {best:.1f} / {med:.1f}  target < {target}: {'met' if med < target else 'MISSED'}")
    print(f"  {peer['command']}: {ms(peer, min):.1f} / {ms(peer, statistics.median):.1f}"
          f"  ratio (median) {med / ms(peer, statistics.median):.2f}")
for name in ["doctor-warm-help", "doctor-warm-dispatch"]:
    without, with_ = load(name)
    d = ms(with_, statistics.median) - ms(without, statistics.median)
    print(f"{with_['command']}: {ms(with_, min):.2f} / {ms(with_, statistics.median):.2f};"
          f" without: {ms(without, min):.2f} / {ms(without, statistics.median):.2f};"
          f" difference (median) {d:+.2f} ms, ratio {ms(with_, statistics.median) / ms(without, statistics.median):.3f}")
PY
