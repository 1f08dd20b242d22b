# lib.sh — sourced by tests/e2e/t_*.sh. Each test runs in a fresh temp dir
# (the cwd); $BUILD is the absolute build dir, $ROOT the source tree.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
PE=$BUILD/permit-etl
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
