#!/usr/bin/env bash
# Issue #2 targets, measured with hyperfine in one run beside peers (ratios over absolute times):
#   1. dispatch overhead of `tcli hello` over `tcli-hello`, against the floor (bench/launcher.c:
#      a hardened C program that only execs `tcli-hello`) and git's for `git hello`, in
#      BENCH_ROUNDS rounds (default 3; issue 28: within 1.15x of the floor, best of the rounds);
#   2. `tcli --help` with 300 exec modules on PATH, warm and cold index;
#   3. dispatch with 10 and with 1000 modules installed;
#   4. peak RSS of a dispatch; and, by strace, what the warm paths do (processes, connects,
#      index writes).
# Usage: bench/core.sh   (builds tcli as install.sh does, release, the whole workspace, and
#                         installs it with its bundled plugins; needs hyperfine, cc, git,
#                         strace, readelf, python3)
#   BENCH_TCLI=/path/to/tcli      measure that binary instead of building one (its helpers are
#                                 not needed: none of these commands starts one; the bundled
#                                 plugins beside it are installed too, as install.sh does)
#   BENCH_BASELINE=/path/to/tcli  also measure an older build for target 1, right after and
#                                 beside the same peers, e.g. one built from an earlier commit
#                                 in a worktree
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
if [ -z "${BENCH_TCLI:-}" ]; then
    # The whole workspace, as install.sh builds it: features are unified over what is built
    # together, so `-p tcli-core` alone could link another tcli than users get.
    cargo build --release --workspace --quiet
    BENCH_TCLI="$TARGET_DIR/release/tcli"
fi
W="$(mktemp -d /tmp/tcli-bench.XXXXXX)"
trap 'rm -rf "$W"' EXIT
# Measure installed copies, as users run them (install.sh copies the binary). The file the
# linker just wrote measured ~0.1 ms slower to start here, page cache state we do not ship.
# The bundled plugins too: the native line of the index, which a dispatch checks first
# (precedence), lists them, and checking it fresh stats each library.
install_tcli() { # tcli prefix
    mkdir -p "$2/bin" "$2/libexec/tcli" "$2/lib/tcli/plugins"
    cp "$1" "$2/bin/tcli"
    for helper in tcli_git tcli_docker tcli_http; do
        [ ! -f "$(dirname "$1")/$helper" ] || cp "$(dirname "$1")/$helper" "$2/libexec/tcli/"
    done
    for lib in "$(dirname "$1")"/libtcli_plugin_*.so; do
        [ ! -f "$lib" ] || cp "$lib" "$2/lib/tcli/plugins/"
    done
}
install_tcli "$BENCH_TCLI" "$W/prefix"
TCLI="$W/prefix/bin/tcli"
[ -z "${BENCH_BASELINE:-}" ] || install_tcli "$BENCH_BASELINE" "$W/baseline"
OUT="${BENCH_OUT:-bench/out}"
mkdir -p "$OUT" "$W/bin" "$W/many" "$W/ten" "$W/thousand" "$W/cache" "$W/data" "$W/config"

cc -O2 -o "$W/hello" bench/hello.c
# The floor, hardened as tcli is (.cargo/config.toml): PIE, full RELRO, BIND_NOW, DT_RELR.
cc -O2 -fPIE -pie -Wl,-z,relro,-z,now -Wl,-z,pack-relative-relocs -o "$W/launcher" bench/launcher.c
readelf -d "$W/launcher" | grep -q 'FLAGS.*BIND_NOW' || { echo "launcher is not BIND_NOW" >&2; exit 1; }
cp "$W/hello" "$W/bin/tcli-hello"
cp "$W/hello" "$W/bin/git-hello"
for i in $(seq 1 300); do cp "$W/hello" "$W/many/tcli-mod$i"; done
for i in $(seq 1 9); do cp "$W/hello" "$W/ten/tcli-mod$i"; done
for i in $(seq 1 999); do cp "$W/hello" "$W/thousand/tcli-mod$i"; done

export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_NO_DOCKER=1
BASE_PATH="/usr/local/bin:/usr/bin:/bin"
export PATH="$W/bin:$BASE_PATH"
export TCLI_CACHE_DIR="$W/cache"
"$TCLI" hello # builds the index once

echo "== 1. dispatch overhead (tcli hello vs the launcher, git hello and tcli-hello)"
# Rounds, each one hyperfine run of all the peers: on a shared machine a round's absolute
# times drift with the load, the ratios within one run much less.
ROUNDS="${BENCH_ROUNDS:-3}"
peers=(-n "tcli-hello" "$W/bin/tcli-hello" -n "launcher hello" "$W/launcher hello"
    -n "git hello" "git hello")
for round in $(seq 1 "$ROUNDS"); do
    hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/dispatch-$round.json" \
        "${peers[@]}" -n "tcli hello" "$TCLI hello"
    if [ -n "${BENCH_BASELINE:-}" ]; then
        # Right after, beside the same peers, with its own index: another build may write
        # another index format, and sharing one would make each rebuild it on every run.
        [ "$round" -gt 1 ] || TCLI_CACHE_DIR="$W/cache-baseline" "$W/baseline/bin/tcli" hello
        TCLI_CACHE_DIR="$W/cache-baseline" hyperfine -N --warmup 50 --runs 500 \
            --export-json "$OUT/dispatch-baseline-$round.json" \
            "${peers[@]}" -n "tcli hello" "$W/baseline/bin/tcli hello"
    fi
done

