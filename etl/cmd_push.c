/* cmd_push.c — `permit-etl push`: stage files in the ledger, push to OPSCOM
 * (the pipeline of pipeline.h, with the files named on the command line). */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "inputs.h"
#include "log.h"
#include "pipeline.h"
#include "runfiles.h"

#include <string.h>

static const char usage[] =
"usage: permit-etl push -c CONFIG [-f PROFILE] [--dry-run] [--force] [--retry-failed] FILE...\n"
"                       [--zones F] [--aliases F]\n"
"\n"
"Reads each FILE once, stages its accepted records in the ledger, then pushes\n"
"everything pending in the ledger (leftovers of earlier runs too) to OPSCOM.\n"
"A file already processed and unchanged (path, size, mtime, sha256) is skipped.\n"
"A void row cancels the sale with its key in any order (a pushed one is\n"
"deleted); the summary line puts every row of the run in one bucket.\n"
"With report_dir in the config, the XLSX report and its summary JSON are\n"
"written there too (OPSCOM's stats pulled into it), as `run` does.\n"
"FILE must be a regular file (it is hashed, and compared on the next run);\n"
"gzip data is decompressed whatever the name. One file reached by two paths\n"
"(a symlink, ./a.csv and ../dir/a.csv) is one file: the ledger records its\n"
"real path, and the second is skipped.\n"
"\n"
INPUTS_HELP
"      --dry-run     a plan, nothing sent or written (no token needed, no\n"
"                    ledger change, no report): prints 'would push N, update\n"
"                    M, delete K, repush R, hold H'; with -v one line per\n"
"                    record, updates as old -> new\n"
"      --force       push the records of files over max_reject_ratio\n"
"      --retry-failed  send `failed` records again (a failure in doubt is\n"
"                    resent flagged resent_after_doubt); never one a void\n"
"                    failed, never an unlinked one (no usable reference id)\n"
"\n"
PUSH_EXIT_HELP;

enum { OPT_DRY = CLI_FIRST_CMD_OPT, OPT_FORCE, OPT_RETRY };

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
    struct pipeline_opts po;
    struct runfiles rf;
    struct etl_err err;
    int c, i, ret;

    memset(&po, 0, sizeof(po));
    po.command = "push";
    inputs_init(&inp);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":" INPUTS_SHORT CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        if (inputs_opt(&inp, c, optarg))
            continue;
        switch (c) {
        case OPT_DRY:
            po.dry_run = 1;
            break;
        case OPT_FORCE:
            po.force = 1;
            break;
        case OPT_RETRY:
            po.retry_failed = 1;
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

    etl_err_clear(&err);
    runfiles_init(&rf);
    if (inputs_load(&inp, &err) < 0)
        goto fail;
    for (i = optind; i < argc; i++)
        if (runfiles_add(&rf, argv[i], NULL) < 0) {
            etl_fail(&err, E_NOMEM, "out of memory");
            goto fail;
        }
    po.config_path = inp.config_path;
    po.cfg = inp.config;
    po.zones = inp.zones;
    po.zones_path = inp.zones_path;
    po.aliases_path = inp.aliases_path;
    po.profile = inp.profile;
    po.files = &rf;
    po.write_report = inp.config->report_dir != NULL;
    ret = pipeline_run(&po);
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code ? err.code : E_INTERNAL);
    log_summary(ret, "push failed before any file was read");
out:
    runfiles_free(&rf);
    inputs_free(&inp);
    return ret;
}
