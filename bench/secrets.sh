#!/usr/bin/env bash
# Issue #14 targets, measured with hyperfine (release build), beside the age CLI as the peer
# (it decrypts the very same files):
#   1. `tcli secrets get NAME` (ed25519 key): under 20 ms;
#   2. `tcli secrets exec --only A,B,C -- true` adds under 25 ms to `true`;
#   3. `tcli secrets rekey` of 200 secrets for 30 recipients (20 ed25519, 10 RSA-3072 keys):
#      under 5 s.
# Usage: bench/secrets.sh   (builds release tcli and the secrets module, debug tcli_git; needs
# hyperfine, git, ssh-keygen; installs age for the peer when it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }
command -v age >/dev/null || { echo "installing age (the peer)" >&2; apt-get install -y age >/dev/null || true; }

cargo build --release -p tcli-core -p tcli-plugin-secrets --quiet
# The git helper only sets the team up (team add/update), outside what is timed: debug will do.
cargo build -p tcli-git --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-secrets.XXXXXX)"
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$W"' EXIT
OUT="$(realpath -m "${BENCH_OUT:-bench/out}")"
mkdir -p "$OUT" "$W/keys" "$W/plugins" "$W/cache" "$W/data" "$W/config" "$W/home"
cp "$TARGET_DIR/release/libtcli_plugin_secrets.so" "$W/plugins/"

export HOME="$W/home" TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache"
export TCLI_PLUGIN_PATH="$W/plugins" TCLI_NO_DOCKER=1 TCLI_EXEC_PATH="$TARGET_DIR/debug"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export TCLI_IDENTITY="$W/keys/p01"

# 30 people: p01..p20 ed25519, p21..p30 RSA 3072. p30 joins later, for the rekey.
for i in $(seq -w 1 30); do
    if [ "$i" -le 20 ]; then t=(-t ed25519); else t=(-t rsa -b 3072); fi
    ssh-keygen -q "${t[@]}" -N '' -C "p$i" -f "$W/keys/p$i"
done
roster() { # N: people p01..pN
    for i in $(seq -w 1 "$1"); do
        printf '[people.p%s]\nkeys = ["%s"]\n' "$i" "$(cat "$W/keys/p$i.pub")"
    done > "$W/work/tcli.toml"
}

git init -q --bare -b main "$W/remote.git"
git init -q -b main "$W/work"
git -C "$W/work" remote add origin "$W/remote.git"
roster 29
git -C "$W/work" add -A && git -C "$W/work" commit -qm roster && git -C "$W/work" push -q origin main
"$TCLI" team add "$W/remote.git" --name acme >/dev/null 2>&1

echo "== setting 200 secrets for 29 recipients"
cd "$W/work"
for i in $(seq -w 1 200); do
    printf 'value-%s-%s' "$i" "$RANDOM" | "$TCLI" secrets set "s$i" >/dev/null 2>&1
done
git add -A && git commit -qm secrets && git push -q origin main
"$TCLI" team update >/dev/null 2>&1
"$TCLI" secrets get s001 >/dev/null

echo "== 1. tcli secrets get (target < 20 ms), beside age -d on the same file"
peer=()
if command -v age >/dev/null; then
    peer=(-n "age -d -i KEY (peer)" "age -d -i $TCLI_IDENTITY $W/data/teams/acme/secrets/s001.age")
fi
hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/secrets-get.json" \
    -n "tcli secrets get" "$TCLI secrets get s001" "${peer[@]}"

echo "== 2. tcli secrets exec --only 3 secrets -- true (target: adds < 25 ms)"
hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/secrets-exec.json" \
    -n "true" "/bin/true" \
    -n "tcli secrets exec --only s001,s002,s003 -- true" \
    "$TCLI secrets exec --only s001,s002,s003 -- /bin/true"

echo "== 3. tcli secrets rekey: 200 secrets, 30 recipients (target < 5 s)"
roster 30
hyperfine --warmup 1 --runs 5 --export-json "$OUT/secrets-rekey.json" \
    --prepare "git -C $W/work checkout -q -- secrets" \
    -n "tcli secrets rekey (200 x 30)" "$TCLI secrets rekey"
"$TCLI" secrets check --repo "$W/work" | tail -1

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def res(name):
    return {r["command"]: r for r in json.load(open(f"{out}/{name}.json"))["results"]}
ms = lambda s: s * 1000
get = res("secrets-get")
g = get["tcli secrets get"]
print(f"get:   best {ms(min(g['times'])):.1f} ms, median {ms(g['median']):.1f} ms (target < 20 ms)")
for k, r in get.items():
    if k != "tcli secrets get":
        print(f"       {k}: median {ms(r['median']):.1f} ms; ratio tcli/peer {g['median']/r['median']:.2f}")
ex = res("secrets-exec")
t, e = ex["true"], ex["tcli secrets exec --only s001,s002,s003 -- true"]
print(f"exec:  adds {ms(e['median'] - t['median']):.1f} ms (median), {ms(min(e['times']) - min(t['times'])):.1f} ms (best) to true (target < 25 ms)")
rk = res("secrets-rekey")["tcli secrets rekey (200 x 30)"]
print(f"rekey: best {min(rk['times']):.2f} s, median {rk['median']:.2f} s (target < 5 s)")
PY
