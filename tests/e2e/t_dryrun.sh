# run --dry-run is a plan: it prints what a real run would send (counts, and
# one line per record with -v, updates as old -> new) and writes nothing —
# the ledger byte-identical, no file in report_dir or archive_dir, no
# request to the sandbox; the real run that follows does what it planned.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
mkdir -p inbox reports archive
mkconfig run.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' \
  'report_dir="reports"' 'archive_dir="archive"' 'disconnected="hold"'
sed -i "s#\"ledger.db\"#\"$PWD/ledger.db\"#" run.json

H='Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status'
row() {  # ID PLATE ZONE HOUR END_MIN AMOUNT [CURRENCY] [STATUS]
  printf '%s,%s,%s,11/28/2026 %02d:00 AM,11/28/2026 %02d:%02d AM,%s,%s,,,%s\n' \
    "$1" "$2" "$3" "$4" "$4" "$5" "$6" "${7:-}" "${8:-}"
}
{ echo "$H"
  for i in 1 2 3 4 5 6 7 8 9 10; do row "R$i" "PL$i" "Lot 0$(( i % 9 + 1 ))" 9 30 "$i.00"; done
  row R11 PL11 "Nowhere Lot" 9 30 1.00; } >inbox/day1.csv
expect_exit "first real run: exit 1 (a record held)" 1 "$PE" run -c run.json
eq "first run pushed the 10 known-zone records" "$(state_now; $PC live sandbox-state.json)" 10

# the vendor exports the day again, corrected: changes, voids, new records
# (the same path: a key read twice in one run would be a duplicate)
cp inbox/day1.csv day1.v1
{ echo "$H"
  row R1 PL1 "Lot 02" 9 30 1.50             # amount 1.00 -> 1.50: update
  row R2 PL2 "Lot 03" 9 30 2.00 USD         # currency CAD -> USD: update
  row R3 PL3X "Lot 04" 9 45 3.00            # plate and end: update
  row R4 PL4 "Lot 05" 9 30 4.00             # sold, then voided: delete
  row R4 PL4 "Lot 05" 9 30 4.00 "" VOID
  row R5 PL5 "Lot 06" 9 30 5.00
  row R5 PL5 "Lot 06" 9 30 5.00 "" REFUND
  row R6 PL6 "Lot 01" 9 30 6.00             # zone Lot 07 -> Lot 01: delete + push (repush)
  for i in 7 8 9 10; do row "R$i" "PL$i" "Lot 0$(( i % 9 + 1 ))" 9 30 "$i.00"; done  # unchanged
  row R11 PL11 "Nowhere Lot" 9 30 1.00      # still held
  for i in 20 21 22 23 24; do row "R$i" "PL$i" "Lot 03" 10 40 "$i.00"; done   # new: push
  row R25 PL25 "Elsewhere Lot" 10 40 2.00   # new, unknown zone: held
} >inbox/day1.csv

