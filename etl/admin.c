/* admin.c — the path shared by `update` and `delete` (admin.h). */
#include "admin.h"

#include "cli.h"
#include "command.h"
#include "log.h"
#include "opscom.h"
#include "push.h"

#include <stdio.h>

int admin_check(const struct cmd_env *e, const struct admin_target *t)
{
    if (!t->ref == !t->key)
        return cli_usage_error(e->cmd->name, "give exactly one of --ref ID and --key KEY");
    return 0;
}

int admin_find(struct cmd_env *e, const struct admin_target *t, struct ledger_rec *r)
{
    const char *ref = t->ref, *key = t->key;
    int rc = ref ? ledger_get_by_ref(e->ledger, ref, r, &e->err)
                 : ledger_get(e->ledger, key, r, &e->err);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return etl_fail(&e->err, E_USAGE, "no ledger record with %s '%s'",
                        ref ? "reference id" : "key", ref ? ref : key);
    if (ledger_rec_unlinked(r))
        return etl_fail(&e->err, E_USAGE, "'%s': " LEDGER_UNLINKED_MSG, r->p.key);
    if (!r->srv_body.len || !r->reference_id[0])
        return etl_fail(&e->err, E_USAGE, "'%s' has no live permit on OPSCOM (state %s)",
                        r->p.key, ledger_state_name(r->state));
    return 0;
}

static int run_opscom(void *transport, const struct opscom_hooks *h, void *ctx,
                      struct etl_err *err)
{
    return opscom_run(transport, h, ctx, err);
}

int admin_send(struct cmd_env *e, struct ledger_rec *r, const char *verb, const char *refid,
               enum ledger_state done, const char *done_text, const char *gone_note)
{
    struct opscom *oc = opscom_new(e->in.config, e->token, &e->err);
    int ret;

    if (!oc)
        return command_fail(e);
    if (push_admin_send(e->ledger, r->id, run_opscom, oc, r, &e->err) < 0) {
        log_err(&e->err);
        log_summary(EXIT_ABORTED, "%s %s: aborted, left pending", verb, r->p.key);
        ret = EXIT_ABORTED;
    } else if (r->state == done) {
        log_summary(EXIT_GOOD, "%s %s (%s): %s%s", verb, r->p.key, refid, done_text,
                    r->last_error.len ? gone_note : "");
        ret = EXIT_GOOD;
    } else {
        ret = EXIT_ATTENTION;
        log_summary(ret, "%s %s (%s): %s%s%s", verb, r->p.key, refid,
                    r->state == LS_FAILED ? "failed" : "not confirmed, left pending",
                    r->last_error.len ? ": " : "", r->last_error.len ? r->last_error.ptr : "");
    }
    opscom_free(oc);
    return ret;
}
