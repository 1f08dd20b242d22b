#!/usr/bin/env bash
# zones-rows.sh [ROWS] [ZONES] — rows/s of `permit-etl zones` on a generated
# paystation CSV (ROWS rows, default 1,000,000) against a generated zone list
# (ZONES names, default 5,000). Vendor zone spellings: 70% exact, 20% the
# same key spelled differently (LOT-0042 style), 5% one-character typos
# (distinct unknown names: suggestions computed once each), 4% unknown
# numeric codes, 1% empty. Not part of `make check` (a benchmark).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ROWS=${1:-1000000}
ZONES=${2:-5000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$ROWS" "$ZONES" <<'PY'
import random, sys
d, rows, nz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
words = ["North", "South", "East", "West", "Garage", "Market", "Harbour", "Church",
         "King", "Queen", "Bay", "Yonge", "College", "Station", "Park", "River",
         "Lot", "Street", "Avenue", "Plaza", "Centre", "Arena", "Library", "Pier"]
zones = []
for i in range(nz):
    zones.append("%s %s %04d" % (words[i % 24], words[(i // 24) % 24], i))
with open(d + "/zones.txt", "w") as f:
    f.write("\n".join(zones) + "\n")
def variant(z):
    a, b, n = z.split(" ")
    return "%s-%s_%d" % (a.upper(), b.lower(), int(n))
def typo(z):
    i = rnd.randrange(len(z))
    return z[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + z[i + 1:]
with open(d + "/pay.csv", "w", newline="") as f:
    f.write("Receipt No,Plate,Zone,Start,End,Amount,Currency\r\n")
    for r in range(rows):
        z = zones[rnd.randrange(nz)]
        k = rnd.random()
        if k < 0.70: v = z
        elif k < 0.90: v = variant(z)
        elif k < 0.95: v = typo(z)
        elif k < 0.99: v = str(9000 + rnd.randrange(50))
        else: v = ""
        day, h, m = 1 + r % 28, 6 + r % 12, r % 60
        f.write("R%08d,ABC%04d,%s,11/%d/2026 %d:%02d AM,11/%d/2026 %d:%02d PM,%d.%02d,%s\r\n" % (
            r, r % 10000, v, day, h % 12 or 12, m, day, (h % 12) or 12, m,
            1 + r % 30, r % 100, "USD" if r % 10 == 0 else "CAD"))
PY
ls -l "$dir/pay.csv" | awk '{print "input: " $5 " bytes"}'
start=$(date +%s.%N)
set +e
"$BUILD/permit-etl" zones -q --zones "$dir/zones.txt" -f paystation --json "$dir/pay.csv" >"$dir/out.json"
rc=$?
set -e
end=$(date +%s.%N)
python3 - "$dir/out.json" "$ROWS" "$start" "$end" "$rc" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
n, t = int(sys.argv[2]), float(sys.argv[4]) - float(sys.argv[3])
st = {}
for r in rows:
    st[r["status"]] = st.get(r["status"], 0) + r["rows"]
print("exit %s; %d distinct names; records by status: %s" % (sys.argv[5], len(rows), st))
print("zones: %d rows in %.2f s = %.0f rows/s" % (n, t, n / t))
PY
