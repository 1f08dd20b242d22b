# The nightly job's outputs: notify (mail through a real SMTP server,
# webhook to a real HTTP server) and metrics_file, with their failures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
. "$(dirname "$0")/ops_lib.sh"

start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
SINK_USER=mailer SINK_PASS='s3cret pass' \
  start_sink SMTP mail /usr/bin/python3 "$ROOT/tests/e2e/smtp_sink.py" "$PWD/mail" || exit 1
start_sink HOOK hook /usr/bin/python3 "$ROOT/tests/e2e/http_sink.py" "$PWD/hook" 200 || exit 1
start_sink HOOK500 hook500 /usr/bin/python3 "$ROOT/tests/e2e/http_sink.py" "$PWD/hook500" 500 || exit 1
mkdir -p inbox reports metrics
# 4 rows: 3 sales (2 CAD, 1 USD) and one with a bad amount (rejected) -> exit 1
cat >inbox/paystation-20261128.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R1,ABC 123,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,14.50,CAD,,T-1
R2,DEF-456,lot02,11/28/2026 10:00 AM,11/28/2026 11:00 AM,3.00,USD,,
R3,GHI789,Red Lot,11/28/2026 11:00 AM,11/28/2026 12:30 PM,2.25,CAD,,
R4,JKL012,Lot 01,11/28/2026 11:00 AM,11/28/2026 12:30 PM,abc,CAD,,
CSV
notify_attention='{"on": "attention", "mail": {"url": "smtp://127.0.0.1:'$SMTP'", "from": "etl@example.org", "to": ["finance@example.org", "ops@example.org"], "user_env": "SMTP_USER", "password_env": "SMTP_PASS"}, "webhook": {"url": "http://127.0.0.1:'$HOOK'/hook/night"}}'
export SMTP_USER=mailer SMTP_PASS='s3cret pass'
mkconfig run.json 'inputs=[{"glob": "inbox/*.csv"}]' 'report_dir="reports"' 'max_reject_ratio=0.5' \
  "notify=$notify_attention" 'metrics_file="metrics/permit-etl.prom"'
python3 - run.json "$SMTP" "$HOOK" "$PWD" <<'PY'
import json, sys
f, smtp, hook, cwd = sys.argv[1:]
c = json.load(open(f))
c["notify"]["mail"]["url"] = "smtp://127.0.0.1:%s" % smtp
c["notify"]["webhook"]["url"] = "http://127.0.0.1:%s/hook/night" % hook
c["ledger"] = cwd + "/ledger.db"
json.dump(c, open(f, "w"), indent=1)
PY

# 1. a night that needs attention: mail + webhook + metrics
t0=$(date +%s)
expect_exit "run with a rejected row exits 1" 1 "$PE" run -c run.json
t1=$(date +%s)
x1=$(ls reports/permit-etl-*.xlsx | tail -n 1); s1=${x1%.xlsx}-summary.json
eq "one mail received" "$(count mail/mail-*.eml)" 1
eq "one webhook received" "$(count hook/hook-*.body)" 1
$OC mail mail/mail-1.eml >mail1.txt || not_ok "mail parses" "$(cat mail1.txt)"
check "mail subject says attention" grep -q "^permit-etl on .*: run needs attention (exit 1)$" mail1.txt
check "mail body carries the summary line as stderr printed it" grep -qxF "$(tail -n 1 err)" mail1.txt
check "mail body lists the rejected row as a cause" grep -qx -- "- rows rejected: 1 (sheet Rejected)" mail1.txt
check "mail From header" grep -q "^From: permit-etl <etl@example.org>$" mail1.txt
check "mail To header names both" grep -q "^To: finance@example.org, ops@example.org$" mail1.txt
eq "envelope recipients" "$(python3 -c 'import json,sys; m=json.load(open("mail/mail-1.json")); print(m["from"], *m["to"])')" \
  "etl@example.org finance@example.org ops@example.org"
eq "SMTP AUTH with the credentials of the environment" \
  "$(python3 -c 'import json; m=json.load(open("mail/mail-1.json")); print(m["auth_user"], m["auth_ok"])')" "mailer True"
