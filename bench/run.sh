#!/usr/bin/env bash
# bench/run.sh — the benchmark table of issues 10 and 20 (`make bench` runs
# it), then every target of issue 20 with its figure and "met"/"missed".
#
#   bench/run.sh [--rows N] [--runs K] [--only LIST] [--out FILE]
#
# --rows N    the large input size (default 1000000); inputs of 100,000 and N
#             rows are generated once by build/bench-gen and cached under
#             $BUILD/bench/ (regenerated when the generator changes).
# --runs K    runs per measurement of the 100k inputs (default 5); the large
#             ones run 3 times (the report's REPORT_BIG_RUNS, default 1),
#             `run` end to end once.  Figures are medians.
# --only LIST comma-separated sections: floors,validate,report,push,rerun,
#             run,workers (default all).
# --out FILE  also write the table there (markdown).
#
# Wall time is measured around /usr/bin/time -v (which gives the peak RSS);
# every row carries the 1-minute load average when it was measured (the
# machine may be shared: the CPU column is the steadier figure).
# A section whose command is not implemented yet prints "not available yet";
# a command that fails prints its exit code and last error line.  Nothing is
# ever estimated, and nothing here asserts a time: a missed target is
# printed, not failed.  Needs: /usr/bin/time, wrk; for the yardsticks
# python3-aiohttp, python3-pandas, python3-openpyxl, miller (make bench-deps).
# Quick run: BENCH_ARGS="--rows 200000 --runs 1" make bench.
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

BIG=1000000 RUNS=5 ONLY=floors,validate,report,push,rerun,run,workers OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --rows) BIG=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
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
RUN_CONC=${RUN_CONC:-32}             # concurrency of `run` end to end (issue 20)
RERUN_ROWS=${RERUN_ROWS:-200000}     # the file of the rerun target
[ "$RERUN_ROWS" -gt "$BIG" ] && RERUN_ROWS=$BIG
REPORT_BIG_RUNS=${REPORT_BIG_RUNS:-1}
PY=/usr/bin/python3                  # Debian's, with python3-aiohttp / -pandas

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
  M_LOAD=$(cut -d' ' -f1 /proc/loadavg)
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
# row NAME INPUT WALL RATE MBPS RSS NOTE (the CPU column is M_CPU and the load
# column M_LOAD when WALL is set; else the load now)
row() {
  local cpu=- load; [ "$3" != - ] && cpu=${M_CPU:--}
  load=$(cut -d' ' -f1 /proc/loadavg); [ "$3" != - ] && load=${M_LOAD:-$load}
  ROWS_OUT+=("| $1 | $2 | $3 | $cpu | $4 | $5 | $6 | $load | $7 |")
  printf '  %-36s %-6s %8s %8s %9s %7s %7s %5s  %s\n' "$1" "$2" "$3" "$cpu" "$4" "$5" "$6" "$load" "$7" >&2
}
na() { row "$1" "$2" - - - - "${3:-not available yet}"; }

