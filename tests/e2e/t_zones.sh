# permit-etl zones: the zone audit on real files (opscom JSON Lines input,
# the samples' zone list), its outputs and exit codes.
. "$(dirname "$0")/lib.sh"

Z=$ROOT/samples/zones.txt
A=$ROOT/samples/zone-aliases.csv

# rec ZONE AMOUNT CURRENCY START: one opscom JSON line.
n=0
rec() {
  n=$((n + 1))
  printf '{"LicencePlate":"ABC%03d","Amount":"%s","CurrencyID":"%s","startTime":"%s","endTime":"%s","zone":"%s","permitNo":"P-%d"}\n' \
    "$n" "$2" "$3" "$4" "${4%T*}T23:59:00" "$1" "$n"
}
{
  rec "Lot 01"         14.50 CAD 2026-11-20T09:00:00
  rec "LOT-01"          2.00 CAD 2026-11-20T10:00:00
  rec "lot1"            3.00 USD 2026-11-20T08:00:00
  rec "1001"            7.00 CAD 2026-11-21T09:00:00
  rec "City Hall"       1.00 CAD 2026-11-21T09:00:00
  rec "Lto 01"          3.00 CAD 2026-11-21T12:00:00
  rec "Lto 01"          1.25 USD 2026-11-21T07:30:00
  rec "Red Lt"          0.50 CAD 2026-11-21T07:30:00
  rec "Garage C"        4.00 CAD 2026-11-22T07:30:00
  rec "9999"           20.00 CAD 2026-11-22T07:30:00
  rec "=HYPERLINK(1)"   1.00 CAD 2026-11-22T07:30:00
  rec "---"             6.00 CAD 2026-11-22T07:30:00
  rec "Hotel de Ville"  1.00 CAD 2026-11-22T07:30:00
} >mixed.jsonl
{
  rec "Lto 01"          2.00 CAD 2026-11-23T09:00:00
  rec "Street Parking - Main St" 9.00 CAD 2026-11-23T09:00:00
} >more.jsonl
{
  rec "Lot 01"          1.00 CAD 2026-11-20T09:00:00
  rec "lot-2"           1.00 CAD 2026-11-20T09:00:00
  rec "1003"            1.00 USD 2026-11-20T09:00:00
} >clean.jsonl

# --- usage and configuration errors ------------------------------------------
expect_exit "zones --help exits 0" 0 "$PE" zones --help
expect_exit "no FILE exits 2" 2 "$PE" zones --zones "$Z" -f opscom
expect_exit "no zones list exits 2" 2 "$PE" zones -f opscom clean.jsonl
check "no zones list is explained" grep -q "zones list is required" err
printf 'Lot 01\nRed Lot\n\nlot-1\n' >dup.txt
expect_exit "duplicate zone key exits 2" 2 "$PE" zones --zones dup.txt -f opscom clean.jsonl
check "duplicate names both lines" grep -q "dup.txt:4: .*'Lot 01' on line 1" err
printf 'alias,zone\n1001,Lot 99\n' >badalias.csv
expect_exit "alias to an unknown zone exits 2" 2 "$PE" zones --zones "$Z" --aliases badalias.csv -f opscom clean.jsonl
check "unknown alias zone is named" grep -q "badalias.csv:2: .*unknown zone 'Lot 99'" err
printf 'alias,zone\nLOT_01,Lot 02\n1003,Lot 03\n' >warnalias.csv
expect_exit "alias matching a known zone only warns" 0 "$PE" zones --zones "$Z" --aliases warnalias.csv -f opscom clean.jsonl
check "warning names the alias" grep -q "warning: warnalias.csv:2: alias 'LOT_01' already matches" err

# --- statuses, table, exit codes ---------------------------------------------
expect_exit "all matched/alias exits 0" 0 "$PE" zones --zones "$Z" --aliases "$A" -f opscom clean.jsonl
expect_exit "disconnected or missing exits 1" 1 "$PE" zones --zones "$Z" --aliases "$A" -f opscom mixed.jsonl more.jsonl
cp out table.txt
for s in matched alias disconnected missing; do
  check "table shows $s" grep -q " $s " table.txt
done
check "table has a header" grep -q '^VENDOR ZONE  *STATUS  *ROWS' table.txt
check "table suggests Lot 01 for Lto 01" grep -Eq '^Lto 01 +disconnected +3 .*Lot 01\?' table.txt
check "summary line on stderr" grep -q 'zones: 15 rows' err
rec "" 1.00 CAD 2026-11-20T09:00:00 >empty.jsonl
expect_exit "missing only exits 1" 1 "$PE" zones --zones "$Z" -f opscom empty.jsonl

