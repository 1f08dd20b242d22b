# push with zone tables: "disconnected": "hold" keeps unknown zones as
# `held` until an alias resolves them; correcting zones.txt re-sends the
# affected records (delete + push) even though the input file is unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/push_lib.sh"

start_sandbox || exit 0
cp "$ROOT/samples/zones.txt" zones.txt
printf 'alias,zone\n' >aliases.csv
mkconfig cfg.json zones='"zones.txt"' aliases='"aliases.csv"' disconnected='"hold"'
$PC gen 4 day.csv 1
printf 'R90,HELD1,Lott 99,11/28/2026 9:00 AM,11/28/2026 10:00 AM,2.00,,,\r\n' >>day.csv

expect_exit "a held record: exit 1" 1 "$PE" push -c cfg.json day.csv
check "summary counts it held" grep -q "1 held" err
eq "it is held in the ledger" "$($PC ledger-field ledger.db paystation:R90 state)" held
eq "only the others were pushed" "$(requests push)" 4
expect_exit "still held on a rerun" 1 "$PE" push -c cfg.json day.csv
eq "nothing sent for it" "$(requests push)" 4

printf 'Lott 99,Lot 09\n' >>aliases.csv
expect_exit "the alias resolves it: pushed (exit 0)" 0 "$PE" push -c cfg.json day.csv
eq "now pushed" "$($PC ledger-field ledger.db paystation:R90 state)" pushed
eq "one more push" "$(requests push)" 5
check "pushed with the aliased zone" bash -c "$PC ledger-field ledger.db paystation:R90 srv_body | grep -q '\"zone\":\"Lot 09\"'"

# disconnected records pushed as given, then zones.txt corrected
mkconfig push.json zones='"zones.txt"' aliases='"aliases.csv"' ledger='"ledger2.db"'
printf 'Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\nR1,GAR1,garage-c,11/28/2026 9:00 AM,11/28/2026 10:00 AM,2.00,,,\r\nR2,GAR2,Lot 01,11/28/2026 9:00 AM,11/28/2026 10:00 AM,2.00,,,\r\n' >g.csv
expect_exit "a disconnected zone is pushed as given (exit 1)" 1 "$PE" push -c push.json g.csv
b_push=$(requests push); b_del=$(requests delete)
expect_exit "unchanged file, unchanged tables: skipped" 0 "$PE" push -c push.json g.csv
eq "nothing sent" "$(requests push)" "$b_push"
printf 'Garage C\n' >>zones.txt
expect_exit "zones.txt corrected: the file is read again" 0 "$PE" push -c push.json g.csv
eq "one delete" "$(( $(requests delete) - b_del ))" 1
eq "one push" "$(( $(requests push) - b_push ))" 1
check "the server now has the known spelling" bash -c "$PC ledger-field ledger2.db paystation:R1 srv_body | grep -q '\"zone\":\"Garage C\"'"