# --- the targets of issue 20 ----------------------------------------------------
TGT_OUT=()
# target WHAT FIGURE VALUE OP LIMIT [LOAD]: met when VALUE OP LIMIT (OP is <= or
# >=); VALUE "-" (not measured) prints "not measured"
target() {
  local verdict load=${6:-${M_LOAD:-$(cut -d' ' -f1 /proc/loadavg)}}
  if [ "$3" = - ] || [ -z "$3" ]; then verdict="not measured"
  else
    verdict=$(awk -v v="$3" -v l="$5" -v op="$4" 'BEGIN {
      ok = op == "<=" ? v + 0 <= l + 0 : v + 0 >= l + 0; print ok ? "met" : "**missed**" }')
  fi
  TGT_OUT+=("| $1 | $2 | $load | $verdict |")
  printf '  TARGET %-58s %s -> %s\n' "$1" "$2" "$verdict" >&2
}
# field FILE NAME COLUMN: a --timings stage's wall (2) or cpu (3) seconds
tstage() {
  awk -v n="$2" -v c="$3" '/timings \(seconds\)/ {p = 1; next} p && $1 == n && $2 ~ /^[0-9.]+$/ {print $c; exit}' "$1"
}
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-"}'; }

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
          [ "$prof" = paystation ] && eval "VAL_WALL_$n=$M_WALL VAL_CPU_$n=$M_CPU VAL_LOAD_$n=$M_LOAD"
        else
          row "validate --json-out /dev/null" "$(human "$n")" - - - - "$prof: failed ($M_ERR)"
        fi
        # the same on one thread (validate reads a CSV file on two by default)
        if [ "$prof" = paystation ] && [ "$n" -eq "$BIG" ]; then
          if measure "$r" "0 1" env PERMIT_ETL_THREADS=1 "$PE" -q validate -f "$prof" --zones "$ZONES" --aliases "$ALIASES" --json-out /dev/null "$f"; then
            row "validate, one thread (PERMIT_ETL_THREADS=1)" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "$prof, user $M_USER s sys $M_SYS s"
          else
            row "validate, one thread (PERMIT_ETL_THREADS=1)" "$(human "$n")" - - - - "$prof: failed ($M_ERR)"
          fi
        fi
      done
    done
  fi
  # Miller turning the same CSV into JSON lines: the ratio yardstick
  for n in $SIZES; do
    f=$(input paystation "$n"); sz=$(fsize "$f"); r=$( [ "$n" -ge "$BIG" ] && echo 3 || echo "$RUNS")
    vw=$(eval echo "\${VAL_WALL_$n:--}") vc=$(eval echo "\${VAL_CPU_$n:--}")
    if ! command -v mlr >/dev/null; then
      na "yardstick: mlr --icsv --ojsonl cat" "$(human "$n")" "miller not installed (make bench-deps)"
    elif measure "$r" 0 mlr --icsv --ojsonl --allow-ragged-csv-input cat "$f"; then
      row "yardstick: mlr --icsv --ojsonl cat" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" "$(mbps "$sz" "$M_WALL")" "$(mb "$M_RSS")" "Miller $(mlr --version | awk '{print $2}'); validate takes $(ratio_of "$vw" "$M_WALL")x its wall, $(ratio_of "$vc" "$M_CPU")x its CPU"
      eval "MLR_WALL_$n=$M_WALL"
    else
      row "yardstick: mlr --icsv --ojsonl cat" "$(human "$n")" - - - - "failed ($M_ERR)"
    fi
  done
  vw=$(eval echo "\${VAL_WALL_$BIG:--}")
  target "validate >= 1,000,000 rows/s wall ($(human "$BIG") paystation rows)" \
    "$(rate "$BIG" "$vw") rows/s ($vw s wall, $(eval echo "\${VAL_CPU_$BIG:--}") s CPU; Miller $(eval echo "\${MLR_WALL_$BIG:--}") s)" \
    "$( [ "$vw" = - ] && echo - || rate "$BIG" "$vw")" ">=" 1000000 "$(eval echo "\${VAL_LOAD_$BIG:--}")"
fi

# 3. report (offline, full Permits sheet) vs a bare libxlsxwriter program
# writing the same Permits cells (bench/xlsx_bare.c) and the report writer
# alone fed the same synthetic records (bench/report_synth.c)
if want report; then
  for n in $SIZES; do
    r=$( [ "$n" -ge "$BIG" ] && echo "$REPORT_BIG_RUNS" || echo "$RUNS")
    BARE_WALL= BARE_CPU=
    if [ -x "$XLSXBARE" ]; then
      bout=$DIR/bare-$n.xlsx
      if measure "$r" 0 "$XLSXBARE" "$n" "$bout"; then
        BARE_WALL=$M_WALL BARE_CPU=$M_CPU
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
        eval "REP_WALL_$n=$M_WALL REP_CPU_$n=$M_CPU REP_LOAD_$n=$M_LOAD BARE_WALL_$n=${BARE_WALL:--} BARE_CPU_$n=${BARE_CPU:--}"
      else
        row "report -o OUT.xlsx (offline)" "$(human "$n")" - - - - "failed ($M_ERR)"
      fi
    else
      na "report -o OUT.xlsx (offline)" "$(human "$n")"
    fi
    # pandas + openpyxl writing the file's rows as one sheet (the yardstick;
    # only up to PANDAS_ROWS rows: it is slow)
    if [ "$n" -le "${PANDAS_ROWS:-$SMALL}" ]; then
      f=$(input paystation "$n")
      if ! "$PY" -c 'import pandas, openpyxl' 2>/dev/null; then
        na "yardstick: pandas + openpyxl" "$(human "$n")" "python3-pandas / python3-openpyxl not installed (make bench-deps)"
      elif measure 1 0 "$PY" "$ROOT/bench/peer_report.py" "$f" "$DIR/pandas-$n.xlsx"; then
        rw=$(eval echo "\${REP_WALL_$n:--}") rc_=$(eval echo "\${REP_CPU_$n:--}")
        row "yardstick: pandas + openpyxl" "$(human "$n")" "$M_WALL" "$(rate "$n" "$M_WALL")" - "$(mb "$M_RSS")" "bench/peer_report.py, Permits-like sheet only; permit-etl report takes $(ratio_of "$rw" "$M_WALL")x its wall, $(ratio_of "$rc_" "$M_CPU")x its CPU"
        eval "PD_WALL_$n=$M_WALL"
      else
        row "yardstick: pandas + openpyxl" "$(human "$n")" - - - - "failed ($M_ERR)"
      fi
    fi
  done
  # judged on CPU seconds (user+sys): wall on a shared machine is noise
  rw=$(eval echo "\${REP_WALL_$BIG:--}") bw=$(eval echo "\${BARE_WALL_$BIG:--}")
  rc_=$(eval echo "\${REP_CPU_$BIG:--}") bc=$(eval echo "\${BARE_CPU_$BIG:--}")
  target "report <= 1.2x bare libxlsxwriter ($(human "$BIG") rows, CPU)" \
    "$(ratio_of "$rc_" "$bc")x CPU ($rc_ s vs $bc s), $(ratio_of "$rw" "$bw")x wall ($rw s vs $bw s); pandas+openpyxl at $(human "$SMALL"): report takes $(ratio_of "$(eval echo "\${REP_WALL_$SMALL:--}")" "$(eval echo "\${PD_WALL_$SMALL:--}")")x its wall" \
    "$(ratio_of "$rc_" "$bc")" "<=" 1.2 "$(eval echo "\${REP_LOAD_$BIG:--}")"
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

