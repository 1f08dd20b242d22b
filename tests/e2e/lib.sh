# lib.sh — sourced by tests/e2e/t_*.sh. Each test runs in a fresh temp dir
# (the cwd); $BUILD is the absolute build dir, $ROOT the source tree.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
PE=$BUILD/permit-etl
# PE_WRAP (make check-full): an executable run instead of $PE with the same
# arguments, e.g. tests/e2e-full/valgrind-pe.sh (valgrind memcheck).
if [ -n "${PE_WRAP:-}" ]; then PE=$PE_WRAP; fi
SANDBOX=$BUILD/opscom-sandbox
export PERMIT_ETL_FORMATS=$ROOT/formats

ok()     { echo "ok $1"; }
not_ok() { echo "not ok $1: ${2:-}"; }
# check NAME COMMAND...: ok if the command succeeds.
check()  { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n" "$*"; fi; }
# expect_exit NAME CODE COMMAND...: runs the command (stdout/stderr kept in
# ./out and ./err) and checks its exit code.
expect_exit() {
  local n=$1 want=$2; shift 2
  "$@" >out 2>err; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$n"; else not_ok "$n" "exit $rc, wanted $want; stderr: $(head -c 600 err)"; fi
}

# --- the OPSCOM sandbox (tests/sandbox, build/opscom-sandbox) -------------
# start_sandbox [SANDBOX FLAGS...]
#   Starts the sandbox on a free port (--port 0) with the state file
#   ./sandbox-state.json (--state) and its access log (stderr) appended to
#   ./sandbox.log; flags given here come after those and override them.
#   The API token is a fresh random value, exported as OPSCOM_API_TOKEN (the
#   client's default token_env) and given to the sandbox through
#   OPSCOM_SANDBOX_TOKENS in its environment only (never argv). A later
#   start_sandbox in the same test reuses that token (so a restarted sandbox
#   still owns the permits loaded from its state); SANDBOX_NEW_TOKEN=1 forces
#   a new one. SANDBOX_EXTRA_TOKENS (comma list) adds more accepted tokens.
#   Waits for "listening on 127.0.0.1:PORT" (10 s), then sets SANDBOX_PORT,
#   SANDBOX_URL (http://127.0.0.1:PORT), SANDBOX_PID and an EXIT trap that
#   stops it. Returns 1 (and prints "not ok start_sandbox") if it did not
#   start; its stdout is in ./sandbox.out. A sandbox this test already
#   runs is stopped first (one sandbox per test at a time).
# stop_sandbox
#   SIGTERM, then waits: in-flight requests finish and the state file is
#   written. Sets SANDBOX_EXIT to its exit status (0 expected).
# sandbox_state
#   Makes the running sandbox write ./sandbox-state.json now (SIGUSR1, then
#   waits for its "state written" log line), so a test can read it, e.g.
#     python3 -c 'import json; s=json.load(open("sandbox-state.json"));
#                 print(s["counters"]["requests"]["total"], len(s["permits"]))'
#   Format: tests/sandbox/README.md (permits with fields, flags, history;
#   counters of requests per endpoint, responses per status, connections).
# sandbox_post OP JSON_BODY
#   POSTs a body to $SANDBOX_URL/api/OC-TOMA/v1/permits/OP with the right
#   headers; prints the response body then a last line with the HTTP status.
start_sandbox() {
  stop_sandbox
  if [ -z "${_SANDBOX_TOKEN:-}" ] || [ "${SANDBOX_NEW_TOKEN:-0}" = 1 ]; then
    _SANDBOX_TOKEN="t-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  fi
  OPSCOM_API_TOKEN=$_SANDBOX_TOKEN
  export OPSCOM_API_TOKEN
  : >sandbox.out
  OPSCOM_SANDBOX_TOKENS="$OPSCOM_API_TOKEN${SANDBOX_EXTRA_TOKENS:+,$SANDBOX_EXTRA_TOKENS}" \
    "$SANDBOX" --port 0 --state ./sandbox-state.json "$@" >sandbox.out 2>>sandbox.log &
  SANDBOX_PID=$!
  trap 'stop_sandbox' EXIT
  local i line=
  for i in $(seq 1 200); do
    line=$(head -n 1 sandbox.out 2>/dev/null)
    case $line in "listening on 127.0.0.1:"*) break ;; esac
    kill -0 "$SANDBOX_PID" 2>/dev/null || break
    sleep 0.05
  done
  case $line in
    "listening on 127.0.0.1:"*) ;;
    *) not_ok start_sandbox "no listening line; log: $(tail -n 5 sandbox.log 2>/dev/null)"
       kill "$SANDBOX_PID" 2>/dev/null; SANDBOX_PID=; return 1 ;;
  esac
  SANDBOX_PORT=${line#listening on 127.0.0.1:}
  SANDBOX_URL=http://127.0.0.1:$SANDBOX_PORT
  return 0
}
stop_sandbox() {
  SANDBOX_EXIT=
  [ -n "${SANDBOX_PID:-}" ] || return 0
  kill -TERM "$SANDBOX_PID" 2>/dev/null
  wait "$SANDBOX_PID" 2>/dev/null
  SANDBOX_EXIT=$?
  SANDBOX_PID=
  return 0
}
sandbox_state() {
  [ -n "${SANDBOX_PID:-}" ] || return 1
  local n i
  n=$(grep -c '^state written' sandbox.log 2>/dev/null)
  kill -USR1 "$SANDBOX_PID" || return 1
  for i in $(seq 1 200); do
    [ "$(grep -c '^state written' sandbox.log 2>/dev/null)" -gt "$n" ] && return 0
    sleep 0.05
  done
  return 1
}
sandbox_post() {
  curl -s -w '\n%{http_code}\n' -H 'Content-Type: application/json' \
    -H 'Accept: application/json' --data-binary "$2" "$SANDBOX_URL/api/OC-TOMA/v1/permits/$1"
}
