# Never doubled, never silent (issue 15): unusable reference ids, a BOM
# before a success, 5xx after the backend applied the request, the lock on
# the ledger's canonical path, valid UTF-8 in every JSON written, an
# unreachable API, Excel's cleared rows, a glob matching the tool's files.
# Each part checks the sandbox's state (live permits per record, requests
# applied) and the ledger's flags, against figures computed from the inputs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

# py SCRIPT ARGS...: a Python check, exit status = its verdict.
py() { python3 -c "$@"; }

# live_per_plate STATE: "PLATE COUNT" lines of the live permits, sorted.
live_per_plate() {
  py 'import json,sys,collections
c=collections.Counter(p["fields"]["LicencePlate"] for p in json.load(open(sys.argv[1]))["permits"] if not p["deleted"])
for k in sorted(c): print(k, c[k])' "$1"
}
# count_sql LEDGER SQL: one number from the ledger.
count_sql() { py 'import sys; from push_check import connect; print(connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
# csv_amounts IN OUT CENTS: IN with every Amount set to CENTS (the 6th column).
csv_amounts() {
  py 'import sys
lines=open(sys.argv[1],newline="").read().split("\r\n")
out=[lines[0]]
for l in lines[1:]:
    if l:
        f=l.split(","); c=int(sys.argv[3]); f[5]="%d.%02d"%(c//100,c%100); l=",".join(f)
    out.append(l)
open(sys.argv[2],"w",newline="").write("\r\n".join(out))' "$@"
}

# --- 1a. reference ids as JSON integers (24 digits: more than any C integer)
mkdir s1a && cd s1a
start_sandbox --numeric-refs || exit 0
mkconfig cfg.json
$PC gen 6 day.csv 1
expect_exit "numeric reference ids: pushed, exit 0" 0 "$PE" push -c cfg.json day.csv
eq "every reference id is the 24-digit text" \
  "$(count_sql ledger.db "SELECT count(*) FROM records WHERE state='pushed' AND length(reference_id)=24 AND ltrim(reference_id, '0123456789') = '' AND unlinked=0")" 6
csv_amounts day.csv day2.csv 4242
expect_exit "amount changed: updates by the numeric reference, exit 0" 0 "$PE" push -c cfg.json day2.csv
state_now
eq "6 updates sent" "$($PC requests sandbox-state.json update)" 6
eq "no second push" "$($PC requests sandbox-state.json push)" 6
check "each record live once, with the new amount" $PC check sandbox-state.json ledger.db 6 0
eq "the server has the new amounts" "$(py 'import json; print(sorted({p["fields"].get("Amount") for p in json.load(open("sandbox-state.json"))["permits"] if not p["deleted"]}))')" "['42.42']"
stop_sandbox
cd ..

# --- 1b. unusable reference ids: pushed + unlinked, never sent again
mkdir s1b && cd s1b
start_sandbox --bad-ref-every 2 || exit 0
mkconfig cfg.json
cat >day.csv <<'CSV'
Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status
R1,PLT1,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,1.00,,,,
R2,PLT2,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,2.00,,,,
R3,PLT3,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,3.00,,,,
R4,PLT4,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,4.00,,,,
R5,PLT5,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,5.00,,,,
R6,PLT6,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,6.00,,,,
R7,PLT7,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,7.00,,,,
R8,PLT8,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,8.00,,,,
R9,PLT9,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,9.00,,,,
R10,PLT10,Lot 01,11/2/2026 9:00 AM,11/2/2026 10:00 AM,10.00,,,,
CSV
# concurrency 1: the sandbox's every-2nd-push counting meets records in order
mkconfig cfg.json concurrency=1
expect_exit "unusable reference ids: exit 1" 1 "$PE" push -c cfg.json day.csv
check "the summary counts 5 unlinked" grep -q "5 unlinked" err
state_now
eq "5 bad references were answered" "$(py 'import json; print(json.load(open("sandbox-state.json"))["counters"]["faults"]["bad_ref"])')" 5
eq "10 pushed in the ledger" "$($PC ledger-count ledger.db pushed)" 10
eq "5 unlinked in the ledger" "$(count_sql ledger.db "SELECT count(*) FROM records WHERE unlinked=1 AND state='pushed'")" 5
"$PE" ledger -c cfg.json list --json >list.json
eq "ledger list --json: unlinked true for 5" "$(py 'import json,sys; print(sum(1 for l in open("list.json") if json.loads(l)["unlinked"] is True))')" 5
check "ledger list --json: every record has boolean unlinked and doubt" py 'import json
rs=[json.loads(l) for l in open("list.json")]
assert len(rs)==10 and all(type(r["unlinked"]) is bool and type(r["doubt"]) is bool for r in rs)'
# amount of every record changed, zone of R2 (unlinked) changed, R3 (linked)
# and R4 (unlinked) voided
py 'import sys
rows=open("day.csv").read().splitlines()
out=[rows[0]]
for l in rows[1:]:
    f=l.split(","); n=int(f[0][1:]); f[5]="%d.50"%n
    if n==2: f[2]="Lot 02"
    if n in (3,4): f[9]="VOID"
    out.append(",".join(f))
open("day2.csv","w").write("\n".join(out)+"\n")'
unl=$(count_sql ledger.db "SELECT count(*) FROM records WHERE unlinked=1")
expect_exit "changes and voids of unlinked records: exit 1" 1 "$PE" push -c cfg.json day2.csv
state_now
eq "no second push for anything" "$($PC requests sandbox-state.json push)" 10
eq "each plate live exactly once, R3 deleted (9 plates)" "$(live_per_plate sandbox-state.json | awk '$2 != 1' | wc -l) $(live_per_plate sandbox-state.json | wc -l)" "0 9"
eq "the linked records' amounts were updated (R1 R5 R7 R9)" "$($PC requests sandbox-state.json update)" 4
eq "every unlinked record failed with the message" \
  "$(count_sql ledger.db "SELECT count(*) FROM records WHERE unlinked=1 AND state='failed' AND last_error='no usable reference id: change it in OPSCOM by hand'")" 5
eq "no unlinked record called deleted" "$(count_sql ledger.db "SELECT count(*) FROM records WHERE unlinked=1 AND state='deleted'")" 0
linked_void=$(count_sql ledger.db "SELECT count(*) FROM records WHERE unlinked=0 AND voided=1")
eq "the linked records' voids were sent as deletes" "$($PC requests sandbox-state.json delete)" "$linked_void"
n=$($PC requests sandbox-state.json)
expect_exit "--retry-failed sends no unlinked record" 0 "$PE" push -c cfg.json --retry-failed day2.csv
eq "nothing sent by --retry-failed" "$(requests)" "$n"
eq "still failed" "$(count_sql ledger.db "SELECT count(*) FROM records WHERE unlinked=1 AND state='failed'")" 5
k=$(count_sql ledger.db "SELECT key FROM records WHERE unlinked=1 AND voided=0 LIMIT 1")
expect_exit "admin update of an unlinked record is refused" 2 "$PE" update -c cfg.json --key "$k" --amount 9.99
check "update names the reason" grep -q "no usable reference id: change it in OPSCOM by hand" err
expect_exit "admin delete of an unlinked record is refused" 2 "$PE" delete -c cfg.json --key "$k"
check "delete names the reason" grep -q "no usable reference id: change it in OPSCOM by hand" err
eq "admin commands sent nothing" "$(requests)" "$n"
stop_sandbox
cd ..

# --- 2a. a BOM before every success body: recognised, nothing doubled
mkdir s2a && cd s2a
start_sandbox --bom-every 1 || exit 0
mkconfig cfg.json
$PC gen 8 day.csv 1
expect_exit "BOM before success: exit 0" 0 "$PE" push -c cfg.json day.csv
state_now
check "BOMs were really sent" py 'import json,sys; sys.exit(0 if json.load(open("sandbox-state.json"))["counters"]["faults"]["bom"] >= 8 else 1)'
check "each record live once, none failed" $PC check sandbox-state.json ledger.db 8 0
n=$(requests)
expect_exit "--retry-failed afterwards: nothing to resend" 0 "$PE" push -c cfg.json --retry-failed day.csv
eq "nothing sent" "$(requests)" "$n"
stop_sandbox
cd ..

# --- 2b. a 2xx that is not a well-formed success: failed + doubt, then
# --retry-failed resends it flagged resent_after_doubt
mkdir s2b && cd s2b
cat >html200.py <<'PYEOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        b = b"<html><body>OK</body></html>"
        self.send_response(200); self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PYEOF
python3 html200.py >html.port &
hpid=$!
for i in $(seq 1 100); do [ -s html.port ] && break; sleep 0.05; done
SANDBOX_URL=http://127.0.0.1:$(cat html.port) mkconfig cfg.json
$PC gen 3 day.csv 1
export OPSCOM_API_TOKEN=t-html200
expect_exit "2xx HTML: exit 1" 1 "$PE" push -c cfg.json day.csv
kill "$hpid"; wait "$hpid" 2>/dev/null
eq "3 failed with doubt set" "$(count_sql ledger.db "SELECT count(*) FROM records WHERE state='failed' AND doubt=1")" 3
"$PE" ledger -c cfg.json list --json >list.json
eq "ledger list --json: doubt true" "$(py 'import json; print(sum(1 for l in open("list.json") if json.loads(l)["doubt"] is True))')" 3
start_sandbox || exit 0
mkconfig cfg.json
expect_exit "--retry-failed resends them: exit 1 (resent after doubt)" 1 "$PE" push -c cfg.json --retry-failed day.csv
eq "3 pushed, flagged resent_after_doubt" "$(count_sql ledger.db "SELECT count(*) FROM records WHERE state='pushed' AND resent_after_doubt=1")" 3
check "the summary says so" grep -q "3 resent after doubt" err
stop_sandbox
cd ..

# --- 3. 500/502/504 after the backend applied: in doubt, resent, flagged
for st in 500 502 504; do
  mkdir s3-$st && cd s3-$st
  start_sandbox --error-after-apply-every 4 --error-status $st || exit 0
  mkconfig cfg.json concurrency=4
  $PC gen 40 day.csv 1
  expect_exit "$st after applying: exit 1 (resent after doubt)" 1 "$PE" push -c cfg.json day.csv
  state_now
  errs=$(py 'import json; print(json.load(open("sandbox-state.json"))["counters"]["faults"]["error_after_apply"])')
  check "$st: some answers were $st ($errs)" test "$errs" -gt 0
  check "$st: every record live; each duplicate flagged resent_after_doubt; at most $errs" \
    $PC check sandbox-state.json ledger.db 40 "$errs"
  check "$st: the duplicates are real (live > 40)" test "$($PC live sandbox-state.json)" -gt 40
  stop_sandbox
  cd ..
done
# 503 stays a plain retry: never flagged
mkdir s3-503 && cd s3-503
start_sandbox --fail-every 3 || exit 0
mkconfig cfg.json max_attempts=10
$PC gen 20 day.csv 1
expect_exit "503: plain retries, exit 0" 0 "$PE" push -c cfg.json day.csv
state_now
check "503: each record live once, none flagged" $PC check sandbox-state.json ledger.db 20 0
eq "503: no resent_after_doubt" "$(count_sql ledger.db "SELECT count(*) FROM records WHERE resent_after_doubt=1")" 0
stop_sandbox
cd ..

# --- 4. the lock is taken on the canonical path: a symlink or another
# spelling of the ledger meets it (exit 3 naming the holder's pid)
# (a file lock: PostgreSQL ledgers have no run lock, several workers share them)
if sqlite_only; then
mkdir s4 && cd s4
start_sandbox --slow-ms 400 || exit 0
mkdir -p real other
mkconfig real/cfg.json concurrency=1
ln -s ../real/ledger.db other/link.db
mkconfig other/cfg.json concurrency=1 'ledger="link.db"'
mkconfig spelled.json concurrency=1 'ledger="./other/../real/./ledger.db"'
$PC gen 30 day.csv 1
$PC gen 3 b.csv 500
"$PE" push -c real/cfg.json day.csv >out1 2>err1 &
p1=$!
for i in $(seq 1 200); do [ -s real/ledger.db.lock ] && break; sleep 0.05; done
expect_exit "through a symlink: locked, exit 3" 3 "$PE" push -c other/cfg.json b.csv
check "the message names the holder's pid $p1" grep -q "pid $p1" err
expect_exit "through another spelling: locked, exit 3" 3 "$PE" push -c spelled.json b.csv
check "the message names the holder's pid" grep -q "pid $p1" err
wait "$p1"
state_now
check "only the first run pushed: each record live once" $PC check sandbox-state.json real/ledger.db 30 0
stop_sandbox
cd ..
fi

# --- 5. invalid UTF-8 in a file name: every JSON written is valid UTF-8
mkdir s5 && cd s5
start_sandbox || exit 0
mkdir in
bad=$(printf 'in/caf\xe9.csv')
$PC gen 3 "$bad" 1
mkconfig cfg.json 'inputs=[{"glob": "in/*.csv", "profile": "paystation"}]' 'report_dir="reports"'
"$PE" --log-json push -c cfg.json "$bad" >out 2>log.json
"$PE" --log-json run -c cfg.json >out 2>>log.json
"$PE" ledger -c cfg.json list --json >list.json
"$PE" validate --json-out out.jsonl "$bad" >/dev/null 2>&1
summary=$(ls reports/*-summary.json | head -n 1)
for f in log.json list.json out.jsonl "$summary"; do
  check "valid UTF-8 JSON, \\xE9 shown as text: $f" py 'import json,sys
b=open(sys.argv[1],"rb").read()
t=b.decode("utf-8")          # raises on invalid UTF-8
if sys.argv[1].endswith("summary.json"): docs=[json.loads(t)]
else: docs=[json.loads(l) for l in t.splitlines() if l.startswith("{")]  # --log-json lines
assert docs and "caf\\\\xE9" in t, t[:300]' "$f"
done
stop_sandbox
cd ..

# --- 6. API unreachable (nothing listens): exit 3 however few records
mkdir s6 && cd s6
port=$(py 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SANDBOX_URL=http://127.0.0.1:$port mkconfig cfg.json max_attempts=2 connect_timeout_s=1
$PC gen 3 day.csv 1
expect_exit "3 records, API unreachable: exit 3" 3 "$PE" push -c cfg.json day.csv
check "the message says API unreachable" grep -q "API unreachable" err
eq "the 3 records stay pending" "$($PC ledger-count ledger.db pending)" 3
cd ..

# --- 7. Excel's cleared rows are skipped like blank lines
mkdir s7 && cd s7
start_sandbox || exit 0
mkconfig cfg.json max_reject_ratio=0.1
$PC gen 4 day.csv 1
printf ',,,,,,,,\r\n , ,,\t,,,,,\r\n"",,,,,,,,\r\n,,,,,,,,\r\n' >>day.csv
expect_exit "cleared rows: exit 0" 0 "$PE" push -c cfg.json day.csv
check "4 rows read, 0 rejected" grep -q "rows 4 = 4 sales + 0 rejected" err
state_now
check "4 live" $PC check sandbox-state.json ledger.db 4 0
stop_sandbox
cd ..

# --- 8. a glob matching everything in the config's directory never takes
# the tool's own files (config, ledger + -wal/-shm/.lock, reports, summaries)
mkdir s8 && cd s8
start_sandbox || exit 0
mkdir night
$PC gen 5 night/day.csv 1
mkconfig night/cfg.json 'inputs=[{"glob": "*", "profile": "paystation"}]'
expect_exit "first run: only the input is read, exit 0" 0 "$PE" run -c night/cfg.json
sleep 1
$PC gen 2 night/more.csv 100
expect_exit "second run (ledger, report, summary now there): exit 0" 0 "$PE" run -c night/cfg.json
s=$(ls night/permit-etl-*-summary.json | tail -n 1)
eq "the second run's files: day.csv (skipped) and more.csv only" \
  "$(py 'import json,sys,os; print(" ".join(sorted(os.path.basename(f["path"]) for f in json.load(open(sys.argv[1]))["files"])))' "$s")" "day.csv more.csv"
state_now
check "7 live, once each" $PC check sandbox-state.json night/ledger.db 7 0
stop_sandbox
cd ..
