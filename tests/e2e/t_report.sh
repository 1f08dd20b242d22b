# report: the XLSX workbook read back with openpyxl and checked against
# `validate --json-out/--rejects` of the same files (tests/readback/).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK="$PY $ROOT/tests/readback/check_report.py"

# Pay-station CSV: Toronto local times around midnight (two business days),
# a free session, USD rows, promo codes (one formula-looking), a zone that
# looks like a formula, a rejected amount, a duplicate receipt and a void.
printf '%s\r\n' \
  'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status' \
  'R1,abc-123,Lot 1,11/28/2025 11:10 PM,11/29/2025 12:10 AM,$14.50,,summer,,' \
  'R2,XYZ 987,Lot 2,11/29/2025 12:20 AM,11/29/2025 1:20 AM,3.00,USD,,T-9,' \
  'R3,FREE1,Lot 1,11/29/2025 9:00 AM,11/29/2025 10:00 AM,0.00,,FREEBIE,,' \
  'R4,BAD1,Lot 1,11/29/2025 9:00 AM,11/29/2025 10:00 AM,14.505,,,,' \
  'R5,=1+1,=SUM(A1),11/29/2025 9:00 AM,11/29/2025 10:00 AM,1,234.50,,=1+1,,' \
  'R6,QQQ111,=SUM(A1),11/29/2025 9:30 AM,11/29/2025 10:30 AM,"1,234.50",CAD,=1+1,,' \
  'R1,abc-123,Lot 1,11/28/2025 11:10 PM,11/29/2025 12:10 AM,$14.50,,summer,,' \
  'R7,VOID1,Lot 1,11/29/2025 9:00 AM,11/29/2025 10:00 AM,5.00,,,,VOID' \
  'R8,USD2,Garage B,11/29/2025 8:00 PM,11/29/2025 9:00 PM,US$7.25,,SUMMER,,' \
  >pay.csv
printf '%s\n' \
  'transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,promo_code' \
  'M1,MOB1,lot01,2025-11-29T03:30:00Z,2025-11-29T04:30:00Z,"2,50",CAD,SUMMER' \
  'M2,MOB2,Lot 2,2025-11-29T18:00:00-05:00,2025-11-29T19:00:00-05:00,10.00,USD,' \
  'M3,MOB3,Lot 9,2025-11-29T18:00:00,2025-11-29T19:00:00,abc,CAD,' \
  >mobile.csv

expect_exit "validate the inputs (rows rejected: exit 1)" 1 \
  "$PE" validate --json-out v.jsonl --rejects v.csv pay.csv mobile.csv
expect_exit "report offline (rows rejected: exit 1)" 1 "$PE" report -o out.xlsx pay.csv mobile.csv
check "report written" test -s out.xlsx
check "no temp file left" test -z "$(ls -A | grep '\.tmp\.')"
check "summary line names the workbook" grep -q "written to out.xlsx" err
$CHECK out.xlsx --jsonl v.jsonl --rejects v.csv --tz America/Toronto --offline >rb.txt 2>&1
cat rb.txt
check "read-back checks all pass" test -z "$(grep '^not ok' rb.txt)"
check "read-back ran" grep -q '^ok Permits rows equal --json-out' rb.txt

# formula-looking data stays text
$PY - <<'PYEOF' >ft.txt 2>&1
import openpyxl
wb = openpyxl.load_workbook("out.xlsx")
ws = wb["Permits"]
zones = [r[5] for r in ws.iter_rows(min_row=2, values_only=True)]
promos = [r[9] for r in ws.iter_rows(min_row=2, values_only=True)]
assert "=SUM(A1)" in zones, zones
assert "=1+1" in promos, promos
for w in wb.worksheets:
    for row in w.iter_rows():
        for c in row:
            assert c.data_type != "f", (w.title, c.coordinate, c.value)
print("text")
PYEOF
check "formula-looking zone and promo stay text" grep -qx text ft.txt

