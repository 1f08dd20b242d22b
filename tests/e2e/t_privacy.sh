# Privacy (issue 22): private file modes whatever the umask, retention_days
# with plate-free tombstones, `report --redact`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

PY=/usr/bin/python3
mode() { stat -c %a "$1" 2>/dev/null || echo missing; }
# mode_is NAME FILE WANT
mode_is() { eq "$1" "$(mode "$2")" "$3"; }
sql() { sqlite3 "$1" "$2"; }

start_sandbox --zones "$ROOT/samples/zones.txt" --slow-ms 300 || exit 1
top=$PWD
ST=$top/sandbox-state.json
# the sandbox writes its state and log in $top
state_top() { (cd "$top" && state_now); }

small_inbox() {
  mkdir -p inbox
  cat >inbox/paystation-20261128.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R1,KXR4471,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,14.50,CAD,,T-1
R2,WQT8802,Lot 02,11/28/2026 10:00 AM,11/28/2026 11:00 AM,3.00,USD,,
R3,BADROW,Lot 03,11/28/2026 10:00 AM,11/28/2026 11:00 AM,12x,CAD,,
CSV
}

# ---------------------------------------------------------------------------
# 1. modes under umask 000 and 022: every file a command creates is 0600,
#    every directory 0700; -wal, -shm, the lock and the report's temp file
#    are watched while a (slowed) run is in flight.
for u in 000 022; do
  mkdir "$top/m$u" && cd "$top/m$u" || exit 1
  umask $u
  small_inbox
  mkdir inbox2 && cp inbox/*.csv inbox2/
  mkconfig cfg.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' \
    'ledger="deep/led/ledger.db"' 'report_dir="deep/rep/x"' 'archive_dir="deep/arch/a"' \
    'concurrency=1' 'max_reject_ratio=0.5'
  "$PE" run -c cfg.json >out 2>err &
  pid=$!
  wal=missing shm=missing lock=missing tmp=missing
  while kill -0 "$pid" 2>/dev/null; do
    m=$(mode deep/led/ledger.db-wal); [ "$m" != missing ] && wal=$m
    m=$(mode deep/led/ledger.db-shm); [ "$m" != missing ] && shm=$m
    m=$(mode deep/led/ledger.db.lock); [ "$m" != missing ] && lock=$m
    t=$(ls deep/rep/x/*.tmp.* 2>/dev/null | head -n 1)
    if [ -n "$t" ]; then m=$(mode "$t"); [ "$m" != missing ] && tmp=$m; fi
    sleep 0.02
  done
  wait "$pid"; rc=$?
  eq "umask $u: run exits 1 (one row rejected)" "$rc" 1
  mode_is "umask $u: ledger 0600" deep/led/ledger.db 600
  eq "umask $u: ledger -wal 0600 (seen during the run)" "$wal" 600
  eq "umask $u: ledger -shm 0600 (seen during the run)" "$shm" 600
  eq "umask $u: lock file 0600" "$lock" 600
  mode_is "umask $u: lock file still 0600" deep/led/ledger.db.lock 600
  eq "umask $u: report temp file 0600 (seen during the run)" "$tmp" 600
  x=$(ls deep/rep/x/permit-etl-*.xlsx | head -n 1)
  mode_is "umask $u: report 0600" "$x" 600
  mode_is "umask $u: summary JSON 0600" "${x%.xlsx}-summary.json" 600
  eq "umask $u: no retention, \"pruned\": null" \
    "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["pruned"])' "${x%.xlsx}-summary.json")" None
  for d in deep deep/led deep/rep deep/rep/x deep/arch deep/arch/a; do
    mode_is "umask $u: directory $d created 0700" "$d" 700
  done
  # offline writers
  mkdir o
  "$PE" validate -f paystation --json-out o/v.jsonl --rejects o/r.csv inbox2/*.csv \
    >/dev/null 2>&1
  check "umask $u: validate wrote records" test -s o/v.jsonl
  check "umask $u: validate wrote rejects" test -s o/r.csv
  mode_is "umask $u: --json-out 0600" o/v.jsonl 600
  mode_is "umask $u: --rejects 0600" o/r.csv 600
  "$PE" zones -f paystation --zones "$ROOT/samples/zones.txt" --csv-out o/z.csv \
    --aliases-out o/a.csv inbox2/*.csv >/dev/null 2>&1
  check "umask $u: zones wrote its CSV" test -s o/z.csv
  mode_is "umask $u: zones --csv-out 0600" o/z.csv 600
  mode_is "umask $u: zones --aliases-out 0600" o/a.csv 600
  "$PE" report -f paystation -o o/rep.xlsx inbox2/*.csv >/dev/null 2>&1
  mode_is "umask $u: report -o 0600" o/rep.xlsx 600
  # replaced files keep the stricter of the two modes
  echo old >o/old.xlsx; chmod 644 o/old.xlsx
  "$PE" report -f paystation -o o/old.xlsx inbox2/*.csv >/dev/null 2>&1
  mode_is "umask $u: a 0644 report replaced becomes 0600" o/old.xlsx 600
  check "umask $u: and it is the new workbook" $PY -c \
    'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).testzip()' o/old.xlsx
  echo old >o/ro.xlsx; chmod 400 o/ro.xlsx
  "$PE" report -f paystation -o o/ro.xlsx inbox2/*.csv >/dev/null 2>&1
  mode_is "umask $u: a 0400 report replaced stays 0400" o/ro.xlsx 400
  echo old >o/old.jsonl; chmod 644 o/old.jsonl
  "$PE" validate -f paystation --json-out o/old.jsonl inbox2/*.csv >/dev/null 2>&1
  mode_is "umask $u: a 0644 --json-out rewritten becomes 0600" o/old.jsonl 600
  # an existing 0600 ledger stays 0600; a 0644 one is narrowed, never loosened
  expect_exit "umask $u: second run" 0 "$PE" run -c cfg.json
  mode_is "umask $u: existing 0600 ledger stays 0600" deep/led/ledger.db 600
  chmod 644 deep/led/ledger.db
  expect_exit "umask $u: third run" 0 "$PE" run -c cfg.json
  mode_is "umask $u: existing 0644 ledger narrowed to 0600" deep/led/ledger.db 600
  cd "$top" || exit 1
done

# group_readable: 0640 files, 0750 directories, even under umask 077
for u in 077 000; do
  mkdir "$top/g$u" && cd "$top/g$u" || exit 1
  umask $u
  small_inbox
  mkconfig cfg.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' \
    'ledger="led/ledger.db"' 'report_dir="rep/x"' 'group_readable=true' \
    'max_reject_ratio=0.5'
  expect_exit "group_readable, umask $u: run" 1 "$PE" run -c cfg.json
  mode_is "group_readable, umask $u: ledger 0640" led/ledger.db 640
  mode_is "group_readable, umask $u: lock 0640" led/ledger.db.lock 640
  x=$(ls rep/x/permit-etl-*.xlsx | head -n 1)
  mode_is "group_readable, umask $u: report 0640" "$x" 640
  mode_is "group_readable, umask $u: summary 0640" "${x%.xlsx}-summary.json" 640
  mode_is "group_readable, umask $u: report_dir 0750" rep/x 750
  mode_is "group_readable, umask $u: its parent 0750" rep 750
  mode_is "group_readable, umask $u: ledger dir 0750" led 750
  "$PE" validate -c cfg.json -f paystation --json-out v.jsonl inbox/*.csv >/dev/null 2>&1
  mode_is "group_readable, umask $u: --json-out 0640" v.jsonl 640
  cd "$top" || exit 1
done
umask 022
expect_exit "group_readable must be a boolean" 2 "$PE" validate -c <(echo '{"group_readable": 1}') -f paystation m022/inbox2/paystation-20261128.csv
check "the error names group_readable" grep -q group_readable err

# ---------------------------------------------------------------------------
# 2. retention_days: config checks
mkconfig small.json 'retention_days=34'
expect_exit "retention_days 34 is a config error" 2 "$PE" run -c small.json
check "the error names retention_days" grep -q retention_days err
mkconfig small.json 'retention_days="90"'
expect_exit "retention_days must be an integer" 2 "$PE" run -c small.json

# 3. a version-1 ledger (built from the version-1 schema) migrates keeping
#    its records, gains tombstones and auto_vacuum=INCREMENTAL
mkdir "$top/v1" && cd "$top/v1" || exit 1
$PY - "$ROOT/etl/ledger_sqlite.c" <<'PY' >v1.sql
import re, sys
s = open(sys.argv[1]).read()
i = s.index("migrations[LEDGER_SCHEMA_VERSION] = {")
first = s[i:s.index('",\n', i) + 1]
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', first)))
PY
{
  cat v1.sql
  for k in 1 2 3; do
    echo "INSERT INTO records (key, plate, cents, currency, start_time, end_time, vendor_zone, zone, zone_status, permit_no, ticket, promo, source, line, body, hash, srv_body, record, reference_id, state, action, first_seen, last_seen) VALUES ('ps:V$k', 'OLDPL$k', 100, 'CAD', 1000, 2000, 'Lot 01', 'Lot 01', 'matched', '', '', '', 'x.csv', $k, '{\"LicencePlate\":\"OLDPL$k\"}', 'h$k', '{\"LicencePlate\":\"OLDPL$k\",\"zone\":\"Lot 01\"}', '{}', 'REF$k', 'pushed', 'none', '2020-01-01T00:00:00', '2020-01-01T00:00:00');"
  done
  echo "PRAGMA user_version=1;"
} | sqlite3 v1.db
want_v=$(sed -n 's/^#define LEDGER_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$ROOT/etl/ledger.h")
eq "fixture is version 1, auto_vacuum off" "$(sql v1.db 'PRAGMA user_version'),$(sql v1.db 'PRAGMA auto_vacuum')" 1,0
mkdir none
mkconfig cfg.json 'ledger="v1.db"' 'inputs=[{"glob": "none/*.csv"}]' 'report_dir="rep"' 'retention_days=35'
expect_exit "run on a version-1 ledger" 0 "$PE" run -c cfg.json
eq "migrated to LEDGER_SCHEMA_VERSION" "$(sql v1.db 'PRAGMA user_version')" "$want_v"
eq "converted to auto_vacuum=INCREMENTAL" "$(sql v1.db 'PRAGMA auto_vacuum')" 2
eq "no record lost" "$(sql v1.db 'SELECT count(*) FROM records')" 3
eq "the old records (ended 1970) became tombstones" \
  "$(sql v1.db "SELECT count(*) FROM records WHERE pruned = 1 AND plate = '' AND key LIKE 'ps:V%' AND reference_id LIKE 'REF%'")" 3
check "no old plate left in the database file" sh -c '! grep -q OLDPL v1.db'
cd "$top" || exit 1

# ---------------------------------------------------------------------------
# 4. retention: records ending 400, 100 and 1 days ago, retention_days 90
start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
state_top
base=$($PC live "$ST")    # permits of the sections above
mkdir "$top/ret" && cd "$top/ret" || exit 1
N=2500
$PY - "$N" <<'PY'
import datetime as dt, sys
n = int(sys.argv[1])
today = dt.date.today()
def write(name, days, first, count, zone=None):
    d = today - dt.timedelta(days=days)
    with open("inbox/" + name, "w") as f:
        f.write("Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\n")
        for i in range(first, first + count):
            z = zone or ["Lot 01", "Lot 02", "Lot 03", "Lot 04"][i % 4]
            f.write("R%d,P%06d,%s,%s 11:00 AM,%s 11:45 AM,%d.%02d,CAD,,\n" % (
                i, i, z, d.strftime("%m/%d/%Y"), d.strftime("%m/%d/%Y"), 1 + i % 30, i % 100))
    open("day-%d" % days, "w").write(d.isoformat())
import os
os.makedirs("inbox", exist_ok=True)
write("old400.csv", 400, 1, n)
write("old100.csv", 100, 100000, n)
write("recent.csv", 1, 200000, 5)
write("held.csv", 400, 300000, 3, zone="Nowhere Lot")
PY
mkconfig a.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' 'report_dir="rep"' \
  'disconnected="hold"' 'concurrency=8'
expect_exit "first run (3 records held)" 1 "$PE" run -c a.json
eq "all but the held pushed" "$($PC ledger-count ledger.db pushed)" $((2 * N + 5))
eq "3 held" "$($PC ledger-count ledger.db held)" 3
state_top
eq "sandbox holds every pushed record" "$(( $($PC live "$ST") - base ))" $((2 * N + 5))
size_before=$(stat -c %s ledger.db)
pushes_before=$($PC requests "$ST" push)
check "plates of old records are in the ledger before" grep -q P000001 ledger.db

mkconfig b.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' 'report_dir="rep"' \
  'disconnected="hold"' 'concurrency=8' 'retention_days=90'
sleep 1
"$PE" run -c b.json >out 2>err; rc=$?
check "retention run exits 0 or 1 (earlier records held)" test "$rc" -le 1
echo "# retention run: $(tail -n 1 err)"
want=$((2 * N))   # the final records that ended 400 and 100 days ago
check "the summary line says how many were pruned" grep -q "pruned $want\b" err
s=$(ls rep/*-summary.json | tail -n 1)
eq "summary JSON \"pruned\"" \
  "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["pruned"])' "$s")" "$want"
eq "tombstones: one per pruned key" "$(sql ledger.db 'SELECT count(*) FROM records WHERE pruned = 1')" "$want"
eq "every key still known" "$(sql ledger.db 'SELECT count(*) FROM records')" $((2 * N + 8))
eq "tombstones hold no plate, record or body" \
  "$(sql ledger.db "SELECT count(*) FROM records WHERE pruned = 1 AND (plate != '' OR record != '' OR body != '' OR instr(coalesce(srv_body, ''), 'LicencePlate') OR target IS NOT NULL)")" 0
eq "tombstones keep reference, hash, zone, amount" \
  "$(sql ledger.db "SELECT count(*) FROM records WHERE pruned = 1 AND reference_id != '' AND length(hash) = 64 AND zone LIKE 'Lot 0%' AND cents > 0 AND currency = 'CAD'")" "$want"
eq "the recent records are whole" \
  "$(sql ledger.db "SELECT count(*) FROM records WHERE pruned = 0 AND state = 'pushed' AND plate LIKE 'P2%' AND length(hash) = 64")" 5
k=$(sql ledger.db "SELECT key FROM records WHERE pruned = 0 AND plate = 'P200001'")
check "a recent record's line and body still carry its plate" \
  sh -c "'$PE' ledger -c b.json show '$k' | grep -E '^(record|staged body|server has): ' | grep -c P200001 | grep -qx 3"
eq "the held ones (400 days old) stay whole" \
  "$(sql ledger.db "SELECT count(*) FROM records WHERE pruned = 0 AND state = 'held' AND plate LIKE 'P3%'")" 3
check "no pruned plate left in the database file" sh -c '! grep -qa -e P000001 -e P100001 -e P002500 ledger.db'
check "the recent plates are still there" grep -qa P200001 ledger.db
size_after=$(stat -c %s ledger.db)
echo "# ledger size before $size_before, after $size_after bytes"
# a row stores no JSON copies of itself (only the plate goes), so the file
# does not shrink much; what the tombstones freed is given back
check "the database file did not grow ($size_before -> $size_after)" \
  test "$size_after" -le "$size_before"
eq "no free pages left in it" "$(sql ledger.db 'PRAGMA freelist_count')" 0
eq "still auto_vacuum=INCREMENTAL" "$(sql ledger.db 'PRAGMA auto_vacuum')" 2
eq "ledger integrity" "$(sql ledger.db 'PRAGMA integrity_check')" ok
state_top
eq "the server still holds every permit" "$(( $($PC live "$ST") - base ))" $((2 * N + 5))

# a period report of a pruned day still adds up (tombstones keep the money)
day100=$(cat day-100)
expect_exit "report --date of a pruned day" 0 "$PE" report -c b.json --date "$day100" -o p100.xlsx
check "its Permits rows and money are the input's" $PY - p100.xlsx inbox/old100.csv <<'PY'
import csv, sys
from decimal import Decimal
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = [r for r in wb["Permits"].iter_rows(min_row=2, values_only=True) if r and r[1] is not None]
got = sum(Decimal(str(r[1])) for r in rows)
want = sum(Decimal(r["Amount"]) for r in csv.DictReader(open(sys.argv[2])))
n = sum(1 for _ in csv.DictReader(open(sys.argv[2])))
print(len(rows), got, n, want)
sys.exit(0 if (len(rows), got) == (n, want) else 1)
PY

# a changed old file whose keys were pruned: never pushed twice
$PY - <<'PY'
lines = open("inbox/old400.csv").read().splitlines(True)
out = [lines[0]]
for i, l in enumerate(lines[1:], 1):
    f = l.rstrip("\n").split(",")
    if i <= 5:
        f[5] = "77.00"          # a changed amount: an update of the live permit
    out.append(",".join(f) + "\n")
open("inbox/old400.csv", "w").write("".join(out))
PY
sleep 1
"$PE" run -c b.json >out 2>err; rc=$?
check "rerun of the changed old file exits 0 or 1" test "$rc" -le 1
state_top
eq "no second push of a pruned key" "$($PC requests "$ST" push)" "$pushes_before"
eq "the 5 changed records were updates" "$($PC requests "$ST" update)" 5
eq "the server still holds one permit per key" "$(( $($PC live "$ST") - base ))" $((2 * N + 5))
eq "the server has the new amounts" "$($PY -c '
import json; import sys; s = json.load(open(sys.argv[1]))
print(sum(1 for p in s["permits"] if not p["deleted"] and p["fields"].get("Amount") == "77.00"))' "$ST")" 5
eq "this run pruned the 5 restaged records again" \
  "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["pruned"])' "$(ls rep/*-summary.json | tail -n 1)")" 5
eq "all tombstones again" "$(sql ledger.db 'SELECT count(*) FROM records WHERE pruned = 1')" "$want"
cd "$top" || exit 1

# ---------------------------------------------------------------------------
# 5. report --redact: no full plate of 4+ characters in any cell, the money
#    on the Summary the same as the normal report's
mkdir "$top/red" && cd "$top/red" || exit 1
cat >in.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No
R1,KXR4471,Lot 01,11/28/2026 09:00 AM,11/28/2026 09:30 AM,14.50,CAD,,T-1
R2,ZQ88,Lot 02,11/28/2026 10:00 AM,11/28/2026 11:00 AM,3.00,USD,SUMMER10,
R3,Q7,Lot 03,11/28/2026 11:00 AM,11/28/2026 12:00 PM,2.25,CAD,,
R4,LONGPLATE12345,Nowhere Lot,11/28/2026 01:00 PM,11/28/2026 02:00 PM,9.99,CAD,,
R5,abcd123,Lot 04,11/28/2026 01:00 PM,11/28/2026 02:00 PM,5.00,CAD,,
R6,TOOLONGPLATEXXXXXXXXXXXXXXXXXX,Lot 04,11/28/2026 01:00 PM,11/28/2026 02:00 PM,5.00,CAD,,
R7,BADAMT99,Lot 04,11/28/2026 01:00 PM,11/28/2026 02:00 PM,12x,CAD,,
CSV
mkconfig cfg.json 'report_dir="rep"' 'max_reject_ratio=0.5'
"$PE" push -c cfg.json -f paystation in.csv >/dev/null 2>&1
"$PE" report -c cfg.json -f paystation -o normal.xlsx in.csv >/dev/null 2>&1
expect_exit "report --redact exits as the normal report does (rows rejected)" 1 \
  "$PE" report -c cfg.json -f paystation --redact -o red.xlsx in.csv
mode_is "the redacted copy is 0600 too" red.xlsx 600
$PY - normal.xlsx red.xlsx in.csv <<'PY'
import csv, datetime, sys
import openpyxl
normal, red, src = sys.argv[1:4]
plates = set()
for r in csv.DictReader(open(src)):
    p = r["Plate"]
    for v in (p, p.upper(), p.replace(" ", "").upper()):
        if len(v) >= 4:
            plates.add(v)
def cells(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if v is not None:
                    yield ws.title, v
def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": " + why))
found_normal = {p for _, v in cells(normal) for p in plates if p in str(v)}
check("the normal report does show the plates", len(found_normal) >= 4, str(found_normal))
leaks = [(t, v) for t, v in cells(red) for p in plates if p in str(v)]
check("no cell of the redacted copy holds a full plate", not leaks, str(leaks[:5]))
keys = [(t, v) for t, v in cells(red) if "paystation:" in str(v)]
check("no idempotency key in the redacted copy", not keys, str(keys[:3]))
texts = [str(v) for _, v in cells(red)]
check("plates shown as 3 characters and ***", "KXR***" in texts and "LON***" in texts
      and "ABC***" in texts, str([t for t in texts if "***" in t][:8]))
def summary_numbers(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    return [v for row in wb["Summary"].iter_rows(values_only=True) for v in row
            if isinstance(v, (int, float)) and not isinstance(v, bool)]
a, b = summary_numbers(normal), summary_numbers(red)
check("the Summary's amounts and counts are the normal report's", a == b and len(a) > 5,
      "%s vs %s" % (a[:12], b[:12]))
check("the redacted Summary says so",
      any("REDACTED" in str(v) for t, v in cells(red) if t == "Summary"))
check("the normal Summary does not", not any("REDACTED" in str(v) for t, v in cells(normal) if t == "Summary"))
def sheet_rows(path, name):
    wb = openpyxl.load_workbook(path, read_only=True)
    return sum(1 for _ in wb[name].iter_rows())
for s in ("Permits", "Rejected", "Push Log"):
    check("redacted %s keeps every row" % s, sheet_rows(normal, s) == sheet_rows(red, s))
PY
cd "$top" || exit 1