# 4. push vs the sandbox's own capacity (wrk), and beside the peers (issue
# 20): at --slow-ms 0 a fresh sandbox for each of permit-etl, then wrk on
# the same sandbox, bench/peer_async.py at the same concurrency and, at c=1,
# bench/peer_push.py (urllib, sequential).  The peers read the same file.
# peer NAME C CMD...: one measured peer run on a fresh sandbox -> PEER_RATE
peer() {
  local name=$1 c=$2 nrec=$3; shift 3
  PEER_RATE=-
  if ! sandbox_start 0; then row "$name" "c=$c" - - - - "sandbox did not start"; return; fi
  if measure 1 "0 1" "$@" "http://127.0.0.1:$PORT" "$f" "$c"; then
    local sent; sent=$(awk '{print $2}' "$TMP/out")
    PEER_RATE=$(rate "$sent" "$M_WALL")
    row "$name" "c=$c" "$M_WALL" "$PEER_RATE" - "$(mb "$M_RSS")" "$(cat "$TMP/out") (inside the script; wall includes the interpreter's start)"
  else
    row "$name" "c=$c" - - - - "failed ($M_ERR)"
  fi
  sandbox_stop
}
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
          pw=$M_WALL prss=$M_RSS pcpu=$M_CPU pload=$M_LOAD
          pst=$(tstage "$TMP/err" push 2)
          cap=-
          if command -v wrk >/dev/null; then
            wrk -t "$([ "$c" -ge 2 ] && echo 2 || echo 1)" -c "$c" -d "${WRK_SECONDS:-5}" \
              -s "$WRK_LUA" "http://127.0.0.1:$PORT/api/OC-TOMA/v1/permits/push" >"$TMP/wrk" 2>&1 \
              && cap=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$TMP/wrk")
            bad=$(awk '/Non-2xx/ {print $NF}' "$TMP/wrk")
            [ -n "$bad" ] && cap="$cap (non-2xx: $bad!)"
          fi
          # the push phase alone (--timings "push") against wrk: staging is
          # its own target
          prate=$(rate "$nrec" "${pst:-$pw}")
          pct=-
          [ "${cap%% *}" != - ] && pct=$(awk -v a="$prate" -v b="${cap%% *}" 'BEGIN {printf "%.0f", 100 * a / b}')
          note="sandbox capacity (wrk, c=$c) $cap req/s; push phase ${pst:--} s = $prate rec/s = ${pct}% of it"
          [ -n "$stages" ] && note="$note; --timings: $stages"
          M_CPU=$pcpu M_LOAD=$pload
          row "push $(human "$nrec") --slow-ms $s" "c=$c" "$pw" "$(rate "$nrec" "$pw")" - "$(mb "$prss")" "$note"
          if [ "$s" -eq 0 ] && [ "$c" -gt 1 ]; then
            target "push --slow-ms 0 >= 70% of wrk at c=$c" "push phase $prate rec/s vs wrk ${cap%% *} req/s = ${pct}% (whole command $(rate "$nrec" "$pw") rec/s)" "$pct" ">=" 70 "$pload"
          fi
          [ "$s" -eq 0 ] && eval "PE_RATE_$c=$(rate "$nrec" "$pw") PE_LOAD_$c=$pload"
        else
          row "push $(human "$nrec") --slow-ms $s" "c=$c" - - - - "failed ($M_ERR)"
          [ "$s" -eq 0 ] && [ "$c" -gt 1 ] && target "push --slow-ms 0 >= 70% of wrk at c=$c" "failed ($M_ERR)" - ">=" 70
        fi
        sandbox_stop
        if [ "$s" -eq 0 ]; then
          # the peers on the same file (whole command: read, convert, send)
          if [ "$c" -eq 1 ]; then
            peer "peer: bench/peer_push.py (urllib)" 1 "$nrec" "$PY" "$ROOT/bench/peer_push.py"
            eval "PEER_PUSH_RATE=$PEER_RATE"
          fi
          if "$PY" -c 'import aiohttp' 2>/dev/null; then
            peer "peer: bench/peer_async.py (aiohttp)" "$c" "$nrec" "$PY" "$ROOT/bench/peer_async.py"
            eval "PEER_ASYNC_RATE_$c=$PEER_RATE"
          else
            na "peer: bench/peer_async.py (aiohttp)" "c=$c" "python3-aiohttp not installed (make bench-deps)"
          fi
        fi
      done
    done
    r1=${PE_RATE_1:--}
    target "push at c=1 >= 2x the naive loop (bench/peer_push.py)" \
      "$r1 rec/s vs urllib ${PEER_PUSH_RATE:--} rec/s = $(ratio_of "$r1" "${PEER_PUSH_RATE:--}")x (aiohttp c=1: ${PEER_ASYNC_RATE_1:--} rec/s; c=8 $(ratio_of "${PE_RATE_8:--}" "${PEER_ASYNC_RATE_8:--}")x, c=32 $(ratio_of "${PE_RATE_32:--}" "${PEER_ASYNC_RATE_32:--}")x aiohttp)" \
      "$(ratio_of "$r1" "${PEER_PUSH_RATE:--}")" ">=" 2 "${PE_LOAD_1:-}"
  fi
