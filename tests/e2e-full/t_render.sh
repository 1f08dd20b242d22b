# check-full: LibreOffice renders every sheet of the demo's workbook (and of
# a period report rebuilt from the demo's ledger) without error, as a
# finance clerk would print it: soffice --headless --convert-to pdf, then
# poppler-utils reads the PDF back — a reasonable page count, every page
# landscape, every sheet's name in a footer with its page numbers, the
# Permits header repeated on each of its pages. The Summary's first page is
# kept as $BUILD/results/summary.png (reports/examples/summary.png is made
# the same way). Needs FULL_DEB_PKGS (libreoffice-calc-nogui, poppler-utils).
. "$(dirname "$0")/../e2e/lib.sh"
PY=/usr/bin/python3
for t in soffice pdfinfo pdftotext pdftoppm; do
  command -v "$t" >/dev/null || { not_ok "$t installed" "make full-deps"; exit 0; }
done

BUILD=$BUILD "$ROOT/tests/demo.sh" >demo.out 2>&1
check "the demo ran" grep -q "^demo: report written" demo.out
report=$(sed -n 's/^demo: report written: //p' demo.out)
cp "$report" demo.xlsx 2>/dev/null
check "demo workbook copied" test -s demo.xlsx
# exit 1: two of the demo's records have a disconnected zone
expect_exit "a period report of the demo's ledger (offline, exit 1)" 1 env -u OPSCOM_API_TOKEN \
  "$PE" report -c "$BUILD/demo/demo.json" --from 2026-11-27 --to 2026-11-29 -o period.xlsx

render() {  # render NAME: NAME.xlsx -> NAME.pdf, then the checks
  local n=$1
  soffice -env:UserInstallation="file://$PWD/lo-profile" --headless --convert-to pdf \
    --outdir "$PWD" "$n.xlsx" >"$n.soffice.out" 2>&1
  local rc=$?
  check "$n: soffice exit 0" test "$rc" -eq 0
  check "$n: PDF written" test -s "$n.pdf"
  check "$n: soffice reports no error" sh -c "! grep -qi 'error' '$n.soffice.out'"
  pdfinfo "$n.pdf" >"$n.info" 2>&1
  local pages
  pages=$(sed -n 's/^Pages: *//p' "$n.info")
  echo "# $n: ${pages:-?} pages"
  check "$n: a reasonable page count (7 to 60)" test "${pages:-0}" -ge 7 -a "${pages:-0}" -le 60
  pdfinfo -f 1 -l "${pages:-1}" "$n.pdf" | sed -n 's/^Page *[0-9]* size: *\([0-9.]*\) x \([0-9.]*\).*/\1 \2/p' >"$n.sizes"
  check "$n: every page landscape" $PY -c "
import sys
s = [tuple(map(float, l.split())) for l in open('$n.sizes')]
sys.exit(0 if len(s) == ${pages:-0} and all(w > h for w, h in s) else 1)"
  pdftotext -layout "$n.pdf" "$n.txt"
  check "$n: each sheet printed, named in its footer with page numbers" $PY -c "
import re, sys, openpyxl
names = openpyxl.load_workbook('$n.xlsx', read_only=True).sheetnames
pages = open('$n.txt', encoding='utf-8').read().split('\f')
pages = [p for p in pages if p.strip()]
footed = [p for p in pages if re.search(r'Page \d+ of \d+', p)]
missing = [s for s in names if not any(re.search(r'(^|\n)\s*' + re.escape(s) + r'\s+Page \d+ of', p) for p in pages)]
print('# sheets', names, 'missing', missing)
sys.exit(0 if len(footed) == len(pages) and not missing else 1)"
  check "$n: the Permits header row repeated on each Permits page" $PY -c "
import re, sys
pages = open('$n.txt', encoding='utf-8').read().split('\f')
perm = [p for p in pages if re.search(r'(^|\n)\s*Permits\s+Page \d+ of', p)]
sys.exit(0 if len(perm) >= 2 and all('Start (America/Toronto)' in p and 'Plate' in p for p in perm) else 1)"
}
render demo
render period
pdftoppm -png -r 110 -f 1 -l 1 -singlefile demo.pdf summary
check "Summary rendered to PNG" test -s summary.png
mkdir -p "$BUILD/results" && cp summary.png "$BUILD/results/summary.png"
