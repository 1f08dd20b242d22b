/* cmd_push.c — `permit-etl push`: stage files in the ledger, push to OPSCOM. */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "ingest.h"
#include "inputs.h"
#include "ledger.h"
#include "log.h"
#include "opscom.h"
#include "push.h"
#include "zones.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl push -c CONFIG [-f PROFILE] [--dry-run] [--force] [--retry-failed] FILE...\n"
"                       [--zones F] [--aliases F]\n"
"\n"
"Reads each FILE once, stages its accepted records in the ledger, then pushes\n"
"everything pending in the ledger (leftovers of earlier runs too) to OPSCOM.\n"
"A file already processed and unchanged (path, size, mtime, sha256) is skipped.\n"
"\n"
INPUTS_HELP
"      --dry-run         no network, no ledger writes: print what would be sent\n"
"      --force           push the records of files over max_reject_ratio\n"
"      --retry-failed    send `failed` records again\n";

enum { OPT_DRY = CLI_FIRST_CMD_OPT, OPT_FORCE, OPT_RETRY };

static void on_signal(int sig)
{
    (void)sig;
    push_interrupt();
    opscom_interrupt();
}

static int run_opscom(void *transport, const struct opscom_hooks *h, void *ctx,
                      struct etl_err *err)
{
    return opscom_run(transport, h, ctx, err);
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

int cmd_push(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        INPUTS_LONGOPTS,
        { "dry-run",      no_argument,       NULL, OPT_DRY },
        { "force",        no_argument,       NULL, OPT_FORCE },
        { "retry-failed", no_argument,       NULL, OPT_RETRY },
        { NULL, 0, NULL, 0 }
    };
    struct inputs inp;
    int dry = 0, force = 0, retry = 0, c, i, ret = EXIT_GOOD, aborted = 0;
    struct etl_err err;
    struct config *cfg;
    char *token = NULL;
    struct ingest *in = NULL;
    struct ledger *l = NULL;
    struct push *p = NULL;
    struct opscom *oc = NULL;
    struct buf lpath = BUF_INIT;
    struct push_opts po;
    struct ingest_opts io;
    struct ingest_sink sink;
    char ctx[65], summary[1024];
    struct sigaction sa, old_int, old_term;

    etl_err_clear(&err);
    inputs_init(&inp);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":" INPUTS_SHORT CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        if (inputs_opt(&inp, c, optarg))
            continue;
        switch (c) {
        case OPT_DRY:
            dry = 1;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        case OPT_RETRY:
            retry = 1;
            break;
        default:
            switch (cli_global_opt(c, "push", usage, argv)) {
            case CLI_OK:
                break;
            case CLI_EXIT_HELP:
                inputs_free(&inp);
                return EXIT_GOOD;
            default:
                inputs_free(&inp);
                return EXIT_USAGE;
            }
        }
    }
    if (!inp.config_path)
        return cli_usage_error("push", "-c CONFIG is required");
    if (optind >= argc)
        return cli_usage_error("push", "no input FILE given");
    inputs_files(&inp, argc, argv, optind);

    timing_begin("config");
    if (inputs_load(&inp, &err) < 0)
        goto fail;
    cfg = inp.config;
    if (!dry) {
        /* the token's format is checked before anything else happens */
        token = config_read_token(cfg, &err);
        if (!token)
            goto fail;
    }
    if (push_ledger_path(cfg, &lpath, &err) < 0 ||
        push_context_hash(inp.zones_path, inp.aliases_path, cfg->disconnected_hold,
                          inp.profile, ctx, &err) < 0)
        goto fail;
    memset(&io, 0, sizeof(io));
    io.profile = inp.profile;
    io.zones = inp.zones;
    in = ingest_new(&io, &err);
    if (!in)
        goto fail;
    timing_end("config");
    l = ledger_open(lpath.ptr, dry ? LEDGER_DRY : LEDGER_LOCK, &err);
    if (!l)
        goto fail;
    memset(&po, 0, sizeof(po));
    po.batch_size = cfg->batch_size;
    po.max_reject_ratio = cfg->max_reject_ratio;
    po.hold_disconnected = cfg->disconnected_hold;
    po.force = force;
    po.retry_failed = retry;
    po.dry_run = dry;
    po.dry_out = stdout;
    po.zones = inp.zones;
    po.ctx_hash = ctx;
    p = push_new(l, &po, &err);
    if (!p || push_begin(p, &err) < 0)
        goto fail;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    timing_begin("stage");
    push_sink(p, &sink);
    for (i = optind; i < argc && !push_interrupted(); i++) {
        struct ingest_stats st;
        int skip, rc;

        if (push_file_check(p, argv[i], &skip, &err) < 0) {
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            etl_err_clear(&err);
            continue;
        }
        if (skip) {
            log_info("%s: processed before and unchanged: skipped", argv[i]);
            continue;
        }
        if (push_file_begin(p, argv[i], &err) < 0) {
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            etl_err_clear(&err);
            continue;
        }
        memset(&st, 0, sizeof(st));
        rc = ingest_file(in, argv[i], &sink, &st, &err);
        if (rc < 0) {
            if (err.code == E_DB || err.code == E_NOMEM || err.code == E_INTERNAL)
                goto fail;     /* the ledger itself failed */
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            etl_err_clear(&err);
        }
        if (push_file_end(p, argv[i], &st, rc == 0, &err) < 0)
            goto fail;
    }
    log_row_errors_flush();
    timing_end("stage");

    timing_begin("push");
    if (!push_interrupted()) {
        if (!dry) {
            oc = opscom_new(cfg, token, &err);
            if (!oc)
                goto fail;
        }
        if (push_send(p, run_opscom, oc, &err) < 0) {
            log_err(&err);
            aborted = 1;
            etl_err_clear(&err);
        }
    }
    timing_end("push");
    if (push_finish(p, &err) < 0)
        goto fail;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (push_interrupted())
        aborted = 1;
    ret = worst(ret, push_exit_code(p));
    if (aborted)
        ret = EXIT_ABORTED;
    push_summary_text(p, summary, sizeof(summary));
    timing_report();
    log_summary(ret, "push%s%s: %s", dry ? " (dry run)" : "",
                push_interrupted() ? " interrupted" : aborted ? " aborted" : "", summary);
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code ? err.code : E_INTERNAL);
    if (p) {
        push_summary_text(p, summary, sizeof(summary));
        log_summary(ret, "push failed: %s", summary);
    } else {
        log_summary(ret, "push failed");
    }
out:
    opscom_free(oc);
    push_free(p);
    ledger_close(l);
    ingest_free(in);
    if (token)
        config_token_free(token);
    inputs_free(&inp);
    buf_release(&lpath);
    return ret;
}
