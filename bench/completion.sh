#!/usr/bin/env bash
# Issue #6 target, measured with hyperfine beside git in one run (ratios over absolute times):
#   `tcli <TAB>` with 300 exec modules: under 10 ms, no module process spawned.
# Three views of one TAB:
#   1. the binary's answer alone: `tcli __complete bash -- ''`, against what git's own bash
#      completion asks git for `git <TAB>`: `git --list-cmds=main,others,alias,nohelpers` with
#      300 git-* commands on PATH;
#   2. the whole bash completion function, as a user's TAB runs it (`_tcli` against git's
#      `__git_main`, each in a fresh bash that sourced its script once, so bash startup is
#      common to both);
#   3. by strace: the processes one TAB starts (only tcli) and that no index is written.
# Usage: bench/completion.sh   (builds a release tcli; needs hyperfine, cc, git, strace)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

cargo build --release -p tcli-core --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
W="$(mktemp -d /tmp/tcli-bench.XXXXXX)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/prefix/bin" "$W/many" "$W/cache" "$W/data" "$W/config"
cp "$TARGET_DIR/release/tcli" "$W/prefix/bin/tcli"
OUT="${BENCH_OUT:-bench/out}"
mkdir -p "$OUT"

cc -O2 -o "$W/hello" bench/hello.c
for i in $(seq 1 300); do
    cp "$W/hello" "$W/many/tcli-mod$i"
    cp "$W/hello" "$W/many/git-mod$i"
done
export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache" TCLI_NO_DOCKER=1
export PATH="$W/prefix/bin:$W/many:/usr/local/bin:/usr/bin:/bin"
tcli --help >/dev/null # the index, as any earlier tcli run leaves it
test "$(tcli __complete bash -- '' | wc -l)" -ge 304

echo "== 1. the answer to one TAB (300 modules)"
hyperfine -N --warmup 20 --runs 300 --export-json "$OUT/complete-answer.json" \
    "tcli __complete bash -- ''" \
    "git --list-cmds=main,others,alias,nohelpers"

echo "== 2. the whole completion function in bash"
tcli completion bash > "$W/tcli.bash"
GIT_COMPLETION=/usr/share/bash-completion/completions/git
if [ -f "$GIT_COMPLETION" ]; then
    hyperfine --warmup 5 --runs 100 --export-json "$OUT/complete-bash.json" \
        -n "bash only" "bash --norc -c 'source $W/tcli.bash; source $GIT_COMPLETION'" \
        -n "tcli <TAB>" "bash --norc -c 'source $W/tcli.bash; source $GIT_COMPLETION; COMP_WORDS=(tcli \"\"); COMP_CWORD=1; _tcli'" \
        -n "git <TAB>" "bash --norc -c 'source $W/tcli.bash; source $GIT_COMPLETION; COMP_WORDS=(git \"\"); COMP_CWORD=1; COMP_LINE=\"git \"; COMP_POINT=4; cur=\"\"; words=(git \"\"); cword=1; prev=git; __git_main'"
else
    echo "(git's bash completion not installed: apt-get install bash-completion; step 2 skipped)"
fi

echo "== 3. what one TAB does (strace)"
if command -v strace >/dev/null; then
    before=$(stat -c %Y.%i "$W/cache/index.jsonl")
    strace -f -qq -e trace=execve,rename,openat -o "$W/trace" tcli __complete bash -- '' >/dev/null
    echo "processes started: $(grep -c 'execve(' "$W/trace") (tcli itself)"
    echo "index opened for writing: $(grep -c 'index.*O_WRONLY\|O_CREAT' "$W/trace" || true); renames: $(grep -c 'rename' "$W/trace" || true)"
    echo "directories listed: $(grep -c 'O_DIRECTORY' "$W/trace" || true)"
    test "$before" = "$(stat -c %Y.%i "$W/cache/index.jsonl")" && echo "index unchanged"
else
    echo "(strace not installed; step 3 skipped)"
fi