check "attachment is the run's workbook, opens in openpyxl" $OC mail-xlsx mail/mail-1.eml att.xlsx
check "attachment bytes equal the report" cmp -s att.xlsx "$x1"
check "webhook body equals the summary JSON" $OC json-equal hook/hook-1.body "$s1"
check "webhook body is the summary file byte for byte" cmp -s hook/hook-1.body "$s1"
eq "webhook path and content type" "$(python3 -c 'import json; m=json.load(open("hook/hook-1.json")); print(m["path"], m["headers"]["Content-Type"])')" \
  "/hook/night application/json"
check "credentials not in argv-visible output or logs" bash -c '! grep -q "s3cret" err out'
M=metrics/permit-etl.prom
check "metrics file parses strictly" $OC metrics $M >/dev/null
if command -v promtool >/dev/null; then
  check "promtool check metrics accepts it" bash -c "promtool check metrics <$M"
fi
eq "metrics file mode 0644" "$(stat -c %a $M)" 644
eq "metric exit status" "$($OC metric $M permit_etl_exit_status)" 1
eq "metric rows: sales" "$($OC metric $M 'permit_etl_rows{outcome="sales"}')" 3
eq "metric rows rejected" "$($OC metric $M 'permit_etl_rows{outcome="rejected"}')" 1
eq "metric sales pushed" "$($OC metric $M 'permit_etl_records{kind="sale",outcome="pushed"}')" 3
eq "metric rows add up to the rows read (4)" "$($OC metrics $M | awk '/^permit_etl_rows\{/ {s += $2} END {print s}')" 4
eq "metric net revenue CAD (14.50 + 2.25)" "$($OC metric $M 'permit_etl_net_revenue{currency="CAD"}')" 16.75
eq "metric net revenue USD" "$($OC metric $M 'permit_etl_net_revenue{currency="USD"}')" 3.00
lr=$($OC metric $M permit_etl_last_run_timestamp_seconds)
ls1=$($OC metric $M permit_etl_last_success_timestamp_seconds)
check "last run timestamp within the run" test "$lr" -ge "$t0" -a "$lr" -le "$t1"
eq "a completed run is a success" "$ls1" "$lr"
check "stage seconds present for push" bash -c "$OC metrics $M | grep -q '^permit_etl_stage_seconds{stage=\"push\"} '"

# 2. "on": "abort" (the default): an exit-1 night sends nothing
python3 - run.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); del c["notify"]["on"]; json.dump(c, open(sys.argv[1], "w"))
PY
cat >inbox/paystation-20261129.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R10,MNO345,Lot 03,11/29/2026 09:00 AM,11/29/2026 09:30 AM,5.00,CAD,,
R11,PQR678,Lot 03,11/29/2026 09:00 AM,11/29/2026 09:30 AM,-1.00,CAD,,
CSV
sleep 1
expect_exit "second night exits 1" 1 "$PE" run -c run.json
eq "on abort: no mail for exit 1" "$(count mail/mail-*.eml)" 1
eq "on abort: no webhook for exit 1" "$(count hook/hook-*.body)" 1
eq "metric rows, second night: 1 sale, 1 rejected" "$($OC metric $M 'permit_etl_rows{outcome="sales"}') $($OC metric $M 'permit_etl_rows{outcome="rejected"}')" "1 1"

# 3. an aborted night (API down): mail and webhook; last success kept
ls2=$($OC metric $M permit_etl_last_success_timestamp_seconds)
python3 - run.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["notify"]["mail"]["redact"] = True; json.dump(c, open(sys.argv[1], "w"))
PY
stop_sandbox
cat >inbox/mobile-20261130.csv <<'CSV'
transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,promo_code,ticket_number
M9,STU901,Lot 06,2026-11-30T09:00:00-05:00,2026-11-30T10:00:00-05:00,4.00,,,
CSV
sleep 1
expect_exit "run with the API down exits 3" 3 "$PE" run -c run.json
eq "abort: a mail" "$(count mail/mail-*.eml)" 2
$OC mail mail/mail-2.eml >mail2.txt
check "abort mail subject" grep -q "run aborted (exit 3)$" mail2.txt
check "abort mail says what happened" grep -q "^What happened:" mail2.txt
check "abort mail names the unreachable API" grep -qi "^- .*\(connect\|unreachable\|refused\)" mail2.txt
check "redact: a workbook is attached" $OC mail-xlsx mail/mail-2.eml att2.xlsx
check "redact: no input plate in any cell of the mailed copy" $OC redacted att2.xlsx inbox
check "redact: the body says the copy is redacted" grep -q "attached, redacted" mail2.txt
check "redact: the copy made for the mail is not left in report_dir" \
  bash -c '! ls reports/ | grep -q -- "-redacted.xlsx"'
