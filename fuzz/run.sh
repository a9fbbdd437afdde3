#!/usr/bin/env bash
# Runs every cargo-fuzz target of deskmate-proto for a fixed time budget and
# prints the executions per target. See README.md.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]    (default: 60 s, all targets)
#
# Environment: SANITIZER=none|address (default none: deskmate-proto forbids
# unsafe code, and without ASan the targets run 5-7x faster); MINIMIZE=1 to
# minimise the corpora even when they are small.
# Exits 1 if any target crashed; the crashing input is in artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"

budget="${1:-60}"
shift || true
sanitizer="${SANITIZER:-none}"
case "$budget" in '' | *[!0-9]*) echo "budget must be whole seconds, not '$budget'" >&2; exit 2 ;; esac

# cargo-fuzz asks rustc for nightly (-Z) flags; this lets the stable
# toolchain accept them (only needed for SANITIZER=address, harmless otherwise).
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz..."
    cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

# Build first, so that compiling is not part of any target's budget.
cargo fuzz build --sanitizer "$sanitizer"

logs=target/fuzz-logs
mkdir -p "$logs"
failed=()
printf '%-16s %12s %10s %14s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="$logs/$t.log"
    status=ok
    # Per-target libFuzzer options: screen updates can be large.
    extra=()
    case "$t" in
    codec_update) extra=(-max_len=65536) ;;
    esac
    cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
        -max_total_time="$budget" -timeout=10 -print_final_stats=1 ${extra[@]+"${extra[@]}"} >"$log" 2>&1 || status=CRASH
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    files=$(find "corpus/$t" -type f | wc -l)
    size=$(du -sh --apparent-size "corpus/$t" | cut -f1)
    if [ "$status" = CRASH ]; then
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        status="CRASH ${artifact:-see $log}"
        failed+=("$t")
    fi
    printf '%-16s %12s %10s %14s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$files files/$size" "$status"
done

# Keep corpus/ small enough to live in the repository (under 5 MB): above
# 4 MiB, or with MINIMIZE=1, each target's corpus is merged down to the
# inputs that add coverage, keeping the hand-made seed-* files.
minimize() {
    local t="$1" old="corpus/$1.old"
    rm -rf "$old"
    mv "corpus/$t" "$old"
    mkdir "corpus/$t"
    cp "$old"/seed-* "corpus/$t/" 2>/dev/null || true
    if cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" "$old" -- -merge=1 >"$logs/$t.merge.log" 2>&1; then
        rm -rf "$old"
    else
        echo "minimising $t failed (see $logs/$t.merge.log); corpus left as it was" >&2
        rm -rf "corpus/$t"
        mv "$old" "corpus/$t"
    fi
}
if [ "${MINIMIZE:-0}" = 1 ] || [ "$(du -s --apparent-size -B1 corpus | cut -f1)" -gt $((4 * 1024 * 1024)) ]; then
    echo "minimising corpora ($(du -sh --apparent-size corpus | cut -f1))..."
    for t in "${targets[@]}"; do
        minimize "$t"
        echo "  $t: $(find "corpus/$t" -type f | wc -l) files/$(du -sh --apparent-size "corpus/$t" | cut -f1)"
    done
fi
echo "total corpus: $(du -sh --apparent-size corpus | cut -f1) ($(du -sh corpus | cut -f1) on disk); logs in fuzz/$logs/"

if [ "${#failed[@]}" -gt 0 ]; then
    for t in "${failed[@]}"; do
        echo "=== $t ===" >&2
        grep -m1 -A12 -E "panicked at|ERROR: libFuzzer|==ERROR" "$logs/$t.log" >&2 || tail -30 "$logs/$t.log" >&2
    done
    exit 1
fi
