# report --from/--to and --date: business days rebuilt from the ledger,
# offline. A month of records (seeded, generated here; across the end of
# DST on 2025-11-02 and around local midnight) is pushed to the sandbox;
# then the month's report must equal the sum of its 31 daily reports, and
# both must equal figures computed here from the inputs with zoneinfo.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK="$PY $ROOT/tests/readback/check_report.py"
FROM=2025-10-20
TO=2025-11-19

$PY - "$FROM" "$TO" >month.jsonl <<'PYEOF'
import datetime as dt, json, random, sys
from zoneinfo import ZoneInfo
rnd = random.Random(20251102)
tz = ZoneInfo("America/Toronto")
d0 = dt.date.fromisoformat(sys.argv[1])
d1 = dt.date.fromisoformat(sys.argv[2])
zones = ["Lot 01", "Lot 02", "Garage A", "Arena", "Red Lot"]
n = 0
d = d0 - dt.timedelta(days=1)          # a day before the period: left out
while d <= d1 + dt.timedelta(days=1):  # and a day after it
    for k in range(rnd.randint(4, 12)):
        # local wall-clock time, often close to midnight
        minute = rnd.choice([5, 30, 23 * 60 + 50, 23 * 60 + 59, rnd.randint(0, 1439)])
        local = dt.datetime(d.year, d.month, d.day, minute // 60, minute % 60, rnd.randint(0, 59),
                            tzinfo=tz)
        start = local.astimezone(dt.timezone.utc)
        end = start + dt.timedelta(minutes=rnd.choice([30, 60, 120]))
        n += 1
        r = {"LicencePlate": "M%04d" % n,
             "CurrencyID": rnd.choice(["CAD", "CAD", "CAD", "USD"]),
             "startTime": start.strftime("%Y-%m-%dT%H:%M:%S"),
             "endTime": end.strftime("%Y-%m-%dT%H:%M:%S"),
             "zone": rnd.choice(zones), "permitNo": "PM-%d" % n}
        c = rnd.choice([0, 150, 375, 1000, 1234, 99999])
        if c:
            r["Amount"] = "%d.%02d" % (c // 100, c % 100)
        print(json.dumps(r))
    d += dt.timedelta(days=1)
PYEOF
check "a month of records generated" test "$(wc -l <month.jsonl)" -gt 200

start_sandbox || exit 0
# random daily counts per zone: some zone-days fall below half their weekday
# median, which silent-zone detection would rightly flag (t_settle.sh tests
# that); this test is about the period's sums, so it is off here
cat >cfg.json <<EOC
{"api_url": "$SANDBOX_URL", "ledger": "$(ledger_uri ledger.sqlite)", "business_tz": "America/Toronto",
 "zones": "$ROOT/samples/zones.txt", "aliases": "$ROOT/samples/zone-aliases.csv",
 "silent_zones": false}
EOC
"$PE" validate -c cfg.json -f opscom --json-out all.jsonl month.jsonl >/dev/null 2>&1
expect_exit "push a month of records to the sandbox" 0 "$PE" push -c cfg.json -f opscom month.jsonl

# offline: no token in the environment, the sandbox stopped
stop_sandbox
unset OPSCOM_API_TOKEN
expect_exit "report --from --to: exit 0, offline, no token" 0 \
  "$PE" report -c cfg.json --from "$FROM" --to "$TO" -o month.xlsx
check "month report written" test -s month.xlsx
days=$($PY -c "
import datetime as dt
d, e = dt.date.fromisoformat('$FROM'), dt.date.fromisoformat('$TO')
while d <= e:
    print(d); d += dt.timedelta(days=1)")
n=0
for d in $days; do
  "$PE" report -q -c cfg.json --date "$d" -o "day-$d.xlsx" 2>>day.err || echo "$d" >>day-failed
  n=$((n + 1))
done
check "31 daily reports written, each exit 0" test "$n" -eq 31 -a ! -e day-failed
expect_exit "report --stats without a token: exit 2" 2 \
  "$PE" report -c cfg.json --from "$FROM" --to "$TO" --stats -o stats.xlsx

# the records of the period only (local day in Toronto), for the read-back
# (the ledger names each record's file by its real path)
$PY - "$FROM" "$TO" all.jsonl >period.jsonl <<'PYEOF'
import datetime as dt, json, os, sys
from zoneinfo import ZoneInfo
tz = ZoneInfo("America/Toronto")
for line in open(sys.argv[3]):
    j = json.loads(line)
    t = dt.datetime.strptime(j["startTime"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
    if sys.argv[1] <= t.astimezone(tz).strftime("%Y-%m-%d") <= sys.argv[2]:
        j["_source"] = os.path.realpath(j["_source"])
        print(json.dumps(j))
PYEOF
$CHECK month.xlsx --jsonl period.jsonl --tz America/Toronto --days "$FROM" "$TO" --any-order >rb.txt 2>&1
check "month report read back against the inputs" test -z "$(grep '^not ok' rb.txt)"
grep '^not ok' rb.txt

$PY - "$FROM" "$TO" $days >sum.txt 2>&1 <<'PYEOF'
import datetime as dt, json, sys
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo
import openpyxl

frm, to, days = sys.argv[1], sys.argv[2], sys.argv[3:]
tz = ZoneInfo("America/Toronto")

def cents(v):
    return 0 if v is None else int((Decimal(str(v)) * 100).to_integral_value())

def section(ws, title):
    rows = list(ws.iter_rows(values_only=True))
    for i, r in enumerate(rows):
        if r and isinstance(r[0], str) and r[0].startswith(title):
            body = []
            for r2 in rows[i + 2:]:
                if r2[0] == "Total":
                    return body, r2
                body.append(r2)
    raise SystemExit("no section %r" % title)

def figures(path):
    """Per-day rows and the Total row of the by-day table: records, free, CAD, USD."""
    s = openpyxl.load_workbook(path)["Summary"]
    body, tot = section(s, "Revenue by business day")
    per = {r[0].strftime("%Y-%m-%d"): [r[1], r[2], cents(r[3]), cents(r[4])] for r in body}
    zbody, ztot = section(s, "Revenue by zone")
    return per, [tot[1], tot[2], cents(tot[3]), cents(tot[4])], \
        [ztot[1], ztot[2], cents(ztot[3]), cents(ztot[4])], s["A1"].value

# expected, from the inputs
want = defaultdict(lambda: [0, 0, 0, 0])
for line in open("all.jsonl"):
    j = json.loads(line)
    t = dt.datetime.strptime(j["startTime"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
    d = t.astimezone(tz).strftime("%Y-%m-%d")
    if not (frm <= d <= to):
        continue
    a = cents(j.get("Amount"))
    w = want[d]
    w[0] += 1; w[1] += a == 0; w[2 if j["CurrencyID"] == "CAD" else 3] += a

mper, mtot, mztot, title = figures("month.xlsx")
assert title.endswith("business days %s to %s" % (frm, to)), title
assert sorted(mper) == days, "the month lists every day: %r" % sorted(mper)
daysum = [0, 0, 0, 0]
for d in days:
    dper, dtot, dztot, dtitle = figures("day-%s.xlsx" % d)
    assert dtitle.endswith("business day " + d), dtitle
    assert set(k for k, v in dper.items() if v != [0, 0, 0, 0]) <= {d}, (d, dper)
    assert dtot == dztot, (d, dtot, dztot)
    assert mper[d] == dtot, ("month row != daily report", d, mper[d], dtot)
    assert dtot == want.get(d, [0, 0, 0, 0]), ("daily report != inputs", d, dtot, want.get(d))
    daysum = [a + b for a, b in zip(daysum, dtot)]
assert mtot == daysum, ("month total != sum of the daily reports", mtot, daysum)
assert mztot == daysum, ("month zone total != sum of the daily reports", mztot, daysum)
exp = [sum(w[i] for w in want.values()) for i in range(4)]
assert mtot == exp, ("month total != inputs", mtot, exp)
assert mtot[2] > 0 and mtot[3] > 0, "both currencies present"
# the daily chart: one series per currency, over the by-day rows
wb = openpyxl.load_workbook("month.xlsx")
assert len(wb["Summary"]._charts) == 2, len(wb["Summary"]._charts)
assert wb["OPSCOM Stats"]["A1"].value == "offline", wb["OPSCOM Stats"]["A1"].value
print("sum ok %d records, CAD %d cents, USD %d cents" % (mtot[0], mtot[2], mtot[3]))
PYEOF
cat sum.txt
check "report --from --to totals equal the sum of the daily --date reports and the inputs" \
  grep -q '^sum ok' sum.txt
