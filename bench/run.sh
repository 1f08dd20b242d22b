#!/usr/bin/env bash
# bench/run.sh — the benchmark table of issue 10 (`make bench` runs it).
#
#   bench/run.sh [--rows N] [--runs K] [--only LIST] [--out FILE]
#
# --rows N    the large input size (default 1000000); inputs of 100,000 and N
#             rows are generated once by build/bench-gen and cached under
#             $BUILD/bench/ (regenerated when the generator changes).
# --runs K    runs per measurement of the 100k inputs (default 5); the large
#             ones run 3 times, `run` end to end once.  Figures are medians.
# --only LIST comma-separated sections: floors,validate,report,push,run,
#             workers (default all).
# --out FILE  also write the table there (markdown).
#
# Wall time is measured around /usr/bin/time -v (which gives the peak RSS).
# A section whose command is not implemented yet prints "not available yet";
# a command that fails prints its exit code and last error line.  Nothing is
# ever estimated.  Needs: /usr/bin/time, wrk (make bench-deps).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PE=$BUILD/permit-etl
SANDBOX=$BUILD/opscom-sandbox
GEN=$BUILD/bench-gen
CSVBARE=$BUILD/bench-csv-bare
XLSXBARE=$BUILD/xlsx-bare         # bench/xlsx_bare.c (report helper's)
REPSYNTH=$BUILD/report-synth      # bench/report_synth.c: the writer alone
DIR=$BUILD/bench
WRK_LUA=${WRK_LUA:-$ROOT/bench/load-push.lua}
export PERMIT_ETL_FORMATS=${PERMIT_ETL_FORMATS:-$ROOT/formats}

BIG=1000000 RUNS=5 ONLY=floors,validate,report,push,run,workers OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --rows) BIG=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $BIG in ''|*[!0-9]*) echo "bench/run.sh: --rows needs a number" >&2; exit 2 ;; esac
SMALL=100000
[ "$BIG" -lt "$SMALL" ] && SMALL=$BIG
SIZES="$SMALL"; [ "$BIG" -ne "$SMALL" ] && SIZES="$SMALL $BIG"
PUSH_ROWS=${PUSH_ROWS:-20000}
[ "$PUSH_ROWS" -gt "$BIG" ] && PUSH_ROWS=$BIG
# --slow-ms 20 at concurrency 1 is at most 50 records/s: 20,000 would take 7
# minutes, so the slow runs push fewer records (the rate is what is compared)
PUSH_SLOW_ROWS=${PUSH_SLOW_ROWS:-2000}
[ "$PUSH_SLOW_ROWS" -gt "$PUSH_ROWS" ] && PUSH_SLOW_ROWS=$PUSH_ROWS
RUN_TIMEOUT=${RUN_TIMEOUT:-1200}     # seconds for `run` end to end

for t in /usr/bin/time "$GEN" "$CSVBARE"; do
  [ -x "$t" ] || { echo "bench/run.sh: $t missing (make bench-deps bench-tools)" >&2; exit 2; }
