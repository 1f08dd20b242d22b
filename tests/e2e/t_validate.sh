# validate: golden outputs on samples/ and hand-made edge cases, exit codes,
# detection errors, limits, duplicates across files, the opscom round trip.
# Regenerate the goldens (then CHECK THEM BY HAND) with UPDATE_GOLDEN=1.
. "$(dirname "$0")/lib.sh"

T=$PWD
EXP=$ROOT/tests/expected/validate
D=tests/data/ingest
SAMPLES="samples/hotspot-20261128.json samples/mobile-20261128.csv samples/opscom-20261128.jsonl
samples/paystation-20261128.csv samples/paystation-voids-20261128.csv"

# golden NAME EXIT ARGS...: runs `validate ARGS` from the source tree with
# --json-out and --rejects, then compares exit code, JSON Lines, rejects CSV
# and stderr with tests/expected/validate/NAME.*
golden() {
  local n=$1 want=$2 rc f; shift 2
  (cd "$ROOT" && "$PE" validate --json-out "$T/$n.jsonl" --rejects "$T/$n.rejects.csv" "$@" \
     >"$T/$n.stdout" 2>"$T/$n.stderr")
  rc=$?
  if [ -n "${UPDATE_GOLDEN:-}" ]; then
    mkdir -p "$EXP"
    for f in jsonl rejects.csv stderr; do cp "$T/$n.$f" "$EXP/$n.$f"; done
  fi
  if [ "$rc" -eq "$want" ]; then ok "$n: exit $want"; else not_ok "$n: exit" "$rc, wanted $want: $(head -c 400 "$T/$n.stderr")"; fi
  for f in jsonl rejects.csv stderr; do
    if cmp -s "$T/$n.$f" "$EXP/$n.$f"; then ok "$n: $f matches"
    else not_ok "$n: $f differs" "$(diff "$EXP/$n.$f" "$T/$n.$f" | head -n 10)"; fi
  done
  check "$n: nothing on stdout" test ! -s "$T/$n.stdout"
}

# shellcheck disable=SC2086
golden samples 1 $SAMPLES
# shellcheck disable=SC2086
golden samples-zones 1 --zones samples/zones.txt --aliases samples/zone-aliases.csv $SAMPLES
golden edge-paystation 1 $D/edge-paystation.csv
golden edge-hotspot 1 $D/edge-hotspot.json
golden edge-opscom 1 $D/edge-opscom.jsonl
golden opscom-csv 0 -f opscom $D/opscom.csv
PERMIT_ETL_FORMATS=$ROOT/$D/formats:$ROOT/formats golden semi-multiline 1 $D/semi-20261128.txt

# --- summary and row errors on stderr ---------------------------------------
check "summary counts" grep -q "validate: 5 files, 55 rows read, 26 accepted, 24 rejected, 2 duplicates, 3 voids, 3 free sessions (exit 1)" "$T/samples.stderr"
check "zone counts in the summary" grep -q "1 disconnected, 2 missing zone (exit 1)" "$T/samples-zones.stderr"
check "first 20 row errors, then the rest counted" grep -q "^permit-etl: ... and 8 more (see the --rejects file)$" "$T/samples.stderr"
check "row error format" grep -q "^permit-etl: samples/paystation-20261128.csv:8: _key: duplicate of samples/paystation-20261128.csv:2$" "$T/samples.stderr"
check "rejects: a UTF-8 BOM, then the header" test "$(head -n 1 "$T/samples.rejects.csv")" = "$(printf '\xEF\xBB\xBFfile,line,field,reason,raw')"
check "formula guard in rejects" grep -q ",'=HYPERLINK(1)$" "$T/samples.rejects.csv"
check "no _zone_status without a zone list" sh -c "! grep -q _zone_status '$T/samples.jsonl'"
check "_zone_status with one" grep -q '"_zone_status":"alias"' "$T/samples-zones.jsonl"

# --- the opscom profile reads --json-out back losslessly ---------------------
strip() { sed -E 's/"_source":"[^"]*","_line":[0-9]+,//' "$1"; }
expect_exit "round trip: -f opscom exits 0" 0 "$PE" validate -f opscom --json-out rt1.jsonl --rejects rt1.csv "$T/samples.jsonl"
check "round trip: same records, byte for byte" cmp -s <(strip "$T/samples.jsonl") <(strip rt1.jsonl)
check "round trip: same number of records" test "$(wc -l <rt1.jsonl)" -eq 26
check "round trip: no rejects" test "$(wc -l <rt1.csv)" -eq 1
expect_exit "round trip: detected as opscom" 0 "$PE" validate --json-out rt2.jsonl "$T/samples-zones.jsonl"
check "round trip with zones: same records" cmp -s <(strip "$T/samples-zones.jsonl" | sed -E 's/,"_zone_status":"[a-z]+"//') <(strip rt2.jsonl)
expect_exit "round trip twice is stable" 0 "$PE" validate -f opscom --json-out rt3.jsonl rt1.jsonl
check "round trip twice: identical" cmp -s <(strip rt1.jsonl) <(strip rt3.jsonl)

