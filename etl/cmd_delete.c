/* cmd_delete.c — `permit-etl delete`: delete a pushed permit on OPSCOM.
 * The ledger record becomes `deleted`; its content hash is kept, so a
 * rerun on the same file does not push it again. */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "ledger.h"
#include "log.h"
#include "opscom.h"
#include "push.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl delete -c CONFIG (--ref ID | --key KEY)\n"
"\n"
"Deletes a permit that is live on OPSCOM (404 / ErrorCode 9009: already gone,\n"
"counted as deleted). A rerun on the same input does not push it again.\n"
"\n"
"  -c, --config F    configuration file (required: api_url, token, ledger)\n"
"      --ref ID      the permit by its OPSCOM reference id\n"
"      --key KEY     the permit by its idempotency key (profile:id)\n"
"\n"
"Exit: 0 deleted; 1 not applied: the server refused it (its answer is\n"
"shown); 2 usage error, unknown key or reference, a permit not live;\n"
"3 aborted (API unreachable, auth refused, ledger locked, I/O error).\n";

enum { OPT_REF = CLI_FIRST_CMD_OPT, OPT_KEY };

static int run_opscom(void *transport, const struct opscom_hooks *h, void *ctx,
                      struct etl_err *err)
{
    return opscom_run(transport, h, ctx, err);
}

int cmd_delete(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        { "config", required_argument, NULL, 'c' },
        { "ref",    required_argument, NULL, OPT_REF },
        { "key",    required_argument, NULL, OPT_KEY },
        { NULL, 0, NULL, 0 }
    };
    const char *cfg_path = NULL, *ref = NULL, *key = NULL;
    struct etl_err err;
    struct config *cfg = NULL;
    char *token = NULL;
    struct ledger *l = NULL;
    struct opscom *oc = NULL;
    struct ledger_rec r;
    char refid[64];
    int c, ret = EXIT_ABORTED;

    etl_err_clear(&err);
    ledger_rec_init(&r);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":c:" CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        switch (c) {
        case 'c': cfg_path = optarg; break;
        case OPT_REF: ref = optarg; break;
        case OPT_KEY: key = optarg; break;
        default:
            switch (cli_global_opt(c, "delete", usage, argv)) {
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
        return cli_usage_error("delete", "-c CONFIG is required");
    if (!ref == !key)
        return cli_usage_error("delete", "give exactly one of --ref ID and --key KEY");
    if (optind < argc)
        return cli_usage_error("delete", "unexpected argument '%s'", argv[optind]);

    if (push_admin_open(cfg_path, ref, key, &cfg, &token, &l, &r, &err) < 0)
        goto fail;
    snprintf(refid, sizeof(refid), "%s", r.reference_id);
    if (ledger_admin_delete(l, r.id, &err) < 0)
        goto fail;
    oc = opscom_new(cfg, token, &err);
    if (!oc)
        goto fail;
    if (push_admin_send(l, r.id, run_opscom, oc, &r, &err) < 0) {
        log_err(&err);
        log_summary(EXIT_ABORTED, "delete %s: aborted, left pending", r.p.key);
        ret = EXIT_ABORTED;
        goto out;
    }
    if (r.state == LS_DELETED) {
        log_summary(EXIT_GOOD, "delete %s (%s): deleted%s", r.p.key, refid,
                    r.last_error.len ? " (it was already gone)" : "");
        ret = EXIT_GOOD;
    } else {
        ret = EXIT_ATTENTION;
        log_summary(ret, "delete %s (%s): %s%s%s", r.p.key, refid,
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
    return ret;
}
