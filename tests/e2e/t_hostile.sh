# hostile input: every limit gives a clear error (message shown), never a
# crash, hang or unbounded memory; raw values are shown escaped; the
# allocation-failure loop (sampled: every 7th N; the full loop is in
# make check-full).
. "$(dirname "$0")/lib.sh"

H='transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,promo_code,ticket_number'
ROW='M-1,QRS345,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,"14,50",CAD,,'

# v NAME WANT_EXIT MESSAGE FILE [ARGS]: validate FILE (timeout 30 s, rejects
# in NAME.rej), checks exit code and that stderr contains MESSAGE.
v() {
  local n=$1 want=$2 msg=$3 f=$4 rc; shift 4
  timeout 30 "$PE" validate --rejects "$n.rej" "$@" "$f" >out 2>err; rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$n: exit $want"; else not_ok "$n: exit" "$rc, wanted $want: $(head -c 400 err)"; fi
  if grep -qF -- "$msg" err; then ok "$n: message"; else not_ok "$n: message" "no '$msg' in: $(head -c 400 err)"; fi
  if grep -q 'Sanitizer\|runtime error\|Segmentation' err; then not_ok "$n: clean" "$(head -c 400 err)"; fi
}

# --- size limits --------------------------------------------------------
{ echo "$H"; printf 'M-1,QRS345,%s,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,1,CAD,,\n' \
    "$(head -c 70000 /dev/zero | tr '\0' Z)"; echo "${ROW/M-1/M-2}"; } >field.csv
v field-64k 1 "zone: field longer than 65536 bytes (column 'parking_zone')" field.csv -f mobile
check "field-64k: next row still read" grep -q '2 rows read, 1 accepted, 1 rejected' err

{ echo "$H"; printf '"%s"\n' "$(head -c 1100000 /dev/zero | tr '\0' A)"; echo "$ROW"; } >line.csv
v line-1m 1 "line.csv:2: _row: line longer than 1048576 bytes" line.csv -f mobile
check "line-1m: next row still read" grep -q '2 rows read, 1 accepted, 1 rejected' err

{ echo "$H,$(seq -s, 1 300)"; echo "$ROW"; } >cols.csv
v cols-256 1 "_file: header: more than 256 columns" cols.csv -f mobile

python3 -c "print('['*70 + ']'*70)" >deep.json
v json-depth 1 "nesting deeper than 64" deep.json -f hotspot
python3 -c "print('{\"_key\":\"k\",\"x\":' + '['*70 + ']'*70 + '}')" >deep.jsonl
v jsonl-depth 1 "nesting deeper than 64" deep.jsonl -f opscom

{ echo "$H"; printf 'M-1,QRS345,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,%s,CAD,,\n' \
    "$(printf '9%.0s' $(seq 400))"; } >digits.csv
v digits-400 1 "Amount: '99999999999999999999" digits.csv -f mobile
check "digits-400: reason cut, raw whole" grep -q "\.\.\.' is over 999999.99,9\{400\}$" digits-400.rej
printf '[{"sessionId":1,"plate":"A1","zoneName":"Z","startEpoch":1795874400,"durationMinutes":60,"price":%s,"currency":"CAD"}]\n' \
  "$(printf '9%.0s' $(seq 400))" >digits.json
v json-digits-400 1 "Amount:" digits.json -f hotspot

# --- bytes ---------------------------------------------------------------
{ echo "$H"; printf 'M-1,QRS\x00345,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,1,CAD,,\n'; } >nul.csv
v nul 1 "nul.csv:2: LicencePlate: NUL byte (column 'licence_plate')" nul.csv -f mobile
check "nul: raw escaped in rejects" grep -qF 'QRS\x00345' nul.rej

{ echo "$H"; printf 'M-1,QRS345,Lot \377\37605,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,1,CAD,,\n'; } >utf.csv
v utf8 1 "utf.csv:2: zone: invalid UTF-8 (column 'parking_zone')" utf.csv -f mobile
check "utf8: raw escaped in rejects" grep -qF 'Lot \xFF\xFE05' utf8.rej
check "utf8: rejects file is valid UTF-8" python3 -c 'open("utf8.rej", encoding="utf-8").read()'

