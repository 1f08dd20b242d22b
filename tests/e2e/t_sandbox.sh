# The OPSCOM sandbox (build/opscom-sandbox) against docs/OPSCOM-API.md:
# every alias, every limit at both sides of its boundary, auth, ownership,
# update/delete/stats, HTTP-level refusals, fault flags, keep-alive, state.
. "$(dirname "$0")/lib.sh"

API=/api/OC-TOMA/v1/permits
UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# rep STR N: STR repeated N times.
rep() { local i s=; for ((i = 0; i < $2; i++)); do s+=$1; done; printf '%s' "$s"; }
# req OP BODY [CURL ARGS...]: POSTs; ST = status, RB = body (./resp), headers in ./hdr.
# CT / ACC replace the Content-Type / Accept values ("" = header not sent).
req() {
  local op=$1 body=$2; shift 2
  ST=$(curl -s -o resp -D hdr -w '%{http_code}' -H "Content-Type:${CT- application/json}" \
       -H "Accept:${ACC- application/json}" "$@" --data-binary "$body" "$SANDBOX_URL$API/$op")
  RB=$(cat resp)
}
# success_ok: RB is exactly the success body with one UUIDv4 twice; sets REF.
success_ok() {
  [[ $RB =~ ^\{\"status\":\"success\",\"reference_id\":\"([^\"]*)\",\"InternalReferenceID\":\"([^\"]*)\"\}$ ]] &&
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && REF=${BASH_REMATCH[1]} &&
    [[ $REF =~ $UUID_RE ]]
}
# expect NAME OP BODY STATUS [ERRORCODE]: 200 also checks the success body.
expect() {
  local n=$1 op=$2 body=$3 want=$4 code=${5:-}
  req "$op" "$body"
  if [ "$ST" != "$want" ]; then not_ok "$n" "status $ST, wanted $want: $RB"; return 1; fi
  if [ -n "$code" ] && ! [[ $RB =~ ^\{\"ErrorCode\":$code,\"ErrorMessage\":\"[^\"]+ ]]; then
    not_ok "$n" "wanted ErrorCode $code: $RB"; return 1
  fi
  if [ "$want" = 200 ] && [ "$op" != stats ] && ! success_ok; then
    not_ok "$n" "not a success body: $RB"; return 1
  fi
  ok "$n"
}
# py CODE: runs python3 with the state file loaded as `s`; its exit status.
py() { python3 -c "import json,sys; s=json.load(open('sandbox-state.json')); $1"; }

# --- command line ------------------------------------------------------------
expect_exit "--help exits 0" 0 "$SANDBOX" --help
for f in --port --token-file --state --zones --strict-plates --fail-every --rate-limit \
         --drop-every --slow-ms --max-body --quiet --help OPSCOM_SANDBOX_TOKENS; do
  check "--help documents $f" grep -q -- "$f" out
done
expect_exit "unknown flag exits 2" 2 "$SANDBOX" --bogus
check "unknown flag is named" grep -q "unknown option '--bogus'" err
expect_exit "bad number exits 2" 2 "$SANDBOX" --fail-every 0
expect_exit "missing value exits 2" 2 "$SANDBOX" --slow-ms
OPSCOM_SANDBOX_TOKENS= expect_exit "no token exits 2" 2 "$SANDBOX" --port 0
OPSCOM_SANDBOX_TOKENS="ok-token,bad_token!secret" expect_exit "malformed token exits 2" 2 "$SANDBOX"
check "malformed token is not printed" bash -c '! grep -q secret err'
printf 'file-token-1\n\n# comment\n  file-token-2  \r\n' >tokens.txt
printf 'Lot 4\n  Lot 5 \n\n# not a zone\nZone, with comma\n' >zones.txt

# --- the seed example, aliases ----------------------------------------------
TOK50=$(rep Ab-9 12)Zz; TOK51=${TOK50}x
SANDBOX_EXTRA_TOKENS="other-token,stats-token,ka-token,$TOK50" \
  start_sandbox --zones zones.txt --token-file tokens.txt || exit 1
T=$OPSCOM_API_TOKEN
check "token is 1-50 of [A-Za-z0-9-]" bash -c '[[ $1 =~ ^[A-Za-z0-9-]{1,50}$ ]]' _ "$T"
check "listening on 127.0.0.1 only" bash -c "ss -ltnH 'sport = :$SANDBOX_PORT' | grep -q '127.0.0.1:$SANDBOX_PORT'"
P='"startTime":"2018-07-02T09:00:00","endTime":"2018-07-02T09:30:00"'
SEED="{\"apiToken\":\"$T\",\"Amount\":\"14.50\",\"CurrencyID\":\"CAD\",\"LicencePlate\":\"PL8RDR\",
 \"zone\":\"Lot 4\",\"permitNo\":\"L4-1138\",\"startTime\":\"2018-07-02T09:00:00\",
 \"endTime\":\"2018-07-02T09:30:00\",\"promoCode\":\"DISCOUNT20\"}"
expect "seed example body succeeds" push "$SEED" 200 && SEED_REF=$REF
check "response is application/json" grep -qi '^Content-Type: application/json' hdr
expect "second push gets another id" push "$SEED" 200
check "reference ids differ" [ "$REF" != "$SEED_REF" ]
expect "aliases plate amount currency StartDateUtc EndDateUtc ParkingZoneName" push \
  "{\"apiToken\":\"$T\",\"plate\":\"ALIAS1\",\"amount\":\"1.00\",\"currency\":\"USD\",
    \"StartDateUtc\":\"2018-07-02T09:00:00\",\"EndDateUtc\":\"2018-07-02T10:00:00\",
    \"ParkingZoneName\":\"Lot 5\",\"TicketNumber\":\"T-1\"}" 200 && ALIAS_REF=$REF
expect "file tokens work" push "{\"apiToken\":\"file-token-2\",\"plate\":\"F1\",$P}" 200
expect "50-char token accepted" push "{\"apiToken\":\"$TOK50\",\"plate\":\"TOK50\",$P}" 200
expect "minimal push (plate, start, end)" push "{\"apiToken\":\"$T\",\"plate\":\"MIN\",$P}" 200

# --- authentication ----------------------------------------------------------
expect "51-char token: 401/9001" push "{\"apiToken\":\"$TOK51\",\"plate\":\"X\",$P}" 401 9001
expect "missing token: 401/9001" push "{\"plate\":\"X\",$P}" 401 9001
expect "empty token: 401/9001" push "{\"apiToken\":\"\",\"plate\":\"X\",$P}" 401 9001
expect "numeric token: 401/9001" push "{\"apiToken\":12345,\"plate\":\"X\",$P}" 401 9001
expect "token with a bad character: 401/9001" push "{\"apiToken\":\"abc_def\",\"plate\":\"X\",$P}" 401 9001
expect "unknown token: 403/9002" push "{\"apiToken\":\"not-a-known-token\",\"plate\":\"X\",$P}" 403 9002
expect "unknown token on stats: 403/9002" stats "{\"apiToken\":\"nope\"}" 403 9002

# --- push limits at both sides ---------------------------------------------
pb() { printf '{"apiToken":"%s",%s}' "$T" "$1"; }
expect "plate 25 chars" push "$(pb "\"plate\":\"$(rep A 25)\",$P")" 200
expect "plate 26 chars: 422/9006" push "$(pb "\"plate\":\"$(rep A 26)\",$P")" 422 9006
expect "plate 25 code points (50 bytes)" push "$(pb "\"plate\":\"$(rep é 25)\",$P")" 200
expect "plate 26 code points: 422" push "$(pb "\"plate\":\"$(rep é 26)\",$P")" 422 9006
expect "plate missing: 422/9006" push "$(pb "$P")" 422 9006
expect "plate empty: 422/9006" push "$(pb "\"plate\":\"\",$P")" 422 9006
expect "lower-case plate accepted without --strict-plates" push "$(pb "\"plate\":\"ab-1 c\",$P")" 200
for a in 0.01 999999.99 14.50 000000.01 0000.50; do
  expect "Amount $a accepted" push "$(pb "\"plate\":\"A1\",\"Amount\":\"$a\",$P")" 200
