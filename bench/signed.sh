#!/usr/bin/env bash
# Issue #12 targets (signed team updates), measured with hyperfine in one run:
#   1. `tcli team update` bringing in 1,000 signed commits (ed25519, RSA 3072 and ECDSA P-256 in
#      turn, every one verified against its parent's roster): target under 1 s in total; beside
#      the same update of an unsigned team (the cost of verifying is the difference), `tcli team
#      verify` of the same 1,000 commits (offline: verification alone), and git's own check of
#      the same commits (`git log --format=%G?` with an allowed-signers file, which runs
#      ssh-keygen once per commit) as the peer;
#   2. `tcli team update` of a signed team with 1 new commit against an unsigned team with 1 new
#      commit, in the same run: target within 1.2x;
#   3. the warm path with a signed team (its checkout's HEAD read and compared with the verified
#      commit on every run, docs/team-repos.md) against an unsigned one: `tcli hello` (an exec
#      module on PATH), three rounds; target within 0.05 ms.
# Usage: bench/signed.sh   (builds a release tcli; needs hyperfine, git, ssh-keygen)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed" >&2; echo "hint: install it (Debian: apt-get install hyperfine; or cargo install hyperfine)" >&2; exit 1; }

cargo build --release -p tcli-core -p tcli-git --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-signed.XXXXXX)"
trap 'rm -rf "$W"' EXIT
OUT="${BENCH_OUT:-bench/out}"
N="${BENCH_COMMITS:-1000}"
mkdir -p "$OUT" "$W/home" "$W/config" "$W/keys"
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1 TCLI_NO_DOCKER=1 TCLI_CONFIG_DIR="$W/config"
export TCLI_CACHE_DIR="$W/cache"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset CI

ssh-keygen -q -N '' -t ed25519 -C ana -f "$W/keys/ana"
ssh-keygen -q -N '' -t rsa -b 3072 -C bo -f "$W/keys/bo"
ssh-keygen -q -N '' -t ecdsa -b 256 -C cy -f "$W/keys/cy"
KEYS=(ana bo cy)
{
    printf '[trust]\nrequire-signed = true\n'
    for k in "${KEYS[@]}"; do
        printf '\n[people.%s]\nkeys = ["%s"]\n' "$k" "$(cat "$W/keys/$k.pub")"
    done
} >"$W/roster.toml"
for k in "${KEYS[@]}"; do
    printf '%s@example.com %s\n' "$k" "$(cat "$W/keys/$k.pub")"
done >"$W/allowed_signers"

# A remote whose first commit has the roster (signed) or none (unsigned), added as team 'acme'
# into data dir $3, then $2 commits pushed on top; the data dir is saved so every timed run
# starts from the same checkout and registry.
setup() { # <name> <commits> <signed|unsigned>
    local name="$1" n="$2" kind="$3" work="$W/work/$1" bare="$W/remotes/$1.git"
    git init -q --bare -b main "$bare"
    git init -q -b main "$work"
    if [ "$kind" = signed ]; then
        cp "$W/roster.toml" "$work/tcli.toml"
        git -C "$work" config gpg.format ssh
    else
        printf '[bookmarks]\nwiki = "https://wiki.example.com"\n' >"$work/tcli.toml"
    fi
    git -C "$work" add -A
    git -C "$work" -c user.signingkey="$W/keys/ana" commit -q $([ "$kind" = signed ] && echo -S) -m root
    git -C "$work" push -q "$bare" main
    TCLI_DATA_DIR="$W/data-$name" "$TCLI" team add "$bare" --name acme >/dev/null
    for i in $(seq 1 "$n"); do
        echo "$i" >"$work/counter"
        git -C "$work" add counter
        if [ "$kind" = signed ]; then
            git -C "$work" -c user.signingkey="$W/keys/${KEYS[$((i % 3))]}" commit -q -S -m "change $i"
        else
            git -C "$work" commit -q -m "change $i"
        fi
    done
    git -C "$work" push -q "$bare" main
    cp -a "$W/data-$name" "$W/data-$name.saved"
}

