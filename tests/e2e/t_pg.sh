# The PostgreSQL ledger on a real PostgreSQL 15 server (tests/pg/pg.sh):
# the ledger unit tests on it; a password in the URI refused; the same
# push/admin/report scenario run once on a SQLite ledger and once on a
# PostgreSQL one (each against its own fresh sandbox) gives the same
# ledger and the same report; a server stopped mid-run: exit 3, the rerun
# finishes with every record on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
. "$ROOT/tests/pg/pg.sh"
# the sandbox's EXIT trap must not replace the server's
start_sb() { start_sandbox "$@" || return 1; trap 'stop_sandbox; pg_stop' EXIT; }

pg_start >pg.log 2>&1 || { not_ok "start PostgreSQL" "$(tail -5 pg.log)"; exit 0; }
ok "a PostgreSQL server started for the test"

# --- the ledger's unit tests, on PostgreSQL
if [ -x "$BUILD/tests/test_ledger" ]; then
  TEST_LEDGER_URI=$PG_URI CK_RUN_CASE=postgresql "$BUILD/tests/test_ledger" >unit.out 2>&1
  check "the ledger unit tests pass on PostgreSQL ($(grep -o 'Checks: [0-9]*' unit.out))" \
    grep -q "100%: Checks: [1-9]" unit.out
else
  not_ok "ledger unit tests" "$BUILD/tests/test_ledger not built (make unit)"
fi

# --- a password inside the URI is refused (exit 2), never echoed
start_sb --quiet || exit 0
$PC gen 20 day.csv 1
PW=Pw-9f3c-Sekr3t
mkconfig pw1.json "ledger=\"postgresql://etl:$PW@127.0.0.1:$PGPORT/etl\""
expect_exit "a URI with user:password@ is refused (exit 2)" 2 "$PE" push -c pw1.json day.csv
check "the message says where the password goes" grep -q "pgpass" err
check "the password is not echoed" bash -c "! grep -q '$PW' out err"
mkconfig pw2.json "ledger=\"$PG_URI?password=$PW\""
expect_exit "a URI with ?password= is refused (exit 2)" 2 "$PE" ledger -c pw2.json list
check "the password is not echoed (2)" bash -c "! grep -q '$PW' out err"
# the password from PGPASSWORD, as for every libpq client (trust auth
# ignores it; the run works)
mkconfig pg.json "ledger=\"$PG_URI\""
PGPASSWORD=unused expect_exit "PGPASSWORD is accepted" 0 "$PE" push -c pg.json day.csv
"$PE" check -c pg.json >out 2>err
check "check reads the PostgreSQL ledger's schema version" grep -q "opens, schema version" out err
mkconfig down.json "ledger=\"postgresql://etl@127.0.0.1:1/etl?connect_timeout=3\""
expect_exit "an unreachable PostgreSQL server: exit 3" 3 "$PE" push -c down.json day.csv
check "with libpq's message" grep -qi "cannot connect to PostgreSQL" err
stop_sandbox
# a fresh database for the rest
"$PG_BIN/psql" -qX -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
  -c "CREATE DATABASE etl2 OWNER etl" >/dev/null
URI2="postgresql://etl@127.0.0.1:$PGPORT/etl2"

