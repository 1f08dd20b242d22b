# push through faults: 503s + rate limit + slow answers, dropped answers
# (in doubt), the server going away mid-run, SIGTERM (issue 7 tests 1, 2, 4, 5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

# wait_pushed N: until the running push has N records pushed (30 s at most).
wait_pushed() {
  local i
  for i in $(seq 1 300); do
    { ! sqlite_only || [ -f ledger.db ]; } && [ "$($PC ledger-count ledger.db pushed 2>/dev/null || echo 0)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# --- 1. --fail-every 3 --rate-limit 50 --slow-ms 50: completes, each pushed once
mkdir f1 && cd f1
start_sandbox --fail-every 3 --rate-limit 50 --slow-ms 50 || exit 0
mkconfig cfg.json concurrency=8 max_attempts=10
$PC gen 150 day.csv 1
expect_exit "503s, 429s and slow answers: the run completes" 0 "$PE" push -c cfg.json day.csv
state_now
check "every record pushed exactly once" $PC check sandbox-state.json ledger.db 150 0
check "faults were really injected" python3 -c '
import json,sys; f=json.load(open("sandbox-state.json"))["counters"]["faults"]
sys.exit(0 if f["failed"] > 0 else 1)'
stop_sandbox
cd ..

# --- 2. --drop-every 7: in doubt, resent, flagged; duplicates only among flagged
mkdir f2 && cd f2
start_sandbox --drop-every 7 || exit 0
mkconfig cfg.json concurrency=8
$PC gen 150 day.csv 1
expect_exit "dropped answers: the run completes (exit 1: resent after doubt)" 1 "$PE" push -c cfg.json day.csv
check "summary counts resent after doubt" grep -Eq "[1-9][0-9]* resent after doubt" err
state_now
dropped=$($PC dropped sandbox-state.json)
check "some answers were dropped" test "$dropped" -gt 0
check "every record on the server; duplicates only among flagged, at most $dropped" \
  $PC check sandbox-state.json ledger.db 150 "$dropped"
"$PE" ledger -c cfg.json list --state pushed >pushed.txt
check "ledger list shows the flag" grep -q "resent-after-doubt" pushed.txt
before=$(requests)
expect_exit "rerun" 0 "$PE" push -c cfg.json day.csv
eq "a rerun sends nothing" "$(requests)" "$before"
stop_sandbox
cd ..

# --- 4. the sandbox stops mid-run: exit 3 in bounded time; restart, rerun
mkdir f4 && cd f4
start_sandbox --slow-ms 10 || exit 0
mkconfig cfg.json concurrency=4 timeout_s=3 connect_timeout_s=1 max_attempts=3
$PC gen 1500 day.csv 1
t0=$(date +%s)
"$PE" push -c cfg.json day.csv >out 2>err &
pid=$!
wait_pushed 50
stop_sandbox
wait "$pid"; rc=$?
t1=$(date +%s)
eq "server gone: exit 3" "$rc" 3
check "within timeout_s + backoff (<= 40 s, took $((t1 - t0)) s)" test $((t1 - t0)) -le 40
eq "no record left sending" "$($PC ledger-count ledger.db sending)" 0
python3 - <<'PYEOF' >pushed-not-live.txt
import json
from push_check import connect
live = {p["reference_id"] for p in json.load(open("sandbox-state.json"))["permits"] if not p["deleted"]}
for key, ref in connect("ledger.db").execute(
        "SELECT key, reference_id FROM records WHERE state = 'pushed'"):
    if ref not in live:
        print(key, ref)
PYEOF
check "nothing marked pushed that was not" test ! -s pushed-not-live.txt
check "some but not all were pushed" test "$($PC ledger-count ledger.db pushed)" -gt 0 -a "$($PC ledger-count ledger.db pending)" -gt 0
start_sandbox || exit 0
mkconfig cfg.json concurrency=8
"$PE" push -c cfg.json day.csv >out 2>err; rc=$?
check "restarted: the rerun finishes (exit $rc)" test "$rc" -le 1
state_now
check "every record on the server, duplicates only among flagged" \
  $PC check sandbox-state.json ledger.db 1500 8
stop_sandbox
cd ..

# --- 5. SIGTERM mid-run: clean exit 3, consistent ledger, rerun finishes
mkdir f5 && cd f5
start_sandbox --slow-ms 10 || exit 0
mkconfig cfg.json concurrency=4
$PC gen 1500 day.csv 1
"$PE" push -c cfg.json day.csv >out 2>err &
pid=$!
wait_pushed 50
kill -TERM "$pid"
wait "$pid"; rc=$?
eq "SIGTERM: exit 3" "$rc" 3
check "the summary was written" grep -q "^permit-etl: push interrupted: .*(exit 3)$" err
eq "no record left sending" "$($PC ledger-count ledger.db sending)" 0
state_now
python3 - <<'PYEOF' >pushed-not-live.txt
import json
from push_check import connect
live = {p["reference_id"] for p in json.load(open("sandbox-state.json"))["permits"] if not p["deleted"]}
for key, ref in connect("ledger.db").execute(
        "SELECT key, reference_id FROM records WHERE state = 'pushed'"):
    if ref not in live:
        print(key, ref)
PYEOF
check "ledger consistent with the server" test ! -s pushed-not-live.txt
check "stopped early" test "$($PC ledger-count ledger.db pending)" -gt 0
expect_exit "rerun finishes" 0 "$PE" push -c cfg.json day.csv
state_now
check "every record on the server exactly once" $PC check sandbox-state.json ledger.db 1500 0
cd ..