done
for a in 1000000.00 14.5 0.00 14 14.505 .50 -1.00 +1.00 1e3 " 14.50" "14.50 " 1,00 0000000.01 ""; do
  expect "Amount '$a' refused" push "$(pb "\"plate\":\"A1\",\"Amount\":\"$a\",$P")" 422 9003
done
expect "Amount as a number: 422" push "$(pb "\"plate\":\"A1\",\"Amount\":14.50,$P")" 422 9003
for c in CAD USD; do
  expect "CurrencyID $c accepted" push "$(pb "\"plate\":\"A1\",\"CurrencyID\":\"$c\",$P")" 200
done
for c in cad EUR "" "CAD " $(rep C 11); do
  expect "CurrencyID '$c' refused" push "$(pb "\"plate\":\"A1\",\"CurrencyID\":\"$c\",$P")" 422 9003
done
for k in permitNo TicketNumber promoCode; do
  expect "$k 50 chars" push "$(pb "\"plate\":\"A1\",\"$k\":\"$(rep 7 50)\",$P")" 200
  expect "$k 51 chars: 422" push "$(pb "\"plate\":\"A1\",\"$k\":\"$(rep 7 51)\",$P")" 422 9003
  expect "$k 50 code points" push "$(pb "\"plate\":\"A1\",\"$k\":\"$(rep ü 50)\",$P")" 200
done
expect "zone 200 chars" push "$(pb "\"plate\":\"A1\",\"zone\":\"$(rep z 200)\",$P")" 200
expect "zone 201 chars: 422" push "$(pb "\"plate\":\"A1\",\"zone\":\"$(rep z 201)\",$P")" 422 9003
expect "zone 200 code points (3-byte)" push "$(pb "\"plate\":\"A1\",\"zone\":\"$(rep 区 200)\",$P")" 200
expect "zone 201 code points: 422" push "$(pb "\"plate\":\"A1\",\"zone\":\"$(rep 区 201)\",$P")" 422 9003
E='"endTime":"2030-01-01T00:00:00"'
for t in 2018-07-02T09:00:00 2020-02-29T00:00:00 2000-12-31T23:59:59; do
  expect "startTime $t accepted" push "$(pb "\"plate\":\"A1\",\"startTime\":\"$t\",$E")" 200
