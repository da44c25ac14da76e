#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 20) and prints one line per
# target: executions per second, coverage (edges) and the verdict. Seeds come from
# fuzz/seeds/<target> (checked in); what the fuzzer finds goes to a scratch corpus under
# fuzz/corpus/ (ignored by git), crashes to fuzz/artifacts/<target>/. docs/fuzzing.md.
#   fuzz/run.sh [-t SECONDS] [TARGET...]
# Needs the nightly toolchain and cargo-fuzz. Outside CI a missing toolchain is a loud skip;
# with CI=true it is a failure.
set -uo pipefail
cd "$(dirname "$0")"

seconds=20
if [ "${1:-}" = "-t" ]; then seconds="$2"; shift 2; fi

missing=""
rustup run nightly rustc --version >/dev/null 2>&1 || missing="the nightly toolchain (rustup toolchain install nightly)"
[ -z "$missing" ] && { cargo +nightly fuzz --version >/dev/null 2>&1 || missing="cargo-fuzz (cargo install cargo-fuzz --locked)"; }
if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "error: fuzzing needs $missing" >&2
        exit 1
    fi
    echo "SKIPPED: fuzzing needs $missing" >&2
    exit 0
fi

if [ "$#" -gt 0 ]; then targets=("$@"); else
    mapfile -t targets < <(cargo +nightly fuzz list 2>/dev/null)
fi

echo "--- building ${#targets[@]} fuzz targets (nightly, sanitizer coverage)"
if [ "$#" -gt 0 ]; then
    for t in "${targets[@]}"; do cargo +nightly fuzz build -O "$t" 2>build.log || { cat build.log >&2; exit 1; }; done
else
    cargo +nightly fuzz build -O 2>build.log || { cat build.log >&2; exit 1; }
fi

failed=0
printf '%-18s %10s %8s %8s  %s\n' target exec/s edges runs verdict
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
    log="corpus/$t.log"
    cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    edges=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | awk '{print $2}')
    execs=$(grep -oE 'exec/s: [0-9]+' <<<"$done_line" | awk '{print $2}')
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    if [ "$rc" -eq 0 ]; then verdict=ok; else
        verdict="FAILED (exit $rc): see fuzz/$log and fuzz/artifacts/$t/"
        failed=1
        grep -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" | head -3 >&2
    fi
    printf '%-18s %10s %8s %8s  %s\n' "$t" "${execs:--}" "${edges:--}" "${runs:--}" "$verdict"
done
exit "$failed"
