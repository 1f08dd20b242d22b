#!/usr/bin/env bash
# check-full.sh — what make check-full adds to make check (BUILD absolute):
#   1. the allocation-failure loop over every N (tests/alloc/loop.sh 1)
#   2. the big input (t_big.sh: ~2 GB through validate, peak RSS asserted)
#   3. the kill loop (t_kill_full.sh: 50 kill -9 points in a push, rerun)
#   4. the e2e suite with permit-etl under valgrind memcheck (PE_WRAP;
#      t_kill.sh is left to step 3): zero errors, zero definite leaks
#   5. LibreOffice renders the demo's workbook (t_render.sh; the Makefile's
#      FULL_DEB_PKGS: libreoffice-calc-nogui, poppler-utils)
#   6. every push/ledger e2e script on a PostgreSQL ledger (E2E_LEDGER=pg:
#      tests/e2e/lib.sh starts a server per script)
# Each step's time is printed; exit 1 if any step failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
: "${BUILD:?}"
export BUILD
res=$BUILD/results; mkdir -p "$res"
failed=0
step() {  # step NAME COMMAND...
  local name=$1 t0=$SECONDS rc; shift
  echo "check-full: $name ..."
  "$@"; rc=$?
  echo "check-full: $name: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - t0)) s"
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
}
cd "$ROOT" || exit 1
make --no-print-directory failalloc >/dev/null || { echo "check-full: make failalloc failed"; exit 1; }
step "allocation failure, every N" tests/alloc/loop.sh 1
step "big input" "$ROOT/tests/e2e/run.sh" "$res/full-big.txt" "$here/t_big.sh"
step "kill loop" "$ROOT/tests/e2e/run.sh" "$res/full-kill.txt" "$here/t_kill_full.sh"
vg() {
  local logs=$BUILD/valgrind t rc bad
  rm -rf "$logs"; mkdir -p "$logs"
  local tests=()
  for t in "$ROOT"/tests/e2e/t_*.sh; do [ "$(basename "$t")" = t_kill.sh ] || tests+=("$t"); done
  VG_LOGDIR=$logs PE_WRAP=$here/valgrind-pe.sh "$ROOT/tests/e2e/run.sh" "$res/full-valgrind.txt" "${tests[@]}"
  rc=$?
  bad=$(find "$logs" -name 'vg.*.log' -size +0 | wc -l)
  echo "check-full: valgrind: $(ls "$logs" | wc -l) permit-etl runs, $bad with a memcheck report"
  if [ "$bad" -ne 0 ]; then
    find "$logs" -name 'vg.*.log' -size +0 | head -n 3 | xargs -r head -n 40
    rc=1
  fi
  return "$rc"
}
step "e2e under valgrind memcheck" vg
step "LibreOffice renders the workbook" "$ROOT/tests/e2e/run.sh" "$res/full-render.txt" "$here/t_render.sh"
pg_tests=()
for t in push voids ledger doubt push_faults push_auth push_held kill run dryrun inputs \
         report_period report_online report_voids settle; do
  pg_tests+=("$ROOT/tests/e2e/t_$t.sh")
done
export E2E_LEDGER=pg
step "push/ledger e2e on a PostgreSQL ledger" "$ROOT/tests/e2e/run.sh" "$res/full-pg.txt" "${pg_tests[@]}"
unset E2E_LEDGER
echo "check-full: $failed step(s) failed"
[ "$failed" -eq 0 ]