done
mkdir -p "$DIR"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
SANDBOX_PID=
cleanup() {
  [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }
log() { echo "bench: $*" >&2; }

# --- inputs -----------------------------------------------------------------
SEED=20261128 DIRT=0.01
"$GEN" --print-zones >"$DIR/zones.txt.new" && mv "$DIR/zones.txt.new" "$DIR/zones.txt"
"$GEN" --print-aliases >"$DIR/zone-aliases.csv.new" && mv "$DIR/zone-aliases.csv.new" "$DIR/zone-aliases.csv"
ZONES=$DIR/zones.txt ALIASES=$DIR/zone-aliases.csv
"$GEN" --profile paystation --rows 10 --seed 1 >"$DIR/probe.csv"
# input PROFILE ROWS [DIRT] -> prints the path, generating it when missing or stale
input() {
  local prof=$1 rows=$2 dirt=${3:-$DIRT} ext=csv
  [ "$prof" = hotspot ] && ext=json
  local f=$DIR/$prof-$rows-d$dirt.$ext
  if [ ! -s "$f" ] || [ "$GEN" -nt "$f" ]; then
    log "generating $f"
    "$GEN" --profile "$prof" --rows "$rows" --seed $SEED --dirt "$dirt" >"$f.tmp" && mv "$f.tmp" "$f" \
      || { rm -f "$f.tmp"; echo "bench/run.sh: generator failed" >&2; exit 3; }
  fi
  echo "$f"
}

# --- measuring ----------------------------------------------------------------
# measure RUNS "OK EXIT CODES" CMD... -> M_WALL (median s), M_RSS (median peak KB),
# M_USER M_SYS (median s); returns 1 with M_ERR set when an exit code is not OK.
measure() {
  local runs=$1 ok=$2; shift 2
  local i rc t0 t1 walls= rss= us= sy= line
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    if [ -n "${M_TIMEOUT:-}" ]; then
      timeout "$M_TIMEOUT" /usr/bin/time -v -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
    else
      /usr/bin/time -v -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
    fi
    t1=$(date +%s%N)
    [ "$rc" -eq 124 ] && [ -n "${M_TIMEOUT:-}" ] && { M_ERR="did not finish within $M_TIMEOUT s"; return 1; }
    case " $ok " in *" $rc "*) ;; *)
      M_ERR="exit $rc: $(grep -v '^$' "$TMP/err" | tail -n 1 | cut -c1-160)"; return 1 ;;
    esac
    walls="$walls $(( (t1 - t0) / 1000 ))"
    line=$(grep 'Maximum resident set size' "$TMP/time" | awk '{print $NF}')
    rss="$rss $line"
    us="$us $(grep 'User time' "$TMP/time" | awk '{print $NF}')"
    sy="$sy $(grep 'System time' "$TMP/time" | awk '{print $NF}')"
  done
  local cpus= k=0 a=($us) b=($sy)
  for ((k = 0; k < ${#a[@]}; k++)); do cpus="$cpus $(awk -v u="${a[k]}" -v s="${b[k]}" 'BEGIN {printf "%.2f", u + s}')"; done
  M_CPU=$(median $cpus)
  M_WALL=$(median $walls | awk '{printf "%.3f", $1 / 1e6}')
  M_RSS=$(median $rss)
  M_USER=$(median $us)
  M_SYS=$(median $sy)
  return 0
}
# timings FILE: the --timings table of a stderr capture, on one line
timings() {
  awk '/timings \(seconds\)/ {p = 1; next} p && /^permit-etl:/ {p = 0} p && $2 ~ /^[0-9.]+$/ {printf "%s%s %s s (cpu %s)", sep, $1, $2, $3; sep = ", "}' "$1"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }          # KB -> MB
rate() { awk -v n="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.0f", n / s; else print "-"}'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.1f", b / 1048576 / s; else print "-"}'; }
fsize() { stat -c %s "$1"; }
human() { awk -v n="$1" 'BEGIN {if (n >= 1e6) printf "%gM", n / 1e6; else if (n >= 1e3) printf "%gk", n / 1e3; else print n}'; }

# implemented SUBCOMMAND: 0 when it is implemented (the CLI skeleton's stubs
# say "not implemented yet" to anything that is not a global option)
implemented() {
  [ -x "$PE" ] || return 1
  "$PE" "$1" "$DIR/probe.csv" >"$TMP/probe.out" 2>"$TMP/probe.err" </dev/null
  ! grep -q 'not implemented' "$TMP/probe.err"
}

# --- the table ----------------------------------------------------------------
ROWS_OUT=()
# row NAME INPUT WALL RATE MBPS RSS NOTE (the CPU column is M_CPU when WALL is set)
row() {
  local cpu=-; [ "$3" != - ] && cpu=${M_CPU:--}
  ROWS_OUT+=("| $1 | $2 | $3 | $cpu | $4 | $5 | $6 | $7 |")
  printf '  %-36s %-6s %8s %8s %9s %7s %7s  %s\n' "$1" "$2" "$3" "$cpu" "$4" "$5" "$6" "$7" >&2
}
na() { row "$1" "$2" - - - - "${3:-not available yet}"; }

# 1. floors
if want floors; then
  for n in $SIZES; do
    f=$(input paystation "$n"); sz=$(fsize "$f"); r=$( [ "$n" -ge "$BIG" ] && echo 3 || echo "$RUNS")
    measure "$r" 0 cat "$f" && row "floor: cat >/dev/null" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "paystation, $(mb $((sz / 1024))) MB"
    measure "$r" 0 wc -l "$f" && row "floor: wc -l" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" ""
    measure "$r" 0 "$CSVBARE" "$f" && row "floor: bare libcsv (1 MiB blocks)" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "bench/csv_bare.c"
    measure "$r" 0 "$CSVBARE" --per-line "$f" && row "floor: bare libcsv (per line)" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "strict, one parse per physical line"
    eval "FLOOR_$n=$M_WALL"
    measure "$r" 0 "$CSVBARE" --split "$f" && row "floor: memchr split, libcsv if quoted" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "what a quote-free fast path costs"
  done
fi

# 2. validate
if want validate; then
  if ! implemented validate; then
    for n in $SIZES; do na "validate --json-out /dev/null" "$(human "$n")"; done
  else
    for prof in paystation mobile hotspot; do
      for n in $SIZES; do
        [ "$prof" != paystation ] && [ "$n" -ne "$SMALL" ] && [ "${BENCH_ALL_PROFILES:-0}" = 0 ] && continue
        f=$(input "$prof" "$n"); sz=$(fsize "$f"); r=$( [ "$n" -ge "$BIG" ] && echo 3 || echo "$RUNS")
        if measure "$r" "0 1" "$PE" -q validate -f "$prof" --zones "$ZONES" --aliases "$ALIASES" --json-out /dev/null "$f"; then
          fl=$(eval echo "\${FLOOR_$n:-}")
          note="$prof, user $M_USER s sys $M_SYS s"
          [ -n "$fl" ] && [ "$prof" = paystation ] && note="$note, $(awk -v a="$M_WALL" -v b="$fl" 'BEGIN {printf "%.1fx", a / b}') the per-line libcsv floor"
          row "validate --json-out /dev/null" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "$note"
        else
          row "validate --json-out /dev/null" "$(human "$n")" - - - - "$prof: failed ($M_ERR)"
        fi
      done
    done
  fi
fi

# 3. report (offline, full Permits sheet) vs a bare libxlsxwriter program
# writing the same Permits cells (bench/xlsx_bare.c) and the report writer
# alone fed the same synthetic records (bench/report_synth.c)
if want report; then
  for n in $SIZES; do
    r=$( [ "$n" -ge "$BIG" ] && echo 3 || echo "$RUNS")
    BARE_WALL=
    if [ -x "$XLSXBARE" ]; then
      bout=$DIR/bare-$n.xlsx
      if measure "$r" 0 "$XLSXBARE" "$n" "$bout"; then
        BARE_WALL=$M_WALL
        row "floor: bare libxlsxwriter (Permits)" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" - "$(mb "$M_RSS")" "bench/xlsx_bare.c, constant_memory, xlsx $(mb $(( $(fsize "$bout") / 1024 ))) MB"
      else
        row "floor: bare libxlsxwriter (Permits)" "$(human "$n")" - - - - "failed ($M_ERR)"
      fi
    else
      na "floor: bare libxlsxwriter (Permits)" "$(human "$n")"
    fi
    ratio() { [ -n "$BARE_WALL" ] && awk -v a="$1" -v b="$BARE_WALL" 'BEGIN {printf "; %.2fx the bare program", a / b}'; }
    if [ -x "$REPSYNTH" ]; then
      sout=$DIR/synth-$n.xlsx
      if measure "$r" 0 "$REPSYNTH" "$n" "$sout"; then
        row "report writer alone (all sheets)" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" - "$(mb "$M_RSS")" "bench/report_synth.c, same records, xlsx $(mb $(( $(fsize "$sout") / 1024 ))) MB$(ratio "$M_WALL")"
      else
        row "report writer alone (all sheets)" "$(human "$n")" - - - - "failed ($M_ERR)"
      fi
    else
      na "report writer alone (all sheets)" "$(human "$n")"
    fi
    if implemented report; then
      f=$(input paystation "$n")
      out=$DIR/report-$n.xlsx
      if measure "$r" "0 1" "$PE" -q report -f paystation --zones "$ZONES" --aliases "$ALIASES" -o "$out" "$f"; then
        row "report -o OUT.xlsx (offline)" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$(fsize "$f")" "$M_WALL")" "$(mb "$M_RSS")" "paystation file: ingest+normalize+zones+all sheets, xlsx $(mb $(( $(fsize "$out") / 1024 ))) MB$(ratio "$M_WALL")"
      else
        row "report -o OUT.xlsx (offline)" "$(human "$n")" - - - - "failed ($M_ERR)"
      fi
    else
      na "report -o OUT.xlsx (offline)" "$(human "$n")"
    fi
  done
fi

# --- sandbox helpers ------------------------------------------------------------
TOKEN=bench-0123456789abcdef
export OPSCOM_API_TOKEN=$TOKEN
# sandbox_start SLOW_MS -> PORT (SANDBOX_PID set)
sandbox_start() {
  local slow=$1 i
  : >"$TMP/sandbox.out"
  OPSCOM_SANDBOX_TOKENS=$TOKEN "$SANDBOX" --port 0 --quiet --slow-ms "$slow" --zones "$ZONES" \
    >"$TMP/sandbox.out" 2>"$TMP/sandbox.err" &
  SANDBOX_PID=$!
  for ((i = 0; i < 100; i++)); do
    PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/sandbox.out" "$TMP/sandbox.err" | head -n 1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SANDBOX_PID" 2>/dev/null || break
    sleep 0.05
  done
  sandbox_stop; return 1
}
sandbox_stop() {
  [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
  SANDBOX_PID=
}
# config FILE PORT CONCURRENCY LEDGER [INPUT_GLOB]
write_config() {
  local inputs=
  [ -n "${5:-}" ] && inputs=", \"inputs\": [{\"glob\": \"$5\", \"profile\": \"paystation\"}], \"report_dir\": \"$DIR/reports\""
  cat >"$1" <<EOF
{"api_url": "http://127.0.0.1:$2", "token_env": "OPSCOM_API_TOKEN", "zones": "$ZONES", "aliases": "$ALIASES",
 "ledger": "$4", "concurrency": $3, "max_reject_ratio": 0.5$inputs}
EOF
}

# 4. push vs the sandbox's own capacity (wrk)
if want push; then
  if [ ! -x "$SANDBOX" ] || ! implemented push; then
    for s in 0 20; do for c in 1 8 32; do na "push --slow-ms $s" "c=$c"; done; done
  else
    for s in 0 20; do
      nrec=$PUSH_ROWS; [ "$s" -gt 0 ] && nrec=$PUSH_SLOW_ROWS
      f=$(input paystation "$nrec" 0)
      for c in 1 8 32; do
        if ! sandbox_start "$s"; then
          row "push --slow-ms $s" "c=$c" - - - - "sandbox did not start: $(tail -n 1 "$TMP/sandbox.err")"; continue
        fi
        rm -f "$DIR/push.db" "$DIR/push.db-wal" "$DIR/push.db-shm" "$DIR/push.db.lock"
        write_config "$DIR/push.json" "$PORT" "$c" "$DIR/push.db"
        if measure 1 "0 1" "$PE" -q --timings push -c "$DIR/push.json" -f paystation "$f"; then
          stages=$(timings "$TMP/err")
          pw=$M_WALL prss=$M_RSS pcpu=$M_CPU
          cap=-
          if command -v wrk >/dev/null; then
            wrk -t "$([ "$c" -ge 2 ] && echo 2 || echo 1)" -c "$c" -d "${WRK_SECONDS:-5}" \
              -s "$WRK_LUA" "http://127.0.0.1:$PORT/api/OC-TOMA/v1/permits/push" >"$TMP/wrk" 2>&1 \
              && cap=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$TMP/wrk")
            bad=$(awk '/Non-2xx/ {print $NF}' "$TMP/wrk")
            [ -n "$bad" ] && cap="$cap (non-2xx: $bad!)"
          fi
          note="sandbox capacity (wrk, c=$c) $cap req/s"
          [ "${cap%% *}" != - ] && note="$note; push = $(awk -v a="$(rate "$nrec" "$pw")" -v b="${cap%% *}" 'BEGIN {printf "%.0f%%", 100 * a / b}') of it"
          [ -n "$stages" ] && note="$note; --timings: $stages"
          M_CPU=$pcpu
          row "push $(human "$nrec") --slow-ms $s" "c=$c" "$pw" "$(rate "$nrec" "$pw")" - "$(mb "$prss")" "$note"
        else
          row "push $(human "$nrec") --slow-ms $s" "c=$c" - - - - "failed ($M_ERR)"
        fi
        sandbox_stop
      done
    done
  fi
fi

# 5. run end to end on a BIG-row day
if want run; then
  if [ ! -x "$SANDBOX" ] || ! implemented run; then
    na "run end to end (--timings)" "$(human "$BIG")"
  else
    f=$(input paystation "$BIG")
    mkdir -p "$DIR/run-in" "$DIR/reports"
    ln -sf "$f" "$DIR/run-in/day.csv"
    rm -f "$DIR/run.db" "$DIR/run.db-wal" "$DIR/run.db-shm" "$DIR/run.db.lock" "$DIR/run-timings.txt"
    if sandbox_start 0; then
      write_config "$DIR/run.json" "$PORT" 8 "$DIR/run.db" "$DIR/run-in/*.csv"
      if M_TIMEOUT=$RUN_TIMEOUT measure 1 "0 1" "$PE" --timings run -c "$DIR/run.json"; then
        row "run end to end (--timings)" "$(human "$BIG")" "$M_WALL" "$(rate "$BIG" "$M_WALL")" - "$(mb "$M_RSS")" "concurrency 8, slow-ms 0, exit $(sed -n 's/.*(exit \([0-9]\)).*/\1/p' "$TMP/err" | tail -n 1); --timings: $(timings "$TMP/err")"
        awk '/timings \(seconds\)/ {p = 1} p' "$TMP/err" >"$DIR/run-timings.txt"
      else
        row "run end to end (--timings)" "$(human "$BIG")" - - - - "failed ($M_ERR)"
      fi
      sandbox_stop
    else
      row "run end to end (--timings)" "$(human "$BIG")" - - - - "sandbox did not start"
    fi
  fi
fi

# 6. several workers on one PostgreSQL ledger: bench/pg_workers.sh
want workers && . "$ROOT/bench/pg_workers.sh"

# --- print ----------------------------------------------------------------------
{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| measurement | input | wall s (median) | CPU s (user+sys) | rows/s (wall) | MB/s | peak RSS MB | notes |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS_OUT[@]}"
  if [ -s "$DIR/run-timings.txt" ] && want run; then
    echo
    echo "run --timings (stderr):"
    echo '```'
    cat "$DIR/run-timings.txt"
    echo '```'
  fi
} >"$TMP/table"
cat "$TMP/table"
[ -n "$OUT" ] && cp "$TMP/table" "$OUT"
exit 0
