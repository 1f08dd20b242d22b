#!/usr/bin/env bash
# loop.sh STEP [FIRST] — runs `validate` on the samples (zones, aliases,
# --json-out, --rejects) with build/asan/permit-etl-failalloc once in
# counting mode, then once per N = FIRST, FIRST+STEP, ... up to the count,
# with allocation N failing. Every run must end with the normal result
# (exit 1 on the samples) or a clean out-of-memory error (exit 3 and a
# message), and no ASan/UBSan/LeakSanitizer report. Prints "ok ..." /
# "not ok ..." lines (e2e style) and a summary; exit 1 on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/build/asan/permit-etl-failalloc
STEP=${1:-1}; FIRST=${2:-1}
export PERMIT_ETL_FORMATS=$ROOT/formats
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S="samples/paystation-20261128.csv samples/mobile-20261128.csv samples/hotspot-20261128.json
samples/opscom-20261128.jsonl samples/paystation-voids-20261128.csv"
run() {
  # shellcheck disable=SC2086
  (cd "$ROOT" && "$BIN" validate --json-out "$tmp/o.jsonl" --rejects "$tmp/r.csv" \
     --zones samples/zones.txt --aliases samples/zone-aliases.csv $S) >"$tmp/out" 2>&1
}
[ -x "$BIN" ] || { echo "not ok failalloc: $BIN missing (make failalloc)"; exit 1; }
PERMIT_ETL_FAIL_ALLOC=0 run; base=$?
total=$(sed -n 's/^failmalloc: \([0-9]*\) allocations$/\1/p' "$tmp/out")
if [ "$base" -ne 1 ] || [ -z "$total" ] || grep -q 'Sanitizer\|runtime error' "$tmp/out"; then
  echo "not ok failalloc: counting run: exit $base: $(tail -n 5 "$tmp/out")"; exit 1
fi
bad=0; runs=0; oom=0
for n in $(seq "$FIRST" "$STEP" "$total"); do
  PERMIT_ETL_FAIL_ALLOC=$n run; rc=$?; runs=$((runs + 1))
  why=
  if grep -q 'Sanitizer\|runtime error' "$tmp/out"; then why="sanitizer report"
  elif [ "$rc" -eq 3 ]; then
    grep -qi 'out of memory\|cannot allocate' "$tmp/out" || why="exit 3 without an out-of-memory message"
    oom=$((oom + 1))
  elif [ "$rc" -ne "$base" ]; then why="exit $rc"
  fi
  if [ -n "$why" ]; then
    bad=$((bad + 1)); echo "not ok failalloc N=$n: $why: $(head -n 25 "$tmp/out")"
  fi
done
if [ "$bad" -eq 0 ]; then
  echo "ok failalloc: $runs runs (N=$FIRST..$total step $STEP of $total allocations): $oom clean out-of-memory errors, $((runs - oom)) normal results, no sanitizer or leak report"
else
  echo "not ok failalloc: $bad of $runs runs failed"
fi
[ "$bad" -eq 0 ]
