#!/usr/bin/env bash
# Issue #15 target for oncall, measured with hyperfine (release build):
#   `tcli oncall now` with 10 rotations and 500 overrides in a team's settings: target < 20 ms.
# No peer tool answers the same question offline; `tcli web list` (load a bundled native
# module and read the settings) runs in the same hyperfine call as the floor any native module
# stands on, so the ratio shows what the rotations themselves cost.
# Usage: bench/oncall.sh   (builds release tcli, oncall and web; needs hyperfine, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine" >&2; apt-get install -y hyperfine >/dev/null; }

cargo build --release -p tcli-core -p tcli-plugin-oncall -p tcli-plugin-web --quiet
TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TCLI="$TARGET_DIR/release/tcli"
W="$(mktemp -d /tmp/tcli-bench-oncall.XXXXXX)"
trap 'rm -rf "$W"' EXIT
OUT="${BENCH_OUT:-bench/out}"
ROUNDS="${ROUNDS:-3}"
mkdir -p "$OUT" "$W/plugins" "$W/cache" "$W/data" "$W/config"
cp "$TARGET_DIR/release/libtcli_plugin_oncall.so" "$TARGET_DIR/release/libtcli_plugin_web.so" "$W/plugins/"

# 20 people, 10 weekly rotations of 4 from 2025-01-06, 50 one-day overrides each (500 in
# all) spread over the two years around now, and a few bookmarks for the web floor.
python3 - "$W/config/tcli.toml" <<'PY'
import sys, datetime as dt
lines = []
for p in range(20):
    lines += [f"[people.p{p}]", f'name = "Person {p}"', f'email = "p{p}@example.com"', f'chat = "@p{p}"', ""]
start = dt.datetime(2025, 1, 6, 9, tzinfo=dt.timezone(dt.timedelta(hours=1)))
for r in range(10):
    people = ", ".join(f'"p{(r * 2 + i) % 20}"' for i in range(4))
    lines += [f"[oncall.r{r}]", f"people = [{people}]", f"start = {start.isoformat()}", 'every = "1w"', ""]
    for o in range(50):
        f = start + dt.timedelta(days=14 * o + r % 7)
        t = f + dt.timedelta(days=1)
        lines += [f"[[oncall.r{r}.override]]", f'person = "p{(o + r) % 20}"',
                  f"from = {f.isoformat()}", f"to = {t.isoformat()}", f'reason = "swap {o}"', ""]
lines += ["[bookmarks]"] + [f'site{i} = "https://site{i}.example.com/"' for i in range(20)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
overrides=$(grep -c '^\[\[oncall' "$W/config/tcli.toml")
rotations=$(grep -c '^\[oncall\.' "$W/config/tcli.toml")
echo "settings: $rotations rotations, $overrides overrides"

export TCLI_CONFIG_DIR="$W/config" TCLI_DATA_DIR="$W/data" TCLI_CACHE_DIR="$W/cache"
export TCLI_NO_DOCKER=1 TCLI_PLUGIN_PATH="$W/plugins" TZ=UTC
export PATH="/usr/local/bin:/usr/bin:/bin"
"$TCLI" oncall now >/dev/null # builds the index once
"$TCLI" oncall now | head -3

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round: tcli oncall now (10 rotations, 500 overrides) vs tcli web list"
    hyperfine -N --warmup 20 --runs 200 --export-json "$OUT/oncall-$round.json" \
        -n "tcli oncall now" "$TCLI oncall now" \
        -n "tcli oncall now --json" "$TCLI oncall now --json" \
        -n "tcli oncall schedule (4 weeks)" "$TCLI oncall schedule" \
        -n "floor: tcli web list" "$TCLI web list"
done

echo "== summary"
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{out}/oncall-{r}.json"))["results"] for r in range(1, rounds + 1)]
for i, name in enumerate(r["command"] for r in runs[0]):
    medians = [rs[i]["median"] * 1000 for rs in runs]
    best = min(rs[i]["min"] * 1000 for rs in runs)
    floor = [rs[-1]["median"] * 1000 for rs in runs]
    ratio = min(m / f for m, f in zip(medians, floor))
    print(f"{name:32s} best {best:6.2f} ms, median of medians {sorted(medians)[len(medians)//2]:6.2f} ms, "
          f"x{ratio:.2f} the floor")
now = sorted(rs[0]["median"] * 1000 for rs in runs)[len(runs) // 2]
print(f"target: tcli oncall now < 20 ms: {'met' if now < 20 else 'NOT met'} ({now:.2f} ms median)")
PY