# --- --json ------------------------------------------------------------------
expect_exit "--json exits 1" 1 "$PE" zones --zones "$Z" --aliases "$A" -f opscom --json mixed.jsonl more.jsonl
cp out z.json
check "--json shape and values" python3 - z.json <<'EOF'
import json, re, sys
rows = json.load(open(sys.argv[1]))
keys = ["vendor_zone", "status", "rows", "revenue", "first_start", "last_start", "files", "suggestion"]
t = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
by = {}
for r in rows:
    assert list(r.keys()) == keys, r.keys()
    assert r["status"] in ("matched", "alias", "disconnected", "missing"), r
    assert isinstance(r["rows"], int) and r["rows"] > 0
    assert t.match(r["first_start"]) and t.match(r["last_start"]), r
    assert r["first_start"] <= r["last_start"]
    assert all(k in ("CAD", "USD") and re.match(r"^\d+\.\d\d$", v) for k, v in r["revenue"].items()), r
    assert isinstance(r["files"], list) and r["files"]
    assert r["suggestion"] is None or (isinstance(r["suggestion"], list) and r["suggestion"])
    by[r["vendor_zone"]] = r
att = [r["status"] in ("disconnected", "missing") for r in rows]
assert att == sorted(att, reverse=True), "attention rows first"
l = by["Lto 01"]
assert l["status"] == "disconnected" and l["rows"] == 3, l
assert l["revenue"] == {"CAD": "5.00", "USD": "1.25"}, l
assert l["first_start"] == "2026-11-21T07:30:00" and l["last_start"] == "2026-11-23T09:00:00", l
assert l["files"] == ["mixed.jsonl", "more.jsonl"], l
assert l["suggestion"] == ["Lot 01"], l
assert by["Red Lt"]["suggestion"] == ["Red Lot"]
assert by["Garage C"]["suggestion"] == ["Garage A", "Garage B"]
assert by["9999"]["status"] == "disconnected" and by["9999"]["suggestion"] is None
assert by["---"]["status"] == "missing" and by["---"]["suggestion"] is None
assert by["1001"]["status"] == "alias" and by["1001"]["suggestion"] is None
assert by["Hotel de Ville"]["status"] == "alias"
assert by["LOT-01"]["status"] == "matched" and by["lot1"]["revenue"] == {"USD": "3.00"}
assert by["Lot 01"]["status"] == "matched"
# within the attention group: by CAD revenue, descending
g = [r for r in rows if r["status"] in ("disconnected", "missing")]
assert [r["vendor_zone"] for r in g[:2]] == ["9999", "---"], [r["vendor_zone"] for r in g]
EOF

# --- --csv-out ---------------------------------------------------------------
expect_exit "--csv-out exits 1" 1 "$PE" zones --zones "$Z" --aliases "$A" -f opscom --csv-out z.csv mixed.jsonl
check "csv starts with a UTF-8 BOM" test "$(head -c 3 z.csv | od -An -tx1 | tr -d ' ')" = efbbbf
check "csv header after the BOM" test "$(head -n 1 z.csv | tail -c +4)" = 'vendor_zone,status,rows,revenue_cad,revenue_usd,first_start,last_start,files,suggestion' 
check "csv formula guard" grep -q "^'=HYPERLINK(1),disconnected," z.csv
check "csv row" grep -qx 'Lto 01,disconnected,2,3.00,1.25,2026-11-21T07:30:00,2026-11-21T12:00:00,mixed.jsonl,Lot 01' z.csv
check "csv: one row per distinct name" test "$(wc -l <z.csv)" -eq 13

# --- --aliases-out round trip -------------------------------------------------
cp "$A" aliases.csv
expect_exit "--aliases-out exits 1" 1 "$PE" zones --zones "$Z" --aliases aliases.csv -f opscom --aliases-out aliases.csv mixed.jsonl more.jsonl
check "proposed lines at the end" test "$(tail -n 2 aliases.csv | tr '\n' '|')" = "Lto 01,Lot 01|Red Lt,Red Lot|"
check "aliases-out starts with a UTF-8 BOM" test "$(head -c 3 aliases.csv | od -An -tx1 | tr -d ' ')" = efbbbf
check "one header" test "$(grep -c 'alias,zone$' aliases.csv)" -eq 1
# the whole file: the aliases in effect (each line once), then the proposals
python3 - "$A" >want-aliases.txt <<'PYEOF'
import sys
seen, out = set(), []
lines = open(sys.argv[1], encoding="utf-8-sig").read().splitlines()[1:]
for l in lines:
    if l.strip() and l not in seen:
        seen.add(l); out.append(l)
print("\n".join(["alias,zone"] + out + ["Lto 01,Lot 01", "Red Lt,Red Lot"]))
PYEOF
check "aliases-out is the aliases in effect plus the proposals" \
  test "$(tail -c +4 aliases.csv)" = "$(cat want-aliases.txt)"
