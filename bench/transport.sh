#!/usr/bin/env bash
# Issue #23 targets (team repos reached through the user's git, docs/team-repos.md
# "Transport"), measured with hyperfine against an sshd on loopback started here:
#   1. `tcli team update` with nothing new, over ssh through a Host alias, beside `git fetch` of
#      the same repo over the same alias (the peer), and beside `tcli team update` of the same
#      repo through libgit2's transport (no git on PATH; an ssh agent holds the key, since that
#      transport knows no key file): three rounds, best and median of each; target within 1.15x
#      of git fetch;
#   2. `tcli team update` bringing 1,000 signed commits over ssh: target under 1 s.
# Usage: bench/transport.sh   (builds a release tcli, or BENCH_PROFILE=debug; needs hyperfine, git, ssh-keygen,
# ssh-agent, /usr/sbin/sshd from openssh-server)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed" >&2; echo "hint: install it (Debian: apt-get install hyperfine; or cargo install hyperfine)" >&2; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "error: /usr/sbin/sshd is missing" >&2; echo "hint: apt-get install openssh-server" >&2; exit 1; }

# BENCH_PROFILE=debug measures the debug build (where a release build is not wanted): the
# network steps are git's and ssh's either way, tcli's own work is slower.
PROFILE="${BENCH_PROFILE:-release}"
if [ "$PROFILE" = release ]; then
    cargo build --release -p tcli-core -p tcli-git --quiet
else
    cargo build -p tcli-core -p tcli-git --quiet
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/$PROFILE/tcli"
W="$(mktemp -d /tmp/tcli-bench-transport.XXXXXX)"
OUT="${BENCH_OUT:-bench/out}"
N="${BENCH_COMMITS:-1000}"
mkdir -p "$OUT" "$W/home/.ssh" "$W/config" "$W/ssh" "$W/nogit"
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1 TCLI_NO_DOCKER=1 TCLI_CONFIG_DIR="$W/config"
export TCLI_CACHE_DIR="$W/cache"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset CI SSH_AUTH_SOCK

# --- an sshd on 127.0.0.1 as the current user (root needs its privilege separation dir)
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
ssh-keygen -q -N '' -t ed25519 -f "$W/ssh/host_key"
ssh-keygen -q -N '' -t ed25519 -f "$W/ssh/client_key"
cp "$W/ssh/client_key.pub" "$W/ssh/authorized_keys"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$W/ssh/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $W/ssh/host_key
AuthorizedKeysFile $W/ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile none
EOF
/usr/sbin/sshd -D -e -f "$W/ssh/sshd_config" 2>"$W/ssh/sshd.log" &
SSHD=$!
eval "$(ssh-agent -s)" >/dev/null
trap 'kill $SSHD 2>/dev/null; kill $SSH_AGENT_PID 2>/dev/null; rm -rf "$W"' EXIT
ssh-add -q "$W/ssh/client_key" 2>/dev/null
echo "[127.0.0.1]:$PORT $(cat "$W/ssh/host_key.pub")" >"$W/home/.ssh/known_hosts"
cat >"$W/ssh/config" <<EOF
Host teamgit
  HostName 127.0.0.1
  Port $PORT
  IdentityFile $W/ssh/client_key
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $W/home/.ssh/known_hosts
  StrictHostKeyChecking yes
EOF
export GIT_SSH_COMMAND="ssh -F $W/ssh/config"
for _ in $(seq 50); do ssh -F "$W/ssh/config" teamgit true 2>/dev/null && break; sleep 0.1; done
USER_NAME="$(id -un)"

# --- a team remote (a few commits), added over the alias (git) and over ssh:// (libgit2)
git init -q --bare -b main "$W/remotes/acme.git"
git init -q -b main "$W/work/acme"
mkdir -p "$W/work/acme/bin"
for i in 1 2 3; do
    printf '#!/bin/sh\necho %s\n' "$i" >"$W/work/acme/bin/tcli-tool$i"
    chmod +x "$W/work/acme/bin/tcli-tool$i"
    git -C "$W/work/acme" add -A
    git -C "$W/work/acme" commit -q -m "tool $i"
