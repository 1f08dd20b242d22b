# pg_suite.sh NAME... — e2e scripts again, on a PostgreSQL ledger (make
# check: t_pg_push.sh, t_pg_voids.sh, t_pg_ledger.sh call it with one name
# each; make check-full runs every push/ledger script this way,
# tests/e2e-full/check-full.sh). Each script runs in its own directory with
# E2E_LEDGER=pg: lib.sh starts a throw-away PostgreSQL server for it and
# the configs it writes name a database of that server instead of a file
# (tests/e2e/lib.sh, "the ledger's backend"). Lines are prefixed [pg NAME].
here=$(cd "$(dirname "$0")" && pwd)
for name in "$@"; do
  mkdir -p "$name" || exit 1
  ( cd "$name" && E2E_LEDGER=pg bash "$here/$name.sh" ) >"$name.log" 2>&1
  rc=$?
  sed -n -e "s/^ok /ok [pg $name] /p" -e "s/^not ok /not ok [pg $name] /p" "$name.log"
  if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$name.log"; then
    echo "not ok [pg $name] exited $rc: $(tail -n 3 "$name.log" | tr '\n' ' ')"
  fi
  grep -q '^ok ' "$name.log" || echo "not ok [pg $name] no check ran"
done
