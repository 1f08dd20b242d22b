#!/usr/bin/env bash
# bench/sandbox-load.sh [SECONDS] — requests/s the OPSCOM sandbox sustains:
# wrk with bench/wrk-push.lua at concurrency 8 and 32 (2 wrk threads,
# keep-alive) against build/opscom-sandbox on a free loopback port, access
# log off (--quiet). Prints one line per run plus wrk's own report in
# $BUILD/results/sandbox-load.txt. Needs `make` first and wrk installed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SECS=${1:-5}
command -v wrk >/dev/null || { echo "sandbox-load: wrk is not installed" >&2; exit 2; }
[ -x "$BUILD/opscom-sandbox" ] || { echo "sandbox-load: build $BUILD/opscom-sandbox first (make)" >&2; exit 2; }
mkdir -p "$BUILD/results"
report=$BUILD/results/sandbox-load.txt
work=$(mktemp -d)
OPSCOM_API_TOKEN="bench-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
export OPSCOM_API_TOKEN
OPSCOM_SANDBOX_TOKENS=$OPSCOM_API_TOKEN "$BUILD/opscom-sandbox" --port 0 --quiet \
  >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$work/out" && break
  sleep 0.05
done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/out")
[ -n "$port" ] || { echo "sandbox-load: sandbox did not start" >&2; cat "$work/err" >&2; exit 1; }
: >"$report"
stored=0
for c in 8 32; do
  for script in wrk-push wrk-stats; do
    cmd=(wrk -t2 -c"$c" -d"${SECS}s" --latency -s "$ROOT/bench/$script.lua" "http://127.0.0.1:$port")
    echo "\$ ${cmd[*]}" >>"$report"
    "${cmd[@]}" >"$work/wrk" 2>&1
    cat "$work/wrk" >>"$report"
    rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk")
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$work/wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
    done_n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk")
    extra=
    if [ "$script" = wrk-push ]; then stored=$((stored + ${done_n:-0})); else extra=" (over ~$stored stored permits)"; fi
    echo "sandbox-load: $script concurrency $c: ${rps:-?} req/s, p99 ${p99:-?}, non-2xx ${non2xx:-0}$extra"
  done
done
echo "sandbox-load: full wrk output in $report"
