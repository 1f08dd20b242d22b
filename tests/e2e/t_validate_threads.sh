# validate on two threads (ingest.h, Threads) writes exactly what it writes
# on one: the --json-out lines, the --rejects CSV, stdout, stderr (row
# errors, "duplicate of FILE:LINE", summaries, error messages) and the exit
# code, byte for byte. The reference is the one-thread run of the same
# binary (PERMIT_ETL_THREADS=1, the path every other test checks against
# golden files); the two-thread runs use the default block size and small
# ones (PERMIT_ETL_BLOCK) so that block boundaries fall everywhere. Inputs:
# bench-gen's dirty files of the three profiles, the repository's samples
# and hostile inputs, and hand-made edge cases.
. "$(dirname "$0")/lib.sh"

make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/bench-gen" >make.log 2>&1 \
  || { not_ok "bench-gen" "$(tail -n 3 make.log)"; exit 0; }
GEN=$BUILD/bench-gen
"$GEN" --print-zones >zones.txt && "$GEN" --print-aliases >aliases.csv \
  || { not_ok "bench-gen zones"; exit 0; }

# run TAG ARGS...: validate ARGS from the cwd into TAG.{json,rej,out,err,rc};
# stdin from the file $IN (default /dev/null)
run() {
  local tag=$1; shift
  "$PE" validate --json-out "$tag.json" --rejects "$tag.rej" "$@" <"${IN:-/dev/null}" \
    >"$tag.out" 2>"$tag.err"
  echo $? >"$tag.rc"
}

# same NAME ARGS...: one thread, then two threads at several block sizes;
# every output file compared byte for byte.
same() {
  local n=$1 b f bad; shift
  PERMIT_ETL_THREADS=1 run "$n-1" "$@"
  for b in "" 4096 333; do
    PERMIT_ETL_BLOCK=$b run "$n-2" "$@"
    bad=
    for f in json rej out err rc; do
      cmp -s "$n-1.$f" "$n-2.$f" || bad="$bad $f"
    done
    if [ -z "$bad" ]; then ok "$n${b:+ (blocks of $b bytes)}: same bytes (exit $(cat "$n-1.rc"))"
    else not_ok "$n${b:+ (blocks of $b bytes)}: differs in$bad" "$(diff "$n-1.err" "$n-2.err" | head -n 5)"; fi
  done
}

# --- bench-gen: dirty files of each profile ---------------------------------
"$GEN" --profile paystation --rows 40000 --seed 3 --dirt 0.05 >pay-20261128.csv
"$GEN" --profile paystation --rows 3000 --seed 4 --dirt 0.2 >pay2-20261128.csv
"$GEN" --profile mobile --rows 20000 --seed 5 --dirt 0.05 >mob-20261128.csv
"$GEN" --profile hotspot --rows 3000 --seed 6 --dirt 0.05 >hot-20261128.json
same gen-paystation -f paystation --zones zones.txt --aliases aliases.csv pay-20261128.csv
check "gen-paystation: rows were rejected and accepted" \
  grep -q "40000 rows read, [1-9][0-9]* accepted, [1-9][0-9]* rejected, [1-9][0-9]* duplicates" gen-paystation-1.err
same gen-paystation-dirtier -f paystation pay2-20261128.csv
same gen-mobile --zones zones.txt --aliases aliases.csv mob-20261128.csv
same gen-hotspot hot-20261128.json
# several files in one run: duplicates across files name the first file
same gen-files --zones zones.txt --aliases aliases.csv pay-20261128.csv mob-20261128.csv \
  pay2-20261128.csv hot-20261128.json pay-20261128.csv
check "gen-files: duplicates of another file" grep -q "duplicate of pay-20261128.csv:" gen-files-1.rej
# gzip and stdin are read (on one thread for gzip)
gzip -c pay2-20261128.csv >pay3-20261128.csv.gz
same gen-gzip -f paystation pay3-20261128.csv.gz
IN=pay2-20261128.csv same gen-stdin -f paystation -
check "gen-stdin: rows read" grep -q "3000 rows read" gen-stdin-1.err

