/* cmd_delete.c — `permit-etl delete`: delete a pushed permit on OPSCOM.
 * The ledger record becomes `deleted`; its content hash is kept, so a
 * rerun on the same file does not push it again. */
#include "admin.h"
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "err.h"
#include "ledger.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl delete -c CONFIG (--ref ID | --key KEY)\n"
"\n"
"Deletes a permit that is live on OPSCOM (404 / ErrorCode 9009: already gone,\n"
"counted as deleted). A rerun on the same input does not push it again.\n"
"\n"
ADMIN_HELP
"\n"
"Exit: 0 deleted; 1 not applied: the server refused it (its answer is\n"
"shown); 2 usage error, unknown key or reference, a permit not live;\n"
"3 aborted (API unreachable, auth refused, ledger locked, I/O error).\n";

struct args {
    struct admin_target t;
};

static const struct cmd_option options[] = {
    ADMIN_OPTIONS(struct args, t),
    CMD_OPTIONS_END
};

static int check(struct cmd_env *e)
{
    const struct args *a = e->args;
    int rc = admin_check(e, &a->t);

    return rc ? rc : command_no_operands(e);
}

static int run(struct cmd_env *e)
{
    const struct args *a = e->args;
    struct ledger_rec r;
    char refid[64];
    int ret;

    ledger_rec_init(&r);
    if (admin_find(e, &a->t, &r) < 0 || ledger_admin_delete(e->ledger, r.id, &e->err) < 0) {
        ret = command_fail(e);
    } else {
        /* the reference id as it was: the summary names what was deleted */
        snprintf(refid, sizeof(refid), "%s", r.reference_id);
        ret = admin_send(e, &r, "delete", refid, LS_DELETED, "deleted",
                         " (it was already gone)");
    }
    ledger_rec_release(&r);
    return ret;
}

const struct command cmd_delete = {
    .name = "delete", .summary = "delete a pushed permit",
    .flags = CMD_CONFIG | CMD_TOKEN | CMD_LEDGER_LOCK, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .check = check, .run = run,
};