# with zones: statuses and a suggestion on the Zone Audit sheet
"$PE" validate --zones "$ROOT/samples/zones.txt" --aliases "$ROOT/samples/zone-aliases.csv" \
  --json-out vz.jsonl --rejects vz.csv pay.csv mobile.csv >/dev/null 2>&1
expect_exit "report with a zone list (disconnected zone: exit 1)" 1 \
  "$PE" report --zones "$ROOT/samples/zones.txt" --aliases "$ROOT/samples/zone-aliases.csv" \
  -o zones.xlsx pay.csv mobile.csv
$CHECK zones.xlsx --jsonl vz.jsonl --rejects vz.csv --tz America/Toronto --offline >rbz.txt 2>&1
check "read-back with zones all pass" test -z "$(grep '^not ok' rbz.txt)"
grep '^not ok' rbz.txt

# continuation sheets with a lowered row limit
PERMIT_ETL_XLSX_MAX_ROWS=2 "$PE" report -o small.xlsx pay.csv mobile.csv >/dev/null 2>&1
$CHECK small.xlsx --jsonl v.jsonl --rejects v.csv --tz America/Toronto --offline --max-rows 2 >rbs.txt 2>&1
check "read-back with 2-row sheets all pass" test -z "$(grep '^not ok' rbs.txt)"
grep '^not ok' rbs.txt
$PY -c "
import openpyxl
n = openpyxl.load_workbook('small.xlsx').sheetnames
assert 'Permits 2' in n and 'Rejected 2' in n, n
assert n.index('Rejected 2') == n.index('Rejected') + 1, n
print('parts')" >parts.txt 2>&1
check "Permits 2 and Rejected 2 follow their sheets" grep -qx parts parts.txt

# the previous report survives a failed run
echo previous >keep.xlsx
mkdir ro && echo previous >ro/r.xlsx && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
  expect_exit "unwritable output directory: exit 3" 3 "$PE" report -o ro/r.xlsx pay.csv
  check "previous report intact" grep -qx previous ro/r.xlsx
fi
chmod 755 ro
mkdir -p dest.xlsx/inner
expect_exit "output cannot be replaced: exit 3" 3 "$PE" report -o dest.xlsx pay.csv
check "error names the output" grep -q "dest.xlsx" err
check "no temp file left after a failure" test -z "$(ls -A | grep '\.tmp\.')"

# usage errors
expect_exit "report without -o: exit 2" 2 "$PE" report pay.csv
expect_exit "report without files: exit 2" 2 "$PE" report -o x.xlsx
expect_exit "report -o x.csv: not an XLSX name: exit 2" 2 "$PE" report -o x.csv pay.csv
check "-o x.csv: the error says why" grep -q "x.csv.*xlsx" err
check "-o x.csv: nothing written" test ! -e x.csv
expect_exit "report -o x.xlsx.bak: exit 2" 2 "$PE" report -o x.xlsx.bak pay.csv
expect_exit "report -o UPPER.XLSX is fine (rows rejected: exit 1)" 1 "$PE" report -o UPPER.XLSX pay.csv
check "UPPER.XLSX written" test -s UPPER.XLSX
expect_exit "report --from without --to: exit 2" 2 "$PE" report -c c.json --from 2025-11-01 -o x.xlsx
expect_exit "report --to before --from: exit 2" 2 "$PE" report -c c.json --from 2025-11-02 --to 2025-11-01 -o x.xlsx
expect_exit "report --stats without a period: exit 2" 2 "$PE" report --stats -o x.xlsx pay.csv
expect_exit "report --date without -c: exit 2" 2 "$PE" report --date 2025-11-29 -o x.xlsx
expect_exit "report --date not a date: exit 2" 2 "$PE" report -c c.json --date 2025-02-30 -o x.xlsx
expect_exit "unreadable input: exit 3, report still written" 3 "$PE" report -o miss.xlsx nope.csv pay.csv
check "report of a run with an unreadable input exists" test -s miss.xlsx
$CHECK miss.xlsx --aborted >rbm.txt 2>&1
check "unreadable input: Summary says ABORTED in red" grep -q '^ok Summary says ABORTED' rbm.txt