x2=$(ls reports/permit-etl-*.xlsx | grep -v -- -redacted | tail -n 1)
check "redact: the report itself keeps full plates" bash -c "! $OC redacted '$x2' inbox >/dev/null 2>&1"
eq "abort: a webhook" "$(count hook/hook-*.body)" 2
eq "webhook after abort: exit_status 3" "$(python3 -c 'import json; print(json.load(open("hook/hook-2.body"))["exit_status"])')" 3
eq "metric exit status after abort" "$($OC metric $M permit_etl_exit_status)" 3
eq "last success kept from the previous file" "$($OC metric $M permit_etl_last_success_timestamp_seconds)" "$ls2"
check "last run moved on" test "$($OC metric $M permit_etl_last_run_timestamp_seconds)" -ge "$ls2"
check "metrics still valid for promtool" bash -c "! command -v promtool >/dev/null || promtool check metrics <$M"

# 4. failed notifications: SMTP unreachable, webhook answering 500 — logged,
#    retried, the run's result unchanged
start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
dead=$(free_port)
python3 - run.json "$dead" "$HOOK500" "$SANDBOX_URL" <<'PY'
import json, sys
f, dead, hook, url = sys.argv[1:]
c = json.load(open(f))
c["notify"]["on"] = "attention"
c["notify"]["mail"]["url"] = "smtp://127.0.0.1:%s" % dead
c["notify"]["webhook"]["url"] = "http://127.0.0.1:%s/x" % hook
c["api_url"] = url
json.dump(c, open(f, "w"))
PY
cat >inbox/paystation-20261130.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R12,YZA567,Lot 03,11/30/2026 09:00 AM,11/30/2026 09:30 AM,6.00,CAD,,
R13,BCD890,Lot 03,11/30/2026 09:00 AM,11/30/2026 09:30 AM,,CAD,,
R14,EFG123,Lot 03,11/30/2026 10:00 AM,11/30/2026 10:30 AM,7.00,CAD,,
CSV
sleep 1
"$PE" run -c run.json >out 2>err &
bg=$!
for i in $(seq 1 400); do grep -q "attempt 1 of 4 failed" err && break; sleep 0.05; done
"$PE" ledger -c run.json prune --before 2000-01-01 >prune.out 2>prune.err; rc=$?
eq "while notifications are retried the ledger lock is free (prune runs)" "$rc" 0
wait "$bg"; rc=$?
eq "run with dead notifications still exits as the night says (1)" "$rc" 1
check "unreachable SMTP logged after 4 attempts" grep -q "notify: mail through smtp://127.0.0.1:$dead not sent after 4 attempts" err
eq "3 mail retries logged" "$(grep -c 'notify: mail through .*attempt [123] of 4 failed' err)" 3
check "webhook 500 logged" grep -q "notify: webhook not delivered after 4 attempts: answered HTTP 500" err
eq "webhook tried 4 times" "$(count hook500/hook-*.body)" 4
eq "every sale pushed: 3 + 1 + the API-down night's 1 + 2" "$($PC ledger-count ledger.db pushed)" 7
eq "metrics exit status 1" "$($OC metric $M permit_etl_exit_status)" 1
check "the summary line is the last stderr line" bash -c 'tail -n 1 err | grep -q "^permit-etl: run: .*(exit 1)$"'

