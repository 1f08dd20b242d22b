# Logs that machines read: -q, --log-json (JSON lines only, row errors
# included), and syslog priority prefixes under systemd's journal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
. "$(dirname "$0")/ops_lib.sh"

# 25 rows with a bad amount (rejected) and 5 good ones
{
  echo "Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No"
  for i in $(seq 1 25); do echo "B$i,BAD$i,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,x$i,CAD,,"; done
  for i in $(seq 1 5); do echo "G$i,GOOD$i,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,1.00,CAD,,"; done
} >day.csv
V=(validate -f paystation --zones "$ROOT/samples/zones.txt" day.csv)

# default: 20 row errors, "... and 5 more", summary
expect_exit "validate exits 1" 1 "$PE" "${V[@]}"
eq "human: 20 row errors shown" "$(grep -c '^permit-etl: day.csv:[0-9]*: Amount: ' err)" 20
check "human: the rest counted" grep -q '^permit-etl: \.\.\. and 5 more' err

# -q: the summary line only
expect_exit "-q validate exits 1" 1 "$PE" -q "${V[@]}"
eq "-q: one stderr line" "$(wc -l <err)" 1
check "-q: it is the summary" grep -q '^permit-etl: .*(exit 1)$' err

# --log-json: JSON lines only, row errors included (the first 20 and a count)
expect_exit "--log-json validate exits 1" 1 "$PE" --log-json "${V[@]}"
check "every stderr line is a UTF-8 JSON object with level and event" $OC json-lines err
$OC json-lines err >events
eq "20 row_error events" "$(grep -c '^warning row_error ' events)" 20
check "row errors carry file, line, field, reason" bash -c \
  "grep '^warning row_error ' events | head -n 1 | grep -q '\"field\": \"Amount\", \"file\": \"day.csv\", \"level\": \"warning\", \"line\": 2, \"reason\": '"
eq "one row_errors_more with the count left out" "$(grep '^warning row_errors_more ' events | grep -c '"count": 5')" 1
check "the summary is the last line" bash -c "tail -n 1 events | grep -q '^warning summary .*\"exit\": 1'"
check "no human line beside them" bash -c '! grep -q "^permit-etl" err'

# --log-json -q: only the summary
expect_exit "--log-json -q exits 1" 1 "$PE" --log-json -q "${V[@]}"
eq "--log-json -q: one line" "$(wc -l <err)" 1
check "--log-json -q: the JSON summary" bash -c "$OC json-lines err | grep -q '^warning summary '"

# a usage error under --log-json is JSON too
expect_exit "--log-json usage error exits 2" 2 "$PE" --log-json validate --no-such-flag
check "usage error as JSON" bash -c "$OC json-lines err | grep -q '^error usage '"
expect_exit "--log-json without a command exits 2" 2 "$PE" --log-json
check "no command: JSON only" bash -c "$OC json-lines err | grep -q '^error usage .*no command given'"

# --log-json on a whole run (with --timings): nothing but JSON
start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
mkdir -p inbox reports && cp day.csv inbox/paystation-20261128.csv
mkconfig run.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' 'report_dir="reports"' \
  'max_reject_ratio=1'
expect_exit "--log-json run exits 1" 1 "$PE" --log-json --timings run -c run.json
check "run: every stderr line is JSON" $OC json-lines err
$OC json-lines err >events
eq "run: 20 row_error events" "$(grep -c '^warning row_error ' events)" 20
check "run: timings as JSON" grep -q '^info timing .*"stage": "push"' events
check "run: the summary is last" bash -c "tail -n 1 events | grep -q '^warning summary '"

# systemd: JOURNAL_STREAM naming stderr adds <N> priorities to human lines
: >err
JOURNAL_STREAM=$(stat -c '%d:%i' err) "$PE" "${V[@]}" >out 2>>err; rc=$?
eq "under the journal: exit 1" "$rc" 1
eq "row errors at <4> (warning)" "$(grep -c '^<4>permit-etl: day.csv:' err)" 20
check "summary of exit 1 at <4>" grep -q '^<4>permit-etl: .*(exit 1)$' err
check "every line has a priority" bash -c '! grep -v "^<[3467]>" err'
: >err
JOURNAL_STREAM=$(stat -c '%d:%i' err) "$PE" validate --zones "$ROOT/samples/zones.txt" no-such-file.csv >out 2>>err
check "an error at <3>" grep -q '^<3>permit-etl: ' err
: >err
JOURNAL_STREAM=$(stat -c '%d:%i' err) "$PE" -v validate -f paystation --zones "$ROOT/samples/zones.txt" inbox/paystation-20261128.csv >out 2>>err
check "info lines at <6>" grep -q '^<6>permit-etl: ' err
# JOURNAL_STREAM naming another file: plain lines
JOURNAL_STREAM=1:1 "$PE" "${V[@]}" >out 2>err
check "another stream: no prefixes" bash -c '! grep -q "^<[0-9]>" err'

# --log-json is valid UTF-8 even when names and values are not: a file name
# and an amount with invalid bytes appear as \xHH text
f=$(printf 'caf\xe9-day.csv')
printf 'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\nU1,ABC1,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,1\xff,CAD,,\n' >"$f"
"$PE" --log-json validate -f paystation "$f" >out 2>err
check "invalid UTF-8 in names and values: still UTF-8 JSON lines" $OC json-lines err
check "the bad byte shows as \\xHH text" bash -c "$OC json-lines err | grep '^warning row_error ' | grep -qiF 'caf\\\\xE9-day.csv'"
