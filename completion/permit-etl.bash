# bash completion for permit-etl (installed by `make install` into
# $(PREFIX)/share/bash-completion/completions/permit-etl).
_permit_etl()
{
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local global="-q --quiet -v --verbose --log-json --timings -h --help"
    local commands="validate zones push stats report run check ledger update delete"

    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    case $prev in
        -c|--config|--zones|--aliases|--json-out|--rejects|--csv-out|--aliases-out|-o|--output)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -f|--profile)
            COMPREPLY=($(compgen -W "paystation mobile hotspot opscom" -f -- "$cur")); return ;;
        --state)
            COMPREPLY=($(compgen -W "pending held sending pushed failed deleted" -- "$cur")); return ;;
        --date|--from|--to|--before|--zone|--plate|--file|--ref|--key|--amount|--currency|--end)
            return ;;
    esac

    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$commands $global --version" -- "$cur"))
        return
    fi
    local opts
    case $cmd in
        validate) opts="-c --config -f --profile --zones --aliases --json-out --rejects" ;;
        zones)    opts="-c --config -f --profile --zones --aliases --json --csv-out --aliases-out" ;;
        push)     opts="-c --config -f --profile --zones --aliases --dry-run --force --retry-failed" ;;
        stats)    opts="-c --config --zone --json" ;;
        report)   opts="-c --config -f --profile --zones --aliases -o --output --date --from --to --stats --redact" ;;
        run)      opts="-c --config --dry-run --force --date" ;;
        check)    opts="-c --config --online" ;;
        ledger)   opts="-c --config list show prune --state --plate --file --json --before" ;;
        update)   opts="-c --config --ref --key --plate --amount --currency --end" ;;
        delete)   opts="-c --config --ref --key" ;;
    esac
    if [[ $cur == -* ]] || [ "$cmd" = ledger ]; then
        COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F _permit_etl permit-etl
