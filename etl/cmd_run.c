/*
 * cmd_run.c — `permit-etl run`: the nightly job. Expands the config's
 * `inputs` globs and runs the pipeline (pipeline.h): stage, push, pull
 * stats, write the report and summary JSON into report_dir, archive the
 * files whose records are all final.
 */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "pipeline.h"
#include "runfiles.h"
#include "zones.h"


static const char usage[] =
"usage: permit-etl run -c CONFIG [--dry-run] [--force] [--date YYYY-MM-DD]\n"
"\n"
"The nightly job. Reads every file matching the config's `inputs` globs\n"
"(sorted; processed and unchanged files are skipped and said so), stages\n"
"their records in the ledger, pushes everything pending to OPSCOM, pulls\n"
"OPSCOM's stats, and writes REPORT_DIR/permit-etl-YYYYMMDD-HHMMSS.xlsx and\n"
"...-summary.json beside it (UTC time of the run; report_dir defaults to the\n"
"config's directory). Files whose records are all final are moved to\n"
"archive_dir when it is set. With retention_days set, the run ends by\n"
"pruning final records that ended longer ago (as `ledger prune`: plates\n"
"dropped, plate-free tombstones kept) and says how many.\n"
"Voids cancel their sale in any order (a pushed one is deleted); money is\n"
"Gross, Voids and Net per currency; the summary line and JSON put every\n"
"row of the run in one bucket (rows, sales, voids; earlier runs apart).\n"
"Settlement files (`settlements`: new or changed ones) are read after the\n"
"inputs and reconciled against the Net of this run's days (Reconciliation);\n"
"zones whose sales fell far below their weekday median are listed on\n"
"Silent Zones (`silent_zones`). Unexplained differences, silent zones and\n"
"rejected settlement lines make exit 1.\n"
"Then (not with --dry-run, not after exit 2) metrics_file is rewritten and\n"
"`notify` mails and/or posts the summary after exit 3, or also exit 1 with\n"
"\"on\": \"attention\" (see `permit-etl check`).\n"
"\n"
"Inputs must be regular files (gzip data is decompressed whatever the name);\n"
"one file matched by two paths is read once (the ledger records real paths).\n"
"\n"
"  -c, --config F    configuration file (required)\n"
"      --dry-run     a plan, nothing sent or written (no token needed, no\n"
"                    ledger change, no report or summary JSON, nothing\n"
"                    archived): prints 'would push N, update M, delete K,\n"
"                    repush R, hold H'; with -v one line per record\n"
"      --force       push the records of files over max_reject_ratio\n"
"      --date D      re-read the inputs for the records whose start falls on\n"
"                    business day D (business_tz), even if processed; the\n"
"                    ledger still prevents double pushes\n"
"\n"
PUSH_EXIT_HELP;

static const struct cmd_option options[] = {
    PIPELINE_OPTIONS,
    CMD_STRING("date", struct pipeline_opts, date),
    CMD_OPTIONS_END
};

static int check(struct cmd_env *e)
{
    const struct pipeline_opts *po = e->args;
    int y, m, d;

    if (e->argc)
        return cli_usage_error("run", "unexpected argument '%s' (inputs come from the config)",
                               e->argv[0]);
    if (po->date && cli_parse_date(po->date, &y, &m, &d) < 0)
        return cli_usage_error("run", "--date: '%s' is not a date YYYY-MM-DD", po->date);
    return 0;
}

/* Before any file was read: the nightly outputs still say so (once the
 * config is loaded), then the summary line. */
static void failed(struct cmd_env *e, int exit_code)
{
    const struct pipeline_opts *po = e->args;

    if (e->in.config && !po->dry_run)
        pipeline_nightly(e->in.config, exit_code, "run failed before any file was read", NULL,
                         NULL, NULL, NULL, NULL);
    log_summary(exit_code, "run failed before any file was read");
}

static int run(struct cmd_env *e)
{
    struct pipeline_opts *po = e->args;
    const struct config *cfg = e->in.config;
    struct runfiles rf;
    int ret;

    runfiles_init(&rf);
    /* the config's zone tables (aliases without zones are ignored, as
     * `check` says) */
    e->in.zones_path = cfg->zones;
    e->in.aliases_path = cfg->aliases;
    if (cfg->zones) {
        e->in.zones = zones_load(cfg->zones, cfg->aliases, &e->err);
        if (!e->in.zones)
            goto fail;
    }
    if (runfiles_expand(&rf, cfg, &e->err) < 0)
        goto fail;
    pipeline_opts_inputs(po, "run", &e->in, &rf);
    po->write_report = 1;
    po->archive = 1;
    po->retention = 1;
    po->nightly = 1;
    ret = pipeline_run(po);
    goto out;
fail:
    ret = command_failed(e);
out:
    runfiles_free(&rf);
    return ret;
}

const struct command cmd_run = {
    .name = "run", .summary = "the nightly job: inputs -> push -> stats -> report",
    .flags = CMD_CONFIG, .usage = usage, .options = options,
    .args_size = sizeof(struct pipeline_opts), .check = check, .run = run, .failed = failed,
};