# --- file-level errors and exit codes ----------------------------------------
expect_exit "missing required column (-f): exit 1" 1 "$PE" validate -f paystation --rejects r.csv "$ROOT/$D/missing-column.csv"
check "missing column named" grep -q "_file,missing required column 'Start' (profile paystation)," r.csv
expect_exit "undetectable file: exit 2" 2 "$PE" validate "$ROOT/$D/unknown.csv"
check "undetectable names the candidates" grep -q "unknown format: no CSV profile matches the header (.*paystation: no column 'Receipt No')" err
check "undetectable names mobile too" grep -q "mobile: no column 'transaction_id'" err
mkdir -p fmt && sed 's/"name": "paystation"/"name": "paystation2"/' "$ROOT/formats/paystation.json" >fmt/p2.json
PERMIT_ETL_FORMATS=$T/fmt:$ROOT/formats expect_exit "ambiguous file: exit 2" 2 "$PE" validate "$ROOT/samples/paystation-20261128.csv"
check "ambiguous names both" grep -q "ambiguous format: the header matches profiles paystation2, paystation (choose one with -f)" err
PERMIT_ETL_FORMATS=$T/fmt:$ROOT/formats expect_exit "ambiguous resolved by -f" 1 "$PE" validate -f paystation2 "$ROOT/samples/paystation-20261128.csv"
PERMIT_ETL_FORMATS=$T/fmt:$ROOT/formats "$PE" validate -q -f paystation2 --json-out p2.jsonl "$ROOT/samples/paystation-20261128.csv" 2>/dev/null
check "keys use the chosen profile's name" grep -q '"_key":"paystation2:R1001"' p2.jsonl
expect_exit "-f PATH to a profile" 1 "$PE" validate -f "$ROOT/formats/paystation.json" "$ROOT/samples/paystation-20261128.csv"
expect_exit "-f unknown profile: exit 2" 2 "$PE" validate -f nosuch "$ROOT/samples/paystation-20261128.csv"
check "unknown profile lists the known ones" grep -q "unknown profile 'nosuch' (known: .*paystation" err
echo '{"name": "bad", "kind": "csv", "columns": [], "colour": 1}' >fmt/bad.json
PERMIT_ETL_FORMATS=$T/fmt:$ROOT/formats expect_exit "invalid profile in the path: exit 2" 2 "$PE" validate "$ROOT/samples/paystation-20261128.csv"
check "invalid profile named with its key" grep -q "bad.json: unknown key 'colour'" err
rm fmt/bad.json
# a key twice in a profile (json-c alone would keep the last): file, line, key
sed 's/"kind": "csv",/"kind": "csv", "kind": "jsonl",/' "$ROOT/formats/paystation.json" >fmt/dup.json
kind_line=$(grep -n '"kind": "csv", "kind": "jsonl"' fmt/dup.json | cut -d: -f1)
check "duplicate-key profile made" test -n "$kind_line"
PERMIT_ETL_FORMATS=$T/fmt:$ROOT/formats expect_exit "profile with a duplicate key: exit 2" 2 "$PE" validate "$ROOT/samples/paystation-20261128.csv"
check "duplicate key named with file and line" grep -qx "permit-etl: $T/fmt/dup.json:$kind_line: kind: duplicate key 'kind'" err
rm fmt/dup.json
expect_exit "-f csv profile on a JSON file: exit 2" 2 "$PE" validate -f paystation "$ROOT/samples/hotspot-20261128.json"
check "kind mismatch explained" grep -q "profile 'paystation' does not read JSON array files" err
expect_exit "header only: exit 0" 0 "$PE" validate "$ROOT/$D/header-only.csv"
check "header only: 0 rows" grep -q "0 rows read" err
expect_exit "blank file: exit 1" 1 "$PE" validate --rejects r.csv "$ROOT/$D/empty.csv"
check "blank file: _file reject" grep -q "empty.csv,,_file,empty file," r.csv
expect_exit "unreadable file: exit 3" 3 "$PE" validate --json-out u.jsonl "$ROOT/samples/opscom-20261128.jsonl" nosuch.csv
check "unreadable file named" grep -q "nosuch.csv: _file: cannot open: No such file or directory" err
check "other files still read" test "$(wc -l <u.jsonl)" -eq 6
expect_exit "no files: exit 2" 2 "$PE" validate
expect_exit "--aliases without zones: exit 2" 2 "$PE" validate --aliases "$ROOT/samples/zone-aliases.csv" "$ROOT/samples/mobile-20261128.csv"
expect_exit "unwritable --json-out: exit 3" 3 "$PE" validate --json-out /nonexistent/dir/x.jsonl "$ROOT/samples/mobile-20261128.csv"
expect_exit "clean file: exit 0" 0 "$PE" validate rt1.jsonl
check "clean file: summary" grep -q "validate: 1 file, 26 rows read, 26 accepted, 0 rejected, 0 duplicates, 0 voids, 3 free sessions (exit 0)" err
expect_exit "--json-out - writes stdout" 0 "$PE" validate -q --json-out - rt1.jsonl
check "--json-out -: records on stdout" test "$(grep -c '^{"LicencePlate"' out)" -eq 26

