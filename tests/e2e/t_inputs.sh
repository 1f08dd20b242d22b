# inputs as they arrive: gzip files (by magic bytes, multi-member, corrupt,
# truncated, bombs), FIFOs, /dev/stdin and process substitution for
# validate/zones/report; push refuses streams; one file reached by two paths
# (symlink, relative spellings) is one file in push and run, and across runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

S=$ROOT/samples
ZA="--zones $S/zones.txt --aliases $S/zone-aliases.csv"
# the records of a --json-out file without _source (which names the path as given)
strip() { sed -E 's/,"_source":"[^"]*"//' "$1"; }

# --- validate: gzip gives the same records as the plain file --------------
cp "$S/paystation-20261128.csv" ps.csv
cp "$S/hotspot-20261128.json" hs.json
"$PE" validate $ZA --json-out plain.jsonl --rejects plain.rej ps.csv hs.json >/dev/null 2>plain.err
gzip -k ps.csv hs.json
expect_exit "validate .gz: exit 1 like the plain files (dirty samples)" 1 \
  "$PE" validate $ZA --json-out gz.jsonl --rejects gz.rej ps.csv.gz hs.json.gz
check "validate .gz: the same records as the plain files" cmp -s <(strip plain.jsonl) <(strip gz.jsonl)
check "validate .gz: the same rejects (but the file names)" \
  cmp -s <(sed 's/\.gz\([,:]\)/\1/g' gz.rej) plain.rej
check "validate .gz: _source is the path as given" grep -q '"_source":"ps.csv.gz"' gz.jsonl
check "validate .gz: profiles detected from the decompressed header" \
  grep -q "2 files, $(grep -o '[0-9]* rows read' plain.err | head -n 1)" err