echo "== 2. tcli --help with 300 exec modules"
export PATH="$W/bin:$W/many:$BASE_PATH"
"$TCLI" --help >/dev/null
hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/help-warm.json" "$TCLI --help"
if [ -n "${BENCH_BASELINE:-}" ]; then
    # Each with its own index, so both through env(1), which adds the same to each.
    TCLI_CACHE_DIR="$W/cache-baseline-help" "$W/baseline/bin/tcli" --help >/dev/null
    hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/help-baseline.json" \
        -n "tcli --help" "env TCLI_CACHE_DIR=$W/cache $TCLI --help" \
        -n "baseline tcli --help" "env TCLI_CACHE_DIR=$W/cache-baseline-help $W/baseline/bin/tcli --help"
fi
hyperfine --warmup 1 --runs 10 --prepare "rm -f $W/cache/index.jsonl" \
    --export-json "$OUT/help-cold.json" "$TCLI --help"

echo "== 3. dispatch with 10 vs 1000 modules installed"
export TCLI_CACHE_DIR="$W/cache10"
PATH="$W/bin:$W/ten:$BASE_PATH" "$TCLI" --help >/dev/null
export TCLI_CACHE_DIR="$W/cache1000"
PATH="$W/bin:$W/thousand:$BASE_PATH" "$TCLI" --help >/dev/null
hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/scale.json" \
    -n "10 modules" "env TCLI_CACHE_DIR=$W/cache10 PATH=$W/bin:$W/ten:$BASE_PATH $TCLI hello" \
    -n "1000 modules" "env TCLI_CACHE_DIR=$W/cache1000 PATH=$W/bin:$W/thousand:$BASE_PATH $TCLI hello"

echo "== 4. peak RSS and what the warm paths do"
export TCLI_CACHE_DIR="$W/cache" PATH="$W/bin:$W/many:$BASE_PATH"
# GNU time forks a small process and execs tcli, so its peak RSS is tcli's (a Python parent
# would lend the child its own pages before exec and inflate the figure).
for args in "hello" "--help"; do
    /usr/bin/time -f "%M" -o "$W/rss" "$TCLI" $args >/dev/null
    echo "peak RSS of 'tcli $args' (300 modules): $(( $(cat "$W/rss") / 1024 )).$(( $(cat "$W/rss") % 1024 * 10 / 1024 )) MB (target < 10 MB)"
done
for args in "hello" "--help"; do
    strace -f -qq -e trace=execve,connect,rename,openat -o "$W/trace" "$TCLI" $args >/dev/null
    execs=$(grep -c 'execve(' "$W/trace" || true)
    connects=$(grep -c 'connect(' "$W/trace" || true)
    renames=$(grep -c 'rename' "$W/trace" || true)
    libs=$(grep -c '\.so' "$W/trace" || true)
    echo "tcli $args: execve=$execs (1 = tcli itself$([ "$args" = hello ] && echo ', 2 = plus the module')), connect=$connects, index writes=$renames, .so opened=$libs"
done

echo "== summary"
python3 - "$OUT" "$ROUNDS" "${BENCH_BASELINE:+yes}" <<'PY'
import json, os, statistics, sys
out, nrounds, baseline = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "yes"
def means(f):
    return {r["command"]: r for r in json.load(open(f"{out}/{f}"))["results"]}
def rounds(prefix, stat):
    """Per round: (direct, launcher, git, tcli) in ms, each command's median or fastest run."""
    out_rounds = []
    for r in range(1, nrounds + 1):
        d = {k: stat(v["times"]) * 1000 for k, v in means(f"{prefix}-{r}.json").items()}
        out_rounds.append((d["tcli-hello"], d["launcher hello"], d["git hello"], d["tcli hello"]))
    return out_rounds
def report(label, rs, what):
    ratios = []
    for i, (direct, floor, git, tcli) in enumerate(rs, 1):
        over = tcli - direct
        ratio = over / (floor - direct)
        ratios.append(ratio)
        print(f"{label} round {i} ({what}): direct {direct:.3f} ms; overhead: launcher +{floor-direct:.3f} ms, "
              f"git +{git-direct:.3f} ms, tcli +{over:.3f} ms; tcli/launcher {ratio:.2f}, "
              f"tcli/git {over/(git-direct):.2f}, launcher/git {(floor-direct)/(git-direct):.2f}")
    print(f"{label} ({what}): tcli's overhead over the launcher's: best {min(ratios):.2f}, "
          f"median {statistics.median(ratios):.2f} of {len(ratios)} rounds (target <= 1.15)")
# Medians, and each command's fastest run: on a loaded machine hyperfine's blocks of runs see
# different loads, and the fastest run is the figure the load disturbs least.
for label, prefix in [("tcli", "dispatch")] + ([("baseline", "dispatch-baseline")] if baseline else []):
    report(label, rounds(prefix, statistics.median), "medians")
    report(label, rounds(prefix, min), "fastest runs")
w = means("help-warm.json"); c = means("help-cold.json")
print(f"tcli --help, 300 modules: warm {list(w.values())[0]['median']*1000:.2f} ms (target < 5), cold {list(c.values())[0]['median']*1000:.0f} ms (target < 1500)")
if baseline:
    h = {k: v["median"] * 1000 for k, v in means("help-baseline.json").items()}
    print(f"tcli --help beside the baseline (same run, both through env): {h['tcli --help']:.2f} ms, "
          f"baseline {h['baseline tcli --help']:.2f} ms")
s = means("scale.json")
a, b = (v["median"] * 1000 for v in s.values())
print(f"dispatch with 10 modules {a:.3f} ms, with 1000 {b:.3f} ms (ratio {b/a:.2f})")
PY
