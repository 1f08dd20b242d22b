# push_lib.sh — sourced by the push/ledger/kill end-to-end tests after lib.sh.
PC="python3 $ROOT/tests/e2e/push_check.py"

# mkconfig FILE [KEY=JSON_VALUE...]: a config for the running sandbox with
# ./ledger.db, the sample zone tables, small timeouts; KEY=VALUE pairs
# override or add keys (VALUE is JSON: 8, "hold", "http://..."). On a
# PostgreSQL run (E2E_LEDGER=pg, lib.sh) the ledger NAME becomes
# $(ledger_uri NAME).
mkconfig() {
  local f=$1 kv led=ledger.db; shift
  for kv in "$@"; do
    case $kv in ledger=*) led=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]))' "${kv#ledger=}") ;; esac
  done
  case $led in /*|postgres://*|postgresql://*) ;; *) led=$(dirname "$f")/$led ;; esac
  python3 - "$f" "${SANDBOX_URL:-http://127.0.0.1:9}" "$ROOT" "$(ledger_uri "$led")" "$@" <<'PYEOF'
import json, sys
f, url, root, led = sys.argv[1:5]
c = {"api_url": url, "ledger": "ledger.db", "zones": root + "/samples/zones.txt",
     "aliases": root + "/samples/zone-aliases.csv", "concurrency": 4,
     "connect_timeout_s": 2, "timeout_s": 5, "max_attempts": 5}
for kv in sys.argv[5:]:
    k, v = kv.split("=", 1)
    c[k] = json.loads(v)
if "ledger" in c and led.startswith("postgres"):
    c["ledger"] = led
json.dump(c, open(f, "w"), indent=1)
PYEOF
}

# not_in NAME FILE: $TOKEN_CHECK does not occur in FILE (a missing file passes).
not_in() {
  if [ ! -e "$2" ] || ! grep -qaF -- "$TOKEN_CHECK" "$2"; then ok "$1"; else not_ok "$1" "token found in $2"; fi
}

# state_now: refreshes ./sandbox-state.json from the running sandbox.
state_now() { sandbox_state || not_ok sandbox_state "no state written"; }

# requests [OP]: requests the sandbox has received so far.
requests() { state_now; $PC requests sandbox-state.json "$@"; }

# eq NAME GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', wanted '$3'"; fi; }
