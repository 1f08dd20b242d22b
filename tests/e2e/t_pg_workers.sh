# Several workers sharing one PostgreSQL ledger (tests/pg/pg.sh) against the
# sandbox: three `push` processes at once on 6,000 records -> every record
# live exactly once, no doubt; a file processed by one worker is skipped by
# another; three workers with kill -9 of one mid-push, then a rerun -> no
# record lost, duplicates only among records flagged resent_after_doubt
# (live copies per record counted in the sandbox's state); a worker stopped
# (SIGSTOP) longer than its lease: its outcomes are dropped and said so,
# another worker resends those records flagged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
. "$ROOT/tests/pg/pg.sh"
# the sandbox's EXIT trap must not replace the server's
start_sb() { start_sandbox "$@" || return 1; trap 'stop_sandbox; pg_stop' EXIT; }

N=${WORKERS_RECORDS:-6000}
pg_start >pg.log 2>&1 || { not_ok "start PostgreSQL" "$(tail -5 pg.log)"; exit 0; }
newdb() {  # newdb NAME: a fresh database, its URI in $URI
  "$PG_BIN/psql" -qX -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
    -c "CREATE DATABASE $1 OWNER etl" >/dev/null
  URI="postgresql://etl@127.0.0.1:$PGPORT/$1"
}
# split N records into three files (a worker stages one file at a time,
# each worker is given all three, in its own order)
per=$((N / 3))
$PC gen "$per" a.csv 1
$PC gen "$per" b.csv $((per + 1))
$PC gen "$per" c.csv $((2 * per + 1))

# --- three workers at once, no fault
start_sb --slow-ms 5 --quiet || exit 0
newdb w1
mkconfig cfg.json "ledger=\"$URI\"" concurrency=8
"$PE" push -c cfg.json a.csv b.csv c.csv >o1 2>e1 & p1=$!
"$PE" push -c cfg.json b.csv c.csv a.csv >o2 2>e2 & p2=$!
"$PE" push -c cfg.json c.csv a.csv b.csv >o3 2>e3 & p3=$!
wait $p1; r1=$?; wait $p2; r2=$?; wait $p3; r3=$?
eq "three workers end well (exit codes)" "$r1 $r2 $r3" "0 0 0"
state_now
eq "every record live exactly once, no doubt" \
  "$($PC check sandbox-state.json "$URI" "$N" 0 2>&1 | head -3)" "pushed=$N live=$N dups=0 resent=0"
eq "each of the $N records was pushed once (push requests)" "$(requests push)" "$N"
busy=$(cat e1 e2 e3 | grep -c "another worker is staging it")
staged=$(cat e1 e2 e3 | grep -o "rows [0-9]*" | awk '{s += $2} END {print s + 0}')
check "each file staged by one worker at a time ($busy skips as busy)" test "$busy" -ge 1
eq "no file staged twice: the workers' rows add up to the $N records" "$staged" "$N"
shares=0
for e in e1 e2 e3; do grep -q "[1-9][0-9]* pushed" $e && shares=$((shares + 1)); done
check "the work was shared ($shares workers sent records)" test "$shares" -ge 2

# --- a file processed by one worker is skipped by another (another host)
before=$(requests)
expect_exit "another worker on the processed files" 0 "$PE" push -c cfg.json a.csv b.csv c.csv
eq "it skips all three" "$(grep -c "processed before and unchanged" err)" 3
eq "and sends nothing" "$(requests)" "$before"
stop_sandbox

# --- kill -9 of one worker mid-push; the others go on; a rerun finishes
rm -f sandbox-state.json
SANDBOX_NEW_TOKEN=1 start_sb --slow-ms 20 --quiet || exit 0
newdb w2
mkconfig cfg2.json "ledger=\"$URI\"" concurrency=8 timeout_s=2
"$PE" push -c cfg2.json a.csv b.csv c.csv >o1 2>e1 & p1=$!
"$PE" push -c cfg2.json b.csv c.csv a.csv >o2 2>e2 & p2=$!
"$PE" push -c cfg2.json c.csv a.csv b.csv >o3 2>e3 & p3=$!
for i in $(seq 1 1200); do
  n=$($PC ledger-count "$URI" pushed 2>/dev/null || echo 0)
  [ "${n:-0}" -gt $((N / 4)) ] && break
  sleep 0.1
