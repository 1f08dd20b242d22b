# permit-etl check: each exit code on good and bad configurations.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"
. "$(dirname "$0")/ops_lib.sh"

start_sandbox --zones "$ROOT/samples/zones.txt" || exit 1
mkdir -p inbox reports
cp "$ROOT/samples/demo/paystation-20261128.csv" "$ROOT/samples/demo/hotspot-20261128.json" inbox/
mkconfig good.json 'inputs=[{"glob": "inbox/paystation-*.csv", "profile": "paystation"}, {"glob": "inbox/*.json"}]' \
  'report_dir="reports"' 'metrics_file="reports/permit-etl.prom"'

# a ledger still to be created: warnings only
expect_exit "fresh config: exit 1 (ledger will be created)" 1 "$PE" check -c good.json
check "ledger line is a warning" grep -q "^warn  ledger .*ledger.db: absent, will be created" out
check "each input file with its detected profile" grep -q "^ok    input .*hotspot-20261128.json: profile hotspot$" out
check "forced profile named" grep -q "^ok    input .*paystation-20261128.csv: profile paystation$" out
check "token presence and format" grep -q "^ok    token  *environment variable OPSCOM_API_TOKEN: present, format valid" out
check "summary line counts" grep -q "^permit-etl: check: [0-9]* ok, 1 warning, 0 errors (exit 1)$" err

# after a run the ledger exists: all ok, and --online answers
"$PE" -q push -c good.json inbox/paystation-20261128.csv >/dev/null 2>&1
expect_exit "ready config: exit 0" 0 "$PE" check -c good.json
check "ledger opens with the current schema" grep -q "^ok    ledger .*opens, schema version" out
n0=$(requests stats)
expect_exit "--online against the sandbox: exit 0" 0 "$PE" check -c good.json --online
check "--online line" grep -q "^ok    online .*reachable, plain http (loopback), token accepted" out
eq "--online made exactly one stats call" "$(( $(requests stats) - n0 ))" 1

# --log-json: one JSON object per check on stdout, the summary JSON on stderr
expect_exit "--log-json check exits 0" 0 "$PE" --log-json check -c good.json
check "every check line is JSON" $OC json-lines out
eq "check events only" "$($OC json-lines out | awk '{print $2}' | sort -u)" check
check "stderr is JSON only" $OC json-lines err

# warnings: a glob matching nothing
mkconfig nomatch.json 'inputs=[{"glob": "inbox/nothing-*.csv"}]' 'report_dir="reports"'
sed -i "s#\"ledger.db\"#\"$PWD/ledger.db\"#" nomatch.json
expect_exit "a glob matching nothing: exit 1" 1 "$PE" check -c nomatch.json
check "the glob is named" grep -q "^warn  inputs\[0\] .*nothing-\*.csv: matches no file" out

# configuration errors: exit 2
mkconfig badkey.json 'reprt_dir="x"'
expect_exit "unknown key: exit 2" 2 "$PE" check -c badkey.json
check "unknown key named" grep -q "reprt_dir" out
mkconfig badnotify.json 'notify={"mail": {"url": "smtp://127.0.0.1:25", "from": "a@b.c", "to": ["d@e.f"], "bcc": []}}'
expect_exit "unknown notify key: exit 2" 2 "$PE" check -c badnotify.json
check "notify key named" grep -q "notify.mail.bcc" out
mkconfig badhook.json 'notify={"webhook": {"url": "http://hooks.example.org/x"}}'
expect_exit "plain http webhook to a remote host: exit 2" 2 "$PE" check -c badhook.json
check "webhook refusal says why" grep -q "notify.webhook.url.*http:// only for a loopback host" out
mkconfig badtype.json 'notify={"on": "always"}'
expect_exit "bad notify.on: exit 2" 2 "$PE" check -c badtype.json
mkconfig noenv.json 'notify={"mail": {"url": "smtps://mail.example.org:465", "from": "a@b.c", "to": ["d@e.f"], "user_env": "NO_SUCH_USER_VAR", "password_env": "NO_SUCH_PASS_VAR"}}'
expect_exit "mail credentials absent from the environment: exit 2" 2 "$PE" check -c noenv.json
check "the missing variable is named" grep -q "NO_SUCH_USER_VAR is not set" out
OPSCOM_API_TOKEN='not a token' "$PE" check -c good.json >out 2>err; rc=$?
eq "bad token format: exit 2" "$rc" 2
check "token error does not print the token" bash -c '! grep -q "not a token" out err'
mkconfig badprof.json 'inputs=[{"glob": "inbox/*.csv", "profile": "no-such-profile"}]'
expect_exit "unknown profile: exit 2" 2 "$PE" check -c badprof.json

mkconfig noca.json "ca_file=\"$PWD/no-such-ca.pem\"" "ledger=\"$PWD/ledger.db\"" 'report_dir="reports"'
expect_exit "ca_file missing: exit 2" 2 "$PE" check -c noca.json
check "ca_file named" grep -q "^error ca_file .*no-such-ca.pem: not a readable file" out

# I/O errors: exit 3
printf 'this is not a database, not at all, no\n%.0s' $(seq 1 100) >garbage.db
mkconfig badledger.json "ledger=\"$PWD/garbage.db\""
expect_exit "a ledger that is not a database: exit 3" 3 "$PE" check -c badledger.json
check "ledger error line" grep -q "^error ledger" out
: >afile
mkconfig baddir.json "report_dir=\"$PWD/afile\""
expect_exit "report_dir is a file: exit 3" 3 "$PE" check -c baddir.json
check "report_dir named" grep -q "^error report_dir .*afile: not a directory" out
dead=$(free_port)
mkconfig offline.json "api_url=\"http://127.0.0.1:$dead\"" "ledger=\"$PWD/ledger.db\"" 'report_dir="reports"'
expect_exit "--online with the API unreachable: exit 3" 3 "$PE" check -c offline.json --online
check "online error line" grep -q "^error online" out
OPSCOM_API_TOKEN=wrong-token "$PE" check -c good.json --online >out 2>err; rc=$?
eq "--online with a refused token: exit 3" "$rc" 3

# usage
expect_exit "check without -c: exit 2" 2 "$PE" check
expect_exit "check --help: exit 0" 0 "$PE" check --help
check "--help lists --online and the exit codes" bash -c 'grep -q -- "--online" out && grep -q "Exit codes" out'
