#!/usr/bin/env bash
# run.sh RESULT_FILE [TEST...] — runs every tests/e2e/t_*.sh (or those named),
# each in its own temp dir; a test prints "ok NAME" / "not ok NAME: why".
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$1; shift
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$here"/t_*.sh)
passed=0; failed=0
for t in "${tests[@]}"; do
  [ -f "$t" ] || continue
  log=$(mktemp)
  name=$(basename "$t" .sh)
  ( cd "$(mktemp -d)" && timeout 600 bash "$t" ) >"$log" 2>&1
  rc=$?
  p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok $name: exited $rc" >>"$log"; fi
  passed=$((passed + p)); failed=$((failed + f))
  echo "e2e: $name: $p passed, $f failed"
  if [ "$f" -ne 0 ]; then grep -v '^ok ' "$log" | tail -n 40; fi
  rm -f "$log"
done
echo "$passed $failed" >"$out"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