# What a run must do, from the two versions and the rules (docs/ARCHITECTURE.md
# "The ledger"), per key: a void of a pushed sale -> delete; an unknown
# zone -> held; a new key -> push; only plate/amount/currency/end changed
# -> update; any other change -> delete + push (repush).
read -r W_PUSH W_UPDATE W_DELETE W_REPUSH W_HOLD < <(python3 - "$ROOT/samples/zones.txt" <<'PY'
import csv, sys
known = {l.strip().lower() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")}
def sales(p):
    return {r["Receipt No"]: r for r in csv.DictReader(open(p)) if not r["Status"].strip()}
def voids(p):
    return {r["Receipt No"] for r in csv.DictReader(open(p)) if r["Status"].strip()}
old, new, gone = sales("day1.v1"), sales("inbox/day1.csv"), voids("inbox/day1.csv")
pushed = {k for k, r in old.items() if r["Zone"].lower() in known}
push = update = delete = repush = hold = 0
for k, r in new.items():
    if k in gone:
        delete += k in pushed
    elif r["Zone"].lower() not in known:
        hold += 1
    elif k not in pushed:
        push += 1
    else:
        changed = {f for f in r if r[f] != old[k][f]}
        if changed and changed <= {"Plate", "Amount", "Currency", "End"}:
            update += 1
        elif changed:
            repush += 1
print(push, update, delete, repush, hold)
PY
)
want="would push $W_PUSH, update $W_UPDATE, delete $W_DELETE, repush $W_REPUSH, hold $W_HOLD"
eq "the expected plan (computed from the files)" "$want" "would push 5, update 3, delete 2, repush 1, hold 2"

ledger_sum=$(ledger_digest ledger.db)
find . -path ./out -prune -o -path ./err -prune -o -name 'sandbox*' -prune -o -type f -print \
  | sort >files.before
n0=$(requests)
sleep 1   # a new report would get a new name
expect_exit "dry run: exit 1 (a record held)" 1 "$PE" run -c run.json --dry-run
eq "dry run prints the plan's counts" "$(tail -n 1 out)" "$want"
check "dry run's summary line never says pushed" sh -c '! grep -qi "pushed" err'
check "dry run's summary line says what it would do" grep -q "^permit-etl: run dry run: $want; " err
expect_exit "dry run -v: exit 1" 1 "$PE" run -c run.json --dry-run -v
cp out plan.txt
eq "dry run -v: one line per record, then the counts" "$(wc -l <plan.txt)" \
  "$(( W_PUSH + W_UPDATE + W_DELETE + W_REPUSH + W_HOLD + 1 ))"
check "plan: amount old -> new" grep -q "^would update paystation:R1 ref [0-9a-f-]*: amount 1.00 -> 1.50$" plan.txt
check "plan: currency old -> new" grep -q "^would update paystation:R2 ref [0-9a-f-]*: currency CAD -> USD$" plan.txt
check "plan: plate and end old -> new" \
  grep -q "^would update paystation:R3 ref [0-9a-f-]*: plate PL3 -> PL3X, end 2026-11-28T14:30:00Z -> 2026-11-28T14:45:00Z$" plan.txt
check "plan: the voids deleted" test "$(grep -c '^would delete paystation:R[45] ref ' plan.txt)" = 2
check "plan: the zone change repushed" grep -q "^would repush paystation:R6 plate PL6 zone 'Lot 01' " plan.txt
check "plan: the unknown zones held" test "$(grep -c "^would hold   paystation:R\(11\|25\) " plan.txt)" = 2
eq "dry run: no request reached the sandbox" "$(requests)" "$n0"
eq "dry run: the ledger is byte-identical" "$(ledger_digest ledger.db)" "$ledger_sum"
find . -path ./out -prune -o -path ./err -prune -o -name 'sandbox*' -prune -o -type f -print \
  | sort >files.after
eq "dry run: no new or removed file (report_dir, archive_dir, ledger, inbox)" \
  "$(comm -3 files.before files.after | grep -v 'files\.before\|files\.after\|plan\.txt' | tr '\n' ' ')" ""
OPSCOM_API_TOKEN='bad token!' expect_exit "dry run needs no token" 1 "$PE" run -c run.json --dry-run

# the real run then does what the plan said (a repush is a delete and a push)
p0=$(requests push); u0=$(requests update); d0=$(requests delete)
sleep 1
expect_exit "real run: exit 1 (records held)" 1 "$PE" run -c run.json
eq "real run: pushes as planned (push + repush)" "$(( $(requests push) - p0 ))" $(( W_PUSH + W_REPUSH ))
eq "real run: updates as planned" "$(( $(requests update) - u0 ))" "$W_UPDATE"
eq "real run: deletes as planned (delete + repush)" "$(( $(requests delete) - d0 ))" $(( W_DELETE + W_REPUSH ))
s=$(ls reports/*-summary.json | tail -n 1)
eq "real run summary: held as planned" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["held"])' "$s")" "$W_HOLD"
eq "real run: the report and summary of the real runs only" "$(ls reports | wc -l)" 4

# a missing report_dir parent does not stop a dry run (nothing is written)
mkconfig deep.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' \
  'report_dir="no/such/parent/reports"' 'ledger="deep.db"'
expect_exit "dry run with a missing report_dir parent: exit 1 (held)" 1 "$PE" run -c deep.json --dry-run
check "dry run with a missing report_dir parent: nothing created" test ! -e no
if ledger_exists deep.db; then not_ok "dry run with a missing report_dir parent: no ledger created"
else ok "dry run with a missing report_dir parent: no ledger created"; fi
