/*
 * admin.h — the one path shared by `update` and `delete`: the permit named
 * by --ref ID or --key KEY in the locked ledger, then the change sent alone
 * and the one summary line.
 *
 * The command declares CMD_CONFIG | CMD_TOKEN | CMD_LEDGER_LOCK (command.h)
 * and ADMIN_OPTIONS among its options; admin_check() in its check(); then
 * in run():
 * admin_find(), its own ledger_admin_update()/ledger_admin_delete(), and
 * admin_send(), which returns the exit code.
 */
#ifndef ETL_ADMIN_H
#define ETL_ADMIN_H

#include "command.h"
#include "ledger.h"

struct cmd_env;

/* The --ref and --key options (command.h), into a struct admin_target
 * `member` of the command's `type`. */
#define ADMIN_OPTIONS(type, member)                \
    CMD_STRING("ref", type, member.ref),           \
    CMD_STRING("key", type, member.key)

#define ADMIN_HELP                                                              \
    "  -c, --config F    configuration file (required: api_url, token, ledger)\n" \
    "      --ref ID      the permit by its OPSCOM reference id\n"              \
    "      --key KEY     the permit by its idempotency key (profile:id)\n"

struct admin_target {
    const char *ref;             /* --ref (borrowed) */
    const char *key;             /* --key (borrowed) */
};

/* "give exactly one of --ref ID and --key KEY": the exit code, else 0. */
int admin_check(const struct cmd_env *e, const struct admin_target *t);

/* The record into *r: it must exist and be live on OPSCOM with a usable
 * reference id (E_USAGE otherwise). 0 or -1 with e->err. */
int admin_find(struct cmd_env *e, const struct admin_target *t, struct ledger_rec *r);

/*
 * Sends the change recorded for r (ledger_admin_update/_delete) and prints
 * the summary line "VERB KEY (REFID): ...": `done` (the state that means
 * applied) gives exit 0 with `done_text` (plus `gone_note` when the server
 * said it was already so); failed or unconfirmed exit 1 with the server's
 * answer; aborted exit 3 (left pending). Returns the exit code.
 */
int admin_send(struct cmd_env *e, struct ledger_rec *r, const char *verb, const char *refid,
               enum ledger_state done, const char *done_text, const char *gone_note);

#endif
