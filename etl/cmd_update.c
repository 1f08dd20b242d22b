/* cmd_update.c — `permit-etl update`: change a pushed permit (plate,
 * amount, currency, end) through OPSCOM's update call. The ledger's
 * state, reference and server copy change; the content hash does not, so
 * a rerun on the same file does not undo the change. */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "ledger.h"
#include "log.h"
#include "normalize.h"
#include "opscom.h"
#include "push.h"
#include "utc.h"

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
"  -c, --config F    configuration file (required: api_url, token, ledger)\n"
"      --ref ID      the permit by its OPSCOM reference id\n"
"      --key KEY     the permit by its idempotency key (profile:id)\n"
"      --plate P     new licence plate\n"
"      --amount A    new amount (not to or from 0: a free session)\n"
"      --currency C  new currency, CAD or USD\n"
"      --end T       new end time, ISO 8601 (UTC unless it carries an offset)\n"
"\n"
"Exit: 0 updated (or nothing to change); 1 not applied: the server refused\n"
"it (its answer is shown); 2 usage error, unknown key or reference, a\n"
"permit not live, a value that fails the rules; 3 aborted (API unreachable,\n"
"auth refused, ledger locked, I/O error).\n";

enum { OPT_REF = CLI_FIRST_CMD_OPT, OPT_KEY, OPT_PLATE, OPT_AMOUNT, OPT_CURRENCY, OPT_END };

static int run_opscom(void *transport, const struct opscom_hooks *h, void *ctx,
                      struct etl_err *err)
{
    return opscom_run(transport, h, ctx, err);
}

static int add_field(struct buf *b, const char *key, const char *val)
{
    if (buf_addstr(b, ",\"") < 0 || buf_addstr(b, key) < 0 || buf_addstr(b, "\":\"") < 0 ||
        buf_add_json_str(b, val, strlen(val)) < 0 || buf_addch(b, '"') < 0)
        return -1;
    return 0;
}

/* Applies the flags to the server's permit s; builds the update fields. */
static int prepare(const char *plate, const char *amount, const char *currency,
                   const char *end, const struct ledger_rec *r, struct permit *s,
                   struct buf *upd, int *changed, struct etl_err *err)
{
    char why[NORM_REASON_MAX], tmp[32];
    struct norm_profile prof;
    struct norm_amount a;
    enum currency cur;

