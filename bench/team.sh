#!/usr/bin/env bash
# Issue #5 targets, measured with hyperfine in one run beside peers:
#   1. the warm path (`tcli --help`, dispatch of an exec module) with 5 team repos configured,
#      against no team repos (and against no team repos but the same modules on PATH), in the
#      same run: target within 1 ms;
#   2. by strace, that the warm path opens nothing under a `.git/` dir, on a pipe and on a
#      terminal (where the stale-hint check runs);
#   3. `tcli team update` of an up-to-date repo over a local path, beside
#      `git pull --ff-only` of the same checkout: target < 50 ms.
# Usage: bench/team.sh   (builds a release tcli; needs hyperfine, cc, git, strace, script)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

cargo build --release -p tcli-core -p tcli-git --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-team.XXXXXX)"
trap 'rm -rf "$W"' EXIT
OUT="${BENCH_OUT:-bench/out}"
BASE_PATH="/usr/local/bin:/usr/bin:/bin"
mkdir -p "$OUT" "$W/bin" "$W/config" "$W/home"
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1 TCLI_NO_DOCKER=1 TCLI_CONFIG_DIR="$W/config"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset CI

cc -O2 -o "$W/hello" bench/hello.c
cp "$W/hello" "$W/bin/tcli-hello"

# Five team remotes, each shipping one module and a tcli.toml; the same five modules also go
# into plain PATH dirs for the like-for-like comparison.
for i in 1 2 3 4 5; do
    git init -q --bare -b main "$W/remotes/team$i.git"
    git init -q -b main "$W/work/team$i"
    mkdir -p "$W/work/team$i/bin" "$W/pathdirs/d$i"
    cp "$W/hello" "$W/work/team$i/bin/tcli-tool$i"
    cp "$W/hello" "$W/pathdirs/d$i/tcli-tool$i"
    printf '[bookmarks]\nwiki%s = "https://wiki.example.com/%s"\n' "$i" "$i" >"$W/work/team$i/tcli.toml"
    git -C "$W/work/team$i" add -A
    git -C "$W/work/team$i" commit -q -m "team $i"
    git -C "$W/work/team$i" push -q "$W/remotes/team$i.git" main
done

TEAMS_ENV="TCLI_DATA_DIR=$W/data5 TCLI_CACHE_DIR=$W/cache5 PATH=$W/bin:$BASE_PATH"
NONE_ENV="TCLI_DATA_DIR=$W/data0 TCLI_CACHE_DIR=$W/cache0 PATH=$W/bin:$BASE_PATH"
SAME_ENV="TCLI_DATA_DIR=$W/data0 TCLI_CACHE_DIR=$W/cacheP PATH=$W/bin:$W/pathdirs/d1:$W/pathdirs/d2:$W/pathdirs/d3:$W/pathdirs/d4:$W/pathdirs/d5:$BASE_PATH"
for i in 1 2 3 4 5; do
    env $TEAMS_ENV "$TCLI" team add "$W/remotes/team$i.git" >/dev/null
done
for e in "$TEAMS_ENV" "$NONE_ENV" "$SAME_ENV"; do env $e "$TCLI" --help >/dev/null; done

echo "== 1. warm path: 5 team repos vs none (same run)"
hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/team-help.json" \
    -n "help, no teams" "env $NONE_ENV $TCLI --help" \
    -n "help, no teams, same modules on PATH" "env $SAME_ENV $TCLI --help" \
    -n "help, 5 teams" "env $TEAMS_ENV $TCLI --help"
hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/team-dispatch.json" \
    -n "dispatch, no teams" "env $NONE_ENV $TCLI hello" \
    -n "dispatch, no teams, same modules on PATH" "env $SAME_ENV $TCLI hello" \
    -n "dispatch, 5 teams" "env $TEAMS_ENV $TCLI hello"

echo "== 2. what the warm path touches under .git/ (5 teams)"
# Age every checkout so that on the terminal the stale-hint check finds them stale and prints.
for i in 1 2 3 4 5; do
    for f in tcli-fetched FETCH_HEAD; do
        [ ! -e "$W/data5/teams/team$i/.git/$f" ] || touch -d '9 days ago' "$W/data5/teams/team$i/.git/$f"
    done
done
for args in "--help" "hello"; do
    strace -f -qq -e trace=openat,open,newfstatat,statx,stat -o "$W/trace" env $TEAMS_ENV "$TCLI" $args >/dev/null 2>&1
    echo "pipe:     tcli $args: opens under .git/ = $(grep -E 'open' "$W/trace" | grep -c '/\.git/' || true), stats under .git/ = $(grep -E 'stat' "$W/trace" | grep -c '/\.git/' || true)"
    rm -f "$W/cache5/team-stale-hint"
    script -qec "strace -f -qq -e trace=openat,open,newfstatat,statx,stat -o $W/trace env $TEAMS_ENV $TCLI $args >/dev/null" /dev/null >"$W/tty-out" </dev/null
    echo "terminal: tcli $args: opens under .git/ = $(grep -E 'open' "$W/trace" | grep -c '/\.git/' || true), stats under .git/ = $(grep -E 'stat' "$W/trace" | grep -c '/\.git/' || true); printed: $(tr -d '\r' <"$W/tty-out" | sed 's/\x1b\[[0-9;]*m//g' | grep hint: || echo nothing)"
done

echo "== 3. team update of an up-to-date repo over a local path, beside git pull --ff-only"
export TCLI_DATA_DIR="$W/data5" TCLI_CACHE_DIR="$W/cache5" PATH="$W/bin:$BASE_PATH"
hyperfine -N --warmup 5 --runs 100 --export-json "$OUT/team-update.json" \
    -n "tcli team update team1" "$TCLI team update team1" \
    -n "git pull --ff-only" "git -C $W/data5/teams/team1 pull -q --ff-only"

echo "== summary"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def medians(f):
    return {r["command"]: r["median"] * 1000 for r in json.load(open(f"{out}/{f}"))["results"]}
for f, what in (("team-help.json", "tcli --help"), ("team-dispatch.json", "tcli hello")):
    none, same, teams = medians(f).values()
    print(f"{what}: no teams {none:.3f} ms, same modules on PATH {same:.3f} ms, 5 teams {teams:.3f} ms"
          f" -> +{teams - none:.3f} ms over none, +{teams - same:.3f} ms over PATH (target < 1 ms)")
tcli, git = medians("team-update.json").values()
print(f"team update (up to date, local path): tcli {tcli:.2f} ms (target < 50), git pull --ff-only {git:.2f} ms")
PY
