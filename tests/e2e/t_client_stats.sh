# permit-etl stats against the sandbox: filters (the comma rule), --json,
# token handling (format, permissions, wrong token: one request), server
# down, config errors; the token never in any output.
. "$(dirname "$0")/lib.sh"

start_sandbox || exit 0
TOK=$OPSCOM_API_TOKEN
cat >conf.json <<EOF
{"api_url": "$SANDBOX_URL", "max_attempts": 2, "connect_timeout_s": 2, "timeout_s": 5}
EOF
# requests that reached the sandbox so far (its access log: one line each)
nreq() { grep -c ' POST ' sandbox.log; }
no_token() { ! grep -qF -- "$TOK" out err; }

push() { # ZONE [PERMITNO]
  local pn=${2:+,\"permitNo\":\"$2\"}
  sandbox_post push "{\"apiToken\":\"$TOK\",\"LicencePlate\":\"AB$RANDOM\",\"startTime\":\"2024-05-01T10:00:00\",\"endTime\":\"2024-05-01T11:00:00\",\"zone\":\"$1\"$pn}" | tail -n 1
}
for z in "Lot 1" "Lot 1" "Lot 2" "Lot, 3"; do push "$z" >/dev/null; done
push "Lot 1" P-1 >/dev/null
push "Lot, 3" P-2 >/dev/null

expect_exit "stats exits 0" 0 "$PE" stats -c conf.json
check "stats prints a header" grep -Eq '^type +zone +total$' out
check "stats: temp Lot 1 = 2" grep -Eq '^temp +Lot 1 +2$' out
check "stats: standard Lot 1 = 1" grep -Eq '^standard +Lot 1 +1$' out
check "stats: temp Lot, 3 = 1" grep -Eq '^temp +Lot, 3 +1$' out
check "stats: header + 5 rows" test "$(wc -l <out)" -eq 6
check "stats: summary on stderr" grep -q '6 live permits (exit 0)' err
check "stats: no token in output" no_token

expect_exit "stats --json exits 0" 0 "$PE" stats -c conf.json --json
check "stats --json is the rows, totals as numbers" python3 -c '
import json, sys
d = json.load(open("out"))["data"]
got = sorted((r["type"], r["zone"], r["total"]) for r in d)
want = sorted([("temp","Lot 1",2),("standard","Lot 1",1),("temp","Lot 2",1),("temp","Lot, 3",1),("standard","Lot, 3",1)])
sys.exit(0 if got == want and all(type(r["total"]) is int for r in d) else 1)'

expect_exit "stats --zone x2 exits 0" 0 "$PE" stats -c conf.json --zone "Lot 1" --zone "Lot 2" --json
check "stats --zone: only those zones" python3 -c '
import json, sys
d = json.load(open("out"))["data"]
sys.exit(0 if sorted(r["zone"] for r in d) == ["Lot 1", "Lot 1", "Lot 2"] else 1)'
n0=$(nreq)
expect_exit "stats --zone with a comma exits 0" 0 "$PE" stats -c conf.json --zone "Lot, 3"
check "comma rule: one request" test "$(nreq)" -eq $((n0 + 1))
check "comma rule: filtered locally" test "$(grep -c 'Lot, 3' out)" -eq 2
check "comma rule: nothing else" test "$(wc -l <out)" -eq 3
expect_exit "stats --zone unknown exits 0" 0 "$PE" stats -c conf.json --zone "Nowhere"
check "unknown zone: header only" test "$(wc -l <out)" -eq 1

# token format: exit 2, no request, the bad token not echoed
n0=$(nreq)
OPSCOM_API_TOKEN='bad token!' expect_exit "bad token format exits 2" 2 "$PE" stats -c conf.json
check "bad token format: no request" test "$(nreq)" -eq "$n0"
check "bad token format: not echoed" bash -c '! grep -q "bad token!" out err'
OPSCOM_API_TOKEN= expect_exit "empty token exits 2" 2 "$PE" stats -c conf.json
check "empty token names the variable" grep -q OPSCOM_API_TOKEN err

# wrong token: exit 3 after exactly one request
n0=$(nreq)
WRONG="wrong-$RANDOM-token"
OPSCOM_API_TOKEN=$WRONG expect_exit "wrong token exits 3" 3 "$PE" stats -c conf.json
check "wrong token: exactly one request" test "$(nreq)" -eq $((n0 + 1))
check "wrong token: says auth refused" grep -q 'auth refused' err
check "wrong token: not echoed" bash -c "! grep -qF -- '$WRONG' out err"

# token_file: mode 0600 works, group/other-readable refused
printf '%s\n' "$TOK" >tok
chmod 600 tok
cat >conf-file.json <<EOF
{"api_url": "$SANDBOX_URL", "token_file": "tok"}
EOF
(unset OPSCOM_API_TOKEN; cd / && "$PE" stats -c "$OLDPWD/conf-file.json" >"$OLDPWD/out" 2>"$OLDPWD/err")
check "token_file relative to the config works" test $? -eq 0
chmod 640 tok
expect_exit "group-readable token_file exits 2" 2 "$PE" stats -c conf-file.json
check "group-readable token_file is named" grep -q 'token_file' err
check "token_file error hides the token" no_token

# config errors: exit 2 naming the key
echo '{"api_url": "http://example.com"}' >bad1.json
expect_exit "plain http to a remote host exits 2" 2 "$PE" stats -c bad1.json
check "plain http error names api_url" grep -q 'bad1.json: api_url: ' err
echo '{"concurency": 8}' >bad2.json
expect_exit "unknown config key exits 2" 2 "$PE" stats -c bad2.json
check "unknown key is named" grep -q "unknown key 'concurency'" err
expect_exit "missing -c exits 2" 2 "$PE" stats
expect_exit "missing config file exits 2" 2 "$PE" stats -c nope.json
expect_exit "empty --zone exits 2" 2 "$PE" stats -c conf.json --zone ""

# server down: exit 3
stop_sandbox
expect_exit "sandbox down exits 3" 3 "$PE" stats -c conf.json
check "sandbox down: says why" grep -qi 'connect' err
check "sandbox down: no token in output" no_token