# 4b. smtp:// to a host that is not a loopback name requires STARTTLS: the
#     sink (no TLS) is reached through ::ffff:127.0.0.1, which the config does
#     not count as loopback, so libcurl must refuse to send in the clear
nm=$(count mail/mail-*.eml)
python3 - run.json "$SMTP" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["notify"]["mail"]["url"] = "smtp://[::ffff:127.0.0.1]:%s" % sys.argv[2]
c["notify"]["mail"]["redact"] = False
del c["notify"]["webhook"]
json.dump(c, open(sys.argv[1], "w"))
PY
cat >inbox/paystation-20261130b.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R15,HIJ456,Lot 03,11/30/2026 09:00 AM,11/30/2026 09:30 AM,6.00,CAD,,
R16,KLM789,Lot 03,11/30/2026 09:00 AM,11/30/2026 09:30 AM,??,CAD,,
R17,NOP012,Lot 03,11/30/2026 10:00 AM,11/30/2026 10:30 AM,7.00,CAD,,
CSV
sleep 1
expect_exit "run with a mail server without STARTTLS exits 1" 1 "$PE" run -c run.json
check "STARTTLS refusal logged" grep -q "notify: mail through smtp://\[::ffff:127.0.0.1\]:$SMTP not sent after 4 attempts: .*STARTTLS" err
eq "nothing was mailed in the clear" "$(count mail/mail-*.eml)" "$nm"

# 5. exit 2 (bad token format): nothing sent, no metrics written (mail and
#    webhook pointed at live sinks, so anything sent would be seen)
python3 - run.json "$SMTP" "$HOOK" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["notify"]["mail"]["url"] = "smtp://127.0.0.1:%s" % sys.argv[2]
c["notify"]["webhook"] = {"url": "http://127.0.0.1:%s/x" % sys.argv[3]}
json.dump(c, open(sys.argv[1], "w"))
PY
cp $M metrics.before
nm=$(count mail/mail-*.eml); nh=$(count hook/hook-*.body)
OPSCOM_API_TOKEN='bad token!' "$PE" run -c run.json >out 2>err; rc=$?
eq "bad token exits 2" "$rc" 2
eq "exit 2: no webhook" "$(count hook/hook-*.body)" "$nh"
eq "exit 2: no mail" "$(count mail/mail-*.eml)" "$nm"
check "exit 2: metrics untouched" cmp -s $M metrics.before
check "exit 2: no notify attempted" bash -c '! grep -q notify: err'

# 6. --dry-run of a night that needs attention: nothing sent, no metrics written
cat >inbox/paystation-20261202.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R30,QRS345,Lot 03,12/02/2026 09:00 AM,12/02/2026 09:30 AM,6.00,CAD,,
R31,TUV678,Lot 03,12/02/2026 09:00 AM,12/02/2026 09:30 AM,??,CAD,,
R32,WXY901,Lot 03,12/02/2026 10:00 AM,12/02/2026 10:30 AM,7.00,CAD,,
CSV
sleep 1
expect_exit "dry run of a night needing attention exits 1" 1 "$PE" run -c run.json --dry-run
eq "dry run: no webhook" "$(count hook/hook-*.body)" "$nh"
eq "dry run: no mail" "$(count mail/mail-*.eml)" "$nm"
check "dry run: metrics untouched" cmp -s $M metrics.before

# 7. a read-only metrics directory: logged, the run's result unchanged
#    (as root, the run is made as nobody: root writes through mode 0555)
mkdir -p ro
cp $M ro/permit-etl.prom
python3 - run.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["metrics_file"] = "ro/permit-etl.prom"; del c["notify"]
json.dump(c, open(sys.argv[1], "w"))
PY
chmod 555 ro
if [ "$(id -u)" -eq 0 ]; then
  chmod 711 . && chown -R nobody . && chmod 555 ro
  AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
  AS=
fi
rm inbox/paystation-20261202.csv
cat >inbox/paystation-20261201.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R20,VWX234,Lot 03,12/01/2026 09:00 AM,12/01/2026 09:30 AM,5.00,CAD,,
CSV
[ "$(id -u)" -eq 0 ] && chown nobody inbox/paystation-20261201.csv
sleep 1
expect_exit "run with a read-only metrics dir exits 0" 0 $AS "$PE" run -c run.json
check "metrics failure logged naming the file" grep -q "ro/permit-etl.prom.*metrics_file: cannot write" err
check "old metrics file left as it was" cmp -s ro/permit-etl.prom $M
eq "the record was pushed anyway" "$($PC ledger-field ledger.db paystation:R20 state)" pushed
chmod 755 ro