done
killed=0
kill -9 $p1 2>/dev/null && killed=1
wait $p1 2>/dev/null
wait $p2; r2=$?; wait $p3; r3=$?
eq "one worker killed mid-push" "$killed" 1
check "the other two finish (exit $r2 $r3)" test "$r2" -le 1 -a "$r3" -le 1
"$PE" push -c cfg2.json a.csv b.csv c.csv >o4 2>e4; r4=$?
check "a rerun finishes (exit $r4)" test "$r4" -le 1
state_now
res=$($PC check sandbox-state.json "$URI" "$N" 2>&1 | head -5)
check "0 lost, duplicates only among flagged records ($res)" \
  $PC check sandbox-state.json "$URI" "$N"
python3 - sandbox-state.json >copies.txt <<'PYEOF'
import json, sys
from collections import Counter
st = json.load(open(sys.argv[1]))
c = Counter(tuple(sorted(p["fields"].items())) for p in st["permits"] if not p["deleted"])
print("records=%d live=%d max-copies=%d" % (len(c), sum(c.values()), max(c.values())))
PYEOF
check "live copies per record: $(cat copies.txt)" grep -q "records=$N " copies.txt
before=$(requests)
expect_exit "a last rerun" 0 "$PE" push -c cfg2.json a.csv b.csv c.csv
eq "it sends nothing" "$(requests)" "$before"
stop_sandbox

# --- a worker stalled longer than its lease (SIGSTOP): another worker
# claims its records; resumed, it writes none of its outcomes and says how
# many it dropped; every record ends up on the server, the resent ones
# flagged
rm -f sandbox-state.json
SANDBOX_NEW_TOKEN=1 start_sb --slow-ms 20 --quiet || exit 0
newdb w3
mkconfig cfg3.json "ledger=\"$URI\"" concurrency=8 timeout_s=1
$PC gen 1500 s.csv 1
"$PE" push -c cfg3.json s.csv >oa 2>ea & pa=$!
for i in $(seq 1 1200); do
  n=$($PC ledger-count "$URI" pushed 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 100 ] && break
  sleep 0.1
done
kill -STOP $pa
inflight=$($PC ledger-count "$URI" sending)
sleep 4                                   # > the lease (2 x timeout_s)
expect_exit "another worker takes over the stalled worker's records" 1 "$PE" push -c cfg3.json s.csv
check "it skips the file the stalled worker holds" grep -q "another worker is staging it" err
check "it resends the stalled worker's records in flight, flagged" grep -Eq "[1-9][0-9]* resent after doubt" err
kill -CONT $pa
wait $pa; ra=$?
dropped=$(grep -o "[0-9]* outcomes\? dropped: this worker lost its lease" ea | grep -o "^[0-9]*")
check "the stalled worker says how many outcomes it dropped (${dropped:-none}, $inflight were sending; exit $ra)" \
  test "${dropped:-0}" -ge 1
# what the stalled worker gave back in doubt: sent by the next run
"$PE" push -c cfg3.json s.csv >oc 2>ec; rc=$?
check "a rerun finishes (exit $rc)" test "$rc" -le 1
state_now
res=$($PC check sandbox-state.json "$URI" 1500 2>&1 | head -1)
check "0 lost, duplicates only among flagged records ($res)" $PC check sandbox-state.json "$URI" 1500
resent=$($PC sql "$URI" "SELECT count(*) FROM records WHERE resent_after_doubt = 1")
check "the dropped outcomes' records were resent flagged ($resent flagged, $dropped dropped)" \
  test "$resent" -ge "${dropped:-1}"
eq "none left sending or pending" "$($PC ledger-count "$URI" sending) $($PC ledger-count "$URI" pending)" "0 0"
stop_sandbox