done
for t in 2018-07-02T09:00:00Z 2018-07-02T09:00:00+00:00 2018-07-02T09:00:00.5 \
         "2018-07-02 09:00:00" 2018-07-02T09:00 2018-7-02T09:00:00 2019-02-29T00:00:00 \
         2018-02-30T00:00:00 2018-11-31T00:00:00 2018-13-01T00:00:00 2018-00-10T00:00:00 \
         2018-07-00T00:00:00 2018-07-02T24:00:00 2018-07-02T23:60:00 2018-07-02T23:59:60 \
         2018-07-02t09:00:00 " 2018-07-02T09:00:00" ""; do
  expect "startTime '$t' refused: 9007" push "$(pb "\"plate\":\"A1\",\"startTime\":\"$t\",$E")" 422 9007
done
S='"startTime":"2018-07-02T09:00:00"'
expect "startTime missing: 9007" push "$(pb "\"plate\":\"A1\",$E")" 422 9007
expect "endTime missing: 9004" push "$(pb "\"plate\":\"A1\",$S")" 422 9004
expect "endTime with Z: 9005" push "$(pb "\"plate\":\"A1\",$S,\"endTime\":\"2018-07-02T10:00:00Z\"")" 422 9005
expect "endTime Feb 30: 9005" push "$(pb "\"plate\":\"A1\",$S,\"endTime\":\"2018-02-30T10:00:00\"")" 422 9005
expect "endTime equal to start: 9005" push "$(pb "\"plate\":\"A1\",$S,\"endTime\":\"2018-07-02T09:00:00\"")" 422 9005
expect "endTime before start: 9005" push "$(pb "\"plate\":\"A1\",$S,\"endTime\":\"2018-07-02T08:59:59\"")" 422 9005
expect "endTime one second after start" push "$(pb "\"plate\":\"A1\",$S,\"endTime\":\"2018-07-02T09:00:01\"")" 200

# --- strictness: types, unknown attributes, aliases, UTF-8 ------------------
expect "null value: 422" push "$(pb "\"plate\":null,$P")" 422 9006
expect "boolean value: 422" push "$(pb "\"plate\":\"A1\",\"permitNo\":true,$P")" 422 9003
expect "object value: 422" push "$(pb "\"plate\":\"A1\",\"zone\":{\"a\":\"b\"},$P")" 422 9003
expect "array value: 422" push "$(pb "\"plate\":\"A1\",\"zone\":[\"a\"],$P")" 422 9003
expect "number permitNo: 422" push "$(pb "\"plate\":\"A1\",\"permitNo\":1138,$P")" 422 9003
expect "unknown attribute: 422" push "$(pb "\"plate\":\"A1\",\"colour\":\"red\",$P")" 422 9003
check "unknown attribute is named" grep -q colour resp
expect "US spelling LicensePlate is unknown: 422" push "$(pb "\"LicensePlate\":\"A1\",$P")" 422 9003
expect "keys are case-sensitive: 422" push "$(pb "\"Plate\":\"A1\",$P")" 422 9003
expect "plate + LicencePlate: 422" push "$(pb "\"plate\":\"A1\",\"LicencePlate\":\"A1\",$P")" 422 9003
expect "amount + Amount: 422" push "$(pb "\"plate\":\"A1\",\"amount\":\"1.00\",\"Amount\":\"1.00\",$P")" 422 9003
expect "startTime + StartDateUtc: 422" push "$(pb "\"plate\":\"A1\",$P,\"StartDateUtc\":\"2018-07-02T09:00:00\"")" 422 9003
expect "zone + ParkingZoneName: 422" push "$(pb "\"plate\":\"A1\",\"zone\":\"Lot 4\",\"ParkingZoneName\":\"Lot 4\",$P")" 422 9003
expect "same key twice: 422" push "$(pb "\"plate\":\"A1\",\"plate\":\"A2\",$P")" 422 9003
expect "referenceid on push: 422" push "$(pb "\"plate\":\"A1\",\"referenceid\":\"x\",$P")" 422 9003
expect "escaped NUL in a value: 422" push "$(pb "\"plate\":\"A\\u0000B\",$P")" 422 9006
expect "escaped unicode counted as a code point" push "$(pb "\"plate\":\"$(rep '\u00e9' 25)\",$P")" 200
expect "invalid UTF-8 in a value: 400/9003" push "$(printf '{"apiToken":"%s","plate":"A\xff",%s}' "$T" "$P")" 400 9003
expect "overlong UTF-8: 400" push "$(printf '{"apiToken":"%s","plate":"A\xc0\xaf",%s}' "$T" "$P")" 400 9003
expect "unpaired high surrogate escape: 400" push "$(pb "\"plate\":\"A\\ud800\",$P")" 400 9003
expect "unpaired low surrogate escape: 400" push "$(pb "\"plate\":\"A\\udc00B\",$P")" 400 9003
expect "surrogate pair escape is one code point" push "$(pb "\"plate\":\"$(rep '\ud83d\ude00' 25)\",$P")" 200
expect "surrogate pair: 26 code points refused" push "$(pb "\"plate\":\"$(rep '\ud83d\ude00' 26)\",$P")" 422 9006
expect "NaN: 400" push "$(pb "\"plate\":\"A1\",\"Amount\":NaN,$P")" 400 9003
expect "Infinity: 400" push "$(pb "\"plate\":\"A1\",\"Amount\":-Infinity,$P")" 400 9003
expect "nesting deeper than 16: 400" push "$(pb "\"plate\":\"A1\",\"zone\":$(rep '[' 20)1$(rep ']' 20),$P")" 400 9003
expect "a number with an exponent is a number: 422" push "$(pb "\"plate\":\"A1\",\"Amount\":1.45e1,$P")" 422 9003

