# permit-etl run: the nightly job end to end against the sandbox.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
RC="/usr/bin/python3 $ROOT/tests/e2e/run_check.py"

start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
mkdir -p inbox reports archive
cat >inbox/paystation-20261128.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R1,ABC 123,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,14.50,CAD,,T-1
R2,DEF-456,lot02,11/28/2026 10:00 AM,11/28/2026 11:00 AM,3.00,USD,SUMMER10,
R3,GHI789,Red Lot,11/28/2026 11:00 PM,11/29/2026 12:30 AM,0,,,
CSV
cat >inbox/mobile-20261128.csv <<'CSV'
transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,promo_code,ticket_number
M1,JKL012,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,"14,50",CAD,,
M2,MNO345,Blue Lot,2026-11-29T02:00:00Z,2026-11-29T03:00:00Z,2.25,,,
CSV
mkconfig run.json 'inputs=[{"glob": "inbox/paystation-*.csv", "profile": "paystation"}, {"glob": "inbox/mobile-*.csv"}]' \
  'report_dir="reports"'
sed -i "s#\"ledger.db\"#\"$PWD/ledger.db\"#" run.json

# 1. first run: everything pushed, report + summary written
expect_exit "first run exits 0" 0 "$PE" run -c run.json
check "summary line names the report" grep -q "report .*reports/permit-etl-.*\.xlsx" err
x1=$(ls reports/permit-etl-*.xlsx | tail -n 1); s1=${x1%.xlsx}-summary.json
check "report written" test -s "$x1"
check "summary JSON written" test -s "$s1"
eq "first run pushed 5" "$($RC summary-field "$s1" counts.pushed)" 5
eq "sandbox holds 5 permits" "$($PC live sandbox-state.json 2>/dev/null || (state_now; $PC live sandbox-state.json))" 5
state_now
check "summary agrees with workbook and sandbox" $RC summary-agrees "$s1" "$x1" sandbox-state.json
eq "totals CAD in summary" "$($RC summary-field "$s1" totals.CAD)" "31.25"
eq "totals USD in summary" "$($RC summary-field "$s1" totals.USD)" "3.00"
eq "Permits sheet has 5 rows" "$($RC xlsx-permits "$x1")" 5
n1=$(requests)

# 2. second run on the same inbox: nothing sent, files skipped, still a report
sleep 1
expect_exit "second run exits 0" 0 "$PE" run -c run.json
check "second run says files were skipped" grep -q "processed before and unchanged: skipped" err
eq "second run sent no push/update/delete" "$(( $(requests) - n1 ))" 1   # the stats call only
x2=$(ls reports/permit-etl-*.xlsx | tail -n 1)
check "second run wrote its own report" test "$x2" != "$x1"
eq "second run pushed 0" "$($RC summary-field "${x2%.xlsx}-summary.json" counts.pushed)" 0
eq "second run: 2 files skipped" "$($RC summary-field "${x2%.xlsx}-summary.json" counts.files_skipped)" 2

# 3. a new file the next day is picked up, alone
cat >inbox/paystation-20261129.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R10,PQR678,Lot 03,11/29/2026 09:00 AM,11/29/2026 09:30 AM,5.00,,,
CSV
sleep 1
expect_exit "next-day run exits 0" 0 "$PE" run -c run.json
x3=$(ls reports/permit-etl-*.xlsx | tail -n 1)
eq "next-day run pushed 1" "$($RC summary-field "${x3%.xlsx}-summary.json" counts.pushed)" 1
state_now
eq "sandbox holds 6 permits" "$($PC live sandbox-state.json)" 6

# 4. --dry-run sends nothing and writes nothing to the ledger
cat >inbox/mobile-20261130.csv <<'CSV'
transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,promo_code,ticket_number
M9,STU901,Lot 06,2026-11-30T09:00:00-05:00,2026-11-30T10:00:00-05:00,4.00,,,
CSV
n2=$(requests); l2=$($PC ledger-count ledger.db)
sleep 1
expect_exit "dry run exits 0" 0 "$PE" run -c run.json --dry-run -v
check "dry run prints the record it would send" grep -q "^would push   mobile:M9 plate STU901 " out
eq "dry run sent nothing" "$(requests)" "$n2"
eq "dry run left the ledger alone" "$($PC ledger-count ledger.db)" "$l2"

