# bench/pg_workers.sh — the `workers` section of bench/run.sh (sourced by it:
# uses its helpers row, rate, human, sandbox_start/stop, write_config and
# $DIR, $TMP, $PE): several `push` workers sharing one PostgreSQL ledger.
#
#   1, 2 and 4 `push` processes started at once (concurrency 8 each, each
#   given all 4 input files in its own order) on WORKERS_ROWS records
#   (default 20,000) against the sandbox with --slow-ms 20: wall time from
#   the first start to the last exit, records/s, speed-up over 1 worker;
#   then the staging rate of each backend: one `push --timings` of the same
#   records at --slow-ms 0 into a fresh SQLite file and a fresh PostgreSQL
#   database ("stage" of --timings).
# PostgreSQL is a throw-away server (tests/pg/pg.sh, fsync off) started and
# stopped here. WORKERS_ONLY=staging measures the staging rates only.
WORKERS_ROWS=${WORKERS_ROWS:-20000}
if ! ( . "$ROOT/tests/pg/pg.sh" && pg_bin >/dev/null ); then
  row "workers (PostgreSQL)" - - - - - "PostgreSQL not installed"
else
  : >"$TMP/wrows"
  (
    . "$ROOT/tests/pg/pg.sh"
    pg_start >"$TMP/pg.log" 2>&1 || { echo "pg_start failed" >&2; exit 1; }
    newdb() {
      "$PG_BIN/psql" -qX -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 OWNER etl" >/dev/null
      echo "postgresql://etl@127.0.0.1:$PGPORT/$1"
    }
    q=$((WORKERS_ROWS / 4))
    for k in 0 1 2 3; do
      python3 "$ROOT/tests/e2e/push_check.py" gen "$q" "$DIR/w$k.csv" $((k * q + 1))
    done
    base=
    for w in 1 2 4; do
      [ "${WORKERS_ONLY:-}" = staging ] && break
      uri=$(newdb "bench$w")
      sandbox_start 20 || { echo "| $w workers | sandbox did not start |" >>"$TMP/wrows"; continue; }
      write_config "$DIR/w.json" "$PORT" 8 "$uri"
      t0=$(date +%s%N)
      pids=
      for ((i = 0; i < w; i++)); do
        files=$(for k in 0 1 2 3; do echo "$DIR/w$(( (k + i) % 4 )).csv"; done)
        # shellcheck disable=SC2086
        "$PE" -q push -c "$DIR/w.json" -f paystation $files >"$TMP/w$i.out" 2>"$TMP/w$i.err" &
        pids="$pids $!"
      done
      rcs=
      for p in $pids; do wait "$p"; rcs="$rcs$?"; done
      t1=$(date +%s%N)
      sandbox_stop
      wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
      r=$(rate "$WORKERS_ROWS" "$wall")
      [ -z "$base" ] && base=$r
      sp=$(awk -v a="$r" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
      echo "| push $(human "$WORKERS_ROWS") --slow-ms 20, $w worker(s) on PostgreSQL | c=8 each | $wall | - | $r | - | - | speed-up ${sp}x over 1 worker; exit codes $rcs |" >>"$TMP/wrows"
    done
    for led in sqlite pg; do
      sandbox_start 0 || continue
      if [ $led = sqlite ]; then
        rm -f "$DIR/ws.db" "$DIR/ws.db-wal" "$DIR/ws.db-shm" "$DIR/ws.db.lock"; L=$DIR/ws.db
      else
        L=$(newdb stage)
      fi
      write_config "$DIR/ws.json" "$PORT" 8 "$L"
      "$PE" -q --timings push -c "$DIR/ws.json" -f paystation "$DIR"/w[0-3].csv >/dev/null 2>"$TMP/ws.err"
      st=$(awk '/timings \(seconds\)/ {p = 1; next} p && $1 == "stage" && $2 ~ /^[0-9.]+$/ {print $2; exit}' "$TMP/ws.err")
      pu=$(awk '/timings \(seconds\)/ {p = 1; next} p && $1 == "push" && $2 ~ /^[0-9.]+$/ {print $2; exit}' "$TMP/ws.err")
      sandbox_stop
      echo "| staging $(human "$WORKERS_ROWS") records, $led ledger | 1 worker | ${st:--} | - | $(rate "$WORKERS_ROWS" "${st:-0}") | - | - | push --timings: stage ${st:--} s, push ${pu:--} s (--slow-ms 0, c=8) |" >>"$TMP/wrows"
    done
  )
  while IFS= read -r l; do ROWS_OUT+=("$l"); echo "  $l" >&2; done <"$TMP/wrows"
fi
