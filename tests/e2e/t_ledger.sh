# Admin commands against the sandbox: update --key/--ref, delete --ref/--key,
# ledger list/show/prune, failed records and --retry-failed (issue 6 test 8).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

# field KEY FIELD: the live server permit of ledger record KEY, one field.
field() {
  state_now
  python3 - "$1" "$2" <<'PYEOF'
import json, sys
from push_check import connect
key, f = sys.argv[1:3]
ref = connect("ledger.db").execute(
    "SELECT reference_id FROM records WHERE key = ?", (key,)).fetchone()[0]
for p in json.load(open("sandbox-state.json"))["permits"]:
    if p["reference_id"] == ref:
        print("DELETED" if p["deleted"] else p["fields"].get(f, ""))
PYEOF
}

start_sandbox || exit 0
mkconfig cfg.json
$PC gen 6 day.csv 1
expect_exit "push 6 records" 0 "$PE" push -c cfg.json day.csv
hash1=$($PC ledger-field ledger.db paystation:R1 hash)

# --- update --key: changed fields only, normalized like imports
expect_exit "update --key --amount" 0 "$PE" update -c cfg.json --key paystation:R1 --amount '$1,234.50'
eq "the server has the new amount" "$(field paystation:R1 Amount)" "1234.50"
check "update sent reference_id and Amount only" python3 -c '
import json, sys
s = json.load(open("sandbox-state.json"))
h = [h for p in s["permits"] for h in p["history"] if h["op"] == "update"][-1]
sys.exit(0 if [k for k in h["keys"] if k != "apiToken"] == ["reference_id", "Amount"] else 1)'
eq "ledger state stays pushed" "$($PC ledger-field ledger.db paystation:R1 state)" pushed
eq "content hash untouched" "$($PC ledger-field ledger.db paystation:R1 hash)" "$hash1"
expect_exit "update --key --plate (normalized)" 0 "$PE" update -c cfg.json --key paystation:R1 --plate 'ab-c 12'
eq "plate normalized on the server" "$(field paystation:R1 LicencePlate)" ABC12
ref2=$($PC ledger-field ledger.db paystation:R2 reference_id)
expect_exit "update --ref --end --currency" 0 "$PE" update -c cfg.json --ref "$ref2" --end 2026-11-28T23:00:00Z --currency usd
eq "end changed" "$(field paystation:R2 endTime)" 2026-11-28T23:00:00
eq "currency changed" "$(field paystation:R2 CurrencyID)" USD
expect_exit "update with a bad amount exits 2" 2 "$PE" update -c cfg.json --key paystation:R2 --amount 14,50
check "the bad amount is named" grep -q "Amount" err
expect_exit "update to a free session is refused" 2 "$PE" update -c cfg.json --key paystation:R2 --amount 0
expect_exit "update of an unknown key exits 2" 2 "$PE" update -c cfg.json --key paystation:nope --amount 1
expect_exit "update without a change exits 2" 2 "$PE" update -c cfg.json --key paystation:R2
expect_exit "update with --ref and --key exits 2" 2 "$PE" update -c cfg.json --key a --ref b --amount 1
before=$(requests)
expect_exit "rerun after the admin updates" 0 "$PE" push -c cfg.json day.csv
eq "the rerun does not undo them (no request)" "$(requests)" "$before"
eq "amount still the admin's" "$(field paystation:R1 Amount)" "1234.50"

# --- delete --ref / --key
ref3=$($PC ledger-field ledger.db paystation:R3 reference_id)
expect_exit "delete --ref" 0 "$PE" delete -c cfg.json --ref "$ref3"
eq "deleted on the server" "$(field paystation:R3 Amount)" DELETED
eq "ledger says deleted" "$($PC ledger-field ledger.db paystation:R3 state)" deleted
expect_exit "delete again exits 2 (no live permit)" 2 "$PE" delete -c cfg.json --ref "$ref3"
# gone on the server behind our back: 404/9009 counts as deleted
ref4=$($PC ledger-field ledger.db paystation:R4 reference_id)
sandbox_post delete "{\"apiToken\":\"$OPSCOM_API_TOKEN\",\"reference_id\":\"$ref4\"}" >/dev/null
expect_exit "delete --key of a permit already gone exits 0" 0 "$PE" delete -c cfg.json --key paystation:R4
check "it says it was already gone" grep -q "already gone" err
eq "R4 deleted in the ledger" "$($PC ledger-field ledger.db paystation:R4 state)" deleted
before=$(requests)
touch day.csv
expect_exit "rerun after the deletes" 0 "$PE" push -c cfg.json day.csv
eq "the rerun does not push deleted ones again" "$(requests)" "$before"