# 5. --date rebuilds a business day: re-reads processed files, pushes nothing twice
n3=$(requests)
sleep 1
expect_exit "--date run exits 0" 0 "$PE" run -c run.json --date 2026-11-28
x5=$(ls reports/permit-etl-*.xlsx | tail -n 1)
# 2026-11-28 in Toronto: R1, R2, R3 (23:00 local), M1, M2 (02:00Z = 21:00 local on the 28th)
day=$($RC permits-day "$x5" 2026-11-28 America/Toronto)
eq "--date report holds only that business day" "${day#* }" 0
eq "--date report holds the day's 5 records" "${day% *}" 5
state_now
eq "--date pushed nothing (the 30th's file waits for a normal run)" "$($PC live sandbox-state.json)" 6
eq "--date run: only the stats call reached the sandbox" "$(( $(requests) - n3 ))" 1
sleep 1
expect_exit "the run after --date exits 0" 0 "$PE" run -c run.json
state_now
eq "the run after --date pushes the 30th's file" "$($PC live sandbox-state.json)" 7

# 6. archive_dir: only files whose records are all final are moved
mkconfig arch.json 'inputs=[{"glob": "inbox2/*.csv", "profile": "paystation"}]' 'report_dir="reports"' \
  'archive_dir="archive"' 'disconnected="hold"' 'ledger="ledger2.db"'
mkdir -p inbox2
printf 'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\nA1,VWX234,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,2.00,,,\r\n' >inbox2/good.csv
printf 'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\nA2,YZA567,Nowhere Lot,11/28/2026 09:00 AM,11/28/2026 09:30 AM,2.00,,,\r\n' >inbox2/held.csv
sleep 1
expect_exit "archive run exits 1 (a record held)" 1 "$PE" run -c arch.json
check "final file archived" test -f archive/good.csv
check "final file gone from the inbox" test ! -e inbox2/good.csv
check "file with a held record stays" test -f inbox2/held.csv

# 6b. push with report_dir in the config writes the same report and summary
mkconfig push.json 'report_dir="push-reports"' 'ledger="ledger4.db"'
printf 'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\nP1,BCD234,Lot 02,11/28/2026 09:00 AM,11/28/2026 09:30 AM,6.00,,,\r\n' >push-in.csv
expect_exit "push with report_dir exits 0" 0 "$PE" push -c push.json push-in.csv
xp=$(ls push-reports/permit-etl-*.xlsx 2>/dev/null | tail -n 1)
check "push wrote a report into report_dir" test -s "$xp"
eq "push's summary JSON counts the push" "$($RC summary-field "${xp%.xlsx}-summary.json" counts.pushed)" 1
eq "push's report lists the permit" "$($RC xlsx-permits "$xp")" 1

# 6c. two runs in the same second keep both reports
n_before=$(ls reports/permit-etl-*.xlsx | wc -l)
"$PE" -q run -c run.json 2>/dev/null; "$PE" -q run -c run.json 2>/dev/null
eq "two quick runs write two reports" "$(ls reports/permit-etl-*.xlsx | wc -l)" "$((n_before + 2))"

# 7. the token never reaches files or output
TOKEN_CHECK=$OPSCOM_API_TOKEN
for f in reports/* push-reports/* ledger.db out err; do not_in "token not in $f" "$f"; done

# 8. unreachable API: exit 3, report still written and marked ABORTED
stop_sandbox
mkconfig down.json 'inputs=[{"glob": "inbox3/*.csv", "profile": "paystation"}]' 'report_dir="reports3"' \
  'ledger="ledger3.db"' 'api_url="http://127.0.0.1:9"' 'max_attempts=1'
mkdir -p inbox3 && cp inbox/paystation-20261129.csv inbox3/
expect_exit "run with the API down exits 3" 3 "$PE" run -c down.json
x8=$(ls reports3/permit-etl-*.xlsx 2>/dev/null | tail -n 1)
check "aborted run still writes a report" test -s "$x8"
check "aborted report says ABORTED" /usr/bin/python3 -c "
import openpyxl,sys
ws=openpyxl.load_workbook(sys.argv[1],read_only=True)['Summary']
sys.exit(0 if any('ABORTED' in str(c) for r in ws.iter_rows(values_only=True) for c in r if c) else 1)" "$x8"
eq "aborted summary JSON says aborted" "$($RC summary-field "${x8%.xlsx}-summary.json" aborted)" True
