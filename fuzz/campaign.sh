#!/usr/bin/env bash
# A long fuzzing campaign: builds every target once, copies the binaries aside (so editing the
# tree while it runs changes nothing), then runs ROUNDS rounds of every target (or those named)
# for SECONDS each on JOBS parallel workers at the lowest priority, from fuzz/corpus/<target>
# and the seeds. Each run appends one line to fuzz/ledger.tsv: when, commit, target, wall and
# CPU seconds, executions, exec/s, edges, features, corpus size, verdict. docs/fuzzing.md.
#   fuzz/campaign.sh [-t SECONDS] [-r ROUNDS] [-j JOBS] [TARGET...]
#   fuzz/campaign.sh -u MINUTES [-j JOBS] [TARGET...]
# -u tops up: a run of each target the ledger has fewer than MINUTES of CPU time for (runs that
# ended well only), as long as it lacks and 2.5% more (what a run on an idle core loses),
# longest first, each on the worker with the least to do; then the ledger is read again, and
# again, since on a busy machine a run's CPU time falls short of its wall time: up to 4 passes.
# Crashes are saved under fuzz/artifacts/<target>/ and stop that target's later rounds.
# `touch fuzz/corpus/.stop` ends the campaign after the runs under way, losing none.
set -uo pipefail
cd "$(dirname "$0")"

seconds=600 rounds=1 jobs=$(nproc) until= fixed=
while getopts "t:r:j:u:" o; do
    case "$o" in
        t) seconds=$OPTARG fixed+="-t " ;;
        r) rounds=$OPTARG fixed+="-r " ;;
        j) jobs=$OPTARG ;;
        u) until=$OPTARG ;;
        *) echo "usage: fuzz/campaign.sh [-t SECONDS] [-r ROUNDS] [-j JOBS] [-u MINUTES] [TARGET...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

if [ "$#" -gt 0 ]; then targets=("$@"); else
    mapfile -t targets < <(cargo +nightly fuzz list 2>/dev/null)
fi
[ "${#targets[@]}" -gt 0 ] || { echo "error: no fuzz targets (is cargo-fuzz installed?)" >&2; exit 1; }
ledger=$PWD/ledger.tsv
for o in "-j $jobs" "-t $seconds" "-r $rounds"; do
    [[ "${o#-? }" =~ ^[1-9][0-9]*$ ]] || { echo "error: ${o%% *} takes a whole number, 1 or more, not '${o#-? }'" >&2; exit 2; }
done
if [ -n "$until" ]; then
    [[ "$until" =~ ^[0-9]+$ ]] || { echo "error: -u takes whole minutes, not '$until'" >&2; exit 2; }
    [ -z "$fixed" ] || { echo "error: -u sets each run's length and runs one round; drop $fixed" >&2; exit 2; }
    # -u counts CPU time, which only /usr/bin/time records here.
    [ -x /usr/bin/time ] || { echo "error: -u needs /usr/bin/time to measure CPU time (apt-get install time)" >&2; exit 2; }
fi

