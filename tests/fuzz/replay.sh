#!/usr/bin/env bash
# replay.sh BUILD RESULT_FILE — builds every fuzz target with gcc under
# ASan+UBSan (through make) and replays its corpus; one "passed failed" line.
set -u
build=$1; out=$2
here=$(cd "$(dirname "$0")" && pwd)
passed=0; failed=0
for src in "$here"/fuzz_*.c; do
  t=$(basename "$src" .c); t=${t#fuzz_}
  bin=build/asan/fuzz/replay_$t
  if ! make --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT="-O1 -g" "$bin" >/dev/null; then
    echo "corpus: $t: build failed"; failed=$((failed + 1)); continue
  fi
  if [ -d "$here/corpus/$t" ] && "$bin" "$here/corpus/$t" >/tmp/replay.$$ 2>&1; then
    echo "corpus: $t: $(tail -n 1 /tmp/replay.$$)"; passed=$((passed + 1))
  else
    echo "corpus: $t: FAILED"; tail -n 30 /tmp/replay.$$; failed=$((failed + 1))
  fi
  rm -f /tmp/replay.$$
done
mkdir -p "$(dirname "$out")"
echo "$passed $failed" >"$out"
echo "corpus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
