#!/usr/bin/env bash
# Sums fuzz/ledger.tsv per target: runs, wall minutes, CPU minutes of the runs that ended well
# (what counts towards the bar), executions, the best executions per second and the most edges
# seen, and failures. docs/fuzzing.md.
#   fuzz/summary.sh [LEDGER]
set -euo pipefail
ledger=${1:-"$(dirname "$0")/ledger.tsv"}
printf "%-16s %4s %8s %8s %12s %8s %6s %5s\n" target runs wall_min cpu_min executions exec/s edges fail
awk -F'\t' 'NR > 1 {
    t = $3; n[t]++; wall[t] += $4; execs[t] += $6
    if ($5 == "-") nocpu[t] += $4; else if ($11 == "ok") cpu[t] += $5
    if ($7 + 0 > eps[t]) eps[t] = $7 + 0
    if ($8 + 0 > edges[t]) edges[t] = $8 + 0
    if ($11 != "ok") bad[t]++
} END {
    for (t in n) printf "%-16s %4d %8.1f %8.1f %12.0f %8d %6d %5d%s\n", t, n[t], wall[t] / 60, cpu[t] / 60, execs[t], eps[t], edges[t], bad[t], (nocpu[t] ? sprintf("  (+%.1f wall min without CPU figures)", nocpu[t] / 60) : "")
}' "$ledger" | sort
