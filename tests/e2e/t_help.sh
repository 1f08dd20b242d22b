# every --help lists every option the command accepts (from the source's
# option tables) with its meaning, and the exit codes; the man page has
# every command and option and no dangling reference. The progress line on
# a 72-column terminal (a pty): per file, overwritten in place, never wider
# than the terminal; never shown when stderr is not a terminal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

python3 "$ROOT/tests/e2e/help_check.py" "$ROOT" "$PE" >help.out 2>&1; rc=$?
cat help.out
if [ "$rc" -ne 0 ] && ! grep -q '^not ok' help.out; then not_ok "help_check.py" "exit $rc"; fi
check "zones does not point to options it does not have" sh -c \
  "! \"$PE\" zones --help | grep -q -- '--rejects\\|report'"

# --- the progress line under a 72-column pty ------------------------------
D=inbox-with-a-rather-long-directory-name-so-that-the-progress-line-must-be-cut
mkdir -p "$D"
python3 - "$D" <<'PY'
import sys
d = sys.argv[1]
for n in range(3):
    with open("%s/paystation-export-number-%d-of-a-long-day.csv" % (d, n), "w") as f:
        f.write("Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\n")
        for i in range(60000):
            f.write("R%d-%d,P%06d,Lot 0%d,11/28/2026 09:00 AM,11/28/2026 10:00 AM,%d.00,,,\n"
                    % (n, i, i, 1 + i % 9, 1 + i % 30))
PY
cat >pty_run.py <<'PY'
import fcntl, os, pty, re, struct, sys, termios
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(2, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
open("pty.out", "wb").write(out)
text = out.decode("utf-8", "replace").replace("\r\n", "\n")
# the progress draws: "\r ESC[K text" up to the next \r, \n or ESC (log
# lines such as the summary are not progress: they may wrap)
draws = [d for d in re.findall(r"\r\x1b\[K([^\r\n\x1b]+)", text)
         if not d.startswith("permit-etl: ")]
widest = max([len(d) for d in draws] or [0])
with open("pty.txt", "w") as f:
    f.write("%d %d %d\n" % (widest, len(draws), os.waitstatus_to_exitcode(status)))
    for d in draws:
        f.write(d + "\n")
PY
python3 pty_run.py 72 "$PE" validate "$D"/*.csv; read -r widest ndraws rc <pty.txt
eq "pty: validate exits 0" "$rc" 0
check "pty: progress drawn (one or more lines per file)" test "$ndraws" -ge 3
check "pty: no progress line wider than 72 columns (widest $widest)" test "$widest" -le 72
check "pty: every draw starts with \\r and clear-to-end" \
  sh -c "test \$(grep -c \$(printf '\r\033\\\\[K') pty.out) -ge 1"
check "pty: counts per file: file i/3 and the file's rows" \
  grep -q "^validate: file 3/3, [0-9]* rows: inbox-with" pty.txt
check "pty: the file name is cut, the counts kept" \
  sh -c "grep '^validate: file' pty.txt | awk '{ if (length(\$0) > 71) exit 1 }'"
check "pty: the progress line is cleared at the end" \
  sh -c "tail -c 300 pty.out | grep -q 'validate: 3 files, 180000 rows read'"
python3 pty_run.py 40 "$PE" validate "$D"/*.csv; read -r widest2 ndraws2 rc2 <pty.txt
check "pty: 40 columns: no progress line wider than 40 (widest $widest2, $ndraws2 draws)" \
  test "$ndraws2" -ge 3 -a "$widest2" -le 40
"$PE" validate "$D"/*.csv >/dev/null 2>notty.err
check "no progress when stderr is not a terminal" sh -c "! grep -q \$(printf '\r') notty.err"
python3 pty_run.py 72 "$PE" -q validate "$D"/*.csv; read -r _ ndraws3 _ <pty.txt
eq "no progress with -q" "$ndraws3" 0

# --- "... and N more": each command points to what it has -----------------
{ echo "Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No"
  for i in $(seq 1 25); do echo "R$i,BAD*$i,Lot 01,11/28/2026 09:00 AM,11/28/2026 10:00 AM,1.00,,,"; done
} >bad.csv
expect_exit "zones: 25 bad rows, exit 1" 1 "$PE" zones --zones "$ROOT/samples/zones.txt" bad.csv
check "zones: the rest of the row errors are in validate --rejects" \
  grep -q "^permit-etl: ... and 5 more (see permit-etl validate --rejects F)$" err
expect_exit "report: 25 bad rows, exit 1" 1 "$PE" report -o bad.xlsx bad.csv
check "report: the rest are in the Rejected sheet" \
  grep -q "^permit-etl: ... and 5 more (see the report's Rejected sheet)$" err
expect_exit "validate --rejects: 25 bad rows, exit 1" 1 "$PE" validate --rejects r.csv bad.csv
check "validate --rejects: the rest are in the --rejects file" \
  grep -q "^permit-etl: ... and 5 more (see the --rejects file)$" err
