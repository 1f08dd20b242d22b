# integrity: a full disk (ulimit -f, SIGXFSZ ignored so write() fails with
# EFBIG) while writing the report, the run's summary JSON or the ledger
# gives exit 3 and leaves the previous files intact (temp + rename; SQLite
# transactions), no temp file behind, and a rerun with space completes.
# (kill -9 anywhere in a push: t_kill.sh and the check-full kill loop.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

# full KB COMMAND...: runs COMMAND with files limited to KB KiB (out/err).
full() { local kb=$1; shift; ( trap '' XFSZ; ulimit -f "$kb"; exec "$@" ) >out 2>err; }

# --- report -o: the previous workbook survives ------------------------------
"$PE" report -o r.xlsx "$ROOT/samples/paystation-20261128.csv" >/dev/null 2>&1
check "report written" test -s r.xlsx
md5sum r.xlsx >r.md5
full 8 "$PE" report -o r.xlsx "$ROOT"/samples/*.csv; rc=$?
eq "report on a full disk: exit 3" "$rc" 3
check "report on a full disk: says it could not write" grep -q 'report r.xlsx: cannot write' err
check "report on a full disk: previous workbook intact" md5sum -c --quiet r.md5
check "report on a full disk: no temp file left" test -z "$(ls | grep 'r.xlsx.')"

# --- run: ledger, report and summary on a full disk ---------------------------
start_sandbox --zones "$ROOT/samples/zones.txt" || exit 0
mkdir -p inbox reports
$PC gen 20 inbox/paystation-20261127.csv 1
mkconfig run.json 'inputs=[{"glob": "inbox/paystation-*.csv", "profile": "paystation"}]' 'report_dir="reports"'
"$PE" run -c run.json >out 2>err; rc=$?
check "first run completes (exit 0 or 1)" test "$rc" -le 1
ls reports >before.txt
md5sum reports/* ledger.db >before.md5
$PC gen 2000 inbox/paystation-20261128.csv 5000
sleep 1   # a new report name (one per second)
full 64 "$PE" run -c run.json; rc=$?
eq "run on a full disk: exit 3" "$rc" 3
cp err full-run.err
check "run on a full disk: names the failure" grep -qiE 'File too large|disk|cannot write|database or disk is full|I/O' err
check "run on a full disk: previous report and summary intact" \
  bash -c "grep reports/ before.md5 | md5sum -c --quiet"
ls reports >after.txt
check "run on a full disk: no partial report, summary or temp file" \
  bash -c 'diff before.txt after.txt >/dev/null || ! ls reports | grep -qE "tmp|\.part"'
eq "ledger integrity after the full disk" "$(sqlite3 ledger.db 'PRAGMA integrity_check')" ok
pushed_before=$($PC ledger-count ledger.db pushed)
"$PE" run -c run.json >out 2>err; rc=$?
check "rerun with space completes (exit 0 or 1)" test "$rc" -le 1
eq "ledger integrity after the rerun" "$(sqlite3 ledger.db 'PRAGMA integrity_check')" ok
check "rerun pushed the new file" test "$($PC ledger-count ledger.db pushed)" -ge $((pushed_before + 2000))
for s in reports/*-summary.json; do
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$s" || not_ok "summary $s is valid JSON"
done
ok "every summary JSON parses"

# --- report_dir on a full tmpfs: the ledger commits, the report cannot be
# written: exit 3, the previous report and summary there intact, no temp.
mkdir mnt
if mount -t tmpfs -o size=512k tmpfs mnt 2>/dev/null; then
  trap 'stop_sandbox; umount "$PWD/mnt" 2>/dev/null' EXIT
  cp reports/* mnt/
  md5sum mnt/* >mnt.md5
  dd if=/dev/zero of=mnt/filler bs=1k count=512 2>/dev/null   # fills it (ENOSPC)
  rm -f mnt/filler.small; ls mnt >mnt-before.txt
  mkconfig tmpfs.json 'inputs=[{"glob": "inbox/paystation-*.csv", "profile": "paystation"}]' \
    'report_dir="mnt"' "ledger=\"$PWD/ledger.db\""
  $PC gen 10 inbox/paystation-20261129.csv 9000
  sleep 1
  "$PE" run -c tmpfs.json >out 2>err; rc=$?
  eq "report_dir full: exit 3" "$rc" 3
  check "report_dir full: the report could not be written" grep -q 'cannot write' err
  check "report_dir full: previous reports and summaries intact" md5sum -c --quiet mnt.md5
  ls mnt >mnt-after.txt
  check "report_dir full: no new or temp file" cmp -s mnt-before.txt mnt-after.txt
  eq "report_dir full: ledger still sound" "$(sqlite3 ledger.db 'PRAGMA integrity_check')" ok
  check "report_dir full: the records were still pushed" \
    test "$($PC ledger-count ledger.db pushed)" -ge $((pushed_before + 2010))
  rm -f mnt/filler
  sleep 1
  "$PE" run -c tmpfs.json >out 2>err; rc=$?
  check "report_dir with space again: run exits 0 or 1" test "$rc" -le 1
  check "report_dir with space again: a new report" test "$(ls mnt/*.xlsx | wc -l)" -gt "$(grep -c xlsx mnt-before.txt)"
  umount mnt
else
  ok "report_dir on a full tmpfs: skipped (mount not permitted here)"
fi
