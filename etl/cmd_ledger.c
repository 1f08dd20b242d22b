/* cmd_ledger.c — `permit-etl ledger`: list, show or prune ledger records. */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "ledger.h"
#include "log.h"
#include "push.h"
#include "utc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
"usage: permit-etl ledger -c CONFIG list [--state S] [--plate P] [--file F] [--json]\n"
"       permit-etl ledger -c CONFIG show KEY\n"
"       permit-etl ledger -c CONFIG prune --before YYYY-MM-DD\n"
"\n"
"  list    one line per record (oldest first)\n"
"  show    everything the ledger knows about one idempotency key\n"
"  prune   prune final records (pushed, failed, deleted, cancelled) whose\n"
"          end time is before YYYY-MM-DD 00:00 UTC: their plates and record\n"
"          JSON are dropped, a plate-free tombstone per key is kept (an old\n"
"          file seen again is still recognised), the space is given back\n"
"\n"
"  -c, --config F    configuration file (required: where the ledger is)\n"
"      --state S     list: only records in state S (pending, held, sending,\n"
"                    pushed, failed, deleted, cancelled, voided)\n"
"      --plate P     list: only this normalized plate\n"
"      --file F      list: only records read from file F (an existing file\n"
"                    matches by its real path, however it is spelled)\n"
"      --json        list: JSON Lines instead of the table\n"
"      --before D    prune: the cut-off day D (YYYY-MM-DD, UTC)\n"
"\n"
"Exit: 0 done; 2 usage or configuration error, unknown key (show);\n"
"3 aborted (ledger unreadable or locked, I/O error).\n";

enum { OPT_STATE = CLI_FIRST_CMD_OPT, OPT_PLATE, OPT_FILE, OPT_JSON, OPT_BEFORE };

static void put_json_str(FILE *f, const char *s)
{
    struct buf b = BUF_INIT;

    buf_addch(&b, '"');
    buf_add_json_str(&b, s, strlen(s));
    buf_addch(&b, '"');
    fputs(b.ptr ? b.ptr : "\"\"", f);
    buf_release(&b);
}

static int print_json(void *ctx, const struct ledger_rec *r)
{
    FILE *f = ctx;
    char st[24], en[24], amount[32];

    utc_format(r->p.start, st);
    utc_format(r->p.end, en);
    snprintf(amount, sizeof(amount), "%lld.%02lld", r->p.cents / 100, r->p.cents % 100);
    fputs("{\"key\":", f);
    put_json_str(f, r->p.key);
    fputs(",\"state\":", f);
    put_json_str(f, ledger_state_name(r->state));
    fputs(",\"action\":", f);
    put_json_str(f, ledger_action_name(r->action));
    fputs(",\"LicencePlate\":", f);
    put_json_str(f, r->p.plate);
    fprintf(f, ",\"Amount\":\"%s\",\"CurrencyID\":\"%s\",\"startTime\":\"%s\",\"endTime\":\"%s\"",
            amount, currency_name(r->p.currency), st, en);
    fputs(",\"zone\":", f);
    put_json_str(f, r->p.zone);
    fputs(",\"vendor_zone\":", f);
    put_json_str(f, r->p.vendor_zone);
    fputs(",\"zone_status\":", f);
    put_json_str(f, zone_status_name(r->p.zone_status));
    fputs(",\"permitNo\":", f);
    put_json_str(f, r->p.permit_no);
    fputs(",\"TicketNumber\":", f);
    put_json_str(f, r->p.ticket);
    fputs(",\"promoCode\":", f);
    put_json_str(f, r->p.promo);
    fputs(",\"reference_id\":", f);
    put_json_str(f, r->reference_id);
    fprintf(f, ",\"attempts\":%d,\"resent_after_doubt\":%s,\"voided\":%s,\"unlinked\":%s,"
            "\"doubt\":%s", r->attempts, r->resent_after_doubt ? "true" : "false",
            r->p.voided ? "true" : "false", ledger_rec_unlinked(r) ? "true" : "false",
            r->doubt ? "true" : "false");
    fputs(",\"last_error\":", f);
    put_json_str(f, r->last_error.ptr ? r->last_error.ptr : "");
    fputs(",\"source\":", f);
    put_json_str(f, r->p.source);
    fprintf(f, ",\"line\":%ld,\"hash\":\"%s\",\"pruned\":%s", r->p.line, r->hash,
            r->pruned ? "true" : "false");
    fprintf(f, ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"last_sent\":\"%s\"}\n",
            r->first_seen, r->last_seen, r->last_sent);
    return ferror(f) ? 1 : 0;
}

