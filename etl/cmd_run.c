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

#include <string.h>

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

enum { OPT_DRY = CLI_FIRST_CMD_OPT, OPT_FORCE, OPT_DATE };

int cmd_run(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        { "config",  required_argument, NULL, 'c' },
        { "dry-run", no_argument,       NULL, OPT_DRY },
        { "force",   no_argument,       NULL, OPT_FORCE },
        { "date",    required_argument, NULL, OPT_DATE },
        { NULL, 0, NULL, 0 }
    };
    struct pipeline_opts po;
    struct runfiles rf;
    struct config *cfg = NULL;
    struct zones *zones = NULL;
    struct etl_err err;
    int c, y, m, d, ret;

    memset(&po, 0, sizeof(po));
    po.command = "run";
    po.write_report = 1;
    po.archive = 1;
    po.retention = 1;
    po.nightly = 1;
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":c:" CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            po.config_path = optarg;
            break;
        case OPT_DRY:
            po.dry_run = 1;
            break;
        case OPT_FORCE:
            po.force = 1;
            break;
        case OPT_DATE:
            po.date = optarg;
            break;
        default:
            switch (cli_global_opt(c, "run", usage, argv)) {
            case CLI_OK:
                break;
            case CLI_EXIT_HELP:
                return EXIT_GOOD;
            default:
                return EXIT_USAGE;
            }
        }
    }
    if (!po.config_path)
        return cli_usage_error("run", "-c CONFIG is required");
    if (optind < argc)
        return cli_usage_error("run", "unexpected argument '%s' (inputs come from the config)",
                               argv[optind]);
    if (po.date && cli_parse_date(po.date, &y, &m, &d) < 0)
        return cli_usage_error("run", "--date: '%s' is not a date YYYY-MM-DD", po.date);

    etl_err_clear(&err);
    runfiles_init(&rf);
    cfg = config_load(po.config_path, &err);
    if (!cfg)
        goto fail;
    if (cfg->zones) {
        zones = zones_load(cfg->zones, cfg->aliases, &err);
        if (!zones)
            goto fail;
    }
    if (runfiles_expand(&rf, cfg, &err) < 0)
        goto fail;
    po.cfg = cfg;
    po.zones = zones;
    po.zones_path = cfg->zones;
    po.aliases_path = cfg->aliases;
    po.files = &rf;
    ret = pipeline_run(&po);
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code ? err.code : E_INTERNAL);
    if (cfg && !po.dry_run)
        pipeline_nightly(cfg, ret, "run failed before any file was read", NULL, NULL, NULL,
                         NULL, NULL);
    log_summary(ret, "run failed before any file was read");
out:
    zones_free(zones);
    config_free(cfg);
    runfiles_free(&rf);
    return ret;
}