# --- update and delete --------------------------------------------------------
ub() { printf '{"apiToken":"%s","%s":"%s"%s}' "${3:-$T}" "$1" "$2" "${4:-}"; }
expect "push for update" push "$SEED" 200 && R=$REF
for k in referenceid referenceID reference_id; do
  expect "update with $k" update "$(ub $k "$R" "" ",\"endTime\":\"2018-07-02T11:00:00\"")" 200
  check "update with $k answers the same id" [ "$REF" = "$R" ]
done
expect "update plate amount currency EndDateUtc (aliases)" update \
  "$(ub referenceID "$R" "" ",\"plate\":\"NEWPL8\",\"amount\":\"20.00\",\"currency\":\"USD\",\"EndDateUtc\":\"2018-07-02T12:00:00\"")" 200
expect "update LicencePlate Amount CurrencyID" update \
  "$(ub referenceID "$R" "" ",\"LicencePlate\":\"NEWPL9\",\"Amount\":\"21.00\",\"CurrencyID\":\"CAD\"")" 200
expect "update with nothing to change" update "$(ub referenceID "$R")" 200
expect "update end equal to stored start: 9005" update "$(ub referenceID "$R" "" ",\"endTime\":\"2018-07-02T09:00:00\"")" 422 9005
expect "update end before stored start: 9005" update "$(ub referenceID "$R" "" ",\"endTime\":\"2018-07-01T09:00:00\"")" 422 9005
expect "update bad end: 9005" update "$(ub referenceID "$R" "" ",\"endTime\":\"2018-07-02T12:00\"")" 422 9005
expect "update startTime refused: 422" update "$(ub referenceID "$R" "" ",\"startTime\":\"2018-07-02T09:00:00\"")" 422 9003
expect "update zone refused: 422" update "$(ub referenceID "$R" "" ",\"zone\":\"Lot 5\"")" 422 9003
expect "update permitNo refused: 422" update "$(ub referenceID "$R" "" ",\"permitNo\":\"X\"")" 422 9003
expect "update plate 26: 422/9006" update "$(ub referenceID "$R" "" ",\"plate\":\"$(rep B 26)\"")" 422 9006
expect "update Amount 0.00: 422" update "$(ub referenceID "$R" "" ",\"Amount\":\"0.00\"")" 422 9003
expect "update two ref aliases: 422" update "$(ub referenceID "$R" "" ",\"reference_id\":\"$R\"")" 422 9003
expect "update without ref: 422/9008" update "{\"apiToken\":\"$T\",\"plate\":\"X\"}" 422 9008
expect "update empty ref: 422/9008" update "$(ub referenceid "")" 422 9008
expect "update 51-char ref: 422/9008" update "$(ub referenceid "$(rep a 51)")" 422 9008
expect "update ref with a bad character: 422/9008" update "$(ub referenceid "a_b")" 422 9008
expect "update unknown ref: 404/9009" update "$(ub referenceid "$(rep a 50)")" 404 9009
expect "update unknown UUID: 404/9009" update "$(ub referenceid 1a9b5375-cb75-4c71-9939-eeae550b09ac)" 404 9009
expect "update another token's permit: 404/9009" update "$(ub referenceid "$R" other-token)" 404 9009
expect "delete another token's permit: 404/9009" delete "$(ub referenceid "$R" other-token)" 404 9009
expect "delete with referenceid" delete "$(ub referenceid "$R")" 200
check "delete answers the same id" [ "$REF" = "$R" ]
expect "delete twice: 404/9009" delete "$(ub referenceid "$R")" 404 9009
expect "update a deleted permit: 404/9009" update "$(ub referenceid "$R" "" ",\"plate\":\"X\"")" 404 9009
expect "push for delete 2" push "$SEED" 200 && R2=$REF
expect "delete with referenceID" delete "$(ub referenceID "$R2")" 200
expect "push for delete 3" push "$SEED" 200 && R3=$REF
expect "delete with reference_id" delete "$(ub reference_id "$R3")" 200
expect "delete without ref: 422/9008" delete "{\"apiToken\":\"$T\"}" 422 9008
expect "delete with an extra attribute: 422" delete "$(ub reference_id "$R3" "" ",\"plate\":\"X\"")" 422 9003
expect "delete unknown ref: 404/9009" delete "$(ub reference_id 00000000-0000-4000-8000-000000000000)" 404 9009
if sandbox_state; then ok "SIGUSR1 writes the state"; else not_ok "SIGUSR1 writes the state"; fi
check "state: updated fields stored canonically" py "
p=[p for p in s['permits'] if p['reference_id']=='$R'][0]
f=p['fields']
assert f['LicencePlate']=='NEWPL9' and f['Amount']=='21.00' and f['CurrencyID']=='CAD', f
assert f['endTime']=='2018-07-02T12:00:00' and f['startTime']=='2018-07-02T09:00:00', f
assert p['deleted'] is True and p['disconnected'] is False
ops=[h['op'] for h in p['history']]
assert ops==['push']+['update']*6+['delete'], ops
assert p['history'][4]['keys']==['apiToken','referenceID','plate','amount','currency','EndDateUtc'], p['history'][4]
assert p['history'][4]['values']=={'LicencePlate':'NEWPL8','Amount':'20.00','CurrencyID':'USD','endTime':'2018-07-02T12:00:00'}
assert all(h['at'].endswith('Z') and h['dropped'] is False for h in p['history'])"
check "state: aliases stored under canonical keys" py "
p=[p for p in s['permits'] if p['reference_id']=='$ALIAS_REF'][0]
assert p['fields']=={'LicencePlate':'ALIAS1','Amount':'1.00','CurrencyID':'USD','startTime':'2018-07-02T09:00:00','endTime':'2018-07-02T10:00:00','zone':'Lot 5','TicketNumber':'T-1'}, p['fields']
assert p['history'][0]['keys'][1:]==['plate','amount','currency','StartDateUtc','EndDateUtc','ParkingZoneName','TicketNumber']"
check "state: token never stored, owner is a fingerprint" py "
import re
txt=open('sandbox-state.json').read()
assert '$T' not in txt and 'file-token-2' not in txt
assert all(re.fullmatch('sha256:[0-9a-f]{16}', p['owner']) for p in s['permits'])
assert {p['token_index'] for p in s['permits']} >= {2,3}  # file tokens come first"
check "state: refused requests stored nothing" py "
assert all(p['fields']['LicencePlate'] not in ('X',) for p in s['permits'])
assert s['counters']['requests']['update'] > 20 and s['counters']['responses']['422'] > 50"