# --- the same scenario on both backends
scenario() {   # scenario DIR LEDGER
  local d=$1 led=$2
  mkdir -p "$d" && cd "$d" || return 1
  rm -f sandbox-state.json
  SANDBOX_NEW_TOKEN=1 start_sb --quiet || return 1
  mkconfig cfg.json "ledger=\"$led\""
  $PC gen 300 day.csv 1
  "$PE" push -c cfg.json day.csv >o1 2>e1; echo "push1 $?" >rc
  "$PE" push -c cfg.json day.csv >o2 2>e2; echo "rerun $?" >>rc
  # R5: amount changed (update); R6: zone changed (delete + push)
  sed -e 's/^R5,\([^,]*,[^,]*,[^,]*,[^,]*\),[^,]*,/R5,\1,99.99,/' \
      -e 's/^R6,\([^,]*\),Red Lot,/R6,\1,Lot 05,/' day.csv >day2.csv
  "$PE" push -c cfg.json day2.csv >o3 2>e3; echo "changed $?" >>rc
  "$PE" update -c cfg.json --key paystation:R1 --amount 12.34 >o4 2>e4; echo "update $?" >>rc
  "$PE" delete -c cfg.json --key paystation:R2 >o5 2>e5; echo "delete $?" >>rc
  "$PE" ledger -c cfg.json list --json >list.json 2>e6; echo "list $?" >>rc
  "$PE" ledger -c cfg.json show paystation:R6 >show.txt 2>e7; echo "show $?" >>rc
  "$PE" report -c cfg.json --date 2026-11-01 -o day.xlsx >o8 2>e8; echo "report $?" >>rc
  "$PE" ledger -c cfg.json prune --before 2026-11-01 >o9 2>e9; echo "prune-none $?" >>rc
  grep -o "removed [0-9]*\|[0-9]* removed\|[0-9]* records" o9 e9 | head -1 >>rc
  state_now
  $PC check sandbox-state.json "$led" 299 0 >check.txt 2>&1; echo "check $?" >>rc
  stop_sandbox
  cd ..
}
scenario sq "$PWD/sq/ledger.db"
scenario pg "$URI2"
eq "exit codes and counts are the same on both backends" "$(cat pg/rc)" "$(cat sq/rc)"
check "the scenario's exit codes are as expected" grep -qx "changed 0" sq/rc
check "the changed file: 1 updated, 1 repushed" grep -q "1 updated + 1 repushed + 298 unchanged" sq/e3
eq "its summary is the same on both backends" "$(cat pg/e3)" "$(cat sq/e3)"
eq "every record on the server once (SQLite)" "$(head -c 200 sq/check.txt)" "pushed=299 live=299 dups=0 resent=0"
eq "every record on the server once (PostgreSQL)" "$(head -c 200 pg/check.txt)" "pushed=299 live=299 dups=0 resent=0"
norm_list() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    for k in ("reference_id", "first_seen", "last_seen", "last_sent", "source"):
        r.pop(k, None)
    print(json.dumps(r, sort_keys=True))' "$1"
}
eq "ledger list --json: the same records on both (refs and times aside)" \
  "$(norm_list pg/list.json | md5sum)" "$(norm_list sq/list.json | md5sum)"
check "ledger list shows R2 deleted" grep -q '"key":"paystation:R2".*"state":"deleted"' pg/list.json
check "ledger show works" grep -q "paystation:R6" pg/show.txt
/usr/bin/python3 - sq/day.xlsx pg/day.xlsx >xcmp.txt 2>&1 <<'PYEOF'
import re, sys
from openpyxl import load_workbook
uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")
def cells(p):
    wb = load_workbook(p, read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            # files are named by their real path: the two scenarios ran in sq/ and pg/
            rows.append(tuple("REF" if isinstance(v, str) and uuid.match(v) else
                              v.replace("/sq/", "/X/").replace("/pg/", "/X/")
                              if isinstance(v, str) else v for v in row))
        out[ws.title] = rows
    return out
a, b = cells(sys.argv[1]), cells(sys.argv[2])
bad = [t for t in a if t not in ("Summary",) and a[t] != b.get(t)]
print("sheets", len(a), "differ:", bad)
sys.exit(1 if bad or set(a) != set(b) else 0)
PYEOF
xrc=$?
check "report --date: the same workbook from both ledgers ($(tail -1 xcmp.txt))" test "$xrc" -eq 0

# --- the server stopped mid-run: exit 3; restarted, the rerun finishes
mkdir -p stop && cd stop || exit 1
SANDBOX_NEW_TOKEN=1 start_sb --slow-ms 20 --quiet || exit 0
"$PG_BIN/psql" -qX -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
  -c "CREATE DATABASE etl3 OWNER etl" >/dev/null
URI3="postgresql://etl@127.0.0.1:$PGPORT/etl3"
mkconfig cfg.json "ledger=\"$URI3\"" concurrency=8 timeout_s=2
$PC gen 3000 day.csv 1
"$PE" push -c cfg.json day.csv >out 2>err &
pid=$!
for i in $(seq 1 600); do
  n=$($PC ledger-count "$URI3" pushed 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 100 ] && break
  sleep 0.1
done
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
wait "$pid"; rc=$?
eq "PostgreSQL stopped mid-run: exit 3" "$rc" 3
check "the error is the ledger's" grep -qi "ledger" err
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-k $PG_DIR -h 127.0.0.1 -p $PGPORT -c fsync=off -c full_page_writes=off" start >/dev/null
"$PE" push -c cfg.json day.csv >out 2>err; rc=$?
check "the rerun finishes (exit $rc: 1 when records were resent after doubt)" test "$rc" -le 1
state_now
check "every record on the server, duplicates only among flagged ($($PC check sandbox-state.json "$URI3" 3000 2>&1 | head -1))" \
  $PC check sandbox-state.json "$URI3" 3000 16
stop_sandbox
