#!/usr/bin/env bash
# demo.sh — `make demo`: the whole pipeline on samples/ against a local
# OPSCOM sandbox. Starts build/opscom-sandbox on a free loopback port with
# samples/zones.txt and a random token (given to both through the
# environment, never argv), writes build/demo/demo.json — samples/demo.json
# with the sandbox's URL and absolute paths — runs
# `permit-etl run -c build/demo/demo.json`, prints where the report is, and
# stops the sandbox (also on failure). Exit status: permit-etl's, with 1
# (rows rejected: the demo data is dirty on purpose) counted as success.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
demo=$build/demo
rm -rf "$demo" && mkdir -p "$demo"

token="demo-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
export OPSCOM_API_TOKEN=$token
OPSCOM_SANDBOX_TOKENS=$token "$build/opscom-sandbox" --port 0 --zones "$root/samples/zones.txt" \
  --state "$demo/sandbox-state.json" >"$demo/sandbox.out" 2>"$demo/sandbox.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
line=
for _ in $(seq 1 100); do
  line=$(head -n 1 "$demo/sandbox.out" 2>/dev/null)
  case $line in "listening on 127.0.0.1:"*) break ;; esac
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
case $line in
  "listening on 127.0.0.1:"*) ;;
  *) echo "demo: the sandbox did not start: $(tail -n 3 "$demo/sandbox.log")" >&2; exit 3 ;;
esac
url="http://${line#listening on }"
echo "demo: OPSCOM sandbox at $url (token in the environment only)"

python3 - "$root/samples/demo.json" "$demo/demo.json" "$url" <<'PY'
import json, os, sys
src, dst, url = sys.argv[1:]
base = os.path.dirname(os.path.abspath(src))
c = json.load(open(src))
c["api_url"] = url
for k in ("zones", "aliases", "ledger", "report_dir"):
    c[k] = os.path.normpath(os.path.join(base, c[k]))
for i in c["inputs"] + c.get("settlements", []):
    i["glob"] = os.path.join(base, i["glob"])
json.dump(c, open(dst, "w"), indent=2)
PY

echo "demo: permit-etl run -c $demo/demo.json"
"$build/permit-etl" run -c "$demo/demo.json"
rc=$?
report=$(ls "$demo"/reports/permit-etl-*.xlsx 2>/dev/null | tail -n 1)
if [ -n "$report" ]; then
  echo "demo: report written: $report"
  echo "demo: summary: ${report%.xlsx}-summary.json"
else
  echo "demo: no report was written" >&2
  exit 3
fi
[ $rc -le 1 ] || exit $rc
exit 0