fi

# 5. a rerun after 1% of a RERUN_ROWS-row file changed (issue 20): `run` on
# the file into a fresh ledger (c=RUN_CONC, report included), then the plate
# of every 100th row changes (an update each) and `push` of the file is
# timed.  Then `run` of 1,000 new rows on that ledger: its `stats` stage is
# the first of the two ledger sizes of the stats target (the second comes
# after `run` end to end below).
# stats_probe LEDGER_JSON_DIR TAG: run 1,000 new rows against the ledger of
# the config written by the caller -> STATS_WALL_TAG, STATS_CPU_TAG
stats_probe() {
  local cfg=$1 tag=$2 port=$3 ledger=$4
  mkdir -p "$DIR/probe-$tag"
  rm -f "$DIR/probe-$tag"/*.csv
  "$PY" "$ROOT/tests/e2e/push_check.py" gen 1000 "$DIR/probe-$tag/new.csv" "$((900000000 + RANDOM))"
  write_config "$cfg" "$port" "$RUN_CONC" "$ledger" "$DIR/probe-$tag/*.csv"
  if measure 1 "0 1" "$PE" --timings run -c "$cfg"; then
    eval "STATS_WALL_$tag=$(tstage "$TMP/err" stats 2) STATS_CPU_$tag=$(tstage "$TMP/err" stats 3) STATS_LOAD_$tag=$M_LOAD"
    row "run of 1,000 new rows on the $tag ledger" 1k "$M_WALL" "$(rate 1000 "$M_WALL")" - "$(mb "$M_RSS")" "stats stage $(tstage "$TMP/err" stats 2) s (cpu $(tstage "$TMP/err" stats 3)); --timings: $(timings "$TMP/err")"
  else
    row "run of 1,000 new rows on the $tag ledger" 1k - - - - "failed ($M_ERR)"
  fi
}
if want rerun; then
  if [ ! -x "$SANDBOX" ] || ! implemented run; then
    na "rerun after 1% changed" "$(human "$RERUN_ROWS")"
  elif ! sandbox_start 0; then
    row "rerun after 1% changed" "$(human "$RERUN_ROWS")" - - - - "sandbox did not start"
  else
    f=$(input paystation "$RERUN_ROWS")
    rm -rf "$DIR/rerun-in"; mkdir -p "$DIR/rerun-in" "$DIR/reports"
    cp "$f" "$DIR/rerun-in/day.csv"
    rm -f "$DIR/rerun.db" "$DIR/rerun.db-wal" "$DIR/rerun.db-shm" "$DIR/rerun.db.lock"
    write_config "$DIR/rerun.json" "$PORT" "$RUN_CONC" "$DIR/rerun.db" "$DIR/rerun-in/*.csv"
    if measure 1 "0 1" "$PE" --timings run -c "$DIR/rerun.json"; then
      row "run, fresh ledger (--timings)" "$(human "$RERUN_ROWS")" "$M_WALL" "$(rate "$RERUN_ROWS" "$M_WALL")" - "$(mb "$M_RSS")" "concurrency $RUN_CONC, slow-ms 0; --timings: $(timings "$TMP/err")"
      # 1% of the rows change their plate (every 100th data row)
      "$PY" - "$DIR/rerun-in/day.csv" <<'PYEOF'
import sys
path = sys.argv[1]
with open(path, "rb") as fh:
    lines = fh.read().split(b"\r\n")
for i in range(100, len(lines), 100):
    cells = lines[i].split(b",")
    if len(cells) > 2 and b'"' not in lines[i]:
        cells[1] = cells[1] + b"Q"
        lines[i] = b",".join(cells)
with open(path, "wb") as fh:
    fh.write(b"\r\n".join(lines))
PYEOF
      # the same ledger and server, no report_dir: the rerun's own cost
      # (`push` with a report_dir also writes the report of its records)
      write_config "$DIR/rerun-push.json" "$PORT" "$RUN_CONC" "$DIR/rerun.db"
      if measure 1 "0 1" "$PE" -q --timings push -c "$DIR/rerun-push.json" -f paystation "$DIR/rerun-in/day.csv"; then
        upd=$(sed -n 's/.*sales [0-9]* = [0-9]* pushed + \([0-9]*\) updated.*/\1/p' "$TMP/err" | tail -n 1)
        row "rerun: push after 1% changed" "$(human "$RERUN_ROWS")" "$M_WALL" "$(rate "$RERUN_ROWS" "$M_WALL")" - "$(mb "$M_RSS")" "${upd:-?} updated (no report); --timings: $(timings "$TMP/err")"
        target "rerun after 1% of a $(human "$RERUN_ROWS")-row file changed <= 2 s" "$M_WALL s wall, $M_CPU s CPU (${upd:-?} updates sent)" "$M_WALL" "<=" 2
      else
        row "rerun: push after 1% changed" "$(human "$RERUN_ROWS")" - - - - "failed ($M_ERR)"
        target "rerun after 1% of a $(human "$RERUN_ROWS")-row file changed <= 2 s" "failed ($M_ERR)" - "<=" 2
      fi
      stats_probe "$DIR/probe.json" small "$PORT" "$DIR/rerun.db"
    else
      row "run, fresh ledger (--timings)" "$(human "$RERUN_ROWS")" - - - - "failed ($M_ERR)"
    fi
    sandbox_stop
  fi
fi

# 6. run end to end on a BIG-row day (c=RUN_CONC, slow-ms 0, report included),
# then the second stats probe on its ledger
if want run; then
  if [ ! -x "$SANDBOX" ] || ! implemented run; then
    na "run end to end (--timings)" "$(human "$BIG")"
  else
    f=$(input paystation "$BIG")
    mkdir -p "$DIR/run-in" "$DIR/reports"
    ln -sf "$f" "$DIR/run-in/day.csv"
    rm -f "$DIR/run.db" "$DIR/run.db-wal" "$DIR/run.db-shm" "$DIR/run.db.lock" "$DIR/run-timings.txt"
    if sandbox_start 0; then
      write_config "$DIR/run.json" "$PORT" "$RUN_CONC" "$DIR/run.db" "$DIR/run-in/*.csv"
      if M_TIMEOUT=$RUN_TIMEOUT measure 1 "0 1" "$PE" --timings run -c "$DIR/run.json"; then
        lbytes=$(( $(fsize "$DIR/run.db") + $( [ -f "$DIR/run.db-wal" ] && fsize "$DIR/run.db-wal" || echo 0) ))
        recs=$(sed -n 's/.*rows [0-9]* = \([0-9]*\) sales + [0-9]* rejected + [0-9]* duplicates + \([0-9]*\) voids.*/\1 \2/p' "$TMP/err" | tail -n 1 | awk '{print $1 + $2}')
        bpr=$(awk -v b="$lbytes" -v n="${recs:-0}" 'BEGIN {if (n > 0) printf "%.0f", b / n; else print "-"}')
        st=$(tstage "$TMP/err" stage 2)
        row "run end to end (--timings)" "$(human "$BIG")" "$M_WALL" "$(rate "$BIG" "$M_WALL")" - "$(mb "$M_RSS")" "concurrency $RUN_CONC, slow-ms 0, exit $(sed -n 's/.*(exit \([0-9]\)).*/\1/p' "$TMP/err" | tail -n 1); ledger $(mb $((lbytes / 1024))) MB = $bpr bytes per record (${recs:-?} records); --timings: $(timings "$TMP/err")"
        awk '/timings \(seconds\)/ {p = 1} p' "$TMP/err" >"$DIR/run-timings.txt"
        target "run end to end, $(human "$BIG") rows, c=$RUN_CONC, report: <= 60 s wall" "$M_WALL s wall, $M_CPU s CPU; --timings: $(timings "$TMP/err")" "$M_WALL" "<=" 60
        target "run end to end: peak RSS <= 200 MB" "$(mb "$M_RSS") MB" "$(mb "$M_RSS")" "<=" 200
        target "run end to end: ledger <= 400 bytes per record" "$bpr bytes ($(mb $((lbytes / 1024))) MB for ${recs:-?} records)" "$bpr" "<=" 400
        target "staging >= 200,000 rows/s into a fresh ledger" "$(rate "$BIG" "${st:-0}") rows/s (stage ${st:--} s wall, cpu $(tstage "$TMP/err" stage 3) s, $(human "$BIG") rows)" "$( [ -n "$st" ] && rate "$BIG" "$st" || echo -)" ">=" 200000
        stats_probe "$DIR/probe.json" big "$PORT" "$DIR/run.db"
      else
        row "run end to end (--timings)" "$(human "$BIG")" - - - - "failed ($M_ERR)"
        target "run end to end, $(human "$BIG") rows, c=$RUN_CONC, report: <= 60 s wall" "failed ($M_ERR)" - "<=" 60
      fi
      sandbox_stop
    else
      row "run end to end (--timings)" "$(human "$BIG")" - - - - "sandbox did not start"
    fi
  fi
fi
if want rerun || want run; then
  # stats: the same 1,000-row run's stats stage on both ledgers; "independent
  # of the ledger's size" = the big ledger's CPU at most 1.5x the small one's
  # (or both under 20 ms)
  a=${STATS_CPU_small:--} b=${STATS_CPU_big:--}
  v=$(awk -v a="$a" -v b="$b" 'BEGIN {if (a == "-" || b == "-") print "-"; else if (a < 0.02 && b < 0.02) print 1; else if (a > 0) printf "%.2f", b / a; else print 99}')
  target "stats cost independent of the ledger's size" \
    "stats stage of a 1,000-row run: ${STATS_WALL_small:--} s wall / $a s CPU on the $(human "$RERUN_ROWS") ledger, ${STATS_WALL_big:--} s / $b s on the $(human "$BIG") ledger (CPU ratio $v)" \
    "$v" "<=" 1.5 "${STATS_LOAD_big:-}"
fi

# 7. several workers on one PostgreSQL ledger: bench/pg_workers.sh
want workers && . "$ROOT/bench/pg_workers.sh"

# --- print ----------------------------------------------------------------------
{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| measurement | input | wall s (median) | CPU s (user+sys) | rows/s (wall) | MB/s | peak RSS MB | load | notes |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS_OUT[@]}"
  if [ ${#TGT_OUT[@]} -gt 0 ]; then
    echo
    echo "Targets of issue 20 (load = 1-minute load average when measured):"
    echo
    echo "| target | figure | load | verdict |"
    echo "|---|---|---:|---|"
    printf '%s\n' "${TGT_OUT[@]}"
  fi
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
