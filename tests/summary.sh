#!/usr/bin/env bash
# summary.sh RESULTS_DIR — adds up every "passed failed" result file.
set -u
p=0; f=0
for r in "$1"/*.txt; do
  [ -f "$r" ] || continue
  read -r a b <"$r"
  printf '  %-16s %6d passed %4d failed\n' "$(basename "$r" .txt)" "$a" "$b"
  p=$((p + a)); f=$((f + b))
done
echo "check: $p passed, $f failed"
[ "$f" -eq 0 ]