# What is fuzzed: the commit, marked -dirty when the tree (but the ledger itself) has changes,
# untracked files included, as the build starts.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo -)
[ -z "$(git -C .. status --porcelain -- . ':(exclude)fuzz/ledger.tsv' 2>/dev/null)" ] || commit="$commit-dirty"
echo "--- building ${#targets[@]} fuzz targets"
cargo +nightly fuzz build -O 2>build.log || { cat build.log >&2; exit 1; }
bin=$(mktemp -d "${TMPDIR:-/tmp}/tcli-fuzz-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
for t in "${targets[@]}"; do cp "target/x86_64-unknown-linux-gnu/release/$t" "$bin/"; done
[ -s "$ledger" ] || printf 'date\tcommit\ttarget\twall_s\tcpu_s\truns\texec_per_s\tedges\tfeatures\tcorpus\tverdict\n' >"$ledger"

# Each target's run length in seconds (-t, or with -u what the ledger says it lacks), and which
# worker runs which: each next target (longest first) goes to the worker with the least to do.
declare -A length
declare -a load=() plan=()
plan_pass() {
    local t w best had lack
    todo=()
    for t in "${targets[@]}"; do
        [ -e "$bin/$t.crashed" ] && continue
        length[$t]=$seconds
        if [ -n "$until" ]; then
            had=$(awk -F'\t' -v t="$t" 'NR > 1 && $3 == t && $5 != "-" && $11 == "ok" { s += $5 }
                END { print s + 0 }' "$ledger")
            lack=$((until * 60 - had))
            length[$t]=0
            [ "$lack" -le 0 ] || length[$t]=$((lack + lack / 40 + 10))
            echo "--- $t: $((had / 60)) CPU minutes in the ledger, runs ${length[$t]} s"
        fi
        [ "${length[$t]}" -gt 0 ] && todo+=("$t")
    done
    mapfile -t todo < <(for t in "${todo[@]}"; do printf '%s %s\n' "${length[$t]}" "$t"; done |
        sort -rn | cut -d' ' -f2)
    for ((w = 0; w < jobs; w++)); do load[w]=0 plan[w]=; done
    for t in "${todo[@]}"; do
        best=0
        for ((w = 1; w < jobs; w++)); do [ "${load[w]}" -lt "${load[best]}" ] && best=$w; done
        load[best]=$((load[best] + length[$t])) plan[best]+="$t "
    done
}

# One run of one target; prints and records its line.
one() {
    local t=$1 log="corpus/$1.campaign.log" cpu=-
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
    rm -f "$log.cpu"
    local start=$SECONDS
    if [ -x /usr/bin/time ]; then
        nice -n 19 /usr/bin/time -f 'cpu %U %S' -o "$log.cpu" "$bin/$t" "corpus/$t" "seeds/$t" \
            -max_total_time="${length[$t]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    else
        nice -n 19 "$bin/$t" "corpus/$t" "seeds/$t" \
            -max_total_time="${length[$t]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    fi
    local rc=$? wall=$((SECONDS - start))
    [ -f "$log.cpu" ] && cpu=$(awk '/^cpu/ {printf "%.0f", $2 + $3}' "$log.cpu")
    local done_line runs execs edges ft corp verdict=ok
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    edges=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | awk '{print $2}')
    corp=$(grep -oE 'corp: [0-9]+' <<<"$done_line" | awk '{print $2}')
    execs=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    [ "$rc" -eq 0 ] || verdict="FAILED(exit $rc)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" "$t" \
        "$wall" "$cpu" "${runs:--}" "${execs:--}" "${edges:--}" "${ft:--}" "${corp:--}" "$verdict" |
        tee -a "$ledger"
    [ "$rc" -eq 0 ]
}

# Worker w runs its planned targets, round after round.
work() {
    local w=$1 r t
    for ((r = 0; r < rounds; r++)); do
        for t in ${plan[w]}; do
            [ -e corpus/.stop ] && return
            [ -e "$bin/$t.crashed" ] && continue
            one "$t" || touch "$bin/$t.crashed"
        done
    done
}
rm -f corpus/.stop
passes=1
[ -z "$until" ] || passes=4
for ((pass = 0; pass < passes; pass++)); do
    plan_pass
    if [ "${#todo[@]}" -eq 0 ]; then
        if [ -n "$until" ] && ! ls "$bin"/*.crashed >/dev/null 2>&1; then
            echo "--- every target has $until CPU minutes in the ledger"
        fi
        break
    fi
    if [ -n "$until" ] && [ "$pass" -eq $((passes - 1)) ] && [ "$pass" -gt 0 ]; then
        echo "--- last pass: what still falls short after it stays short (fuzz/summary.sh)"
    fi
    for ((w = 0; w < jobs; w++)); do work "$w" & done
    wait
    [ -e corpus/.stop ] && break
done
failed=$(ls "$bin"/*.crashed 2>/dev/null | wc -l)
[ "$failed" -eq 0 ] || { echo "error: $failed target(s) failed: see fuzz/artifacts/" >&2; exit 1; }
