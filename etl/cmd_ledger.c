/* cmd_ledger.c — `permit-etl ledger`: list, show or prune ledger records. */
#include "cli.h"
#include "cmd.h"
#include "command.h"
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
    fputs(",\"" PERMIT_PLATE_NAME "\":", f);
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
    struct buf line = BUF_INIT;

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
    printf("unlinked:           %s\n", ledger_rec_unlinked(r) ? "yes" : "no");
    printf("in doubt:           %s\n", r->doubt ? "yes" : "no");
    printf("last error:         %s\n", r->last_error.ptr ? r->last_error.ptr : "");
    printf("source:             %s:%ld\n", r->p.source, r->p.line);
    printf("first seen:         %s\n", r->first_seen);
    printf("last seen:          %s\n", r->last_seen);
    printf("last sent:          %s\n", r->last_sent);
    printf("content hash:       %s\n", r->hash);
    if (ledger_rec_record(r, &line) < 0)
        buf_reset(&line);
    printf("record:             %s\n", line.ptr ? line.ptr : "");
    buf_release(&line);
    printf("staged body:        %s\n", r->body.ptr ? r->body.ptr : "");
    printf("server has:         %s\n", r->srv_body.ptr ? r->srv_body.ptr : "(nothing)");
    if (r->upd.len)
        printf("update to send:     {%s}\n", r->upd.ptr);
}

struct args {
    struct ledger_filter flt;    /* flt.state set by run() from state */
    int state;                   /* --state: 1 + enum ledger_state; 0: any */
    int json;
    const char *verb, *before;
    long long cutoff;            /* prune: --before 00:00 UTC */
};

static const struct cmd_option options[] = {
    CMD_HOOK("state"),
    CMD_STRING("plate",  struct args, flt.plate),
    CMD_STRING("file",   struct args, flt.file),
    CMD_FLAG("json",     struct args, json),
    CMD_STRING("before", struct args, before),
    CMD_OPTIONS_END
};

/* --state: checked as it is read */
static int option(struct cmd_env *e, const struct cmd_option *o, const char *arg)
{
    struct args *a = e->args;

    (void)o;
    a->state = ledger_state_parse(arg) + 1;
    if (a->state <= 0)
        return cli_usage_error("ledger", "--state: unknown state '%s' (pending, held, "
                               "sending, pushed, failed, deleted)", arg);
    return 0;
}

/* The verb and its operands; prune takes the ledger's lock. */
static int check(struct cmd_env *e)
{
    struct args *a = e->args;
    const char *before = a->before;
    int y, m, d, list_opts = a->state || a->flt.plate || a->flt.file || a->json;
    struct tm tm;

    if (e->argc == 0)
        return cli_usage_error("ledger", "missing verb: list, show or prune");
    a->verb = e->argv[0];
    if (!strcmp(a->verb, "list")) {
        if (before || e->argc > 1)
            return cli_usage_error("ledger", "list takes [--state S] [--plate P] [--file F] "
                                   "[--json] only");
    } else if (!strcmp(a->verb, "show")) {
        if (before || list_opts || e->argc != 2)
            return cli_usage_error("ledger", "usage: ledger -c CONFIG show KEY");
    } else if (!strcmp(a->verb, "prune")) {
        if (list_opts || e->argc > 1 || !before)
            return cli_usage_error("ledger", "usage: ledger -c CONFIG prune --before YYYY-MM-DD");
        if (cli_parse_date(before, &y, &m, &d) < 0)
            return cli_usage_error("ledger", "--before: '%s' is not a date (YYYY-MM-DD)", before);
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        a->cutoff = (long long)timegm(&tm);
        e->flags = (e->flags & ~(unsigned)CMD_LEDGER_RO) | CMD_LEDGER_LOCK;
    } else {
        return cli_usage_error("ledger", "unknown verb '%s': list, show or prune", a->verb);
    }
    return 0;
}

static int run(struct cmd_env *e)
{
    struct args *a = e->args;
    int ret = EXIT_ABORTED;
    struct ledger_rec r;
    char *file_canon = NULL;

    ledger_rec_init(&r);
    if (!strcmp(a->verb, "prune")) {
        long removed;

        if (ledger_prune(e->ledger, a->cutoff, &removed, &e->err) < 0)
            goto fail;
        log_summary(EXIT_GOOD, "ledger prune: %ld record%s pruned (final, ended before %s; "
                    "plates dropped, tombstones kept)", removed, removed == 1 ? "" : "s",
                    a->before);
        ret = EXIT_GOOD;
        goto out;
    }
    if (!strcmp(a->verb, "show")) {
        int rc = ledger_get(e->ledger, e->argv[1], &r, &e->err);

        if (rc < 0)
            goto fail;
        if (rc == 0) {
            log_error("ledger: no record with key '%s'", e->argv[1]);
            ret = EXIT_USAGE;
            goto out;
        }
        show(&r);
        ret = EXIT_GOOD;
        goto out;
    }
    a->flt.state = a->state - 1;
    /* the ledger names files by their canonical path: an existing file
     * matches however it is spelled */
    if (a->flt.file && (file_canon = realpath(a->flt.file, NULL)) != NULL)
        a->flt.file = file_canon;
    if (ledger_list(e->ledger, &a->flt, a->json ? print_json : print_line, stdout, &e->err) < 0)
        goto fail;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        etl_fail(&e->err, E_IO, "cannot write the listing");
        goto fail;
    }
    ret = EXIT_GOOD;
    goto out;
fail:
    ret = command_fail(e);
out:
    free(file_canon);
    ledger_rec_release(&r);
    return ret;
}

const struct command cmd_ledger = {
    .name = "ledger", .summary = "list, show or prune ledger records",
    .flags = CMD_CONFIG | CMD_LEDGER_RO, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .option = option, .check = check, .run = run,
};