static int print_line(void *ctx, const struct ledger_rec *r)
{
    FILE *f = ctx;
    char st[24];

    utc_format(r->p.start, st);
    fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\tattempts=%d", r->p.key, ledger_state_name(r->state),
            r->p.plate, r->p.zone[0] ? r->p.zone : "-", st,
            r->reference_id[0] ? r->reference_id : "-", r->attempts);
    if (r->state == LS_PENDING || r->state == LS_HELD)
        fprintf(f, "\taction=%s", ledger_action_name(r->action));
    if (r->resent_after_doubt)
        fputs("\tresent-after-doubt", f);
    if (ledger_rec_unlinked(r))
        fputs("\tunlinked", f);
    if (r->doubt)
        fputs("\tin-doubt", f);
    if (r->last_error.len)
        fprintf(f, "\terror=%s", r->last_error.ptr);
    if (r->pruned)
        fputs("\tpruned", f);
    fputc('\n', f);
    return ferror(f) ? 1 : 0;
}

static void show(const struct ledger_rec *r)
{
    char st[24], en[24];

    utc_format(r->p.start, st);
    utc_format(r->p.end, en);
    printf("key:                %s\n", r->p.key);
    printf("state:              %s\n", ledger_state_name(r->state));
    printf("pending action:     %s\n", ledger_action_name(r->action));
    printf("reference_id:       %s\n", r->reference_id);
    printf("plate:              %s\n", r->pruned ? "(pruned: a tombstone)" : r->p.plate);
    printf("amount:             %lld.%02lld %s%s\n", r->p.cents / 100, r->p.cents % 100,
           currency_name(r->p.currency), r->p.cents == 0 ? " (free session)" : "");
    printf("start / end (UTC):  %s / %s\n", st, en);
    printf("zone:               %s (%s; vendor: %s)\n", r->p.zone,
           zone_status_name(r->p.zone_status)[0] ? zone_status_name(r->p.zone_status)
                                                  : "unchecked",
           r->p.vendor_zone);
    printf("permitNo:           %s\n", r->p.permit_no);
    printf("TicketNumber:       %s\n", r->p.ticket);
    printf("promoCode:          %s\n", r->p.promo);
    printf("voided:             %s\n", r->p.voided ? "yes" : "no");
    printf("attempts:           %d\n", r->attempts);
    printf("resent after doubt: %s\n", r->resent_after_doubt ? "yes" : "no");
    printf("unlinked: %s\n", ledger_rec_unlinked(r) ? "yes" : "no");
    printf("in doubt: %s\n", r->doubt ? "yes" : "no");
    printf("in doubt:           %s\n", r->doubt ? "yes" : "no");
    printf("last error:         %s\n", r->last_error.ptr ? r->last_error.ptr : "");
    printf("source:             %s:%ld\n", r->p.source, r->p.line);
    printf("first seen:         %s\n", r->first_seen);
    printf("last seen:          %s\n", r->last_seen);
    printf("last sent:          %s\n", r->last_sent);
    printf("content hash:       %s\n", r->hash);
    printf("record:             %s\n", r->record.ptr ? r->record.ptr : "");
    printf("staged body:        %s\n", r->body.ptr ? r->body.ptr : "");
    printf("server has:         %s\n", r->srv_body.ptr ? r->srv_body.ptr : "(nothing)");
    if (r->upd.len)
        printf("update to send:     {%s}\n", r->upd.ptr);
}

