# t_ledger.sh on a PostgreSQL ledger (tests/e2e/pg_suite.sh).
exec bash "$(dirname "$0")/pg_suite.sh" t_ledger
