#!/usr/bin/env bash
# Issue #2 targets, measured with hyperfine in one run beside peers (ratios over absolute times):
#   1. dispatch overhead of `tcli hello` over `tcli-hello`, against git's for `git hello`;
#   2. `tcli --help` with 300 exec modules on PATH, warm and cold index;
#   3. dispatch with 10 and with 1000 modules installed;
#   4. peak RSS of a dispatch; and, by strace, what the warm paths do (processes, connects,
#      index writes).
# Usage: bench/core.sh   (builds a release tcli; needs hyperfine, cc, git, strace, python3)
#   BENCH_TCLI=/path/to/tcli      measure that binary instead of building one (its helpers are
#                                 not needed: none of these commands starts one)
#   BENCH_BASELINE=/path/to/tcli  also measure an older build for target 1, right after and
#                                 beside the same peers, e.g. one built from an earlier commit
#                                 in a worktree
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
if [ -z "${BENCH_TCLI:-}" ]; then
    cargo build --release -p tcli-core -p tcli-git -p tcli-docker --quiet
    BENCH_TCLI="$TARGET_DIR/release/tcli"
fi
W="$(mktemp -d /tmp/tcli-bench.XXXXXX)"
trap 'rm -rf "$W"' EXIT
# Measure installed copies, as users run them (install.sh copies the binary). The file the
# linker just wrote measured ~0.1 ms slower to start here, page cache state we do not ship.
mkdir -p "$W/prefix/bin" "$W/prefix/libexec/tcli" "$W/baseline/bin"
cp "$BENCH_TCLI" "$W/prefix/bin/tcli"
for helper in tcli_git tcli_docker; do
    [ ! -f "$(dirname "$BENCH_TCLI")/$helper" ] || cp "$(dirname "$BENCH_TCLI")/$helper" "$W/prefix/libexec/tcli/"
done
TCLI="$W/prefix/bin/tcli"
[ -z "${BENCH_BASELINE:-}" ] || cp "$BENCH_BASELINE" "$W/baseline/bin/tcli"
OUT="${BENCH_OUT:-bench/out}"
mkdir -p "$OUT" "$W/bin" "$W/many" "$W/ten" "$W/thousand" "$W/cache" "$W/data" "$W/config"

cc -O2 -o "$W/hello" bench/hello.c
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

echo "== 1. dispatch overhead (tcli hello vs git hello vs tcli-hello)"
hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/dispatch.json" \
    -n "tcli-hello" "$W/bin/tcli-hello" -n "git hello" "git hello" -n "tcli hello" "$TCLI hello"
if [ -n "${BENCH_BASELINE:-}" ]; then
    # Right after, beside the same peers, with its own index: another build may write another
    # index format, and sharing one would make each rebuild it on every run.
    TCLI_CACHE_DIR="$W/cache-baseline" "$W/baseline/bin/tcli" hello
    TCLI_CACHE_DIR="$W/cache-baseline" hyperfine -N --warmup 50 --runs 500 \
        --export-json "$OUT/dispatch-baseline.json" \
        -n "tcli-hello" "$W/bin/tcli-hello" -n "git hello" "git hello" \
        -n "baseline tcli hello" "$W/baseline/bin/tcli hello"
fi

echo "== 2. tcli --help with 300 exec modules"
export PATH="$W/bin:$W/many:$BASE_PATH"
"$TCLI" --help >/dev/null
hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/help-warm.json" "$TCLI --help"
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
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def means(f):
    return {r["command"]: r for r in json.load(open(f"{out}/{f}"))["results"]}
d = {k: v["median"] * 1000 for k, v in means("dispatch.json").items()}
direct, git, tcli = d["tcli-hello"], d["git hello"], d["tcli hello"]
print(f"direct {direct:.3f} ms, git hello {git:.3f} ms, tcli hello {tcli:.3f} ms (medians)")
print(f"overhead: git +{git-direct:.3f} ms, tcli +{tcli-direct:.3f} ms, ratio {(tcli-direct)/(git-direct):.2f} (target <= 0.50)")
import os
if os.path.exists(f"{out}/dispatch-baseline.json"):
    b = {k: v["median"] * 1000 for k, v in means("dispatch-baseline.json").items()}
    bd, bg, base = b["tcli-hello"], b["git hello"], b["baseline tcli hello"]
    print(f"baseline: direct {bd:.3f} ms, git hello {bg:.3f} ms, tcli hello {base:.3f} ms; overhead +{base-bd:.3f} ms, ratio {(base-bd)/(bg-bd):.2f}")
w = means("help-warm.json"); c = means("help-cold.json")
print(f"tcli --help, 300 modules: warm {list(w.values())[0]['median']*1000:.2f} ms (target < 5), cold {list(c.values())[0]['median']*1000:.0f} ms (target < 1500)")
s = means("scale.json")
a, b = (v["median"] * 1000 for v in s.values())
print(f"dispatch with 10 modules {a:.3f} ms, with 1000 {b:.3f} ms (ratio {b/a:.2f})")
PY
