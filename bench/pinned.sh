#!/usr/bin/env bash
# Issue #11 targets (pinned modules), measured with hyperfine beside peers in the same run:
#   1. `tcli team update` of a team pinning 3 images and 3 libraries when nothing changed:
#      no registry and no HTTP request (the registry's access log and the file server's request
#      log are counted before and after), time within 1.3x of a bare `git fetch` of the same repo;
#   2. pulling a pinned image (`tcli team update` restoring it after `docker rmi`) within 1.2x
#      of `docker pull` of the same digest from the same local registry;
#   3. the warm path (`tcli --help`, dispatch of an exec module) with 20 pinned modules
#      (17 images, 3 libraries) within 0.1 ms of the same commands with none.
# Usage: bench/pinned.sh   (builds release binaries; needs a Docker engine (.ci/docker-up),
# docker-registry, hyperfine, busybox-static, python3, git). Results: bench/out/pinned-*.json
# and a summary with best and median of ROUNDS rounds (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
ROUNDS="${ROUNDS:-3}"
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt install hyperfine)" >&2; exit 1; }
command -v docker-registry >/dev/null || { echo "docker-registry is missing (apt install docker-registry)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "no Docker engine: run .ci/docker-up first" >&2; exit 1; }

cargo build --release --quiet -p tcli-core -p tcli-git -p tcli-docker -p tcli-http
# The libraries to pin: the e2e fixture `hello` and the bundled `web` and `project`, debug
# builds as the e2e tests make them (none of the targets loads a library).
CARGO_TARGET_DIR="$ROOT/target/fixtures-native" cargo build --quiet \
    --manifest-path tests/fixtures/native/Cargo.toml -p fixture-hello
CARGO_TARGET_DIR="$ROOT/target/fixtures-native" cargo build --quiet \
    -p tcli-plugin-web -p tcli-plugin-project
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TCLI="$TARGET_DIR/release/tcli"
LIBS="$ROOT/target/fixtures-native/debug"
W="$(mktemp -d /tmp/tcli-pinned-bench.XXXXXX)"
OUT="$(realpath -m "${BENCH_OUT:-bench/out}")"
mkdir -p "$OUT" "$W/root/bin" "$W/www" "$W/bin" "$W/data" "$W/cache" "$W/config" "$W/none"
PIDS=()
IMAGES=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    # By ID: tcli's tcli-pinned/ tags and the digest names go with it.
    for i in "${IMAGES[@]}"; do
        id="$(docker image inspect --format '{{.Id}}' "$i" 2>/dev/null)" || continue
        docker rmi -f "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A registry on loopback, its access log in reg.log.
RPORT="$(free_port)"
cat >"$W/reg.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $W/regdata
http:
  addr: 127.0.0.1:$RPORT
EOF
docker-registry serve "$W/reg.yml" >"$W/reg.log" 2>&1 &
PIDS+=($!)
# A file server on loopback that logs every request (one line each) in http.log.
HPORT="$(free_port)"
(cd "$W/www" && exec python3 -m http.server "$HPORT" --bind 127.0.0.1) >"$W/http.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$RPORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$HPORT") 2>/dev/null && break
    sleep 0.1
done
REG="127.0.0.1:$RPORT"
registry_requests() { grep -cE '"(GET|HEAD|POST|PUT) /v2/' "$W/reg.log" || true; }
http_requests() { grep -cE '"(GET|HEAD) /' "$W/http.log" || true; }

# Images: a busybox rootfs with 20 different entrypoints, pushed, then removed locally.
cp /bin/busybox "$W/root/bin/busybox"
ln -s busybox "$W/root/bin/echo"
tar -C "$W/root" -cf "$W/rootfs.tar" .
pin_image() { # name -> the pinned reference
    local tag="$REG/bench/$1:1"
    docker import --change "ENTRYPOINT [\"/bin/echo\", \"$1\"]" "$W/rootfs.tar" "$tag" >/dev/null
    docker push -q "$tag" >/dev/null
    local ref
    ref="$(docker inspect --format '{{index .RepoDigests 0}}' "$tag")"
    docker rmi -f "$tag" >/dev/null
    IMAGES+=("$ref")
    echo "$REG/bench/$1:1@${ref#*@}"
}
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
pin_lib() { # name file -> a [modules] table served by the file server
    cp "$2" "$W/www/lib$1.so"
    printf '[modules.%s.native.%s]\nurl = "http://127.0.0.1:%s/lib%s.so"\nsha256 = "%s"\n' \
        "$1" "$TRIPLE" "$HPORT" "$1" "$(sha256sum "$2" | cut -d' ' -f1)"
}
LIBTOML="$(pin_lib hello "$LIBS/libfixture_hello.so")
$(pin_lib web "$LIBS/libtcli_plugin_web.so")
$(pin_lib project "$LIBS/libtcli_plugin_project.so")"
SIX="$LIBTOML"
for n in a b c; do SIX="$SIX
[modules.img-$n]
image = \"$(pin_image "img-$n")\""; done
TWENTY="$SIX"
for n in $(seq 4 17); do TWENTY="$TWENTY
[modules.img-$n]
image = \"$(pin_image "img-$n")\""; done
PULLED="$(pin_image pulled)"