# --- stats ---------------------------------------------------------------------
ST_T=stats-token
sp() { printf '{"apiToken":"%s","plate":"S1",%s%s}' "$ST_T" "$P" "$1"; }
expect "stats empty" stats "{\"apiToken\":\"$ST_T\"}" 200
check "stats empty is {\"data\":[]}" [ "$RB" = '{"data":[]}' ]
for i in 1 2 3; do expect "stats push standard Lot 4 #$i" push "$(sp ",\"zone\":\"Lot 4\",\"permitNo\":\"P$i\"")" 200; done
for i in 1 2; do expect "stats push temp Lot 4 #$i" push "$(sp ",\"zone\":\"Lot 4\"")" 200; done
expect "stats push temp Lot 5 (alias key)" push "$(sp ",\"ParkingZoneName\":\"Lot 5\",\"TicketNumber\":\"T9\"")" 200
expect "stats push zone with a comma" push "$(sp ",\"zone\":\"Zone, with comma\",\"permitNo\":\"P9\"")" 200
expect "stats push disconnected zone" push "$(sp ",\"zone\":\"Lot 4 \",\"permitNo\":\"PX\"")" 200
expect "stats push disconnected (case differs)" push "$(sp ",\"zone\":\"lot 4\"")" 200
expect "stats push without zone" push "$(sp "")" 200
expect "stats push to delete" push "$(sp ",\"zone\":\"Lot 5\",\"permitNo\":\"PD\"")" 200 && RD=$REF
expect "stats delete it" delete "{\"apiToken\":\"$ST_T\",\"referenceid\":\"$RD\"}" 200
expect "stats without filter" stats "{\"apiToken\":\"$ST_T\"}" 200
check "stats: rows per (type, zone), totals strings, disconnected/deleted out" py "
d=json.loads(open('resp').read())
assert d=={'data':[{'type':'standard','zone':'Lot 4','total':'3'},{'type':'temp','zone':'Lot 4','total':'2'},{'type':'temp','zone':'Lot 5','total':'1'},{'type':'standard','zone':'Zone, with comma','total':'1'}]}, d"
expect "stats filter one zone" stats "{\"apiToken\":\"$ST_T\",\"zones\":\"Lot 5\"}" 200
check "stats filter one zone rows" [ "$RB" = '{"data":[{"type":"temp","zone":"Lot 5","total":"1"}]}' ]
expect "stats filter two zones" stats "{\"apiToken\":\"$ST_T\",\"zones\":\"Lot 4,Lot 5\"}" 200
check "stats filter two zones rows" py "
d=json.loads(open('resp').read())['data']
assert [(r['type'],r['zone'],r['total']) for r in d]==[('standard','Lot 4','3'),('temp','Lot 4','2'),('temp','Lot 5','1')], d"
expect "stats filter is exact (no trim, case)" stats "{\"apiToken\":\"$ST_T\",\"zones\":\" Lot 5,lot 4\"}" 200
check "stats exact filter finds nothing" [ "$RB" = '{"data":[]}' ]
expect "stats filter on a disconnected zone" stats "{\"apiToken\":\"$ST_T\",\"zones\":\"lot 4\"}" 200
check "stats disconnected zone has no row" [ "$RB" = '{"data":[]}' ]
expect "stats only counts the caller's permits" stats "{\"apiToken\":\"other-token\"}" 200
check "stats other token empty" [ "$RB" = '{"data":[]}' ]
expect "stats unknown attribute: 422" stats "{\"apiToken\":\"$ST_T\",\"zone\":\"Lot 4\"}" 422 9003
expect "stats zones not a string: 422" stats "{\"apiToken\":\"$ST_T\",\"zones\":[\"Lot 4\"]}" 422 9003