# --- the repository's samples and hostile inputs ------------------------------
(cd "$ROOT" && for f in samples/*-20261128.* tests/data/ingest/*.csv tests/data/ingest/*.json*; do
   cp "$f" "$OLDPWD/$(basename "$f")"; done)
same samples hotspot-20261128.json mobile-20261128.csv opscom-20261128.jsonl \
  paystation-20261128.csv paystation-voids-20261128.csv
same samples-zones --zones "$ROOT/samples/zones.txt" --aliases "$ROOT/samples/zone-aliases.csv" \
  mobile-20261128.csv paystation-20261128.csv paystation-voids-20261128.csv
for f in edge-paystation.csv edge-hotspot.json edge-opscom.jsonl empty.csv header-only.csv \
         missing-column.csv unknown.csv; do
  same "data-${f%%.*}" "$f"
done
same opscom-csv -f opscom opscom.csv
cp "$ROOT/tests/data/ingest/semi-20261128.txt" .
PERMIT_ETL_FORMATS=$ROOT/tests/data/ingest/formats:$ROOT/formats same semi semi-20261128.txt

# --- hand-made edge cases ---------------------------------------------------
H='Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No'
R() { printf '%s,P%s,Lot 1,11/28/2026 09:00 AM,11/28/2026 09:30 AM,1.00,CAD,,T%s' "$1" "$1" "$1"; }
{ printf '\xef\xbb\xbf%s\r\n' "$H"; for i in $(seq 1 400); do R "$i"; printf '\r\n'; done; } >crlf-bom.csv
same crlf-bom -f paystation crlf-bom.csv
{ echo "$H"; for i in $(seq 1 300); do R "$i"; echo; done; R 301; } >no-final-newline.csv
same no-final-newline -f paystation no-final-newline.csv
{ echo "$H"; for i in $(seq 1 300); do
    if [ $((i % 7)) -eq 0 ]; then printf '%s,P%s,"Lot\n%s",11/28/2026 09:00 AM,11/28/2026 09:30 AM,1.00,CAD,,T\n' "$i" "$i" "$i"
    else R "$i"; echo; fi; done; } >quoted-newlines.csv
same quoted-newlines -f paystation quoted-newlines.csv
{ echo "$H"; R 1; echo; } >one-row.csv
same one-row -f paystation one-row.csv
{ echo "$H"; R 1; } >one-row-no-newline.csv
same one-row-no-newline -f paystation one-row-no-newline.csv
: >empty-file.csv
same empty-file -f paystation empty-file.csv
{ echo "$H"; R 1; echo; printf '"'; head -c 1200000 /dev/zero | tr '\0' A; echo; for i in $(seq 2 200); do R "$i"; echo; done; } >long-line.csv
same long-line -f paystation long-line.csv
# semi (multiline): a record over several lines at every distance from a
# block boundary, a quote that never closes at the end
{ echo 'ref;plate;where;from;to;paid;state'
  for i in $(seq 1 500); do
    if [ $((i % 5)) -eq 0 ]; then printf 'S%s;SEM%s;"Lot %s\nnorth\r\n";2026-11-28 09:00;2026-11-28 10:00;%s;\n' "$i" "$i" "$i" "$i"
    else printf 'S%s;SEM%s;Lot %s;2026-11-28 09:00;2026-11-28 10:00;%s;\n' "$i" "$i" "$i" "$i"; fi
  done
  printf 'S9;SEM9;"open;2026-11-28 09:00;2026-11-28 10:00;1;\nS10;SEM10;Lot;2026-11-28 09:00;2026-11-28 10:00;1;\n'
} >multi-20261128.txt
PERMIT_ETL_FORMATS=$ROOT/tests/data/ingest/formats:$ROOT/formats same semi-multiline multi-20261128.txt
check "semi-multiline: the open quote reported" grep -q "unbalanced quote" semi-multiline-1.rej

# --json-out to stdout
PERMIT_ETL_THREADS=1 "$PE" validate --json-out - -f paystation pay2-20261128.csv >stdout-1 2>/dev/null
PERMIT_ETL_BLOCK=512 "$PE" validate --json-out - -f paystation pay2-20261128.csv >stdout-2 2>/dev/null
check "--json-out -: same bytes" cmp -s stdout-1 stdout-2
