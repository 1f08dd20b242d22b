# kill -9 of a push at several moments, then a rerun: every record on the
# server, duplicates only among records flagged resent_after_doubt, at most
# `concurrency` per kill (issue 7 test 3). The long loop (50 random kill
# points on 20,000 records) is tests/e2e-full/t_kill_full.sh, which sets
# KILL_RECORDS, KILL_POINTS and KILL_RANDOM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

N=${KILL_RECORDS:-3000}
POINTS=${KILL_POINTS:-"0.8 1.6 2.4"}
CONC=8
# 25 ms a request at 8 in flight is ~320 records/s: slow enough that a loaded
# machine's polling still kills each run mid-push, quick enough for make check
SLOW=${KILL_SLOW_MS:-25}

start_sandbox --slow-ms "$SLOW" --quiet || exit 0
mkconfig cfg.json concurrency=$CONC
$PC gen "$N" day.csv 1

count() { [ -f ledger.db ] && $PC ledger-count ledger.db "$1" 2>/dev/null || echo 0; }
kills=0
for t in $POINTS; do
  base=$(count pushed)
  "$PE" push -c cfg.json day.csv >out 2>err &
  pid=$!
  # the kill lands T/4 seconds after this run's first outcomes, so it hits
  # the sending phase however slow the machine (staging comes first)
  for i in $(seq 1 600); do
    [ "$(count pushed)" -gt "$base" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  sleep "$(python3 -c "print($t / 4)")"
  if kill -9 "$pid" 2>/dev/null; then
    kills=$((kills + 1))
  fi
  wait "$pid" 2>/dev/null
done
npoints=$(echo $POINTS | wc -w)
eq "every kill point hit a running push" "$kills" "$npoints"
sending=$($PC ledger-count ledger.db sending)
pushed=$($PC ledger-count ledger.db pushed)
check "the kills hit mid-push (pushed $pushed of $N)" test "$pushed" -lt "$N"

"$PE" push -c cfg.json day.csv >out 2>err; rc=$?
check "the rerun finishes (exit $rc)" test "$rc" -le 1
if [ "$sending" -gt 0 ]; then
  check "records found in flight were flagged" grep -Eq "[1-9][0-9]* resent after doubt" err
fi
state_now
check "every record on the server; duplicates only among flagged, at most $((kills * CONC))" \
  $PC check sandbox-state.json ledger.db "$N" $((kills * CONC))
before=$(requests)
expect_exit "a last rerun" 0 "$PE" push -c cfg.json day.csv
eq "it sends nothing" "$(requests)" "$before"
