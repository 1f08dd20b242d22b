# push against the sandbox: samples of every profile, reruns, changes,
# voids, the reject ratio, --dry-run, skipped files (issue 6 tests 1-4).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

start_sandbox || exit 0
mkconfig cfg.json
S=$ROOT/samples
SAMPLES="$S/paystation-20261128.csv $S/mobile-20261128.csv $S/hotspot-20261128.json $S/opscom-20261128.jsonl"

# --- 1. samples of all profiles: the server holds exactly the accepted records
"$PE" validate -c cfg.json --json-out accepted.jsonl $SAMPLES >/dev/null 2>&1
expect_exit "push samples (--force: they are meant to be dirty)" 1 "$PE" push -c cfg.json --force $SAMPLES
check "summary line on stderr" grep -q "^permit-etl: push: .*pushed.*(exit 1)$" err
state_now
check "sandbox holds exactly the accepted records, field for field" \
  $PC compare-jsonout sandbox-state.json accepted.jsonl
n=$(wc -l <accepted.jsonl)
check "every reference id is in the ledger (and only those)" $PC check sandbox-state.json ledger.db "$n" 0
sqlite_only && check "ledger is WAL" test "$(python3 -c 'import sqlite3;print(sqlite3.connect("ledger.db").execute("PRAGMA journal_mode").fetchone()[0])')" = wal

# --- 2. rerun: not a single request
before=$(requests)
expect_exit "rerun exits 0 (processed files skipped)" 0 "$PE" push -c cfg.json --force $SAMPLES
eq "rerun sends nothing" "$(requests)" "$before"
# the files were fully processed: the unchanged ones are skipped
check "unchanged processed files are skipped" grep -q "paystation-20261128.csv: processed before and unchanged: skipped" err
cp "$S/opscom-20261128.jsonl" ops.jsonl
expect_exit "a new path with known keys" 1 "$PE" push -c cfg.json ops.jsonl
eq "known keys with the same content send nothing" "$(requests)" "$before"

# --- 3. changes: amount, end, zone, to a free session, a void
$PC gen 6 day.csv 100
expect_exit "push a clean file exits 0" 0 "$PE" push -c cfg.json day.csv
check "a clean run says so" grep -q "sales 6 = 6 pushed + 0 updated + 0 repushed + 0 unchanged + 0 cancelled + 0 held + 0 failed + 0 left pending + 0 not pushed" err
python3 - <<'EOF'
import csv
rows = list(csv.reader(open("day.csv", newline="")))
hdr, data = rows[0], rows[1:]
data[0][5] = "99.95"                                    # R100 amount -> update
d, hm, ap = data[1][4].rsplit(" ", 2)                  # R101 end -> update
data[1][4] = "%s %s:59 %s" % (d, hm.split(":")[0], ap)
data[2][2] = "Lot 12"                                   # R102 zone -> delete + push
data[3][5] = "0"                                        # R103 free -> delete + push
void = list(data[4]) + ["VOID"]                         # R104 voided -> delete
w = csv.writer(open("day.csv", "w", newline=""), lineterminator="\r\n")
w.writerow(hdr + ["Status"])
for r in data:
    w.writerow(r + [""])
w.writerow(void)
EOF
b_push=$(requests push); b_upd=$(requests update); b_del=$(requests delete)
expect_exit "push the changed file" 0 "$PE" push -c cfg.json day.csv
eq "2 updates" "$(( $(requests update) - b_upd ))" 2
eq "3 deletes (2 delete+push, 1 void)" "$(( $(requests delete) - b_del ))" 3
eq "2 pushes (the re-pushed ones)" "$(( $(requests push) - b_push ))" 2
check "summary counts them" grep -q "sales 6 = 0 pushed + 2 updated + 2 repushed + 1 unchanged + 1 cancelled + 0 held + 0 failed + 0 left pending + 0 not pushed; voids 1 = 0 cancelling + 1 deleted + 0 unmatched" err
"$PE" validate -c cfg.json --json-out day.jsonl day.csv >/dev/null 2>&1
grep -v '"_key":"paystation:R104"' day.jsonl >day-live.jsonl
check "the sandbox's state matches the changed file" $PC compare-jsonout sandbox-state.json <(cat accepted.jsonl day-live.jsonl)
eq "R102 got a new reference" "$($PC ledger-field ledger.db paystation:R102 state)" pushed
eq "R104 is deleted" "$($PC ledger-field ledger.db paystation:R104 state)" deleted
check "update sent the changed field only" python3 -c '
import json,sys
s = json.load(open("sandbox-state.json"))
ups = [h for p in s["permits"] for h in p["history"] if h["op"] == "update"]
keys = sorted(tuple(k for k in h["keys"] if k not in ("apiToken",)) for h in ups)
sys.exit(0 if keys == [("reference_id", "Amount"), ("reference_id", "endTime")] or
            keys == [("reference_id", "endTime"), ("reference_id", "Amount")] else 1)' 
before=$(requests)
expect_exit "rerun of the changed file" 0 "$PE" push -c cfg.json day.csv
eq "rerun of the changed file sends nothing" "$(requests)" "$before"

# --- 4. reject ratio: 30% broken rows
$PC gen 7 ratio.csv 300
printf 'R9001,BAD*PLATE,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,1.00,,,\r\nR9002,OK1,Lot 01,11/31/2026 09:00 AM,11/31/2026 09:30 AM,1.00,,,\r\nR9003,OK2,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,abc,,,\r\n' >>ratio.csv
before=$(requests)
expect_exit "30% rejected: exit 1" 1 "$PE" push -c cfg.json ratio.csv
check "the ratio is named" grep -q "ratio.csv: 3 of 10 rows rejected (30%" err
eq "nothing of it pushed" "$(requests)" "$before"
eq "its records are not in the ledger" "$($PC ledger-field ledger.db paystation:R300 state)" ""
b_push=$(requests push)
expect_exit "--force pushes its good rows (exit 1: rows rejected)" 1 "$PE" push -c cfg.json --force ratio.csv
eq "7 good rows pushed" "$(( $(requests push) - b_push ))" 7
eq "R300 pushed" "$($PC ledger-field ledger.db paystation:R300 state)" pushed
eq "R306 pushed" "$($PC ledger-field ledger.db paystation:R306 state)" pushed

# --- dry run: no network, no ledger writes
$PC gen 3 dry.csv 500
before=$(requests)
expect_exit "--dry-run exits 0" 0 "$PE" push -c cfg.json --dry-run dry.csv
eq "--dry-run sends nothing" "$(requests)" "$before"
eq "--dry-run prints the plan's counts" "$(cat out)" "would push 3, update 0, delete 0, repush 0, hold 0"
check "--dry-run summary never says pushed" sh -c '! grep -q pushed err && grep -q "push dry run: would push 3" err'
expect_exit "--dry-run -v exits 0" 0 "$PE" push -c cfg.json --dry-run -v dry.csv
check "--dry-run -v prints the pushes" grep -q "^would push   paystation:R500 plate P000500 zone 'Lot 05' " out
eq "--dry-run -v prints one line per record, then the counts" "$(wc -l <out)" 4
eq "--dry-run leaves the ledger alone" "$($PC ledger-field ledger.db paystation:R500 state)" ""
OPSCOM_API_TOKEN='bad token!' expect_exit "--dry-run needs no token" 0 "$PE" push -c cfg.json --dry-run dry.csv
