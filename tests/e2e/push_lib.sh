# push_lib.sh — sourced by the push/ledger/kill end-to-end tests after lib.sh.
PC="python3 $ROOT/tests/e2e/push_check.py"

# mkconfig FILE [EXTRA_JSON_MEMBERS]: a config for the running sandbox with
# ./ledger.db, the sample zone tables, small timeouts.
mkconfig() {
  local f=$1 extra=${2:-}
  cat >"$f" <<EOF
{
  "api_url": "${SANDBOX_URL:-http://127.0.0.1:9}",
  "ledger": "ledger.db",
  "zones": "$ROOT/samples/zones.txt",
  "aliases": "$ROOT/samples/zone-aliases.csv",
  "concurrency": 4,
  "connect_timeout_s": 2,
  "timeout_s": 5,
  "max_attempts": 5${extra:+,
  $extra}
}
EOF
}

# state_now: refreshes ./sandbox-state.json from the running sandbox.
state_now() { sandbox_state || not_ok sandbox_state "no state written"; }

# requests [OP]: requests the sandbox has received so far.
requests() { state_now; $PC requests sandbox-state.json "$@"; }

# eq NAME GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', wanted '$3'"; fi; }