echo "== setting up: $N signed commits (ed25519, RSA 3072, ECDSA in turn), $N unsigned, 1 + 1"
setup s1000 "$N" signed
setup u1000 "$N" unsigned
setup s1 1 signed
setup u1 1 unsigned

reset() { echo "sh -c 'rm -rf $W/data-$1 && cp -a $W/data-$1.saved $W/data-$1'"; }
run() { echo "env TCLI_DATA_DIR=$W/data-$1 $TCLI team $2 acme"; }

# The checkout that git checks below: the signed team after its update.
TCLI_DATA_DIR="$W/data-s1000" "$TCLI" team update acme | head -3
ROOT="$(git -C "$W/work/s1000" rev-list --max-parents=0 HEAD)"

echo "== 1. $N incoming signed commits"
hyperfine -N --warmup 1 --runs 10 --export-json "$OUT/signed-1000.json" \
    --prepare "$(reset s1000)" -n "tcli team update, $N signed commits" "$(run s1000 update)" \
    --prepare "$(reset u1000)" -n "tcli team update, $N unsigned commits" "$(run u1000 update)" \
    --prepare "true" -n "tcli team verify, $N signed commits (offline)" "$(run s1000 verify)" \
    --prepare "true" -n "git log %G? (ssh-keygen per commit)" \
    "git -C $W/data-s1000/teams/acme -c gpg.ssh.allowedSignersFile=$W/allowed_signers log --format=%G? $ROOT..HEAD"

echo "== 2. one new commit: signed vs unsigned team (same run)"
hyperfine -N --warmup 3 --runs 40 --export-json "$OUT/signed-1.json" \
    --prepare "$(reset s1)" -n "tcli team update, signed team, 1 commit" "$(run s1 update)" \
    --prepare "$(reset u1)" -n "tcli team update, unsigned team, 1 commit" "$(run u1 update)"

echo "== 3. warm path: tcli hello with a signed team vs an unsigned team registered"
mkdir -p "$W/bin"
cc -O2 -o "$W/bin/tcli-hello" bench/hello.c
for d in s1 u1; do rm -rf "$W/data-$d" && cp -a "$W/data-$d.saved" "$W/data-$d"; done
for round in 1 2 3; do
    PATH="$W/bin:$PATH" hyperfine -N --warmup 50 --runs 500 --export-json "$OUT/signed-warm-$round.json" \
        -n "tcli hello, signed team" "env TCLI_DATA_DIR=$W/data-s1 TCLI_CACHE_DIR=$W/cache-s1 $TCLI hello" \
        -n "tcli hello, unsigned team" "env TCLI_DATA_DIR=$W/data-u1 TCLI_CACHE_DIR=$W/cache-u1 $TCLI hello" >/dev/null
done

echo "== summary"
python3 - "$OUT" "$N" <<'PY'
import json, sys
out, n = sys.argv[1], sys.argv[2]
def load(f):
    return [(r["command"], r["median"] * 1000, min(r["times"]) * 1000) for r in json.load(open(f"{out}/{f}"))["results"]]
r = load("signed-1000.json")
for name, med, best in r:
    print(f"{name}: median {med:.1f} ms, best {best:.1f} ms")
print(f"-> {n} signed commits through team update: {r[0][1]:.0f} ms (target < 1000 ms);"
      f" verification cost over unsigned {r[0][1] - r[1][1]:.0f} ms; git's per-commit check {r[3][1] / r[2][1]:.0f}x tcli verify")
(s, sm, sb), (u, um, ub) = load("signed-1.json")
print(f"one commit: signed {sm:.2f} ms (best {sb:.2f}), unsigned {um:.2f} ms (best {ub:.2f})"
      f" -> ratio {sm / um:.3f} median, {sb / ub:.3f} best (target <= 1.2)")
for rnd in (1, 2, 3):
    (s, sm, sb), (u, um, ub) = load(f"signed-warm-{rnd}.json")
    print(f"warm round {rnd}: signed median {sm:.3f} ms (best {sb:.3f}), unsigned {um:.3f} ms"
          f" (best {ub:.3f}) -> +{sm - um:.3f} ms median, +{sb - ub:.3f} ms best (target <= 0.05)")
PY
