/* cmd_update.c — `permit-etl update`: change a pushed permit (plate,
 * amount, currency, end) through OPSCOM's update call. The ledger's
 * state, reference and server copy change; the content hash does not, so
 * a rerun on the same file does not undo the change. */
#include "admin.h"
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "err.h"
#include "ledger.h"
#include "log.h"
#include "normalize.h"
#include "permit_json.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl update -c CONFIG (--ref ID | --key KEY) [--plate P] [--amount A]\n"
"                         [--currency C] [--end T]\n"
"\n"
"Changes a permit that is live on OPSCOM. Values are normalized with the\n"
"import rules. A change of zone, start or ids needs delete + push (change\n"
"the input file). The ledger is locked while the request is out.\n"
"\n"
ADMIN_HELP
"      --plate P     new licence plate\n"
"      --amount A    new amount (not to or from 0: a free session)\n"
"      --currency C  new currency, CAD or USD\n"
"      --end T       new end time, ISO 8601 (UTC unless it carries an offset)\n"
"\n"
"Exit: 0 updated (or nothing to change); 1 not applied: the server refused\n"
"it (its answer is shown); 2 usage error, unknown key or reference, a\n"
"permit not live, a value that fails the rules; 3 aborted (API unreachable,\n"
"auth refused, ledger locked, I/O error).\n";

/* Applies the flags to the server's permit s; builds the update fields. */
static int prepare(const char *plate, const char *amount, const char *currency,
                   const char *end, const struct ledger_rec *r, struct permit *s,
                   struct buf *upd, int *changed, struct etl_err *err)
{
    char why[NORM_REASON_MAX];
    struct norm_profile prof;
    struct norm_amount a;
    enum currency cur;
    unsigned mask = 0;

    memset(&a, 0, sizeof(a));
    norm_profile_init(&prof);
    if (permit_json_parse(r->srv_body.ptr, s) < 0)
        return etl_fail(err, E_DB, "ledger: the server copy of '%s' is unreadable", r->p.key);
    *changed = 0;
    if (plate) {
        char p[PLATE_MAX + 1];

        if (norm_plate(plate, strlen(plate), p, why) < 0)
            return etl_fail_at(err, E_USAGE, NULL, 0, PERMIT_PLATE_NAME, "%s", why);
        if (strcmp(p, s->plate) != 0) {
            snprintf(s->plate, sizeof(s->plate), "%s", p);
            mask |= PF_BIT(PF_PLATE);
        }
    }
    if (amount) {
        if (norm_amount(&prof, amount, strlen(amount), 0, 0, &a, why) < 0)
            return etl_fail_at(err, E_USAGE, NULL, 0, "Amount", "%s", why);
        if ((a.cents == 0) != (s->cents == 0))
            return etl_fail_at(err, E_USAGE, NULL, 0, "Amount",
                               "a change to or from a free session needs delete + push");
        if (a.cents != s->cents) {
            s->cents = a.cents;
            mask |= PF_BIT(PF_AMOUNT);
        }
    }
    if (currency || a.mark_currency != CUR_NONE) {
        if (norm_currency(currency ? currency : "", currency ? strlen(currency) : 0, &a,
                          s->currency, &cur, why) < 0)
            return etl_fail_at(err, E_USAGE, NULL, 0, "CurrencyID", "%s", why);
        if (cur != s->currency) {
            s->currency = cur;
            mask |= PF_BIT(PF_CURRENCY);
        }
    }
    if (end) {
        struct norm_time t;

        prof.time_kind = TIME_ISO8601;
        prof.tz = NULL;   /* no offset: UTC */
        if (norm_time(&prof, end, strlen(end), &t, why) < 0)
            return etl_fail_at(err, E_USAGE, NULL, 0, "endTime", "%s", why);
        if (!norm_year_ok(t.utc[0]))
            return etl_fail_at(err, E_USAGE, NULL, 0, "endTime", "'%s' is outside 2000-2099",
                               end);
        if (t.utc[0] <= s->start)
            return etl_fail_at(err, E_USAGE, NULL, 0, "endTime", "'%s' is not after the start",
                               end);
        if (t.utc[0] != s->end) {
            s->end = t.utc[0];
            mask |= PF_BIT(PF_END);
        }
    }
    *changed = mask != 0;
    if (mask && permit_json_update(r->reference_id, s, mask, upd) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    return 0;
}

struct args {
    struct admin_target t;
    const char *plate, *amount, *currency, *end;
};

static const struct cmd_option options[] = {
    ADMIN_OPTIONS(struct args, t),
    CMD_STRING("plate",    struct args, plate),
    CMD_STRING("amount",   struct args, amount),
    CMD_STRING("currency", struct args, currency),
    CMD_STRING("end",      struct args, end),
    CMD_OPTIONS_END
};

static int check(struct cmd_env *e)
{
    const struct args *a = e->args;
    int rc = admin_check(e, &a->t);

    if (rc)
        return rc;
    if (!a->plate && !a->amount && !a->currency && !a->end)
        return cli_usage_error("update", "nothing to change: give --plate, --amount, "
                               "--currency or --end");
    return command_no_operands(e);
}

static int run(struct cmd_env *e)
{
    const struct args *a = e->args;
    struct buf upd = BUF_INIT, target = BUF_INIT;
    struct ledger_rec r;
    struct permit s;
    int changed = 0, ret;

    ledger_rec_init(&r);
    if (admin_find(e, &a->t, &r) < 0)
        goto fail;
    memset(&s, 0, sizeof(s));
    if (prepare(a->plate, a->amount, a->currency, a->end, &r, &s, &upd, &changed, &e->err) < 0)
        goto fail;
    if (!changed) {
        log_summary(EXIT_GOOD, "update %s (%s): nothing to change", r.p.key, r.reference_id);
        ret = EXIT_GOOD;
        goto out;
    }
    if (permit_json_body(&s, &target) < 0) {
        etl_fail(&e->err, E_NOMEM, "out of memory");
        goto fail;
    }
    if (ledger_admin_update(e->ledger, r.id, upd.ptr, target.ptr, &e->err) < 0)
        goto fail;
    ret = admin_send(e, &r, "update", r.reference_id, LS_PUSHED, "updated", "");
    goto out;
fail:
    ret = command_fail(e);
out:
    ledger_rec_release(&r);
    buf_release(&upd);
    buf_release(&target);
    return ret;
}

const struct command cmd_update = {
    .name = "update", .summary = "change a pushed permit (plate, amount, currency, end)",
    .flags = CMD_CONFIG | CMD_TOKEN | CMD_LEDGER_LOCK, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .check = check, .run = run,
};
