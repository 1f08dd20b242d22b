#!/usr/bin/env bash
# run_unit.sh RESULT_FILE TEST_BIN... — runs each Check suite, tallies
# "Checks: N, Failures: F, Errors: E" into RESULT_FILE as "passed failed".
set -u
out=$1; shift
passed=0; failed=0; bad=0
for t in "$@"; do
  log=$(mktemp)
  "$t" >"$log" 2>&1; rc=$?
  line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "unit: $t: no Check result line (rc $rc)"; cat "$log"; failed=$((failed + 1)); bad=1
  else
    n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
    e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + n - f - e)); failed=$((failed + f + e))
    echo "unit: $(basename "$t"): $line"
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ] || [ "$e" -ne 0 ]; then grep -vE '^Running suite' "$log" | head -n 40; bad=1; fi
  fi
  rm -f "$log"
done
echo "$passed $failed" >"$out"
echo "unit: $passed passed, $failed failed"
exit $bad