# --- failed records: a permanent 4xx (413 from a small --max-body)
stop_sandbox
start_sandbox --max-body 300 || exit 0
mkconfig cfg.json
python3 - <<'PYEOF'
hdr = open("day.csv").read().splitlines()[0]
row = "R77,LONG1,Lot 01,11/28/2026 9:00 AM,11/28/2026 10:00 AM,2.00,,%s,%s" % ("P" * 50, "T" * 50)
open("long.csv", "w").write(hdr + "\r\n" + row + "\r\n")
PYEOF
expect_exit "a permanent refusal exits 1" 1 "$PE" push -c cfg.json long.csv
check "summary counts it failed" grep -q "1 failed" err
"$PE" ledger -c cfg.json list --state failed >failed.txt 2>&1
eq "ledger list --state failed lists it" "$(cut -f1 failed.txt)" paystation:R77
check "the server's message is kept" grep -q "error=" failed.txt
"$PE" ledger -c cfg.json list --state failed --json >failed.json
check "--json lines parse" python3 -c '
import json,sys
r=[json.loads(l) for l in open("failed.json")]
sys.exit(0 if len(r)==1 and r[0]["state"]=="failed" and r[0]["last_error"] else 1)'
expect_exit "ledger show KEY" 0 "$PE" ledger -c cfg.json show paystation:R77
check "show has the state" grep -q "^state: *failed" out
expect_exit "ledger show unknown key exits 2" 2 "$PE" ledger -c cfg.json show nope
before=$(requests)
expect_exit "failed not retried unchanged (file skipped)" 0 "$PE" push -c cfg.json long.csv
eq "no request for it" "$(requests)" "$before"
stop_sandbox
start_sandbox || exit 0
mkconfig cfg.json
expect_exit "--retry-failed retries it" 0 "$PE" push -c cfg.json --retry-failed long.csv
eq "now pushed" "$($PC ledger-field ledger.db paystation:R77 state)" pushed

# --- list filters and usage
"$PE" ledger -c cfg.json list --plate P000005 >p.txt
eq "--plate filters" "$(cut -f1 p.txt)" paystation:R5
"$PE" ledger -c cfg.json list --file long.csv >f.txt
eq "--file filters" "$(cut -f1 f.txt)" paystation:R77
expect_exit "unknown state exits 2" 2 "$PE" ledger -c cfg.json list --state bogus
expect_exit "unknown verb exits 2" 2 "$PE" ledger -c cfg.json frob
expect_exit "prune needs --before" 2 "$PE" ledger -c cfg.json prune
expect_exit "prune with a bad date exits 2" 2 "$PE" ledger -c cfg.json prune --before 2026-02-30

# --- prune: final records ending before D, never pending/held/sending
$PC gen 2 later.csv 600
expect_exit "push two more" 0 "$PE" push -c cfg.json later.csv
ledger_sql ledger.db "UPDATE records SET state = 'pending' WHERE key = 'paystation:R600'" >/dev/null
expect_exit "prune --before 2026-11-01 keeps November" 0 "$PE" ledger -c cfg.json prune --before 2026-11-01
eq "nothing pruned" "$($PC ledger-count ledger.db)" 9
expect_exit "prune --before 2026-12-31" 0 "$PE" ledger -c cfg.json prune --before 2026-12-31
eq "every key is kept" "$($PC ledger-count ledger.db)" 9
eq "8 plate-free tombstones" "$(ledger_sql ledger.db "SELECT count(*) FROM records WHERE pruned = 1 AND plate = '' AND record = '' AND body = ''")" 8
eq "the pending one survived whole" "$($PC ledger-field ledger.db paystation:R600 state),$($PC ledger-field ledger.db paystation:R600 pruned)" pending,0
