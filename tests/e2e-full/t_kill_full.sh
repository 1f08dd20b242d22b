# check-full: 50 kill -9 points at random moments of a 20,000-record push
# (then a rerun): every record on the server, duplicates only among records
# flagged resent_after_doubt. Runs tests/e2e/t_kill.sh with bigger numbers.
here=$(cd "$(dirname "$0")" && pwd)
KILL_RECORDS=${KILL_RECORDS:-20000}
KILL_POINTS=${KILL_POINTS:-$(python3 -c 'import random; print(" ".join("%.2f" % random.uniform(0.3, 3.0) for _ in range(50)))')}
KILL_SLOW_MS=${KILL_SLOW_MS:-40}   # slow enough that 50 short runs do not finish the job
export KILL_RECORDS KILL_POINTS KILL_SLOW_MS
echo "# kill points: $KILL_POINTS"
exec bash "$here/../e2e/t_kill.sh"
