# Settlements and silent zones (issue 21). A synthetic month of pay-station
# sales (seeded, generated here) is run against the sandbox with a
# processor's settlement file that differs from our Net by known amounts:
# rejected rows of that vendor and day, a settled day with no records (all
# its rows rejected), and one unexplained 12.34. The Reconciliation sheet
# (read back with openpyxl) must show each and leave exactly 12.34
# unexplained, against figures computed here from the inputs. Silent
# zones: a zone that stops on the last Tuesday is flagged; a zone with two
# weeks of history is not; a zone at 70% of its median (threshold 0.5) is
# not. Bad settlement lines are each rejected with file and line, the rest
# kept; a corrected settlement file replaces its lines.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK="$PY $ROOT/tests/readback/check_settle.py"
mkdir -p in settle reports

$PY - <<'PYEOF'
import datetime as dt, json, random
from zoneinfo import ZoneInfo
rnd = random.Random(21)
tz = ZoneInfo("America/Toronto")
d0, dlast = dt.date(2026, 10, 6), dt.date(2026, 11, 10)    # Tuesdays
dnone = d0 - dt.timedelta(days=1)                           # settled, every row rejected
unexplained_day = dt.date(2026, 10, 20)
assert dlast.weekday() == 1 and d0.weekday() == 1

def stamp(t):
    h = t.hour % 12 or 12
    return "%d/%d/%d %d:%02d %s" % (t.month, t.day, t.year, h, t.minute,
                                    "AM" if t.hour < 12 else "PM")

