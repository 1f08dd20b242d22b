# CLI skeleton: help, version, exit codes for usage errors.
. "$(dirname "$0")/lib.sh"

expect_exit "--help exits 0" 0 "$PE" --help
cp out help.txt
for c in validate zones push stats report run ledger update delete; do
  check "--help lists $c" grep -q "^  $c " help.txt
  expect_exit "$c --help exits 0" 0 "$PE" "$c" --help
  check "$c --help shows usage" grep -q "usage: permit-etl $c" out
done
expect_exit "--version exits 0" 0 "$PE" --version
check "--version prints a version" grep -Eq '^permit-etl [0-9]+\.[0-9]+\.[0-9]+$' out
expect_exit "no command exits 2" 2 "$PE"
expect_exit "unknown command exits 2" 2 "$PE" frobnicate
check "unknown command names it" grep -q "unknown command 'frobnicate'" err
check "unknown command hints at --help" grep -q "Try 'permit-etl --help'" err
expect_exit "unknown global flag exits 2" 2 "$PE" --bogus validate
expect_exit "unknown subcommand flag exits 2" 2 "$PE" validate --bogus x.csv
check "unknown flag is named" grep -q "unknown option '--bogus'" err
