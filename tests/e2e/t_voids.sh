# Voids in any order (issue 17): after, before, in another file, in a later
# run than the sale, never matched; a void of a pushed sale deletes it;
# Gross - Voids = Net; every row of the run in one summary bucket. The
# expected figures come from the input files (voids_check.py), never from
# the tool's output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
VC="/usr/bin/python3 $ROOT/tests/e2e/voids_check.py"

start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
mkdir -p inbox reports
mkconfig run.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' \
  'report_dir="reports"'
HEAD="Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status"
D="11/28/2026"
# run 1: a.csv then b.csv (glob order)
#   S2 voided after it (same file), S3 voided before it (same file), S4 voided
#   in b.csv, S8 sold in b.csv after its void in a.csv, V7 (sale in run 2),
#   V9 never matched; S1, S5, S6 pushed.
cat >inbox/a.csv <<CSV
$HEAD
S1,AAA111,Lot 01,$D 09:00 AM,$D 09:30 AM,14.50,CAD,,,
S2,BBB222,Lot 02,$D 09:10 AM,$D 09:40 AM,3.00,USD,,,
V3,CCC333,Lot 03,$D 09:20 AM,$D 09:50 AM,5.00,CAD,,,VOID
S3,CCC333,Lot 03,$D 09:20 AM,$D 09:50 AM,5.00,CAD,,,
S2,BBB222,Lot 02,$D 09:10 AM,$D 09:40 AM,3.00,USD,,,REFUND
S4,DDD444,Lot 04,$D 10:00 AM,$D 11:00 AM,7.25,CAD,,,
S5,EEE555,Lot 05,$D 10:30 AM,$D 11:00 AM,2.00,CAD,,,
S8,HHH888,Lot 01,$D 01:00 PM,$D 02:00 PM,4.00,CAD,,,VOID
V9,ZZZ999,Lot 02,$D 01:30 PM,$D 02:00 PM,8.00,CAD,,,VOID
S6,FFF666,Lot 06,$D 11:00 AM,$D 12:00 PM,9.99,CAD,,,
CSV
# the void row of S3 carries S3's receipt number: the key is the sale's
sed -i 's/^V3,/S3,/' inbox/a.csv
cat >inbox/b.csv <<CSV
$HEAD
S4,DDD444,Lot 04,$D 10:00 AM,$D 11:00 AM,7.25,CAD,,,VOID
S8,HHH888,Lot 01,$D 01:00 PM,$D 02:00 PM,4.00,CAD,,,
S7,GGG777,Lot 07,$D 03:00 PM,$D 04:00 PM,6.00,CAD,,,VOID
CSV
expect_exit "run 1 exits 0 (voids in any order need no attention)" 0 "$PE" run -c run.json
x1=$(ls reports/permit-etl-*.xlsx | tail -n 1); s1=${x1%.xlsx}-summary.json
check "run 1: stderr summary adds the rows up" \
  grep -q "rows 13 = 7 sales + 0 rejected + 0 duplicates + 6 voids; sales 7 = 3 pushed + 0 updated + 0 repushed + 0 unchanged + 4 cancelled + 0 held + 0 failed + 0 left pending + 0 not pushed; voids 6 = 4 cancelling + 0 deleted + 2 unmatched" err
eq "run 1: no delete request (nothing cancelled was ever sent)" "$(requests delete)" 0
eq "run 1: 3 push requests (cancelled sales are never pushed)" "$(requests push)" 3
state_now
check "run 1: summary, workbook and sandbox agree with the inputs" \
  $VC check model.json inbox/a.csv inbox/b.csv -- "$s1" "$x1" sandbox-state.json
eq "run 1: S7's void kept in the ledger as voided" \
  "$($PC ledger-field ledger.db paystation:S7 state)" voided
eq "run 1: V9 kept as voided" "$($PC ledger-field ledger.db paystation:V9 state)" voided

# run 2 (a later run): the void of S5 (pushed in run 1) deletes it; S7's
# sale meets the void of run 1 and is cancelled on sight; S10 is pushed.
sleep 1
cat >inbox/c.csv <<CSV
$HEAD
S5,EEE555,Lot 05,$D 10:30 AM,$D 11:00 AM,2.00,CAD,,,VOID
S7,GGG777,Lot 07,$D 03:00 PM,$D 04:00 PM,6.00,CAD,,,
S10,JJJ000,Lot 08,$D 05:00 PM,$D 06:00 PM,1.00,CAD,,,
CSV
b_push=$(requests push)
expect_exit "run 2 exits 0" 0 "$PE" run -c run.json
x2=$(ls reports/permit-etl-*.xlsx | tail -n 1); s2=${x2%.xlsx}-summary.json
check "run 2 wrote a new report" test "$x2" != "$x1"
eq "run 2: one delete (the void of a pushed sale)" "$(requests delete)" 1
eq "run 2: one push (S10; S7 is cancelled)" "$(( $(requests push) - b_push ))" 1
state_now
check "run 2: summary, workbook and sandbox agree with the inputs" \
  $VC check model.json inbox/c.csv -- "$s2" "$x2" sandbox-state.json
eq "run 2: S5 deleted by its void" "$($PC ledger-field ledger.db paystation:S5 state)" deleted
eq "run 2: the delete is recorded as sent" "$($PC ledger-field ledger.db paystation:S5 void_sent)" 1
eq "run 2: S7 cancelled" "$($PC ledger-field ledger.db paystation:S7 state)" cancelled
eq "run 2: S7 keeps its void's file" "$(basename "$($PC ledger-field ledger.db paystation:S7 void_source)")" b.csv

# run 3: nothing new: every file skipped, nothing sent, buckets all zero
sleep 1
sent() { echo $(( $(requests push) + $(requests update) + $(requests delete) )); }
n=$(sent)
expect_exit "run 3 (nothing new) exits 0" 0 "$PE" run -c run.json
eq "run 3 sends no push, update or delete" "$(sent)" "$n"
check "run 3: zero rows, zero buckets" grep -q "rows 0 = 0 sales + 0 rejected + 0 duplicates + 0 voids" err