    memset(&a, 0, sizeof(a));
    norm_profile_init(&prof);
    if (ledger_body_parse(r->srv_body.ptr, s) < 0)
        return etl_fail(err, E_DB, "ledger: the server copy of '%s' is unreadable", r->p.key);
    *changed = 0;
    if (buf_addstr(upd, "\"reference_id\":\"") < 0 ||
        buf_add_json_str(upd, r->reference_id, strlen(r->reference_id)) < 0 ||
        buf_addch(upd, '"') < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    if (plate) {
        char p[PLATE_MAX + 1];

        if (norm_plate(plate, strlen(plate), p, why) < 0)
            return etl_fail_at(err, E_USAGE, NULL, 0, "LicencePlate", "%s", why);
        if (strcmp(p, s->plate) != 0) {
            snprintf(s->plate, sizeof(s->plate), "%s", p);
            if (add_field(upd, "LicencePlate", p) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            (*changed)++;
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
            norm_format_cents(a.cents, tmp);
            if (add_field(upd, "Amount", tmp) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            (*changed)++;
        }
    }
    if (currency || a.mark_currency != CUR_NONE) {
        if (norm_currency(currency ? currency : "", currency ? strlen(currency) : 0, &a,
                          s->currency, &cur, why) < 0)
            return etl_fail_at(err, E_USAGE, NULL, 0, "CurrencyID", "%s", why);
        if (cur != s->currency) {
            s->currency = cur;
            if (add_field(upd, "CurrencyID", currency_name(cur)) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            (*changed)++;
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
            utc_format(t.utc[0], tmp);
            if (add_field(upd, "endTime", tmp) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            (*changed)++;
        }
    }
    return 0;
}

int cmd_update(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        { "config",   required_argument, NULL, 'c' },
        { "ref",      required_argument, NULL, OPT_REF },
        { "key",      required_argument, NULL, OPT_KEY },
        { "plate",    required_argument, NULL, OPT_PLATE },
        { "amount",   required_argument, NULL, OPT_AMOUNT },
        { "currency", required_argument, NULL, OPT_CURRENCY },
        { "end",      required_argument, NULL, OPT_END },
        { NULL, 0, NULL, 0 }
    };
    const char *cfg_path = NULL, *ref = NULL, *key = NULL, *plate = NULL, *amount = NULL,
               *currency = NULL, *end = NULL;
    struct etl_err err;
    struct config *cfg = NULL;
    char *token = NULL;
    struct ledger *l = NULL;
    struct opscom *oc = NULL;
    struct buf upd = BUF_INIT, target = BUF_INIT;
    struct ledger_rec r;
    struct permit s;
    int c, changed = 0, ret = EXIT_ABORTED;

    etl_err_clear(&err);
    ledger_rec_init(&r);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":c:" CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        switch (c) {
        case 'c': cfg_path = optarg; break;
        case OPT_REF: ref = optarg; break;
        case OPT_KEY: key = optarg; break;
        case OPT_PLATE: plate = optarg; break;
        case OPT_AMOUNT: amount = optarg; break;
        case OPT_CURRENCY: currency = optarg; break;
        case OPT_END: end = optarg; break;
        default:
            switch (cli_global_opt(c, "update", usage, argv)) {
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
        return cli_usage_error("update", "-c CONFIG is required");
    if (!ref == !key)
        return cli_usage_error("update", "give exactly one of --ref ID and --key KEY");
    if (!plate && !amount && !currency && !end)
        return cli_usage_error("update", "nothing to change: give --plate, --amount, "
                               "--currency or --end");
    if (optind < argc)
        return cli_usage_error("update", "unexpected argument '%s'", argv[optind]);

    if (push_admin_open(cfg_path, ref, key, &cfg, &token, &l, &r, &err) < 0)
        goto fail;
    memset(&s, 0, sizeof(s));
    if (prepare(plate, amount, currency, end, &r, &s, &upd, &changed, &err) < 0)
        goto fail;
    if (!changed) {
        log_summary(EXIT_GOOD, "update %s (%s): nothing to change", r.p.key, r.reference_id);
        ret = EXIT_GOOD;
        goto out;
    }
    if (ledger_body(&s, &target) < 0) {
        etl_fail(&err, E_NOMEM, "out of memory");
        goto fail;
    }
    if (ledger_admin_update(l, r.id, upd.ptr, target.ptr, &err) < 0)
        goto fail;
    oc = opscom_new(cfg, token, &err);
    if (!oc)
        goto fail;
    if (push_admin_send(l, r.id, run_opscom, oc, &r, &err) < 0) {
        log_err(&err);
        log_summary(EXIT_ABORTED, "update %s: aborted, left pending", r.p.key);
        ret = EXIT_ABORTED;
        goto out;
    }
    if (r.state == LS_PUSHED) {
        log_summary(EXIT_GOOD, "update %s (%s): updated", r.p.key, r.reference_id);
        ret = EXIT_GOOD;
    } else {
        ret = EXIT_ATTENTION;
        log_summary(ret, "update %s (%s): %s%s%s", r.p.key, r.reference_id,
                    r.state == LS_FAILED ? "failed" : "not confirmed, left pending",
                    r.last_error.len ? ": " : "", r.last_error.len ? r.last_error.ptr : "");
    }
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code ? err.code : E_INTERNAL);
out:
    opscom_free(oc);
    ledger_rec_release(&r);
    ledger_close(l);
    if (token)
        config_token_free(token);
    config_free(cfg);
    buf_release(&upd);
    buf_release(&target);
    return ret;
}