# --- HTTP level ----------------------------------------------------------------
expect "malformed JSON: 400/9003" push "{\"apiToken\":\"$T\",\"plate\":" 400 9003
expect "single quotes: 400" push "{'apiToken':'$T'}" 400 9003
expect "trailing garbage: 400" push "$(pb "\"plate\":\"A1\",$P") x" 400 9003
expect "two objects: 400" push "$(pb "\"plate\":\"A1\",$P")$(pb "\"plate\":\"A1\",$P")" 400 9003
expect "empty body: 400/9003" push "" 400 9003
expect "JSON array body: 400/9003" push "[$(pb "\"plate\":\"A1\",$P")]" 400 9003
expect "JSON string body: 400" push '"x"' 400 9003
expect "JSON null body: 400" push 'null' 400 9003
expect "trailing whitespace is fine" push "$(pb "\"plate\":\"A1\",$P")
  " 200
head -c 1048576 /dev/zero | tr '\0' ' ' >big.json
ST=$(curl -s -o resp -w '%{http_code}' -H 'Content-Type: application/json' -H 'Accept: application/json' \
     --data-binary @big.json "$SANDBOX_URL$API/push")
check "1 MiB body: 413" [ "$ST" = 413 ]
ST=$(curl -s -o resp -D hdr -w '%{http_code}' -H 'Accept: application/json' "$SANDBOX_URL$API/push")
check "GET: 405" [ "$ST" = 405 ]
check "405 has Allow: POST" grep -qi '^Allow: POST' hdr
ST=$(curl -s -o resp -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -H 'Accept: application/json' \
     --data-binary "$(pb "\"plate\":\"A1\",$P")" "$SANDBOX_URL$API/push")
check "PUT: 405" [ "$ST" = 405 ]
CT=' text/plain' req push "$(pb "\"plate\":\"A1\",$P")"
check "Content-Type text/plain: 415" [ "$ST" = 415 ]
CT= req push "$(pb "\"plate\":\"A1\",$P")"
check "no Content-Type (curl's form default removed): 415" [ "$ST" = 415 ]
CT=' application/json; charset=UTF-8' req push "$(pb "\"plate\":\"A1\",$P")"
check "Content-Type with charset utf-8: 200" [ "$ST" = 200 ]
CT=' application/json; charset=latin1' req push "$(pb "\"plate\":\"A1\",$P")"
check "Content-Type with another charset: 415" [ "$ST" = 415 ]
ACC= req push "$(pb "\"plate\":\"A1\",$P")"
check "missing Accept: 406" [ "$ST" = 406 ]
ACC=' */*' req push "$(pb "\"plate\":\"A1\",$P")"
check "Accept */* only: 406" [ "$ST" = 406 ]
ACC=' text/html, application/json;q=0.9' req push "$(pb "\"plate\":\"A1\",$P")"
check "Accept list with application/json: 200" [ "$ST" = 200 ]
ACC=' application/json;q=0' req push "$(pb "\"plate\":\"A1\",$P")"
check "Accept application/json;q=0: 406" [ "$ST" = 406 ]
ST=$(curl -s -o resp -w '%{http_code}' -H 'Content-Type: application/json' -H 'Accept: application/json' \
     --data-binary "$(pb "\"plate\":\"A1\",$P")" "$SANDBOX_URL$API/list")
check "unknown endpoint: 404" [ "$ST" = 404 ]
check "error bodies are JSON" python3 -c "import json; json.load(open('resp'))"

# --- keep-alive: 1,000 sequential requests on one connection --------------------
sandbox_state
C0=$(py "print(s['counters']['connections'])")
{ printf 'header = "Content-Type: application/json"\nheader = "Accept: application/json"\n'
  printf 'data = "{\\"apiToken\\":\\"ka-token\\",\\"plate\\":\\"KA1\\",\\"startTime\\":\\"2018-07-02T09:00:00\\",\\"endTime\\":\\"2018-07-02T09:30:00\\"}"\n'
  for ((i = 0; i < 1000; i++)); do printf 'url = "%s%s/push"\noutput = "/dev/null"\n' "$SANDBOX_URL" "$API"; done
} >ka.cfg
curl -s -K ka.cfg -w '%{http_code} %{num_connects}\n' >ka.out
check "1,000 keep-alive requests all 200" [ "$(grep -c '^200 ' ka.out)" = 1000 ]
check "1,000 keep-alive requests used one connection" [ "$(awk '{n+=$2} END {print n}' ka.out)" = 1 ]
sandbox_state
check "state counts one more connection" py "assert s['counters']['connections']==$C0+1, s['counters']"
check "state has the 1,000 keep-alive permits" py "
assert sum(1 for p in s['permits'] if p['fields']['LicencePlate']=='KA1')==1000"