int cmd_ledger(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        { "config", required_argument, NULL, 'c' },
        { "state",  required_argument, NULL, OPT_STATE },
        { "plate",  required_argument, NULL, OPT_PLATE },
        { "file",   required_argument, NULL, OPT_FILE },
        { "json",   no_argument,       NULL, OPT_JSON },
        { "before", required_argument, NULL, OPT_BEFORE },
        { NULL, 0, NULL, 0 }
    };
    const char *cfg_path = NULL, *verb, *before = NULL;
    struct ledger_filter flt = { -1, NULL, NULL, 0 };
    int json = 0, c, ret = EXIT_ABORTED, list_opts = 0;
    struct etl_err err;
    struct config *cfg = NULL;
    struct ledger *l = NULL;
    struct buf lpath = BUF_INIT;
    struct ledger_rec r;
    char *file_canon = NULL;

    etl_err_clear(&err);
    ledger_rec_init(&r);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":c:" CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case OPT_STATE:
            flt.state = ledger_state_parse(optarg);
            if (flt.state < 0)
                return cli_usage_error("ledger", "--state: unknown state '%s' (pending, held, "
                                       "sending, pushed, failed, deleted)", optarg);
            list_opts = 1;
            break;
        case OPT_PLATE:
            flt.plate = optarg;
            list_opts = 1;
            break;
        case OPT_FILE:
            flt.file = optarg;
            list_opts = 1;
            break;
        case OPT_JSON:
            json = 1;
            list_opts = 1;
            break;
        case OPT_BEFORE:
            before = optarg;
            break;
        default:
            switch (cli_global_opt(c, "ledger", usage, argv)) {
            case CLI_OK:
                break;
            case CLI_EXIT_HELP:
                return EXIT_GOOD;
            default:
                return EXIT_USAGE;
            }
        }
    }
    if (!cfg_path)
        return cli_usage_error("ledger", "-c CONFIG is required");
    if (optind >= argc)
        return cli_usage_error("ledger", "missing verb: list, show or prune");
    verb = argv[optind++];
    if (!strcmp(verb, "list")) {
        if (before || optind < argc)
            return cli_usage_error("ledger", "list takes [--state S] [--plate P] [--file F] "
                                   "[--json] only");
    } else if (!strcmp(verb, "show")) {
        if (before || list_opts || optind + 1 != argc)
            return cli_usage_error("ledger", "usage: ledger -c CONFIG show KEY");
    } else if (!strcmp(verb, "prune")) {
        if (list_opts || optind < argc || !before)
            return cli_usage_error("ledger", "usage: ledger -c CONFIG prune --before YYYY-MM-DD");
    } else {
        return cli_usage_error("ledger", "unknown verb '%s': list, show or prune", verb);
    }

    /* the ledger names files by their canonical path: an existing file
     * matches however it is spelled */
    if (flt.file && (file_canon = realpath(flt.file, NULL)) != NULL)
        flt.file = file_canon;
    cfg = config_load(cfg_path, &err);
    if (!cfg)
        goto fail;
    if (push_ledger_path(cfg, &lpath, &err) < 0)
        goto fail;
    if (!strcmp(verb, "prune")) {
        int y, m, d;
        struct tm tm;
        long removed;

        if (cli_parse_date(before, &y, &m, &d) < 0) {
            ret = cli_usage_error("ledger", "--before: '%s' is not a date (YYYY-MM-DD)", before);
            goto out;
        }
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        l = ledger_open(lpath.ptr, LEDGER_LOCK, &err);
        if (!l || ledger_prune(l, (long long)timegm(&tm), &removed, &err) < 0)
            goto fail;
        log_summary(EXIT_GOOD, "ledger prune: %ld record%s pruned (final, ended before %s; "
                    "plates dropped, tombstones kept)", removed, removed == 1 ? "" : "s", before);
        ret = EXIT_GOOD;
        goto out;
    }
    l = ledger_open(lpath.ptr, LEDGER_READONLY, &err);
    if (!l)
        goto fail;
    if (!strcmp(verb, "show")) {
        int rc = ledger_get(l, argv[optind], &r, &err);

        if (rc < 0)
            goto fail;
        if (rc == 0) {
            log_error("ledger: no record with key '%s'", argv[optind]);
            ret = EXIT_USAGE;
            goto out;
        }
        show(&r);
        ret = EXIT_GOOD;
        goto out;
    }
    if (ledger_list(l, &flt, json ? print_json : print_line, stdout, &err) < 0)
        goto fail;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        etl_fail(&err, E_IO, "cannot write the listing");
        goto fail;
    }
    ret = EXIT_GOOD;
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code ? err.code : E_INTERNAL);
out:
    free(file_canon);
    ledger_rec_release(&r);
    ledger_close(l);
    buf_release(&lpath);
    config_free(cfg);
    return ret;
}
