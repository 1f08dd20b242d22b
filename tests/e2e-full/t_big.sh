# check-full: a big input streams in bounded memory. BIG_ROWS rows (default
# 24,000,000: about 2.1 GB of paystation CSV from bench-gen) through
# validate; all rows read, and peak RSS (GNU time) under BIG_RSS_MB (default
# 1536: the dedup key set grows with the rows, nothing else does).
. "$(dirname "$0")/../e2e/lib.sh"
ROWS=${BIG_ROWS:-24000000}
MAXMB=${BIG_RSS_MB:-1536}
make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/bench-gen" >make.log 2>&1 || { not_ok "bench-gen" "$(tail -n 3 make.log)"; exit 0; }
"$BUILD/bench-gen" --profile paystation --rows "$ROWS" --seed 7 >big-20261128.csv || { not_ok gen; exit 0; }
bytes=$(stat -c %s big-20261128.csv)
echo "# input: $ROWS rows, $bytes bytes"
/usr/bin/time -f '%e %M' -o time.txt "$PE" -q validate -f paystation big-20261128.csv >out 2>err; rc=$?
read -r secs kb <time.txt
echo "# validate: ${secs} s, peak RSS $((kb / 1024)) MiB, exit $rc"
mkdir -p "$BUILD/results"   # the figures (run.sh keeps only ok/not ok counts)
echo "big input: $ROWS rows, $bytes bytes; validate ${secs} s, peak RSS $((kb / 1024)) MiB, exit $rc" \
  | tee "$BUILD/results/full-big-figures.txt"
check "big input: exit 0 or 1" test "$rc" -le 1
check "big input: every row read" grep -q "1 file, $ROWS rows read" err
check "big input: peak RSS $((kb / 1024)) MiB <= $MAXMB MiB" test "$((kb / 1024))" -le "$MAXMB"
rm -f big-20261128.csv
