/*
 * cmd_stats.c — `permit-etl stats`: OPSCOM's counts of live permits per
 * (type, zone). Zone names given with --zone are sent as the API's one
 * comma-delimited `zones` string, unless a name contains a comma: then the
 * stats are pulled unfiltered and filtered here (exact match).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "opscom.h"
#include "stats_rows.h"

static const char usage[] =
"usage: permit-etl stats -c CONFIG [--zone NAME]... [--json]\n"
"\n"
"Pulls OPSCOM's counts of live permits per (type, zone) and prints them.\n"
"\n"
"  -c, --config F    configuration file (required: api_url, token)\n"
"      --zone NAME   only this zone (repeatable; matched exactly)\n"
"      --json        print {\"data\":[{\"type\":..,\"zone\":..,\"total\":N},...]}\n"
"\n"
"Exit: 0 stats printed; 2 usage or configuration error (token format);\n"
"3 aborted (API unreachable, auth refused, I/O error).\n";

enum { OPT_ZONE = CLI_FIRST_CMD_OPT, OPT_JSON };

/* --zone with a comma: the rows of the zones asked for (exact match). */
struct only { char *const *zones; size_t n; };

static int keep_zone(void *ctx, const char *zone)
{
    const struct only *o = ctx;
    size_t i;

    for (i = 0; i < o->n; i++)
        if (strcmp(o->zones[i], zone) == 0)
            return 1;
    return 0;
}

/* Display width: code points (good enough for a table). */
static size_t cps(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static void print_table(const struct stats_rows *r)
{
    size_t tw = 4, zw = 4, i, k;

    for (i = 0; i < r->n; i++) {
        if (cps(r->v[i].type) > tw)
            tw = cps(r->v[i].type);
        if (cps(r->v[i].zone) > zw)
            zw = cps(r->v[i].zone);
    }
    printf("%-*s  %-*s  %10s\n", (int)tw, "type", (int)zw, "zone", "total");
    for (i = 0; i < r->n; i++) {
        fputs(r->v[i].type, stdout);
        for (k = cps(r->v[i].type); k < tw + 2; k++)
            putchar(' ');
        fputs(r->v[i].zone, stdout);
        for (k = cps(r->v[i].zone); k < zw + 2; k++)
            putchar(' ');
        printf("%10ld\n", r->v[i].total);
    }
}

static int print_json(const struct stats_rows *r)
{
    struct buf b = BUF_INIT;
    size_t i;
    int bad = 0;

    bad |= buf_addstr(&b, "{\"data\":[");
    for (i = 0; i < r->n; i++) {
        bad |= buf_addstr(&b, i ? ",{\"type\":\"" : "{\"type\":\"");
        bad |= buf_add_json_str(&b, r->v[i].type, strlen(r->v[i].type));
        bad |= buf_addstr(&b, "\",\"zone\":\"");
        bad |= buf_add_json_str(&b, r->v[i].zone, strlen(r->v[i].zone));
        bad |= buf_addf(&b, "\",\"total\":%ld}", r->v[i].total);
    }
    bad |= buf_addstr(&b, "]}\n");
    if (!bad)
        fputs(b.ptr, stdout);
    buf_release(&b);
    return bad ? -1 : 0;
}

int cmd_stats(int argc, char **argv)
{
    static const struct option lo[] = {
        { "config", required_argument, NULL, 'c' },
        { "zone",   required_argument, NULL, OPT_ZONE },
        { "json",   no_argument,       NULL, OPT_JSON },
        CLI_GLOBAL_LONGOPTS,
        { NULL, 0, NULL, 0 }
    };
    const char *cfgpath = NULL;
    char **zones = NULL;
    size_t nzones = 0, i;
    int json = 0, c, ret = EXIT_USAGE, comma = 0;
    struct etl_err err;
    struct config *cfg = NULL;
    char *token = NULL;
    struct opscom *o = NULL;
    char *filter = NULL;
    struct stats_rows rows = STATS_ROWS_INIT;
    struct only only;
    long sum = 0;

    etl_err_clear(&err);
    zones = calloc((size_t)argc + 1, sizeof(char *));
    if (!zones) {
        log_error("stats: out of memory");
        return EXIT_ABORTED;
    }
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":c:" CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfgpath = optarg;
            break;
        case OPT_ZONE:
            if (!*optarg) {
                ret = cli_usage_error("stats", "--zone needs a zone name");
                goto out;
            }
            zones[nzones++] = optarg;
            if (strchr(optarg, ','))
                comma = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        default: {
            enum cli_result r = cli_global_opt(c, "stats", usage, argv);

            if (r == CLI_EXIT_HELP) {
                ret = EXIT_GOOD;
                goto out;
            }
            if (r == CLI_EXIT_USAGE)
                goto out;
        }
        }
    }
    if (optind < argc) {
        ret = cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!cfgpath) {
        ret = cli_usage_error("stats", "-c CONFIG is required");
        goto out;
    }
    cfg = config_load(cfgpath, &err);
    if (!cfg)
        goto fail;
    token = config_read_token(cfg, &err);
    if (!token)
        goto fail;
    o = opscom_new(cfg, token, &err);
    if (!o)
        goto fail;
    if (stats_rows_filter((const char *const *)zones, nzones, &filter) < 0) {
        etl_fail(&err, E_NOMEM, "stats: out of memory");
        goto fail;
    }
    only.zones = zones;
    only.n = nzones;
    if (comma)
        log_info("stats: a zone name contains a comma: pulling all stats and filtering here");
    if (stats_rows_pull(o, filter, comma ? keep_zone : NULL, &only, &rows, &err) < 0)
        goto fail;
    stats_rows_sort(&rows);
    for (i = 0; i < rows.n; i++)
        sum += rows.v[i].total;
    if (json) {
        if (print_json(&rows) < 0) {
            etl_fail(&err, E_NOMEM, "stats: out of memory");
            goto fail;
        }
    } else {
        print_table(&rows);
    }
    if (fflush(stdout) != 0) {
        etl_fail(&err, E_IO, "stats: cannot write the output");
        goto fail;
    }
    ret = EXIT_GOOD;
    log_summary(ret, "stats: %zu rows, %ld live permits", rows.n, sum);
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code);
    log_summary(ret, "stats: failed");
out:
    stats_rows_free(&rows);
    free(filter);
    opscom_free(o);
    config_token_free(token);
    config_free(cfg);
    free(zones);
    return ret;
}
