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

# not --quiet: its access log (one line a request) is the cheap sign that a
# run is sending, which a loaded machine can poll without lagging behind
start_sandbox --slow-ms "$SLOW" || exit 0
mkconfig cfg.json concurrency=$CONC
$PC gen "$N" day.csv 1

kills=0
for t in $POINTS; do
  base=$(wc -l <sandbox.log)
  "$PE" push -c cfg.json day.csv >out 2>err &
  pid=$!
  # the kill lands T/4 seconds after this run's first answered request, so it
  # hits the sending phase however slow the machine (staging comes first)
  for i in $(seq 1 3000); do
    [ "$(wc -l <sandbox.log)" -gt "$base" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  sleep "$(awk -v t="$t" 'BEGIN {print t / 4}')"
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
# the live counts (stats, the report) commit with the outcomes
check "after the kills the live counts equal the records ($($PC live-counts ledger.db 2>&1 | head -c 300))" \
  $PC live-counts ledger.db

"$PE" push -c cfg.json day.csv >out 2>err; rc=$?
check "the rerun finishes (exit $rc)" test "$rc" -le 1
if [ "$sending" -gt 0 ]; then
  check "records found in flight were flagged" grep -Eq "[1-9][0-9]* resent after doubt" err
fi
state_now
check "every record on the server; duplicates only among flagged, at most $((kills * CONC))" \
  $PC check sandbox-state.json ledger.db "$N" $((kills * CONC))
check "after the rerun the live counts equal the records ($($PC live-counts ledger.db 2>&1 | head -c 300))" \
  $PC live-counts ledger.db
eq "live: every record, pushed once (the server's duplicates are not the ledger's)" \
  "$($PC live-counts ledger.db | sed 's/.*live=//')" "$N"
before=$(requests)
expect_exit "a last rerun" 0 "$PE" push -c cfg.json day.csv
eq "it sends nothing" "$(requests)" "$before"
