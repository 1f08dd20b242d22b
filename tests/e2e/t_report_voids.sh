# report FILE... (offline) with order-free voids: a void row cancels the
# sale with its key whether it comes after it in the same file, before it,
# or in another file; a void of no sale in the files is unmatched. The
# expected figures come from the input CSVs (report_voids_check.py), never
# from the tool's output.
. "$(dirname "$0")/lib.sh"
RC="/usr/bin/python3 $ROOT/tests/e2e/report_voids_check.py"
HEAD="Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status"
D="11/28/2026"
#   S2 voided after it (same file, a REFUND row), S3 voided before it (same
#   file), S4 sold here and voided in b.csv, S5 voided here and sold in
#   b.csv, V9 a void whose sale is in no file; S1, S6 and b.csv's S7 kept.
cat >a.csv <<CSV
$HEAD
S1,AAA111,Lot 01,$D 09:00 AM,$D 09:30 AM,14.50,CAD,SUMMER,,
S2,BBB222,Lot 02,$D 09:10 AM,$D 09:40 AM,3.00,USD,SUMMER,,
S3,CCC333,Lot 03,$D 09:20 AM,$D 09:50 AM,5.00,CAD,,,VOID
S3,CCC333,Lot 03,$D 09:20 AM,$D 09:50 AM,5.00,CAD,,,
S2,BBB222,Lot 02,$D 09:10 AM,$D 09:40 AM,-3.00,USD,SUMMER,,REFUND
S4,DDD444,Lot 01,$D 10:00 AM,$D 11:00 AM,7.25,CAD,SUMMER,,
S5,EEE555,Lot 02,$D 10:30 AM,$D 11:00 AM,2.00,USD,,,VOID
V9,ZZZ999,Lot 02,$D 01:30 PM,$D 02:00 PM,8.00,CAD,,,VOID
S6,FFF666,Lot 02,$D 11:00 AM,$D 12:00 PM,9.99,CAD,,,
CSV
cat >b.csv <<CSV
$HEAD
S4,DDD444,Lot 01,$D 10:00 AM,$D 11:00 AM,7.25,CAD,SUMMER,,VOID
S5,EEE555,Lot 02,$D 10:30 AM,$D 11:00 AM,2.00,USD,,,
S7,GGG777,Lot 03,$D 03:00 PM,$D 04:00 PM,6.00,USD,SUMMER,,
CSV
mkdir tmp
export TMPDIR=$PWD/tmp

expect_exit "report a.csv b.csv exits 0 (voids in any order need no attention)" 0 \
  "$PE" report -o ab.xlsx a.csv b.csv
cp err ab.err
check "a.csv b.csv: workbook read back against the inputs" $RC check ab.xlsx a.csv b.csv
# 12 rows = 7 sales + 5 voids; S2 S3 S4 S5 cancelled; V9 unmatched;
# CAD 14.50+5.00+7.25+9.99 = 36.74 gross, 12.25 voids; USD 3.00+2.00+6.00
check "stderr summary adds the rows up" grep -q \
  "report: 2 files: rows 12 = 7 sales + 0 rejected + 0 duplicates + 5 voids; sales 7 = 3 listed + 4 cancelled; voids 5 = 4 cancelling + 1 unmatched; 0 free sessions; CAD gross 36.74 - voids 12.25 = net 24.49; USD gross 11.00 - voids 5.00 = net 6.00; written to ab.xlsx" ab.err
check "no temp file left in TMPDIR" test -z "$(ls -A tmp)"

expect_exit "report b.csv a.csv (reversed) exits 0" 0 "$PE" report -o ba.xlsx b.csv a.csv
check "b.csv a.csv: workbook read back against the inputs" $RC check ba.xlsx b.csv a.csv
$RC money ab.xlsx >ab.json && $RC money ba.xlsx >ba.json
check "reversed order: identical money figures, Permits and Voids" cmp -s ab.json ba.json
check "money figures were read" grep -q '"Net"' ab.json

# a file read once from a FIFO: its voids still cancel sales read before it
mkfifo b.fifo
( cat b.csv >b.fifo ) &
timeout 60 "$PE" report -o fifo.xlsx a.csv b.fifo 2>err; rc=$?
wait
check "report a.csv FIFO: exit 0" test "$rc" -eq 0
check "FIFO: 4 cancelled, 1 unmatched" grep -q \
  "sales 7 = 3 listed + 4 cancelled; voids 5 = 4 cancelling + 1 unmatched" err
$RC money fifo.xlsx >fifo.json
check "FIFO: the same money figures, Permits and Voids as from the files" \
  cmp -s <(sed 's/b\.fifo/b.csv/g' fifo.json) ab.json

# a void alone: the sale is in no file
printf '%s\n' "$HEAD" "S4,DDD444,Lot 01,$D 10:00 AM,$D 11:00 AM,7.25,CAD,,,VOID" >v.csv
expect_exit "report a.csv v.csv exits 0" 0 "$PE" report -o av.xlsx v.csv a.csv
check "a void in the first file cancels a sale of the second" \
  $RC check av.xlsx v.csv a.csv

# the spill's directory cannot be written: exit 3, a clear message
expect_exit "TMPDIR not a directory: exit 3" 3 env TMPDIR=$PWD/a.csv "$PE" report -o x.xlsx a.csv
check "TMPDIR error names the directory" grep -q "temp file in $PWD/a.csv" err
check "no workbook written then, no temp workbook left" test -z "$(ls -A | grep "^x\.xlsx")"