{ echo "$H"; printf 'M-1,AB\033[2JC,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,1,CAD,,\n'; } >esc.csv
v esc 1 "LicencePlate: 'AB?[2JC' has a character" esc.csv -f mobile
check "esc: no ESC byte on stderr" bash -c '! grep -q $'"'"'\033'"'"' err'
check "esc: ESC escaped in rejects" grep -qF 'AB\x1B[2JC' esc.rej
printf '{"_key":"k1","permitNo":"A\\u0000B"}\n' >nul.jsonl
v json-nul 1 "permitNo: \\u0000 in a string" nul.jsonl -f opscom

# formula injection: every cell of the rejects file that starts with = + - @
{ echo "$H"; printf 'M-1,=cmd|x!A1,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,+1450,CAD,,\n'
  printf '@SUM(1),AB1,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,-1,CAD,,\n'; } >formula-20261128.csv
v formula 1 "LicencePlate: '=cmd|x!A1'" formula-20261128.csv -f mobile
check "formula: no rejects cell starts with = + - @ tab" python3 - formula.rej <<'PY'
import csv, sys
bad = [c for row in csv.reader(open(sys.argv[1], encoding="utf-8")) for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
sys.exit(1 if bad else 0)
PY

# --- files ---------------------------------------------------------------
: >empty.csv
v empty 1 "empty.csv: _file: empty file" empty.csv
printf '\n  \n' >blank.csv
v blank 1 "blank.csv: _file: empty file" blank.csv
echo "$H" >header-only.csv
v header-only 0 "1 file, 0 rows read, 0 accepted" header-only.csv -f mobile
mkdir dir.csv
v directory 3 "dir.csv: _file: not a regular file (a directory)" dir.csv
# streams: validate reads a FIFO (waiting for its writer, as cat does) and
# devices; a device that never ends stops at the line-length limit (no
# header line within 1 MiB), also after a good header (no end of line
# within 64 MiB); a socket is never read.
mkfifo fifo.csv
{ echo "$H"; echo "$ROW"; } >fifo.csv &
v fifo 0 "1 file, 1 rows read, 1 accepted" fifo.csv
wait
v dev-zero 1 "/dev/zero:1: _file: header line longer than 1048576 bytes" /dev/zero -f mobile
v dev-zero-detect 1 "/dev/zero:1: _file: header line longer than 1048576 bytes" /dev/zero
{ echo "$H"; head -c 70000000 /dev/zero; } >fifo.csv &
v header-then-zeros 1 "fifo.csv:2: _file: no end of line within 67108864 bytes" fifo.csv
wait
python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("sock.csv")'
v socket 3 "sock.csv: _file: not a regular file (a socket)" sock.csv
ln -s /nonexistent/x.csv dangling.csv
v dangling 3 "dangling.csv: _file: cannot open: No such file or directory" dangling.csv
{ echo "$H"; echo "$ROW"; } >good.csv
timeout 30 "$PE" validate good.csv dir.csv >out 2>err; rc=$?
check "directory + good file: exit 3, good file still read" test "$rc" -eq 3
check "directory + good file: counts" grep -q '2 files, 1 rows read, 1 accepted' err

# --- allocation failure, file changing while read (failalloc build) -------
if make -s -C "$ROOT" failalloc >make.log 2>&1; then
  FA=$ROOT/build/asan/permit-etl-failalloc
  { echo "$H"; for i in $(seq 1 3000); do echo "${ROW/M-1/M-$i}"; done; } >change-20261128.csv
  PERMIT_ETL_CHANGE_ON_READ=1 timeout 60 "$FA" validate -f mobile change-20261128.csv >out 2>err; rc=$?
  check "changed while read: exit 3" test "$rc" -eq 3
  check "changed while read: message" grep -qF 'change-20261128.csv: _file: file changed while being read (size or mtime); not processed' err
  timeout 60 "$FA" validate -f mobile change-20261128.csv >out 2>err
  check "unchanged file: exit 0" grep -q '(exit 0)' err
  "$ROOT/tests/alloc/loop.sh" "${FAILALLOC_STEP:-7}" 3
else
  not_ok "make failalloc" "$(tail -n 5 make.log)"
fi
