# report -c: the ledger's push state and OPSCOM's stats (against the
# sandbox), and report -c --date: a business day rebuilt from the ledger.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK="$PY $ROOT/tests/readback/check_report.py"

printf '%s\r\n' \
  'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status' \
  'R1,abc-123,Lot 1,11/28/2025 11:10 PM,11/29/2025 12:10 AM,$14.50,,summer,,' \
  'R2,XYZ987,LOT-02,11/29/2025 12:20 AM,11/29/2025 1:20 AM,3.00,USD,,T-9,' \
  'R3,FREE1,Lot 1,11/29/2025 9:00 AM,11/29/2025 10:00 AM,0.00,,FREEBIE,,' \
  'R4,QQQ111,Lot 77,11/29/2025 9:30 AM,11/29/2025 10:30 AM,"1,234.50",CAD,=1+1,,' \
  'R5,USD2,Garage B,11/29/2025 8:00 PM,11/29/2025 9:00 PM,US$7.25,,SUMMER,,' \
  'R6,NEXT1,1001,11/30/2025 8:00 AM,11/30/2025 9:00 AM,4.00,,,,' \
  >pay.csv

start_sandbox || exit 0
cat >cfg.json <<EOC
{"api_url": "$SANDBOX_URL", "ledger": "$(ledger_uri ledger.sqlite)",
 "zones": "$ROOT/samples/zones.txt", "aliases": "$ROOT/samples/zone-aliases.csv"}
EOC
# something on the server the ledger does not know: a difference
sandbox_post push "{\"apiToken\":\"$OPSCOM_API_TOKEN\",\"LicencePlate\":\"OTHER1\",\"Amount\":\"5.00\",\"CurrencyID\":\"CAD\",\"startTime\":\"2025-11-29T14:00:00\",\"endTime\":\"2025-11-29T15:00:00\",\"zone\":\"Arena\"}" >/dev/null

"$PE" validate -c cfg.json --json-out v.jsonl --rejects v.csv pay.csv >/dev/null 2>&1
expect_exit "push (disconnected zone: exit 1)" 1 "$PE" push -c cfg.json pay.csv
expect_exit "report -c (disconnected zone: exit 1)" 1 "$PE" report -c cfg.json -o r.xlsx pay.csv
$CHECK r.xlsx --jsonl v.jsonl --rejects v.csv --tz America/Toronto --token "$OPSCOM_API_TOKEN" >rb.txt 2>&1
check "read-back -c all pass" test -z "$(grep '^not ok' rb.txt)"
grep '^not ok' rb.txt

sandbox_post stats "{\"apiToken\":\"$OPSCOM_API_TOKEN\"}" | head -n 1 >server.json
ROOT="$ROOT" $PY - >st.txt 2>&1 <<'PYEOF'
import json, openpyxl
wb = openpyxl.load_workbook("r.xlsx")
server = {(d["type"], d["zone"]): int(d["total"]) for d in json.load(open("server.json"))["data"]}
known = {l.strip() for l in open(__import__("os").environ["ROOT"] + "/samples/zones.txt")
         if l.strip() and not l.startswith("#")}
rows = list(wb["OPSCOM Stats"].iter_rows(values_only=True))
assert rows[0][:5] == ("Type", "Zone", "Server total", "Ledger pushed (live)", "Difference"), rows[0]
got = {}
i = 1
while rows[i][0] is not None:
    t, z, srv, led, diff = rows[i][:5]
    got[(t, z)] = (srv, led, diff)
    i += 1
want_srv = {k: v for k, v in server.items() if k[1] in known}
assert {k: v[0] for k, v in got.items()} == want_srv, (got, want_srv)
for (t, z), (srv, led, diff) in got.items():
    assert diff == srv - led, (t, z)
    if z == "Arena":
        assert diff == 1 and led == 0, got[(t, z)]
    else:
        assert diff == 0, (t, z, got[(t, z)])
# the difference is highlighted only where non-zero
ws = wb["OPSCOM Stats"]
for r in range(2, i + 1):
    c = ws.cell(row=r, column=5)
    assert (c.fill.fgColor.rgb not in (None, "00000000")) == (c.value != 0), (r, c.value)
# disconnected records listed apart
j = [k for k, r in enumerate(rows) if r[0] == "Vendor zone"][0]
assert rows[j + 1][:2] == ("Lot 77", 1), rows[j + 1]
# Push Log: every key pushed with a reference
pl = list(wb["Push Log"].iter_rows(min_row=2, values_only=True))
assert len(pl) == 6 and all(r[5] == "pushed" and r[4] for r in pl), pl
s = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
assert s["Pushed"] == 6 and s["Failed"] == 0, s
print("stats")
PYEOF
cat st.txt | tail -n 3
check "OPSCOM Stats equal the sandbox's, ledger counts beside them" grep -qx stats st.txt

# --date: the day's records from the ledger equal the day's figures (the
# ledger names each record's file by its real path)
$PY - <<'PYEOF'
import datetime as dt, json, os
from zoneinfo import ZoneInfo
tz = ZoneInfo("America/Toronto")
with open("v.jsonl") as f, open("day.jsonl", "w") as o:
    for line in f:
        j = json.loads(line)
        t = dt.datetime.strptime(j["startTime"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
        if t.astimezone(tz).strftime("%Y-%m-%d") == "2025-11-29":
            j["_source"] = os.path.realpath(j["_source"])
            o.write(json.dumps(j) + "\n")
PYEOF
check "the day has records" test "$(wc -l <day.jsonl)" -ge 3
expect_exit "report --date (disconnected zone that day: exit 1)" 1 \
  "$PE" report -c cfg.json --date 2025-11-29 -o d.xlsx
$CHECK d.xlsx --jsonl day.jsonl --tz America/Toronto --any-order >rbd.txt 2>&1
check "report --date equals the day's figures" test -z "$(grep '^not ok' rbd.txt)"
grep '^not ok' rbd.txt
check "report --date read back" grep -q '^ok Revenue by zone per key and currency' rbd.txt

# stats refused (bad token): exit 3, the report still written and says so
OPSCOM_API_TOKEN=wrong-token expect_exit "stats refused: exit 3" 3 \
  "$PE" report -c cfg.json -o bad.xlsx pay.csv
$CHECK bad.xlsx --jsonl v.jsonl --tz America/Toronto --aborted >rbb.txt 2>&1
check "refused stats: Summary ABORTED" grep -q '^ok Summary says ABORTED' rbb.txt
stop_sandbox