# --- access log, token never shown -------------------------------------------
check "access log: method path status latency" grep -Eq "^[0-9T:.-]+Z POST $API/push 200 [0-9]+\.[0-9]+ms$" sandbox.log
check "access log: 422 logged" grep -Eq " POST $API/push 422 " sandbox.log
check "token not in log, stdout or state" bash -c "! grep -q -e '$T' -e file-token -e stats-token sandbox.log sandbox.out sandbox-state.json"

# --- restart: state loaded, ownership kept ---------------------------------------
stop_sandbox
check "SIGTERM exits 0" [ "$SANDBOX_EXIT" = 0 ]
SANDBOX_EXTRA_TOKENS="other-token,stats-token" start_sandbox --zones zones.txt || exit 1
check "same token after restart" [ "$OPSCOM_API_TOKEN" = "$T" ]
expect "stats after restart" stats "{\"apiToken\":\"$ST_T\",\"zones\":\"Lot 4\"}" 200
check "stats after restart unchanged" [ "$RB" = '{"data":[{"type":"standard","zone":"Lot 4","total":"3"},{"type":"temp","zone":"Lot 4","total":"2"}]}' ]
expect "update a permit pushed before the restart" update "$(ub referenceid "$SEED_REF" "" ",\"Amount\":\"15.00\"")" 200
expect "deleted permit stays deleted after restart" delete "$(ub referenceid "$R")" 404 9009
sandbox_state
check "history kept across the restart" py "
p=[p for p in s['permits'] if p['reference_id']=='$SEED_REF'][0]
assert [h['op'] for h in p['history']]==['push','update'] and p['fields']['Amount']=='15.00'
assert s['counters']['requests']['total']==3, s['counters']"
stop_sandbox
echo '{"permits":[{"reference_id":"bad"}]}' >broken.json
OPSCOM_SANDBOX_TOKENS=x expect_exit "malformed --state file exits 2" 2 "$SANDBOX" --state broken.json

# --- faults ----------------------------------------------------------------------
rm -f sandbox-state.json
start_sandbox --fail-every 3 || exit 1
T=$OPSCOM_API_TOKEN
codes=
for i in 1 2 3 4 5 6; do req push "$(pb "\"plate\":\"F$i\",$P")"; codes+="$ST "; [ "$i" = 3 ] && cp hdr hdr3; done
check "--fail-every 3: 200 200 503 200 200 503" [ "$codes" = "200 200 503 200 200 503 " ]
check "503 carries Retry-After: 1" grep -qi '^Retry-After: 1' hdr3
sandbox_state
check "--fail-every: failed requests not applied" py "
assert sorted(p['fields']['LicencePlate'] for p in s['permits'])==['F1','F2','F4','F5'], s['permits']
assert s['counters']['faults']['failed']==2"
stop_sandbox

rm -f sandbox-state.json
start_sandbox --rate-limit 5 || exit 1
T=$OPSCOM_API_TOKEN
{ printf 'header = "Content-Type: application/json"\nheader = "Accept: application/json"\n'
  printf 'data = "{\\"apiToken\\":\\"%s\\",\\"plate\\":\\"R1\\",\\"startTime\\":\\"2018-07-02T09:00:00\\",\\"endTime\\":\\"2018-07-02T09:30:00\\"}"\n' "$T"
  for ((i = 0; i < 20; i++)); do printf 'url = "%s%s/push"\noutput = "/dev/null"\n' "$SANDBOX_URL" "$API"; done
} >rl.cfg
t0=$(date +%s)
curl -s -K rl.cfg -w '%{http_code}\n' >rl.out
# seconds the burst touched: the sandbox's one-second windows need not line
# up with the wall clock's, so a burst inside one wall second can touch two
secs=$(( $(date +%s) - t0 + 2 ))
n200=$(grep -c '^200$' rl.out); n429=$(grep -c '^429$' rl.out)
check "--rate-limit 5: at most 5 a second pass (burst of 20: $n200 passed in <= $secs s)" \
  [ "$n200" -ge 5 -a "$n200" -le $((5 * secs)) ]
check "--rate-limit 5: the rest get 429" [ $((n200 + n429)) = 20 ]
sandbox_state
check "--rate-limit: refused requests not applied" py "
assert sum(1 for p in s['permits'] if p['fields']['LicencePlate']=='R1')==$n200
assert s['counters']['faults']['rate_limited']==$n429"
# one process on one connection, so that a loaded machine still sends more than
# 5 a second: the first 429 (of at most 200) is kept with its headers and body
ST=$(python3 - "$SANDBOX_PORT" "$API/push" "$(pb "\"plate\":\"R2\",$P")" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
h = {"Content-Type": "application/json", "Accept": "application/json"}
for _ in range(200):
    c.request("POST", sys.argv[2], body=sys.argv[3].encode(), headers=h)
    r = c.getresponse(); body = r.read()
    if r.status == 429:
        open("hdr", "w").write("".join("%s: %s\n" % kv for kv in r.getheaders()))
        open("resp", "wb").write(body)
        break
