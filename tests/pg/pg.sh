# tests/pg/pg.sh — a real, throw-away PostgreSQL server for tests (sourced).
#
#   . tests/pg/pg.sh
#   pg_start            # initdb + start in a new temp dir, create database "etl"
#   ... use $PG_URI (postgresql://etl@127.0.0.1:PORT/etl) or PGHOST/PGPORT ...
#   pg_stop             # stop the server, remove the directory (also on EXIT)
#
# The server runs as an unprivileged user (root may not run postgres): the
# Debian package's `postgres` user when it exists, else `pgtest` (created).
# It listens on a free loopback port and on a Unix socket inside its own
# directory; nothing outside that directory is touched, and pg_stop is
# registered on EXIT so nothing is left running when a test fails.
# Requires Debian's `postgresql` package (installed by `make deps`).

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_as CMD...: runs CMD as the server's user.
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_start() {
  local bin
  bin=$(pg_bin) || { echo "pg.sh: PostgreSQL is not installed (Debian package postgresql)" >&2; return 1; }
  PG_USER=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then PG_USER=postgres
    else id pgtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin pgtest; PG_USER=pgtest; fi
  fi
  PG_DIR=$(mktemp -d /tmp/pgtest.XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_DIR"
  PGPORT=$(pg_free_port)
  pg_as "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-k $PG_DIR -h 127.0.0.1 -p $PGPORT -c fsync=off -c full_page_writes=off" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
  PG_BIN=$bin
  PGHOST=127.0.0.1
  export PGHOST PGPORT PG_DIR PG_BIN PG_USER
  trap pg_stop EXIT
  "$bin/psql" -qX -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
    -c "CREATE ROLE etl LOGIN" -c "CREATE DATABASE etl OWNER etl" >/dev/null || return 1
  PG_URI="postgresql://etl@127.0.0.1:$PGPORT/etl"
  export PG_URI
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}
