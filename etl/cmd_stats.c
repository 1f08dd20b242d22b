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

struct row {
    char *type, *zone;
    long  total;
};

struct rows {
    struct row *v;
    size_t n, cap;
    const char *const *only;   /* local filter, NULL: none */
    size_t nonly;
    int nomem;
};

static void on_row(void *ctx, const char *type, const char *zone, long total)
{
    struct rows *r = ctx;
    struct row *nv;
    size_t i;

    if (r->only) {
        for (i = 0; i < r->nonly; i++)
            if (strcmp(r->only[i], zone) == 0)
                break;
        if (i == r->nonly)
            return;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;

        nv = realloc(r->v, cap * sizeof(*nv));
        if (!nv) {
            r->nomem = 1;
            return;
        }
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n].type = strdup(type);
    r->v[r->n].zone = strdup(zone);
    r->v[r->n].total = total;
    if (!r->v[r->n].type || !r->v[r->n].zone) {
        free(r->v[r->n].type);
        free(r->v[r->n].zone);
        r->nomem = 1;
        return;
    }
    r->n++;
}

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int c = strcmp(x->zone, y->zone);

    return c ? c : strcmp(x->type, y->type);
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

static void print_table(const struct rows *r)
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

static int print_json(const struct rows *r)
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
    struct buf filter = BUF_INIT;
    struct rows rows;
    long sum = 0;

    memset(&rows, 0, sizeof(rows));
    o = opscom_new(e->in.config, e->token, &e->err);
    if (!o)
        goto fail;
    if (a->nzones && !a->comma) {
        for (i = 0; i < a->nzones; i++)
            if ((i && buf_addch(&filter, ',') < 0) || buf_addstr(&filter, a->zones[i]) < 0) {
                etl_fail(&e->err, E_NOMEM, "stats: out of memory");
                goto fail;
            }
    } else if (a->nzones) {
        rows.only = a->zones;
        rows.nonly = a->nzones;
        log_info("stats: a zone name contains a comma: pulling all stats and filtering here");
    }
    if (opscom_stats(o, filter.len ? filter.ptr : NULL, on_row, &rows, &e->err) < 0)
        goto fail;
    if (rows.nomem) {
        etl_fail(&e->err, E_NOMEM, "stats: out of memory");
        goto fail;
    }
    if (rows.n)
        qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
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
    ret = command_fail(e);
    failed(e, ret);
out:
    for (i = 0; i < rows.n; i++) {
        free(rows.v[i].type);
        free(rows.v[i].zone);
    }
    free(rows.v);
    buf_release(&filter);
    opscom_free(o);
    return ret;
}

const struct command cmd_stats = {
    .name = "stats", .summary = "pull OPSCOM's permit stats",
    .flags = CMD_CONFIG | CMD_TOKEN, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .option = option, .check = command_no_operands,
    .run = run, .failed = failed, .release = release,
};
