#!/usr/bin/env bash
# valgrind-pe.sh ARGS... — permit-etl under valgrind memcheck, for the e2e
# suite in make check-full (tests/e2e/lib.sh runs this as $PE when PE_WRAP
# names it). A memory error or a definite leak makes the command exit 97
# (which no test expects) and leaves its log in $VG_LOGDIR.
: "${BUILD:?}"
: "${VG_LOGDIR:=/tmp/permit-etl-valgrind}"
mkdir -p "$VG_LOGDIR"
exec valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --track-fds=no --log-file="$VG_LOGDIR/vg.%p.log" \
  "$BUILD/permit-etl" "$@"
