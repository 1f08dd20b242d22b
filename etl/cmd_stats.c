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
#include "command.h"
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

/* --zone with a comma: the rows of the zones asked for (exact match). */
struct only { const char *const *zones; size_t n; };

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

struct args {
    const char **zones;          /* --zone names (borrowed from argv) */
    size_t nzones, cap;
    int json, comma;
};

static const struct cmd_option options[] = {
    CMD_HOOK("zone"),
    CMD_FLAG("json", struct args, json),
    CMD_OPTIONS_END
};

/* --zone NAME, repeatable */
static int option(struct cmd_env *e, const struct cmd_option *o, const char *arg)
{
    struct args *a = e->args;

    (void)o;
    if (!*arg)
        return cli_usage_error("stats", "--zone needs a zone name");
    if (a->nzones == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        const char **nv = realloc(a->zones, cap * sizeof(*nv));

        if (!nv) {
            log_error("stats: out of memory");
            return EXIT_ABORTED;
        }
        a->zones = nv;
        a->cap = cap;
    }
    a->zones[a->nzones++] = arg;
    if (strchr(arg, ','))
        a->comma = 1;
    return 0;
}

static void release(void *args)
{
    free(((struct args *)args)->zones);
}

static void failed(struct cmd_env *e, int exit_code)
{
    (void)e;
    log_summary(exit_code, "stats: failed");
}

static int run(struct cmd_env *e)
{
    const struct args *a = e->args;
    size_t i;
    int ret;
    struct opscom *o = NULL;
    char *filter = NULL;
    struct stats_rows rows = STATS_ROWS_INIT;
    struct only only;
    long sum = 0;

    o = opscom_new(e->in.config, e->token, &e->err);
    if (!o)
        goto fail;
    if (stats_rows_filter((const char *const *)a->zones, a->nzones, &filter) < 0) {
        etl_fail(&e->err, E_NOMEM, "stats: out of memory");
        goto fail;
    }
    only.zones = (const char *const *)a->zones;
    only.n = a->nzones;
    if (a->comma)
        log_info("stats: a zone name contains a comma: pulling all stats and filtering here");
    if (stats_rows_pull(o, filter, a->comma ? keep_zone : NULL, &only, &rows, &e->err) < 0)
        goto fail;
    stats_rows_sort(&rows);
    for (i = 0; i < rows.n; i++)
        sum += rows.v[i].total;
    if (a->json) {
        if (print_json(&rows) < 0) {
            etl_fail(&e->err, E_NOMEM, "stats: out of memory");
            goto fail;
        }
    } else {
        print_table(&rows);
    }
    if (fflush(stdout) != 0) {
        etl_fail(&e->err, E_IO, "stats: cannot write the output");
        goto fail;
    }
    ret = EXIT_GOOD;
    log_summary(ret, "stats: %zu rows, %ld live permits", rows.n, sum);
    goto out;
fail:
    ret = command_failed(e);
out:
    stats_rows_free(&rows);
    free(filter);
    opscom_free(o);
    return ret;
}

const struct command cmd_stats = {
    .name = "stats", .summary = "pull OPSCOM's permit stats",
    .flags = CMD_CONFIG | CMD_TOKEN, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .option = option, .check = command_no_operands,
    .run = run, .failed = failed, .release = release,
};
