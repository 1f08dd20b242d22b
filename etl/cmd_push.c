/* cmd_push.c — `permit-etl push`: stage files in the ledger, push to OPSCOM
 * (the pipeline of pipeline.h, with the files named on the command line). */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "pipeline.h"
#include "runfiles.h"

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

static const struct cmd_option options[] = {
    PIPELINE_OPTIONS,
    CMD_FLAG("retry-failed", struct pipeline_opts, retry_failed),
    CMD_OPTIONS_END
};

static int check(struct cmd_env *e)
{
    return e->in.nfiles ? 0 : cli_usage_error("push", "no input FILE given");
}

static void failed(struct cmd_env *e, int exit_code)
{
    (void)e;
    log_summary(exit_code, "push failed before any file was read");
}

static int run(struct cmd_env *e)
{
    struct pipeline_opts *po = e->args;
    struct runfiles rf;
    int i, ret;

    runfiles_init(&rf);
    for (i = 0; i < e->in.nfiles; i++)
        if (runfiles_add(&rf, e->in.files[i], NULL) < 0) {
            etl_fail(&e->err, E_NOMEM, "out of memory");
            ret = command_failed(e);
            goto out;
        }
    pipeline_opts_inputs(po, "push", &e->in, &rf);
    po->write_report = e->in.config->report_dir != NULL;
    ret = pipeline_run(po);
out:
    runfiles_free(&rf);
    return ret;
}

const struct command cmd_push = {
    .name = "push", .summary = "stage files in the ledger and push permits to OPSCOM",
    .flags = CMD_INPUTS | CMD_CONFIG, .usage = usage, .options = options,
    .args_size = sizeof(struct pipeline_opts), .check = check, .run = run, .failed = failed,
};
