# The bash completion offers every command and, per command, every option
# its --help lists; `make install` puts it where bash-completion finds it.
. "$(dirname "$0")/lib.sh"

comp() {   # comp WORDS...: what the completion offers after WORDS (last = current word)
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _permit_etl; printf "%s\n" "${COMPREPLY[@]}"' \
    sh "$ROOT/completion/permit-etl.bash" permit-etl "$@"
}
cmds=$("$PE" --help | awk '/^Commands:/ {f=1; next} f && /^  [a-z]/ {print $1} f && /^$/ {exit}')
check "the main help lists commands" test -n "$cmds"
offered=$(comp "")
for c in $cmds; do
  check "command $c offered" grep -qx "$c" <<<"$offered"
  opts=$("$PE" "$c" --help | grep -oE -- '(^|[ ,])--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u)
  have=$(comp "$c" "--")
  for o in $opts; do
    check "$c $o offered" grep -qx -- "$o" <<<"$have"
  done
done
check "check --online offered" grep -qx -- --online <<<"$(comp check --on)"

rm -rf inst && make -s -C "$ROOT" install PREFIX=/usr/local DESTDIR="$PWD/inst" >make.out 2>&1
check "make install puts the completion in share/bash-completion/completions" \
  cmp -s "$ROOT/completion/permit-etl.bash" inst/usr/local/share/bash-completion/completions/permit-etl