cp aliases.csv aliases-1.csv
expect_exit "--aliases-out rerun into the file it reads" 1 "$PE" zones --zones "$Z" --aliases aliases.csv -f opscom --aliases-out aliases.csv mixed.jsonl more.jsonl
check "rerun: the same file, no line twice" cmp aliases.csv aliases-1.csv
check "rerun: no duplicate line" test -z "$(tail -c +4 aliases.csv | sort | uniq -d)"
rm -f other.csv
for k in 1 2; do
  expect_exit "--aliases-out to another file, run $k" 1 "$PE" zones --zones "$Z" --aliases "$A" -f opscom --aliases-out other.csv mixed.jsonl more.jsonl
done
check "twice into another file: no duplicate line" test -z "$(tail -c +4 other.csv | sort | uniq -d)"
check "twice into another file: the proposals once" test "$(grep -c '^Lto 01,Lot 01$' other.csv)" -eq 1
check "no temp file left" test -z "$(ls -A | grep '\.tmp\.')"
printf '\xEF\xBB\xBFalias,zone\nLTO 01,Lot 01\n' >bom-aliases.csv
expect_exit "an aliases file with a BOM is read (zones --aliases)" 1 "$PE" zones --zones "$Z" --aliases bom-aliases.csv -f opscom --json mixed.jsonl
check "BOM aliases file: its alias applies" python3 -c '
import json
by = {r["vendor_zone"]: r for r in json.load(open("out"))}
assert by["Lto 01"]["status"] == "alias", by["Lto 01"]'
check "our own --csv-out with a BOM reads back with csv" python3 -c '
import csv
rows = list(csv.DictReader(open("z.csv", encoding="utf-8-sig")))
assert rows and "vendor_zone" in rows[0], rows[:1]' 
check "ties and numeric names not written" sh -c '! grep -q "^Garage C,\|^9999," aliases.csv'
expect_exit "after appending: still exit 1 (others remain)" 1 "$PE" zones --zones "$Z" --aliases aliases.csv -f opscom --json mixed.jsonl more.jsonl
check "appended names are now alias" python3 -c '
import json, sys
by = {r["vendor_zone"]: r for r in json.load(open("out"))}
assert by["Lto 01"]["status"] == "alias" and by["Lto 01"]["suggestion"] is None, by["Lto 01"]
assert by["Red Lt"]["status"] == "alias"
assert by["Garage C"]["status"] == "disconnected"
'
rm -f new-aliases.csv
expect_exit "--aliases-out to a new file" 1 "$PE" zones --zones "$Z" --aliases "$A" -f opscom --aliases-out new-aliases.csv mixed.jsonl
check "new file starts with the BOM and the header" test "$(head -n 1 new-aliases.csv)" = "$(printf '\xEF\xBB\xBFalias,zone')"
{ rec "Lot 01" 1.00 CAD 2026-11-20T09:00:00; rec "LTO-01" 1.00 CAD 2026-11-20T09:00:00; } >fixed.jsonl
expect_exit "new file resolves its names (exit 0)" 0 "$PE" zones --zones "$Z" --aliases new-aliases.csv -f opscom fixed.jsonl
check "LTO-01 is an alias now" grep -Eq '^LTO-01 +alias +1 ' out
printf 'alias,zone\n1001,Lot 01' >nonl.csv    # no newline at the end
expect_exit "--aliases-out after a last line without newline" 1 "$PE" zones --zones "$Z" --aliases nonl.csv -f opscom --aliases-out nonl.csv mixed.jsonl
check "line kept apart" test "$(sed -n 2,3p nonl.csv | tr '\n' '|')" = "1001,Lot 01|Lto 01,Lot 01|"
check "line kept apart: the BOM first" test "$(head -c 3 nonl.csv | od -An -tx1 | tr -d ' ')" = efbbbf

# --- configuration -------------------------------------------------------------
mkdir -p conf
cp "$Z" conf/zones.txt
cp "$A" conf/zone-aliases.csv
printf '{"zones": "zones.txt", "aliases": "zone-aliases.csv"}\n' >conf/c.json
expect_exit "-c: zones/aliases relative to the config" 0 "$PE" zones -c conf/c.json -f opscom clean.jsonl
printf 'Lot 01\nLot 02\n' >two.txt
printf 'alias,zone\n' >noalias.csv
expect_exit "--zones/--aliases override the config" 1 "$PE" zones -c conf/c.json --zones two.txt --aliases noalias.csv -f opscom clean.jsonl
check "1003 is disconnected without the config's aliases" grep -Eq '^1003 +disconnected ' out
expect_exit "--aliases overrides the config's" 2 "$PE" zones -c conf/c.json --aliases badalias.csv -f opscom clean.jsonl
check "the overriding aliases file is the one read" grep -q "badalias.csv:2" err
printf '{"aliases": "zone-aliases.csv"}\n' >conf/noz.json
expect_exit "config without zones exits 2" 2 "$PE" zones -c conf/noz.json -f opscom clean.jsonl
expect_exit "--aliases without a zone list exits 2" 2 "$PE" zones --aliases "$A" -f opscom clean.jsonl
expect_exit "unreadable input exits 3" 3 "$PE" zones --zones "$Z" -f opscom clean.jsonl does-not-exist.jsonl
