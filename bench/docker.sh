#!/usr/bin/env bash
# Issue #4 targets, measured with hyperfine in one run beside peers:
#   1. `tcli <docker module> args` against `docker run --rm` of the same image ID with the same
#      flags and mounts (--init -i, uid:gid, cwd at the same path): tcli no slower
#      (mean ratio docker/tcli >= 0.8 is the issue's floor; >= 1 means tcli is faster);
#   2. `tcli --help` and an exec-module dispatch with the engine stopped (no socket, and a
#      socket that refuses), and with a socket that accepts but never answers: each within
#      1 ms of the same command with TCLI_NO_DOCKER=1 (steady state; the one contact per
#      back-off period that waits for the 2 s connect timeout is measured on its own).
# Usage: bench/docker.sh   (builds a release tcli; needs a Docker engine (.ci/docker-up),
# hyperfine, busybox-static, python3). Results: bench/out/docker-*.json and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }
docker info >/dev/null 2>&1 || { echo "no Docker engine: run .ci/docker-up first" >&2; exit 1; }

cargo build --release -p tcli-core -p tcli-docker --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-docker-bench.XXXXXX)"
OUT="$(realpath -m "${BENCH_OUT:-bench/out}")"
TAG="tcli-bench-$$/hello:1"
HANG_PID=""
cleanup() {
    [ -n "$HANG_PID" ] && kill "$HANG_PID" 2>/dev/null || true
    docker rmi -f "$TAG" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$OUT" "$W/root/bin" "$W/bin" "$W/cache" "$W/config" "$W/data" "$W/work"

# The image: a busybox-static rootfs, as the e2e tests build it.
cp /bin/busybox "$W/root/bin/busybox"
ln -s busybox "$W/root/bin/echo"
tar -C "$W/root" -cf "$W/rootfs.tar" .
ID="$(docker import --change 'ENTRYPOINT ["/bin/busybox"]' \
    --change 'LABEL io.tcli.module="hello-docker" io.tcli.description="bench module"' \
    "$W/rootfs.tar" "$TAG")"
printf '#!/bin/sh\necho hi\n' >"$W/bin/tcli-hello" && chmod +x "$W/bin/tcli-hello"

export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache"
export PATH="$W/bin:/usr/local/bin:/usr/bin:/bin"
unset TCLI_NO_DOCKER DOCKER_HOST
cd "$W/work"
"$TCLI" --help >/dev/null # index once

echo "== 1. tcli hello-docker echo hi  vs  docker run --rm (same image ID, flags, mounts)"
hyperfine -N --warmup 3 --runs 30 --export-json "$OUT/docker-run.json" \
    -n "docker run --rm" \
    "docker run --rm -i --init -u $(id -u):$(id -g) -v $PWD:$PWD -w $PWD -e TCLI_MODULE=hello-docker $ID echo hi" \
    -n "tcli hello-docker" \
    "$TCLI hello-docker echo hi"

# Each case: `tcli --help` and `tcli hello` (an exec module) with DOCKER_HOST at a bad
# engine, against TCLI_NO_DOCKER=1. Every case has a cache of its own, warmed first (so the
# one contact per back-off period is paid in the warm-up, as a user pays it once a minute).
bench_case() {
    local name=$1 host=$2
    export TCLI_CACHE_DIR="$W/cache-$name"
    DOCKER_HOST="$host" "$TCLI" --help >/dev/null 2>&1
    hyperfine -N --warmup 20 --runs 300 --export-json "$OUT/docker-$name.json" \
        -n "tcli --help, TCLI_NO_DOCKER=1" "env TCLI_NO_DOCKER=1 DOCKER_HOST=$host $TCLI --help" \
        -n "tcli --help, $name" "env DOCKER_HOST=$host $TCLI --help" \
        -n "tcli hello (exec), TCLI_NO_DOCKER=1" "env TCLI_NO_DOCKER=1 DOCKER_HOST=$host $TCLI hello" \
        -n "tcli hello (exec), $name" "env DOCKER_HOST=$host $TCLI hello"
}

echo "== 2a. engine stopped: no socket"
bench_case stopped "unix://$W/no-such.sock"

echo "== 2b. engine stopped: a socket nobody listens on (connection refused)"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$W/dead.sock"
bench_case refused "unix://$W/dead.sock"

echo "== 2c. a socket that accepts and never answers"
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64); time.sleep(3600)' "$W/hang.sock" &
HANG_PID=$!
while [ ! -S "$W/hang.sock" ]; do sleep 0.05; done
bench_case hanging "unix://$W/hang.sock"
# What the back-off saves: the one contact per 60 s that waits for the connect timeout.
hyperfine -N --runs 3 --prepare "rm -rf $W/cache-first" --export-json "$OUT/docker-first.json" \
    -n "tcli --help, hanging, first contact" \
    "env TCLI_CACHE_DIR=$W/cache-first DOCKER_HOST=unix://$W/hang.sock $TCLI --help"

echo "== summary"
python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
def load(n):
    return {r["command"]: r for r in json.load(open(f"{out}/docker-{n}.json"))["results"]}
run = load("run")
d, t = run["docker run --rm"], run["tcli hello-docker"]
print(f"run: docker run {d['mean']*1000:.1f} ms, tcli {t['mean']*1000:.1f} ms, "
      f"docker/tcli = {d['mean']/t['mean']:.2f} (target >= 0.8)")
for case in ("stopped", "refused", "hanging"):
    r = load(case)
    for what in ("tcli --help", "tcli hello (exec)"):
        base, bad = r[f"{what}, TCLI_NO_DOCKER=1"], r[f"{what}, {case}"]
        diff = (bad["mean"] - base["mean"]) * 1000
        print(f"{case:8} {what:17}: {bad['mean']*1000:.2f} ms vs {base['mean']*1000:.2f} ms "
              f"with TCLI_NO_DOCKER=1 ({diff:+.2f} ms, median {(bad['median']-base['median'])*1000:+.2f} ms; target < 1 ms)")
first = load("first")["tcli --help, hanging, first contact"]
print(f"hanging  first contact (once per 60 s back-off): {first['mean']*1000:.0f} ms")
EOF
