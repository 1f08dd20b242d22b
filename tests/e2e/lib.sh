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
  trap 'e2e_exit' EXIT
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
# e2e_exit: the EXIT trap: stops the sandbox and (PostgreSQL mode) the server.
e2e_exit() { stop_sandbox; if [ -n "${E2E_PG_BASE:-}" ]; then pg_stop; fi; }
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

# --- the ledger's backend ----------------------------------------------------
# E2E_LEDGER=pg (make check's t_pg_*.sh via pg_suite.sh, make check-full): the script
# runs against a PostgreSQL ledger. One throw-away server (tests/pg/pg.sh)
# is started for the script; a ledger "file" NAME of the script (ledger.db,
# run.db, ...) becomes its own database, created on first use:
# ledger_uri NAME prints it (mkconfig writes it, push_check.py maps the same
# names through E2E_PG_BASE). Checks of what only a file has (WAL, file
# modes, the lock file, integrity_check) are skipped with sqlite_only.
# ledger_uri NAME: the config's `ledger` for the file NAME (relative to the
#   cwd; NAME itself on SQLite).
# ledger_sql NAME SQL: runs SQL on the ledger NAME, rows as sqlite3 prints
#   them (columns joined by |). Plain SQL both engines take.
# sqlite_only: true on a SQLite ledger (guard file-only checks with it).
ledger_uri() {
  if [ -z "${E2E_PG_BASE:-}" ]; then printf '%s\n' "$1"; return 0; fi
  case $1 in postgres://*|postgresql://*) printf '%s\n' "$1"; return 0 ;; esac
  local db
  db=$(python3 "$ROOT/tests/e2e/push_check.py" pg-name "$1")
  if [ -z "$("$PG_BIN/psql" -XAtq -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
             -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    "$PG_BIN/psql" -qX -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
      -c "CREATE DATABASE $db OWNER etl" >/dev/null 2>&1
  fi
  printf '%s/%s\n' "$E2E_PG_BASE" "$db"
}
ledger_sql() {
  if [ -z "${E2E_PG_BASE:-}" ]; then sqlite3 "$1" "$2"; return; fi
  "$PG_BIN/psql" -XAtq -F '|' -d "$(ledger_uri "$1")" -c "SET search_path = permit_etl" -c "$2"
}
sqlite_only() { [ -z "${E2E_PG_BASE:-}" ]; }
# ledger_digest NAME: a digest of everything in the ledger (the file's
#   bytes on SQLite; every table's rows on PostgreSQL).
ledger_digest() {
  if sqlite_only; then sha256sum "$1"; return; fi
  local t q=
  for t in records files settlements rejected_rows schema_version; do
    q="$q${q:+, }(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM $t t)"
  done
  ledger_sql "$1" "SELECT md5(concat_ws('|', $q))"
}
# ledger_exists NAME: the ledger was created (the file; the schema).
ledger_exists() {
  if sqlite_only; then test -e "$1"; return; fi
  [ "$(ledger_sql "$1" "SELECT count(*) FROM pg_namespace WHERE nspname = 'permit_etl'")" != 0 ]
}
E2E_PG_BASE=
E2E_TOP=$PWD
export E2E_TOP
# python checks import push_check (connect(): either backend)
export PYTHONPATH=$ROOT/tests/e2e${PYTHONPATH:+:$PYTHONPATH}
if [ "${E2E_LEDGER:-sqlite}" = pg ]; then
  . "$ROOT/tests/pg/pg.sh"
  if ! pg_start >pg.log 2>&1; then
    echo "not ok start PostgreSQL: $(tail -n 3 pg.log)"; exit 0
  fi
  trap 'e2e_exit' EXIT
  E2E_PG_BASE="postgresql://etl@127.0.0.1:$PGPORT"
  export E2E_PG_BASE
fi
