# security review: TLS verification always on (a self-signed local HTTPS
# server is refused unless ca_file names its certificate), the token masked
# where a server echoes it (stderr, ledger, XLSX), http:// only to loopback,
# no formulas in the XLSX, no shell or exec anywhere in etl/ and reports/.
# (Token never in argv/ps, output, ledger: t_push_auth.sh; token file
# permissions: t_client_stats.sh.)
. "$(dirname "$0")/lib.sh"
PC="python3 $ROOT/tests/e2e/push_check.py"

# --- no shell, no exec, no popen in the product code ------------------------
hits=$(grep -nE '\b(system|popen|execl|execle|execlp|execv|execve|execvp|execvpe|posix_spawnp?|fork|vfork)[[:space:]]*\(' \
         "$ROOT"/etl/*.c "$ROOT"/etl/*.h "$ROOT"/reports/*.c "$ROOT"/reports/*.h)
if [ -z "$hits" ]; then ok "no system/popen/exec/fork in etl/ and reports/"; else not_ok "shell/exec in product code" "$hits"; fi

# --- http:// only to loopback ---------------------------------------------
for u in http://example.com http://127.0.0.1.example.com http://localhost.example.com \
         http://10.0.0.1 http://0x7f000001 'http://127.0.0.1@example.com'; do
  printf '{"api_url": "%s", "ledger": "l.db"}\n' "$u" >h.json
  OPSCOM_API_TOKEN=abc expect_exit "config refuses $u" 2 "$PE" push -c h.json /dev/null
  check "config refuses $u: names api_url" grep -q 'api_url' err
done
for u in http://127.0.0.1:9 http://localhost:9 'http://[::1]:9'; do
  printf '{"api_url": "%s", "ledger": "l.db"}\n' "$u" >h.json
  "$PE" push -c h.json /dev/null >out 2>err
  if grep -q 'api_url' err; then not_ok "config accepts $u" "$(head -c 300 err)"; else ok "config accepts $u"; fi
done

# --- TLS: a local HTTPS server with a self-signed certificate --------------
if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
       -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
   ! openssl req -x509 -newkey rsa:2048 -nodes -keyout key2.pem -out other.pem -days 2 \
       -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
  not_ok "openssl req" "cannot make test certificates"; exit 0
fi
python3 "$ROOT/tests/tls/https_echo.py" cert.pem key.pem req.log >srv.out 2>srv.err &
SRV=$!
trap 'kill $SRV 2>/dev/null' EXIT
for i in $(seq 1 100); do grep -q '^listening' srv.out && break; sleep 0.1; done
PORT=$(sed -n 's/^listening on 127.0.0.1://p' srv.out)
[ -n "$PORT" ] || { not_ok "https server" "$(cat srv.err)"; exit 0; }
export OPSCOM_API_TOKEN="tok-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
$PC gen 3 day.csv 1
mk() {  # mk CONFIG CA_FILE|-
  python3 - "$1" "$2" "$PORT" <<'PY'
import json, sys
f, ca, port = sys.argv[1:4]
c = {"api_url": "https://127.0.0.1:" + port, "ledger": f + ".db", "connect_timeout_s": 2,
     "timeout_s": 5, "max_attempts": 1}
if ca != "-":
    c["ca_file"] = ca
json.dump(c, open(f, "w"))
PY
}
mk none.json -; mk other.json other.pem; mk good.json cert.pem
: >req.log
expect_exit "TLS: self-signed server refused without ca_file (exit 3)" 3 "$PE" push -c none.json day.csv
check "TLS: refusal names the certificate problem" grep -q 'SSL certificate problem' err
check "TLS: no HTTP request reached the server" test ! -s req.log
expect_exit "TLS: refused with ca_file naming another certificate" 3 "$PE" push -c other.json day.csv
check "TLS: other certificate: certificate problem" grep -q 'SSL certificate problem' err
check "TLS: still no HTTP request" test ! -s req.log
expect_exit "TLS: ca_file naming the certificate: handshake ok, the server's 400s fail the records (exit 1)" \
  1 "$PE" push -c good.json day.csv
check "TLS: no certificate error with ca_file" bash -c '! grep -q "SSL\|certificate" err'
check "TLS: the requests reached the server" test "$(grep -c '^POST /api/OC-TOMA/v1/permits/' req.log)" -eq 3
check "TLS: 3 failed" grep -q '3 failed' err

# --- the token echoed by a server is masked everywhere ----------------------
TOK=$OPSCOM_API_TOKEN
sqlite3 good.json.db .dump >dump.sql
check "echoed token masked in the ledger" grep -qF '"apiToken":"[token]"' dump.sql
check "token not in the ledger" bash -c "! grep -qaF '$TOK' dump.sql good.json.db*"
"$PE" -v --log-json ledger -c good.json list --json >list.json 2>&1
check "token not in ledger list --json" bash -c "! grep -qF '$TOK' list.json"
"$PE" -v push -c good.json --retry-failed day.csv >v.out 2>&1
check "token not in -v push output" bash -c "! grep -qF '$TOK' v.out err out"
"$PE" report -c good.json --date 2026-11-01 -o day.xlsx >rep.out 2>&1
check "report written" test -s day.xlsx
python3 - day.xlsx "$TOK" >xlsx.txt <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); tok = sys.argv[2]
xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
print("token" if tok in xml else "", "masked" if "[token]" in xml else "",
      "formula" if "<f>" in xml or "<f " in xml else "")
PY
check "token not in the XLSX XML" bash -c "! grep -q '^token' xlsx.txt"
check "the XLSX Push Log shows the masked message" grep -q 'masked' xlsx.txt

# --- formulas: data cells that look like formulas stay strings ---------------
H='transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,promo_code,ticket_number'
{ echo "$H"
  echo 'M-1,AB1,=HYPERLINK("http://x"),2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,1,CAD,=1+1,'
  echo 'M-2,=2+2,Lot 05,2026-11-28T09:00:00-05:00,2026-11-28T10:00:00-05:00,@SUM(A1),CAD,,'
} >formula-20261128.csv
"$PE" report -f mobile -o f.xlsx formula-20261128.csv >rep.out 2>&1
check "formula report written" test -s f.xlsx
python3 - f.xlsx >fx.txt <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
print("formula" if "<f>" in xml or "<f " in xml else "none", "seen" if "=1+1" in xml and "HYPERLINK" in xml else "")
PY
check "XLSX: no formula cells" grep -q '^none' fx.txt
check "XLSX: the formula-like values are there as text" grep -q 'seen' fx.txt