"$PE" validate --json-out ren-want.jsonl ps.csv >/dev/null 2>&1
cp ps.csv.gz renamed.csv
expect_exit "a .gz renamed without .gz is still read as gzip" 1 "$PE" validate --json-out ren.jsonl renamed.csv
check "renamed .gz: the same records" cmp -s <(strip ren.jsonl) <(strip ren-want.jsonl)
# two members: `cat a.gz b.gz` is one stream
head -n 7 ps.csv >part1; tail -n +8 ps.csv >part2
{ gzip -c part1; gzip -c part2; } >multi.csv.gz
expect_exit "multi-member gzip: read as one" 1 "$PE" validate --json-out multi.jsonl multi.csv.gz
check "multi-member gzip: every record of both members" cmp -s <(strip multi.jsonl) <(strip ren.jsonl)
# corrupt, truncated, trailing garbage: exit 3 naming the file
python3 - <<'PY'
d = bytearray(open("ps.csv.gz", "rb").read())
d[len(d) // 2] ^= 0xff
open("corrupt.csv.gz", "wb").write(bytes(d))
open("trunc.csv.gz", "wb").write(open("ps.csv.gz", "rb").read()[:-12])
open("trailing.csv.gz", "wb").write(open("ps.csv.gz", "rb").read() + b"garbage!")
PY
expect_exit "corrupt gzip: exit 3" 3 "$PE" validate corrupt.csv.gz
check "corrupt gzip: the file named" grep -q "^permit-etl: corrupt.csv.gz: _file: corrupt gzip data" err
expect_exit "truncated gzip: exit 3" 3 "$PE" validate trunc.csv.gz
check "truncated gzip: the file named" grep -q "^permit-etl: trunc.csv.gz: _file: truncated gzip data" err
expect_exit "gzip with trailing bytes: exit 3" 3 "$PE" validate trailing.csv.gz
check "trailing bytes: the file named" grep -q "^permit-etl: trailing.csv.gz: _file: corrupt gzip data: trailing bytes" err
# a bomb: 150 MB of zeros after a header, about 150 KB compressed
{ head -n 1 ps.csv; head -c 150000000 /dev/zero; } | gzip -1 >bomb.csv.gz
expect_exit "gzip bomb: stopped (exit 3)" 3 "$PE" validate bomb.csv.gz
check "gzip bomb: explained" grep -q "bomb.csv.gz: _file: gzip data expands too much (a gzip bomb?): over 64 MiB and 100x" err

# --- streams: /dev/stdin, <(...), named FIFOs -----------------------------
expect_exit "validate /dev/stdin < file" 1 "$PE" validate --json-out stdin.jsonl /dev/stdin <ps.csv
check "/dev/stdin: the same records" cmp -s <(strip stdin.jsonl) <(strip ren.jsonl)
check "/dev/stdin: _source is the path as given" grep -q '"_source":"/dev/stdin"' stdin.jsonl
"$PE" validate --json-out sub.jsonl <(cat ps.csv) >out 2>err; rc=$?
eq "validate <(cat file): exit 1" "$rc" 1
check "<(cat file): the same records" cmp -s <(strip sub.jsonl) <(strip ren.jsonl)
"$PE" validate --json-out zsub.jsonl <(zcat ps.csv.gz) >out 2>err; rc=$?
eq "validate <(zcat file.gz): exit 1" "$rc" 1
check "<(zcat file.gz): the same records" cmp -s <(strip zsub.jsonl) <(strip ren.jsonl)
gzip -c ps.csv | "$PE" validate --json-out pgz.jsonl /dev/stdin >out 2>err; rc=$?
eq "gzip piped into /dev/stdin: exit 1" "$rc" 1
check "gzip piped into /dev/stdin: the same records" cmp -s <(strip pgz.jsonl) <(strip ren.jsonl)
"$PE" zones $ZA --json ps.csv hs.json >zones-plain.json 2>/dev/null
mkfifo zf
cat ps.csv hs.json >/dev/null   # (both exist)
( cat ps.csv >zf ) &
timeout 60 "$PE" zones $ZA --json zf >zones-fifo.json 2>err; rc=$?
wait
eq "zones on a named FIFO: exit 1" "$rc" 1
"$PE" zones $ZA --json ps.csv >zones-file.json 2>/dev/null
check "zones on a named FIFO: the same audit as on the file" \
  cmp -s <(sed 's/"ps.csv"/"F"/g' zones-file.json) <(sed 's/"zf"/"F"/g' zones-fifo.json)
( gzip -c ps.csv >zf ) &
timeout 60 "$PE" report $ZA -o fifo.xlsx zf >out 2>err; rc=$?
wait
eq "report on a named FIFO of gzip data: exit 1" "$rc" 1
check "report on a FIFO: the workbook written" test -s fifo.xlsx
acc=$(grep -c '"_key":"paystation:' ren.jsonl)
check "report on a FIFO: the accepted records counted" grep -q "1 file: rows [0-9]* = $acc sales + " err

# --- push and run: regular files only; one file, however it is reached ------
start_sandbox --zones "$S/zones.txt" || exit 1
mkconfig cfg.json
mkfifo pf
expect_exit "push on a FIFO: exit 3, without waiting for a writer" 3 timeout 30 "$PE" push -c cfg.json pf
check "push on a FIFO: explained" grep -q "pf: _file: not a regular file (a FIFO, device or socket): push and run" err

mkdir -p day sub
$PC gen 6 day/a.csv 100
$PC gen 4 day/b.csv 200
gzip -c day/b.csv >day/b.csv.gz
ln -s ../day/a.csv sub/link.csv
before=$(requests)
expect_exit "push a file through three paths" 0 "$PE" push -c cfg.json day/a.csv sub/link.csv "../$(basename "$PWD")/day/a.csv"
check "the other paths are said to be the same file" grep -q "sub/link.csv: the same file as day/a.csv: skipped" err
eq "push: 6 records sent once" "$(( $(requests push) ))" 6
canon=$(realpath day/a.csv)
eq "ledger files table: one row, the real path" \
  "$($PC sql ledger.db "SELECT path FROM files")" "$canon"
eq "records name the real path as their source" \
  "$($PC sql ledger.db "SELECT count(*) FROM records WHERE source = '$canon'")" 6
n1=$(requests)
expect_exit "second push through the symlink" 0 "$PE" push -c cfg.json sub/link.csv
check "second push: processed before and unchanged: skipped" grep -q "sub/link.csv: processed before and unchanged: skipped" err
eq "second push: no request" "$(requests)" "$n1"
expect_exit "ledger list --file by another spelling" 0 "$PE" ledger -c cfg.json list --file sub/link.csv
eq "ledger list --file matches the real path" "$(wc -l <out)" 6
expect_exit "push a .gz" 0 "$PE" push -c cfg.json day/b.csv.gz
eq "push .gz: its 4 records live" "$(state_now; $PC live sandbox-state.json)" 10

# run: a glob matching a file and a symlink to it
mkdir -p inbox
$PC gen 5 inbox/c.csv 300
ln -s c.csv inbox/d.csv
mkconfig run.json 'inputs=[{"glob": "inbox/*.csv", "profile": "paystation"}]' 'ledger="run.db"' \
  'report_dir="reports"'
n2=$(requests push)
expect_exit "run: a glob matching a file and its symlink" 0 "$PE" run -c run.json
check "run: the symlink is the same file" grep -q "inbox/d.csv: the same file as .*inbox/c.csv: skipped" err
eq "run: 5 records pushed once" "$(( $(requests push) - n2 ))" 5
check "run: summary JSON lists both, the second skipped" python3 - reports <<'PY'
import glob, json, sys
s = json.load(open(sorted(glob.glob(sys.argv[1] + "/*-summary.json"))[-1]))
st = {f["path"].rsplit("/", 1)[-1]: f["status"] for f in s["files"]}
sys.exit(0 if st == {"c.csv": "read", "d.csv": "skipped"} else 1)
PY