# --- config: zones from -c, relative to the config's directory ---------------
mkdir -p cfg && cp "$ROOT/samples/zones.txt" "$ROOT/samples/zone-aliases.csv" cfg/
echo '{"zones": "zones.txt", "aliases": "zone-aliases.csv"}' >cfg/c.json
expect_exit "-c CONFIG: zones from the config" 1 "$PE" validate -c cfg/c.json --json-out c.jsonl "$ROOT/samples/mobile-20261128.csv"
check "-c CONFIG: zone status written" grep -q '"zone":"Lot 05".*"_zone_status":"matched"' c.jsonl
printf 'Lot 05\n' >only5.txt
echo '{"zones": "zones.txt"}' >cfg/z.json
expect_exit "--zones overrides the config" 1 "$PE" validate -c cfg/z.json --zones only5.txt --json-out c2.jsonl "$ROOT/samples/mobile-20261128.csv"
check "--zones overrides: Blue Lot now disconnected" grep -q '"zone":"Blue Lot".*"_zone_status":"disconnected"' c2.jsonl

# --- duplicates across files of one run --------------------------------------
expect_exit "same file twice: exit 1" 1 "$PE" validate --json-out d.jsonl --rejects d.csv rt1.jsonl rt1.jsonl
check "second copy: all duplicates" test "$(grep -c ',_key,duplicate of rt1.jsonl:' d.csv)" -eq 26
check "first copy kept" test "$(wc -l <d.jsonl)" -eq 26
check "duplicates counted" grep -q "52 rows read, 26 accepted, 0 rejected, 26 duplicates" err

# --- limits ------------------------------------------------------------------
H='Receipt No,Plate,Zone,Start,End,Amount'
R='11/28/2026 09:00 AM,11/28/2026 09:30 AM,1.00'
{
  echo "$H"
  printf 'L1,AAA1,%s,%s\n' "$(head -c 65537 /dev/zero | tr '\0' z)" "$R"
  printf 'L2,AAA2,%s,%s\n' "$(head -c 65536 /dev/zero | tr '\0' z)" "$R"
  printf 'L3,AAA3,Lot 1,%s,%s\n' "$R" "$(head -c 1048600 /dev/zero | tr '\0' x)"
  printf 'L4,AAA4,Lot 1,%s\n' "$R"
  printf 'L5,AAA5,Lot 1,%s%s\n' "$R" "$(head -c 300 /dev/zero | tr '\0' ,)"
  printf 'L6,AAA6,Lot 1,%s\n' "$R"
} >limits.csv
expect_exit "limits: exit 1" 1 "$PE" validate -f paystation --json-out l.jsonl --rejects l.csv limits.csv
check "field over 64 KiB rejected, naming the field" grep -q "^limits.csv,2,zone,field longer than 65536 bytes (column 'Zone'),$" l.csv
check "line over 1 MiB rejected alone" grep -q "^limits.csv,4,_row,line longer than 1048576 bytes,$" l.csv
check "over 256 columns rejected" grep -q "^limits.csv,6,_row,more than 256 columns," l.csv
check "the lines after each still parse" test "$(grep -o '"_line":[0-9]*' l.jsonl | tr '\n' ' ')" = '"_line":5 "_line":7 '
check "a 64 KiB zone passes the ingest limit (zone has its own)" grep -q "^limits.csv,3,zone," l.csv
printf '%s' "$H" >wide.csv; for i in $(seq 1 251); do printf ',c%d' "$i" >>wide.csv; done; echo >>wide.csv
expect_exit "header over 256 columns: exit 1" 1 "$PE" validate -f paystation --rejects w.csv wide.csv
check "header over 256 columns: _file" grep -q "_file,header: more than 256 columns" w.csv
printf 'Receipt No,"Plate,Zone\nx\n' >badhdr.csv
expect_exit "unparsable header: exit 2" 2 "$PE" validate badhdr.csv
check "unparsable header explained" grep -q "paystation: the header does not parse" err
expect_exit "file errors after 20 row errors: exit 2" 2 "$PE" validate "$ROOT/samples/paystation-20261128.csv" "$ROOT/samples/mobile-20261128.csv" "$ROOT/$D/unknown.csv"
check "file errors are always shown" grep -q "unknown.csv:1: _file: unknown format" err
check "row errors past 20 are counted" grep -q "^permit-etl: ... and 1 more (see --rejects F)$" err
