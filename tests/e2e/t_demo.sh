# make demo's script: the whole pipeline on samples/ against the sandbox.
. "$(dirname "$0")/lib.sh"
out=$(BUILD=$BUILD "$ROOT/tests/demo.sh" 2>&1); rc=$?
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', wanted '$3'"; fi; }
eq "demo exits 0" "$rc" 0
report=$(printf '%s\n' "$out" | sed -n 's/^demo: report written: //p')
check "demo names its report" test -s "$report"
check "demo report opens with 7+ sheets" /usr/bin/python3 -c "
import openpyxl,sys
wb=openpyxl.load_workbook(sys.argv[1],read_only=True); sys.exit(0 if len(wb.sheetnames)>=7 else 1)" "$report"
check "demo pushed records" grep -q '"pushed": [1-9]' "${report%.xlsx}-summary.json"
check "demo stopped its sandbox" sh -c '! pgrep -f "[o]pscom-sandbox.*build/demo" >/dev/null'