team_repo() { # name toml
    git init -q --bare -b main "$W/$1.git"
    git clone -q "$W/$1.git" "$W/$1-work" 2>/dev/null
    printf '%s\n' "$2" >"$W/$1-work/tcli.toml"
    git -C "$W/$1-work" add -A
    git -C "$W/$1-work" -c user.name=b -c user.email=b@b commit -qm pins
    git -C "$W/$1-work" push -q origin HEAD:main
}
team_repo six "$SIX"
team_repo twenty "$TWENTY"
team_repo pull "[modules.pulled]
image = \"$PULLED\""
printf '#!/bin/sh\necho hi\n' >"$W/bin/tcli-hi" && chmod +x "$W/bin/tcli-hi"

export PATH="$W/bin:/usr/local/bin:/usr/bin:/bin" TCLI_CONFIG_DIR="$W/config" TCLI_CACHE_DIR="$W/cache"
unset TCLI_NO_DOCKER DOCKER_HOST
export TCLI_DATA_DIR="$W/data"
"$TCLI" team add "$W/six.git" --name six >/dev/null 2>&1
"$TCLI" team add "$W/pull.git" --name pull >/dev/null 2>&1
git clone -q "$W/six.git" "$W/six-plain"
"$TCLI" --help >/dev/null

# Prints "best median" of a hyperfine JSON's two means ratio list (second / first) per round.
summary() { python3 - "$@" <<'EOF'
import json, statistics, sys
label, first, second, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
ratios, diffs = [], []
for f in files:
    r = json.load(open(f))["results"]
    ratios.append(r[second]["mean"] / r[first]["mean"])
    diffs.append((r[second]["mean"] - r[first]["mean"]) * 1000)
print(f"{label}: ratio best {min(ratios):.2f} median {statistics.median(ratios):.2f}; "
      f"difference best {min(diffs):+.3f} ms median {statistics.median(diffs):+.3f} ms")
EOF
}

echo "== 1. no-change team update (3 images, 3 libraries) vs git fetch of the same repo"
before_reg="$(registry_requests)" before_http="$(http_requests)"
for r in $(seq "$ROUNDS"); do
    hyperfine -N --warmup 3 --runs 30 --export-json "$OUT/pinned-update-$r.json" \
        -n "git fetch" "git -C $W/six-plain fetch -q" \
        -n "tcli team update six" "$TCLI team update six" >/dev/null
done
after_reg="$(registry_requests)" after_http="$(http_requests)"
summary "tcli team update / git fetch" 0 1 "$OUT"/pinned-update-*.json
echo "registry requests during the runs: $((after_reg - before_reg)); file server requests: $((after_http - before_http))"

echo "== 2. pulling a pinned image vs docker pull of the same digest (image removed before each)"
ID="$(docker image inspect --format '{{.Id}}' "${PULLED%%:1@*}@${PULLED#*@}")"
for r in $(seq "$ROUNDS"); do
    hyperfine -N --warmup 1 --runs 10 --export-json "$OUT/pinned-pull-$r.json" \
        --prepare "docker rmi -f $ID" \
        -n "docker pull" "docker pull -q ${PULLED%%:1@*}@${PULLED#*@}" \
        -n "tcli team update pull" "$TCLI team update pull" >/dev/null
done
summary "tcli pull / docker pull" 0 1 "$OUT"/pinned-pull-*.json

echo "== 3. warm path with 20 pinned modules vs none"
export TCLI_DATA_DIR="$W/data20" TCLI_CACHE_DIR="$W/cache20"
"$TCLI" team add "$W/twenty.git" --name twenty >/dev/null 2>&1
"$TCLI" --help >/dev/null
test "$("$TCLI" modules list | grep -c 'bench\|store/native')" -ge 20 || { echo "the 20 pins are not listed" >&2; exit 1; }
for r in $(seq "$ROUNDS"); do
    hyperfine -N --warmup 20 --runs 300 --export-json "$OUT/pinned-warm-help-$r.json" \
        -n "tcli --help, no pins" "env TCLI_DATA_DIR=$W/none TCLI_CACHE_DIR=$W/cache-none $TCLI --help" \
        -n "tcli --help, 20 pins" "env TCLI_DATA_DIR=$W/data20 TCLI_CACHE_DIR=$W/cache20 $TCLI --help" >/dev/null
    hyperfine -N --warmup 20 --runs 300 --export-json "$OUT/pinned-warm-exec-$r.json" \
        -n "tcli hi, no pins" "env TCLI_DATA_DIR=$W/none TCLI_CACHE_DIR=$W/cache-none $TCLI hi" \
        -n "tcli hi, 20 pins" "env TCLI_DATA_DIR=$W/data20 TCLI_CACHE_DIR=$W/cache20 $TCLI hi" >/dev/null
done
summary "tcli --help 20 pins - none" 0 1 "$OUT"/pinned-warm-help-*.json
summary "tcli hi (exec) 20 pins - none" 0 1 "$OUT"/pinned-warm-exec-*.json
