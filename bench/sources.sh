#!/usr/bin/env bash
# Issue "A thinner core" target: warm `tcli --help` with 300 exec modules and 5 source plugins
# (docs/examples/tcli-source-scripts, 10 scripts each) under 5 ms and running no process but
# tcli itself (strace -f). Peer in the same hyperfine run: git listing its commands
# (`git --list-cmds=main,others`), which also scans PATH.
# Usage: bench/sources.sh   (builds a release tcli; needs hyperfine, cc, git, strace, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

cargo build --release --workspace --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
W="$(mktemp -d /tmp/tcli-bench-sources.XXXXXX)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/prefix/bin" "$W/many" "$W/sources" "$W/cache" "$W/data" "$W/config" "$W/impl"
cp "$TARGET_DIR/release/tcli" "$W/prefix/bin/tcli"
TCLI="$W/prefix/bin/tcli"
OUT="${BENCH_OUT:-bench/out}"
mkdir -p "$OUT"

cc -O2 -o "$W/hello" bench/hello.c
for i in $(seq 1 300); do cp "$W/hello" "$W/many/tcli-mod$i"; done
cp docs/examples/tcli-source-scripts "$W/impl/scripts-source"
for s in 1 2 3 4 5; do
    mkdir -p "$W/scripts$s"
    for j in $(seq 1 10); do
        printf '#!/bin/sh\n# Summary: script %s of source %s\necho hi\n' "$j" "$s" >"$W/scripts$s/s$s-job$j"
        chmod +x "$W/scripts$s/s$s-job$j"
    done
    printf '#!/bin/sh\nTCLI_SCRIPTS_DIR=%s exec %s "$@"\n' "$W/scripts$s" "$W/impl/scripts-source" >"$W/sources/tcli-source-s$s"
    chmod +x "$W/sources/tcli-source-s$s"
done

export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache" TCLI_NO_DOCKER=1
export PATH="$W/sources:$W/many:/usr/local/bin:/usr/bin:/bin"
"$TCLI" --help >"$W/help.txt"
echo "modules listed: $(grep -c 'job\|mod[0-9]' "$W/help.txt") (expect 350)"

echo "== warm tcli --help, 300 exec modules + 5 sources, beside git listing its commands"
hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/sources-help.json" \
    "git --list-cmds=main,others" "$TCLI --help"

strace -f -qq -e trace=execve,rename -o "$W/trace" "$TCLI" --help >/dev/null
echo "warm tcli --help: execve=$(grep -c 'execve(' "$W/trace" || true) (1 = tcli itself), index writes=$(grep -c rename "$W/trace" || true)"

python3 - "$OUT" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(f"{sys.argv[1]}/sources-help.json"))["results"]}
for k, v in r.items():
    print(f"{k}: median {v['median']*1000:.2f} ms, best {v['min']*1000:.2f} ms")
PY
