# ops_lib.sh — sourced by t_ops_*.sh after lib.sh and push_lib.sh: the
# SMTP and HTTP sinks and the checker of the nightly-job outputs.
OC="/usr/bin/python3 $ROOT/tests/e2e/ops_check.py"

# start_sink VAR OUTDIR PROGRAM ARGS...: starts a sink (prints "listening on
# 127.0.0.1:PORT"), sets VAR to its port and VAR_PID to its pid; stopped at exit.
SINK_PIDS=
start_sink() {
  local var=$1 dir=$2; shift 2
  mkdir -p "$dir"
  "$@" >"$dir.out" 2>"$dir.log" &
  local pid=$! i line=
  SINK_PIDS="$SINK_PIDS $pid"
  trap 'stop_sandbox; for p in $SINK_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done' EXIT
  for i in $(seq 1 200); do
    line=$(head -n 1 "$dir.out" 2>/dev/null)
    case $line in "listening on 127.0.0.1:"*) break ;; esac
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  case $line in
    "listening on 127.0.0.1:"*) ;;
    *) not_ok "start $var" "no listening line: $(tail -n 5 "$dir.log")"; return 1 ;;
  esac
  printf -v "$var" '%s' "${line#listening on 127.0.0.1:}"
  printf -v "${var}_PID" '%s' "$pid"
}

# count FILES...: how many of them exist
count() { local n=0 f; for f in "$@"; do [ -e "$f" ] && n=$((n + 1)); done; echo "$n"; }

# free_port: a loopback port nothing listens on (bound, then released)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