rows, n = [], 0
net, cnt, rej, rejn = {}, {}, {}, {}
last_start = {}
def add(day, zone, plate_ok=True, start_ok=True):
    global n
    n += 1
    local = dt.datetime(day.year, day.month, day.day, rnd.randint(8, 20), rnd.randint(0, 59),
                        tzinfo=tz)
    end = local + dt.timedelta(minutes=rnd.choice([30, 60, 90]))
    cents = rnd.choice([150, 225, 300, 475, 1000, 1234])
    cur = rnd.choice(["CAD", "CAD", "CAD", "USD"])
    plate = "P%05d" % n if plate_ok else "BAD*%d" % n
    start = stamp(local) if start_ok else "13/1/2026 9:00 AM"
    rows.append("R%06d,%s,%s,%s,%s,%d.%02d,%s,,," % (n, plate, zone, start, stamp(end),
                                                   cents // 100, cents % 100, cur))
    k = (day.isoformat() if start_ok else "day unknown", cur)
    if plate_ok and start_ok:
        net[k] = net.get(k, 0) + cents
        cnt[k] = cnt.get(k, 0) + 1
        if zone not in last_start or local > last_start[zone]:
            last_start[zone] = local
    else:
        rej[k] = rej.get(k, 0) + cents
        rejn[k] = rejn.get(k, 0) + 1

d = d0
while d <= dlast:
    last = d == dlast
    for _ in range(6):
        add(d, "Lot 01")
    for _ in range(0 if last else 6):
        add(d, "Lot Stop")                    # stops on the last Tuesday
    for _ in range(7 if last else 10):
        add(d, "Lot Seventy")                 # 70% of its median: not silent
    if dlast - dt.timedelta(days=14) <= d < dlast:
        for _ in range(6):
            add(d, "Lot New")                 # two weeks of history, then nothing
    if d in (dt.date(2026, 10, 9), dt.date(2026, 10, 27), dlast - dt.timedelta(days=1)):
        add(d, "Lot 01", plate_ok=False)      # rejected, amount readable
    d += dt.timedelta(days=1)
for _ in range(3):
    add(dnone, "Lot 01", plate_ok=False)      # a day whose every row was rejected
add(d0, "Lot 01", start_ok=False)             # rejected, start unreadable: day unknown
open("in/month-paystation.csv", "w").write(
    "Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status\n" +
    "\n".join(rows) + "\n")

# the processor's settlement: Net + the rejected rows' amounts, every day but
# the last; one day 12.34 more
def settle_lines(extra):
    out = ["Settlement Date,Merchant,Currency,Net Settled,Transactions"]
    settled = {}
    d = dnone
    while d < dlast:
        for cur in ("CAD", "USD"):
            k = (d.isoformat(), cur)
            if k not in net and k not in rej:
                continue
            s = net.get(k, 0) + rej.get(k, 0)
            if d == unexplained_day and cur == "CAD":
                s += extra
            settled[k] = (s, cnt.get(k, 0) + rejn.get(k, 0))
            day = d.isoformat() if d.day % 2 else "%d/%d/%d" % (d.month, d.day, d.year)
            out.append("%s,paystation,%s,\"%s\",%d" % (day, cur, "{:,.2f}".format(s / 100),
                                                       settled[k][1]))
        d += dt.timedelta(days=1)
    return out, settled

lines, settled = settle_lines(1234)
open("settle/processor-month.csv", "w").write("\r\n".join(lines) + "\r\n")
fixed_lines, fixed = settle_lines(0)
open("processor-month-fixed.csv", "w").write("\r\n".join(fixed_lines) + "\r\n")
# bad lines: each rejected with file and line; the good one (line 2) kept
open("settle/processor-bad.csv", "w").write(
    "Settlement Date,Merchant,Currency,Net Settled\n"
    "%s,mobile,CAD,0.00\n"
    "%s,nosuchvendor,CAD,5.00\n"
    "%s,paystation,EUR,5.00\n"
    "2026-02-30,paystation,CAD,5.00\n"
    "%s,paystation,CAD,12.3.4\n" % (d0, d0, d0, d0))

def recon(settled, days, unknown):
    out = []
    keys = set(k for k in list(net) + list(rej) + list(settled) if k[0] != "day unknown")
    for k in sorted(keys):
        if k[0] not in days:
            continue
        s = settled.get(k)
        out.append([k[0], "paystation", k[1], net.get(k, 0), s[0] if s else None,
                    rejn.get(k, 0), rej.get(k, 0), cnt.get(k, 0), s[1] if s else None])
    if str(d0) in days:
        out.append([str(d0), "mobile", "CAD", 0, 0, 0, 0, 0, None])
    if unknown:
        for k in sorted(rej):
            if k[0] == "day unknown":
                out.append(["day unknown", "paystation", k[1], None, None, rejn[k], rej[k],
                            None, None])
    return out

alldays = set()
d = dnone
while d <= dlast:
    alldays.add(d.isoformat())
    d += dt.timedelta(days=1)
silent = [["Lot Stop", str(dlast), 6.0, 0, last_start["Lot Stop"].strftime("%Y-%m-%d %H:%M:%S")]]
json.dump({"tag": "run: ", "recon": recon(settled, alldays, True), "unexplained_cents": 1234,
           "silent": silent,
           "causes": {"settlement differences unexplained": [1, "Reconciliation"],
                      "zones silent": [1, "Silent Zones"],
                      "settlement lines rejected": [4, "Rejected"]}},
          open("expect-run.json", "w"))
json.dump({"tag": "period: ", "recon": recon(settled, alldays, False), "unexplained_cents": 1234,
           "silent": silent,
           "causes": {"settlement differences unexplained": [1, "Reconciliation"],
                      "zones silent": [1, "Silent Zones"]}},
          open("expect-period.json", "w"))
day = str(dlast - dt.timedelta(days=1))
json.dump({"tag": "--date: ", "recon": recon(settled, {day}, False), "unexplained_cents": 0,
           "silent": [], "causes": {}}, open("expect-day.json", "w"))
json.dump({"tag": "fixed: ", "recon": recon(fixed, alldays - {str(dlast)}, False),
           "unexplained_cents": 0, "silent": [], "causes": {}}, open("expect-fixed.json", "w"))
PYEOF
check "a month of sales generated" test "$(wc -l <in/month-paystation.csv)" -gt 800

start_sandbox || exit 0
cat >cfg.json <<EOC
{"api_url": "$SANDBOX_URL", "ledger": "$(ledger_uri ledger.sqlite)", "business_tz": "America/Toronto",
 "report_dir": "reports",
 "inputs": [{"glob": "in/*.csv", "profile": "paystation"}],
 "settlements": [{"glob": "settle/*.csv", "profile": "processor"}]}
EOC
expect_exit "run: exit 1 (rows rejected, 12.34 unexplained, a zone silent)" 1 \
  "$PE" run -c cfg.json
report=$(ls reports/permit-etl-*.xlsx | tail -n 1)
check "run report written" test -s "$report"
$CHECK "$report" expect-run.json
for l in "3: vendor: 'nosuchvendor' is not a vendor" "4: currency: " \
         "5: date: " "6: amount: '12.3.4' is not a valid amount"; do
  check "bad settlement line rejected on stderr: ${l%%:*}" grep -q "settle/processor-bad.csv:$l" err
done
check "the bad file's good line is kept" test "$(ledger_sql ledger.sqlite \
  "select count(*) from settlements where file like '%processor-bad.csv'")" = 1
check "bad settlement lines on the Rejected sheet with file and line" $PY -c "
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
got = sorted((r[1], r[2]) for r in wb['Rejected'].iter_rows(min_row=2, values_only=True)
             if r[0] and r[0].endswith('processor-bad.csv'))
assert got == [(3, 'vendor'), (4, 'currency'), (5, 'date'), (6, 'amount')], got" "$report"
check "summary JSON lists the causes" $PY -c "
import json, sys
c = {x['cause']: x['count'] for x in json.load(open(sys.argv[1]))['causes']}
assert c['settlement differences unexplained'] == 1 and c['zones silent'] == 1, c
assert c['settlement lines rejected'] == 4, c" "${report%.xlsx}-summary.json"
ledger_sql ledger.sqlite 'select * from rejected_rows' >rejrows.txt
check "rejected rows kept without their plate" sh -c "! grep -q 'BAD' rejrows.txt"

"$PE" check -c cfg.json >check.out 2>&1
check "check lists the settlement files and their profile" \
  grep -q "settlements\[0\].*settle/\*.csv: 2 files, settlement profile processor" check.out

# period reports, offline, from the ledger alone
stop_sandbox
unset OPSCOM_API_TOKEN
expect_exit "report --from --to: exit 1 (12.34 unexplained, a zone silent)" 1 \
  "$PE" report -c cfg.json --from 2026-10-05 --to 2026-11-10 -o period.xlsx
$CHECK period.xlsx expect-period.json
expect_exit "report --date on a day that reconciles and has no silent zone: exit 0" 0 \
  "$PE" report -c cfg.json --date 2026-11-09 -o day.xlsx
$CHECK day.xlsx expect-day.json
expect_exit "report --date the last Tuesday with silent_zones false: no Silent Zones" 0 \
  sh -c "sed 's/\"settlements\"/\"silent_zones\": false, \"settlements\"/' cfg.json >nosilent.json &&
         '$PE' report -c nosilent.json --date 2026-11-10 -o nosilent.xlsx"
check "no Silent Zones sheet with silent_zones false" $PY -c "
import openpyxl, sys
assert 'Silent Zones' not in openpyxl.load_workbook(sys.argv[1], read_only=True).sheetnames" \
  nosilent.xlsx

# a corrected settlement file replaces its lines
cp processor-month-fixed.csv settle/processor-month.csv
start_sandbox || exit 0
sed -i "s|http://127.0.0.1:[0-9]*|$SANDBOX_URL|" cfg.json
expect_exit "rerun with the corrected settlement file: exit 0" 0 "$PE" run -c cfg.json
report=$(ls reports/permit-etl-*.xlsx | tail -n 1)
$CHECK "$report" expect-fixed.json
check "the corrected file's lines replaced the old ones" test "$(ledger_sql ledger.sqlite \
  "select count(*) from settlements where file like '%processor-month.csv'")" = \
  "$(($(wc -l <processor-month-fixed.csv) - 1))"

# configuration errors name the key
for bad in '"settlements": "x"' '"settlements": [{"glob": "s/*.csv"}]' \
           '"silent_zones": {"weeks": "4"}' '"silent_zones": {"days": 3}' \
           '"silent_zones": {"min_fraction": 2}'; do
  echo "{\"ledger\": \"ledger.sqlite\", $bad}" >bad.json
  key=$(printf '%s' "$bad" | sed 's/^"\([a-z_]*\)".*/\1/')
  expect_exit "config $bad: exit 2" 2 "$PE" report -c bad.json --date 2026-11-09 -o x.xlsx
  check "config $bad: the error names $key" grep -q "$key" err
done
