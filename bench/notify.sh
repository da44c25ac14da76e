#!/usr/bin/env bash
# Issue #15 target for notify, measured with hyperfine (release build):
#   `tcli notify build "..."` to a receiver on loopback, end to end (load the module, read the
#   settings and the roster, ask git for the sender, remote, branch and commit, post through
#   the HTTP helper): target < 50 ms.
# The peer in the same run: curl posting the same body to the same receiver (one process, no
# git, no settings), the least any notifier can cost.
# Usage: bench/notify.sh   (builds release tcli, tcli_http and notify; needs hyperfine, curl,
# python3, git)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }
command -v curl >/dev/null || { echo "installing curl" >&2; apt-get install -y curl >/dev/null; }

cargo build --release -p tcli-core -p tcli-http -p tcli-plugin-notify --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-notify.XXXXXX)"
OUT="${BENCH_OUT:-bench/out}"
ROUNDS="${ROUNDS:-3}"
mkdir -p "$OUT" "$W/plugins" "$W/cache" "$W/data" "$W/config" "$W/home" "$W/repo"
OUT=$(cd "$OUT" && pwd) # the runs happen inside the repo
cp "$TARGET_DIR/release/libtcli_plugin_notify.so" "$W/plugins/"

# The receiver: answers 200 to every POST, counts them. Stopped by its own pid on exit.
cat > "$W/receiver.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        H.count += 1
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
        with open(sys.argv[2], "w") as f: f.write(str(H.count))
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$W/receiver.py" "$W/port" "$W/count" &
RECEIVER=$!
trap 'kill "$RECEIVER" 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 1 50); do [ -s "$W/port" ] && break; sleep 0.1; done
PORT=$(cat "$W/port")
URL="http://127.0.0.1:$PORT/hook"

cat > "$W/config/tcli.toml" <<TOML
[people.ci]
name = "Build bot"
email = "ci@build.example.com"
chat = "@ci-bot"

[notify.build]
url = "$URL"
format = "slack"
TOML
export HOME="$W/home" TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache"
export TCLI_NO_DOCKER=1 TCLI_PLUGIN_PATH="$W/plugins" TCLI_EXEC_PATH="$TARGET_DIR/release"
export PATH="/usr/local/bin:/usr/bin:/bin" GIT_CONFIG_NOSYSTEM=1
git config --global user.email ci@build.example.com
git -C "$W/repo" init -q -b main
git -C "$W/repo" remote add origin https://git.example.com/acme/api.git
git -C "$W/repo" -c user.name=Ana commit -q --allow-empty -m first
cd "$W/repo"
"$TCLI" notify build "warm-up" # builds the index once
BODY=$("$TCLI" notify build --dry-run "build 42 failed" | tail -1)
printf '%s' "$BODY" > "$W/body.json"

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round: tcli notify (loopback receiver) vs curl posting the same body"
    hyperfine -N --warmup 10 --runs 100 --export-json "$OUT/notify-$round.json" \
        -n "tcli notify build" "$TCLI notify build --status failure 'build 42 failed'" \
        -n "peer: curl -d @body" "curl -sS -o /dev/null -H 'Content-Type: application/json' --data-binary @$W/body.json $URL"
done
echo "receiver saw $(cat "$W/count") posts"

echo "== summary"
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{out}/notify-{r}.json"))["results"] for r in range(1, rounds + 1)]
med = lambda i: sorted(rs[i]["median"] * 1000 for rs in runs)[rounds // 2]
best = lambda i: min(rs[i]["min"] * 1000 for rs in runs)
print(f"tcli notify: best {best(0):.2f} ms, median {med(0):.2f} ms; curl: best {best(1):.2f} ms, "
      f"median {med(1):.2f} ms; ratio {med(0) / med(1):.2f}")
print(f"target: tcli notify < 50 ms end to end: {'met' if med(0) < 50 else 'NOT met'} ({med(0):.2f} ms median)")
PY
