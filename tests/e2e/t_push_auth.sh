# push: refused and malformed tokens, no server, the ledger lock, the token
# never shown (issue 6 tests 5-7).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

start_sandbox || exit 0
mkconfig cfg.json concurrency=8
$PC gen 20 day.csv 1
GOOD=$OPSCOM_API_TOKEN

# --- 5. wrong token: one request, exit 3, nothing marked pushed
OPSCOM_API_TOKEN="t-0123456789abcdef0123456789abcdef" \
  expect_exit "refused token exits 3" 3 "$PE" push -c cfg.json day.csv
check "auth refusal is named" grep -qi "auth" err
eq "exactly one request (nothing retried)" "$(requests)" 1
eq "nothing marked pushed" "$($PC ledger-count ledger.db pushed)" 0
eq "records left pending" "$($PC ledger-count ledger.db pending)" 20

OPSCOM_API_TOKEN="bad token!" expect_exit "bad token format exits 2" 2 "$PE" push -c cfg.json day.csv
eq "bad token format: no request" "$(requests)" 1
OPSCOM_API_TOKEN= expect_exit "missing token exits 2" 2 "$PE" push -c cfg.json day.csv

mkconfig down.json api_url='"http://127.0.0.1:1"' max_attempts=2
expect_exit "sandbox not running exits 3" 3 "$PE" push -c down.json day.csv
eq "no server: nothing marked pushed" "$($PC ledger-count ledger.db pushed)" 0

expect_exit "the right token pushes the leftovers" 0 "$PE" push -c cfg.json day.csv
eq "all 20 pushed" "$($PC ledger-count ledger.db pushed)" 20

# --- 6. a second concurrent push on the same ledger
stop_sandbox
start_sandbox --slow-ms 150 || exit 0
mkconfig slow.json concurrency=1
$PC gen 40 slow.csv 1000
"$PE" push -c slow.json slow.csv >bg.out 2>bg.err &
bg=$!
if sqlite_only; then   # a PostgreSQL ledger has no run lock: workers share it
for i in $(seq 1 100); do
  [ -s ledger.db.lock ] && [ "$(tr -d '\n' <ledger.db.lock)" = "$bg" ] && break
  sleep 0.05
done
expect_exit "second concurrent push exits 3" 3 "$PE" push -c slow.json day.csv
check "it names the holder's pid" grep -q "locked by another run (pid $bg)" err
expect_exit "ledger prune is refused too" 3 "$PE" ledger -c slow.json prune --before 2026-01-01
fi
expect_exit "ledger list still reads" 0 "$PE" ledger -c slow.json list --state pushed

# --- 7. the token is never shown: not in argv (ps), output, ledger
TOKEN_CHECK=$GOOD
ps -eo args >ps.txt
tr '\0' ' ' </proc/$bg/cmdline >cmdline.txt 2>/dev/null
check "the push was still running for the ps check" test -s cmdline.txt
not_in "ps never shows the token" ps.txt
not_in "the push's cmdline has no token" cmdline.txt
wait "$bg"; rc=$?
eq "the first push finished" "$rc" 0
for f in out err bg.out bg.err ledger.db ledger.db-wal ledger.db.lock; do
  not_in "token not in $f" "$f"
done
"$PE" ledger -c cfg.json list --json >list.json 2>&1
not_in "token not in ledger list --json" list.json
"$PE" -v --log-json push -c cfg.json --retry-failed day.csv >v.out 2>&1
not_in "token not in -v --log-json output" v.out