print(r.status)
PY
)
check "--rate-limit: a quick burst meets a 429" [ "$ST" = 429 ]
check "429 carries Retry-After: 1" grep -qi '^Retry-After: 1' hdr
check "429 body says so" grep -q '"status":"error"' resp
sleep 1.1
req push "$(pb "\"plate\":\"R3\",$P")"
check "--rate-limit: the next second passes" [ "$ST" = 200 ]
stop_sandbox

rm -f sandbox-state.json
start_sandbox --drop-every 2 || exit 1
T=$OPSCOM_API_TOKEN
req push "$(pb "\"plate\":\"D1\",$P")"; rm -f resp
check "--drop-every 2: first answered" [ "$ST" = 200 ]
curl -s -o resp -H 'Content-Type: application/json' -H 'Accept: application/json' \
  --data-binary "$(pb "\"plate\":\"D2\",$P")" "$SANDBOX_URL$API/push"
rc=$?
check "--drop-every 2: second gets an empty reply (curl exit 52)" [ "$rc" = 52 ]
check "--drop-every: nothing was sent back" [ ! -s resp ]
req push "$(pb "\"plate\":\"D3\",$P")"
check "--drop-every 2: third answered" [ "$ST" = 200 ]
sandbox_state
check "--drop-every: the dropped request was applied" py "
p={p['fields']['LicencePlate']:p for p in s['permits']}
assert sorted(p)==['D1','D2','D3'] and p['D2']['history'][0]['dropped'] is True
assert s['counters']['faults']['dropped']==1"
check "access log marks the drop" grep -Eq " POST $API/push - [0-9.]+ms$" sandbox.log
stop_sandbox

rm -f sandbox-state.json
start_sandbox --slow-ms 400 || exit 1
T=$OPSCOM_API_TOKEN
# one curl, 32 transfers at once: a server that answered one at a time could
# not finish them in less than 32 x 400 ms, whatever the machine's load
{ for i in $(seq 1 32); do
    printf 'silent\nheader = "Content-Type: application/json"\nheader = "Accept: application/json"\n'
    printf 'write-out = "%%{http_code}\\n"\n'
    printf 'data = "%s"\nurl = "%s%s/push"\noutput = "slow%s"\n' \
      "$(pb "\"plate\":\"S$i\",$P" | sed 's/"/\\"/g')" "$SANDBOX_URL" "$API" "$i"
    [ "$i" -lt 32 ] && printf 'next\n'
  done
} >slow.cfg
t0=$(date +%s%N)
curl -s --parallel --parallel-immediate --parallel-max 32 -K slow.cfg >slowst
el=$(( ($(date +%s%N) - t0) / 1000000 ))
check "--slow-ms 400: 32 concurrent requests all 200" [ "$(tr -d '\n' <slowst)" = "$(rep 200 32)" ]
check "--slow-ms 400: they overlap (${el} ms, serial would be 12800)" [ "$el" -ge 400 -a "$el" -lt 12800 ]
req stats "{\"apiToken\":\"$T\"}"
check "--slow-ms: each response waits" grep -Eq " POST $API/stats 200 (4[0-9]{2}|[5-9][0-9]{2}|[0-9]{4,})\.[0-9]+ms$" sandbox.log
# SIGTERM with a request in flight: it is answered, then the state is written.
# The request is sent by a small client that says when its bytes are out, so
# the stop lands while the sandbox holds it (it waits 400 ms before answering)
# however long the client took to start.
rm -f inflight.sent
python3 - "$SANDBOX_PORT" "$API/push" "$(pb "\"plate\":\"INFLIGHT\",$P")" >inflight.st <<'PY' &
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
c.request("POST", sys.argv[2], body=sys.argv[3].encode(),
          headers={"Content-Type": "application/json", "Accept": "application/json"})
open("inflight.sent", "w").close()
try:
    r = c.getresponse(); r.read(); print(r.status)
except Exception:
    print("000")
PY
cpid=$!
for i in $(seq 1 500); do [ -e inflight.sent ] && break; sleep 0.02; done
sleep 0.15
stop_sandbox
wait $cpid
check "SIGTERM finishes the in-flight request" [ "$(cat inflight.st)" = 200 ]
check "SIGTERM with a request in flight exits 0" [ "$SANDBOX_EXIT" = 0 ]
check "state written at exit includes it" py "assert any(p['fields']['LicencePlate']=='INFLIGHT' for p in s['permits'])"

rm -f sandbox-state.json
start_sandbox --max-body 200 --strict-plates || exit 1
T=$OPSCOM_API_TOKEN
b=$(pb "\"plate\":\"MB1\",$P"); b200="$b$(rep ' ' $((200 - ${#b})))"
check "a 200-byte body" [ "$(printf '%s' "$b200" | wc -c)" = 200 ]
expect "--max-body 200: a 200-byte body passes" push "$b200" 200
expect "--max-body 200: a 201-byte body: 413" push "$b200 " 413 9003
expect "--strict-plates: lower case refused" push "$(pb "\"plate\":\"ab1\",$P")" 422 9006
expect "--strict-plates: dash refused" push "$(pb "\"plate\":\"AB-1\",$P")" 422 9006
expect "--strict-plates: [A-Z0-9]{25} passes" push "$(pb "\"plate\":\"$(rep A9 12)Z\",$P")" 200
stop_sandbox
