# validate's fast paths (issue 10) against an independent model in Python:
# the quote-free CSV split and its libcsv fallback, JSON string escaping
# at every length and position, local->UTC times across DST changes and
# days (the tz range cache, the per-thread day text), duplicate keys of
# every length (the word-wise key hash).
. "$(dirname "$0")/lib.sh"

python3 - <<'EOF' >gen.log 2>&1 || { not_ok "fast: generate input" "$(cat gen.log)"; exit 0; }
import random, json, datetime, zoneinfo
rnd = random.Random(10)
tz = zoneinfo.ZoneInfo("America/Toronto")
UTC = datetime.timezone.utc
special = ['"', '\\', '\t', '\x01', '\x1f', '\x7f', 'é', '€', '/', ',', "'"]
def text(n):
    s = [rnd.choice('ABCxyz019 -') for _ in range(n)]
    if n and rnd.random() < 0.7:
        s[rnd.randrange(n)] = rnd.choice(special)
    return ''.join(s)
def cell(v):
    if any(c in v for c in '",\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v
def fmt(dt):          # M/D/YYYY h:mm AM
    h = dt.hour % 12 or 12
    return f"{dt.month}/{dt.day}/{dt.year} {h}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"
rows, want = [], []
base = datetime.datetime(2026, 1, 1)
for i in range(3000):
    zone = text(rnd.randint(1, 20)).strip(' \t') or 'Z'
    tick = text(rnd.randint(1, 18)).strip(' \t') or 'T'
    rec = 'R' + 'x' * (i % 40) + str(i)            # keys of many lengths
    local = base + datetime.timedelta(minutes=rnd.randrange(0, 365 * 1440))
    local2 = local + datetime.timedelta(minutes=rnd.randint(1, 600))
    try:                                            # skip DST gap / fold times
        u1 = local.replace(tzinfo=tz).astimezone(UTC)
        u2 = local2.replace(tzinfo=tz).astimezone(UTC)
        if (u1.astimezone(tz).replace(tzinfo=None) != local or
            u2.astimezone(tz).replace(tzinfo=None) != local2 or
            local.replace(tzinfo=tz, fold=1).utcoffset() != local.replace(tzinfo=tz).utcoffset() or
            local2.replace(tzinfo=tz, fold=1).utcoffset() != local2.replace(tzinfo=tz).utcoffset()):
            continue
    except Exception:
        continue
    cr = '\r' if i % 7 == 0 else ''
    rows.append(','.join(cell(v) for v in
        [rec, 'ABC123', zone, fmt(local), fmt(local2), '5.00', 'CAD', '', tick]) + cr)
    want.append({"zone": zone, "TicketNumber": tick, "permitNo": rec,
                 "startTime": u1.strftime('%Y-%m-%dT%H:%M:%S'),
                 "endTime": u2.strftime('%Y-%m-%dT%H:%M:%S')})
    if i % 5 == 0:                                  # a duplicate, later
        rows.append(rows[-1])
        want.append(None)
with open('in.csv', 'w', encoding='utf-8', newline='') as f:
    f.write('Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\n')
    f.write('\n'.join(rows) + '\n')
with open('want.json', 'w') as f:
    json.dump(want, f)
EOF
ok "fast: generate input"

expect_exit "fast: validate exits 1 (duplicates)" 1 "$PE" validate --json-out out.jsonl --rejects rej.csv in.csv
python3 - <<'EOF' >cmp.log 2>&1
import json, csv
want = json.load(open('want.json'))
got = [json.loads(l) for l in open('out.jsonl', encoding='utf-8')]
rej = list(csv.DictReader(open('rej.csv', encoding='utf-8')))
acc = [w for w in want if w is not None]
ndup = sum(1 for w in want if w is None)
bad = []
if len(got) != len(acc):
    bad.append(f"{len(got)} records, wanted {len(acc)}")
for g, w in zip(got, acc):
    for k, v in w.items():
        if g.get(k) != v:
            bad.append(f"line {g.get('_line')}: {k} {g.get(k)!r} != {v!r}")
    if g.get('_key') != 'paystation:' + w['permitNo']:
        bad.append(f"line {g.get('_line')}: _key {g.get('_key')!r}")
dups = [r for r in rej if r['field'] == '_key' and r['reason'].startswith('duplicate of ')]
if len(dups) != ndup or len(rej) != ndup:
    bad.append(f"{len(dups)} duplicates of {len(rej)} rejects, wanted {ndup}")
for r in dups:
    if int(r['reason'].rsplit(':', 1)[1]) != int(r['line']) - 1:
        bad.append(f"duplicate at {r['line']}: {r['reason']}")
print('\n'.join(bad[:10]))
raise SystemExit(1 if bad else 0)
EOF
if [ $? -eq 0 ]; then ok "fast: records, escapes, times and duplicates match the model"
else not_ok "fast: model" "$(head -c 1500 cmp.log)"; fi