done
git -C "$W/work/acme" push -q "$W/remotes/acme.git" main
export TCLI_DATA_DIR="$W/data"
"$TCLI" team add "teamgit:$W/remotes/acme.git" --name acme >/dev/null
LIBGIT2=()
if env PATH="$W/nogit" "$TCLI" team add "ssh://$USER_NAME@127.0.0.1:$PORT$W/remotes/acme.git" --name acmelg >/dev/null 2>"$W/libgit2.err"; then
    LIBGIT2=(-n "tcli team update (libgit2 over ssh, agent)" "env PATH=$W/nogit $TCLI team update acmelg")
else
    echo "note: libgit2's transport could not add the team, its figure is left out: $(tail -2 "$W/libgit2.err")"
fi
git clone -q --no-checkout "teamgit:$W/remotes/acme.git" "$W/peer"

echo "== 1. nothing new, over ssh on loopback: tcli team update vs git fetch (3 rounds)"
for round in 1 2 3; do
    hyperfine -N --warmup 3 --runs 30 --export-json "$OUT/transport-noop-$round.json" \
        -n "tcli team update (git over ssh)" "$TCLI team update acme" \
        -n "git fetch (same repo, same alias)" "git -C $W/peer fetch -q origin" \
        "${LIBGIT2[@]}"
done

echo "== 2. $N signed commits over ssh"
ssh-keygen -q -N '' -t ed25519 -C ana -f "$W/ana"
git init -q --bare -b main "$W/remotes/signed.git"
git init -q -b main "$W/work/signed"
printf '[trust]\nrequire-signed = true\n\n[people.ana]\nkeys = ["%s"]\n' "$(cat "$W/ana.pub")" >"$W/work/signed/tcli.toml"
git -C "$W/work/signed" config gpg.format ssh
git -C "$W/work/signed" config user.signingkey "$W/ana"
git -C "$W/work/signed" add -A
git -C "$W/work/signed" commit -q -S -m root
git -C "$W/work/signed" push -q "$W/remotes/signed.git" main
TCLI_DATA_DIR="$W/data-signed" "$TCLI" team add "teamgit:$W/remotes/signed.git" --name signed >/dev/null
for i in $(seq 1 "$N"); do
    echo "$i" >"$W/work/signed/counter"
    git -C "$W/work/signed" add counter
    git -C "$W/work/signed" commit -q -S -m "change $i"
done
git -C "$W/work/signed" push -q "$W/remotes/signed.git" main
cp -a "$W/data-signed" "$W/data-signed.saved"
hyperfine -N --warmup 1 --runs 10 --export-json "$OUT/transport-signed.json" \
    --prepare "sh -c 'rm -rf $W/data-signed && cp -a $W/data-signed.saved $W/data-signed'" \
    -n "tcli team update, $N signed commits over ssh" "env TCLI_DATA_DIR=$W/data-signed $TCLI team update signed"

echo "== summary ($PROFILE build; load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
python3 - "$OUT" "$N" <<'PY'
import json, sys
out, n = sys.argv[1], sys.argv[2]
def load(f):
    return [(r["command"], r["median"] * 1000, min(r["times"]) * 1000) for r in json.load(open(f"{out}/{f}"))["results"]]
for rnd in (1, 2, 3):
    r = load(f"transport-noop-{rnd}.json")
    (_, tm, tb), (_, gm, gb) = r[0], r[1]
    lg = f"; libgit2 {r[2][1]:.1f} / {r[2][2]:.1f}" if len(r) > 2 else ""
    print(f"round {rnd}: tcli {tm:.1f} ms median / {tb:.1f} best; git fetch {gm:.1f} / {gb:.1f}{lg}"
          f" -> tcli/git {tm / gm:.3f} median, {tb / gb:.3f} best (target <= 1.15)")
(name, med, best), = load("transport-signed.json")
print(f"{name}: median {med:.0f} ms, best {best:.0f} ms (target < 1000 ms)")
PY
