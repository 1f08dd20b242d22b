/* stats_rows.c — OPSCOM's stats as rows (stats_rows.h). */
#include "stats_rows.h"

#include "buf.h"
#include "opscom.h"
#include "zones.h"

#include <stdlib.h>
#include <string.h>

void stats_rows_add(struct stats_rows *s, const char *type, const char *zone, long total,
                    long ledger)
{
    struct stats_row *r;

    if (s->nomem)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct stats_row *v = realloc(s->v, cap * sizeof(*v));

        if (!v) {
            s->nomem = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    r = &s->v[s->n];
    r->type = strdup(type);
    r->zone = strdup(zone);
    if (!r->type || !r->zone) {
        free(r->type);
        free(r->zone);
        s->nomem = 1;
        return;
    }
    r->total = total;
    r->ledger = ledger;
    s->n++;
}

void stats_rows_free(struct stats_rows *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].type);
        free(s->v[i].zone);
    }
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int cmp_row(const void *a, const void *b)
{
    const struct stats_row *x = a, *y = b;
    int c = strcmp(x->zone, y->zone);

    return c ? c : strcmp(x->type, y->type);
}

void stats_rows_sort(struct stats_rows *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof(*s->v), cmp_row);
}

void stats_rows_merge(struct stats_rows *s)
{
    size_t i, out = 0;

    if (!s->n)
        return;
    stats_rows_sort(s);
    for (i = 1; i < s->n; i++) {
        if (!cmp_row(&s->v[out], &s->v[i])) {
            s->v[out].total += s->v[i].total;
            s->v[out].ledger += s->v[i].ledger;
            free(s->v[i].type);
            free(s->v[i].zone);
        } else {
            s->v[++out] = s->v[i];
        }
    }
    s->n = out + 1;
}

int stats_rows_filter(const char *const *names, size_t n, char **out)
{
    struct buf b = BUF_INIT;
    size_t i;

    *out = NULL;
    for (i = 0; i < n; i++) {
        if (strchr(names[i], ',')) {
            buf_release(&b);
            return 0;
        }
        if ((i && buf_addch(&b, ',') < 0) || buf_addstr(&b, names[i]) < 0) {
            buf_release(&b);
            return -1;
        }
    }
    *out = buf_detach(&b, NULL);
    return 0;
}

struct pull_ctx {
    struct stats_rows *out;
    int (*keep)(void *ctx, const char *zone);
    void *kctx;
};

static void on_row(void *ctx, const char *type, const char *zone, long total)
{
    struct pull_ctx *c = ctx;

    if (!c->keep || c->keep(c->kctx, zone))
        stats_rows_add(c->out, type, zone, total, 0);
}

int stats_rows_pull(struct opscom *o, const char *filter,
                    int (*keep)(void *ctx, const char *zone), void *kctx,
                    struct stats_rows *out, struct etl_err *err)
{
    struct pull_ctx c;

    c.out = out;
    c.keep = keep;
    c.kctx = kctx;
    if (opscom_stats(o, filter, on_row, &c, err) < 0)
        return -1;
    if (out->nomem)
        return etl_fail(err, E_NOMEM, "stats: out of memory");
    return 0;
}

int stats_rows_pull_zones(const struct config *cfg, const char *token,
                          const struct zones *zones, struct stats_rows *out,
                          struct etl_err *err)
{
    size_t i, n = zones ? zones_count(zones) : 0;
    const char **names = malloc((n ? n : 1) * sizeof(*names));
    struct opscom *o = NULL;
    char *filter = NULL;
    int ret = -1;

    if (!names) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++)
        names[i] = zones_name(zones, i);
    if (stats_rows_filter(names, n, &filter) < 0) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto out;
    }
    o = opscom_new(cfg, token, err);
    if (!o || stats_rows_pull(o, filter, NULL, NULL, out, err) < 0)
        goto out;
    ret = 0;
out:
    free(names);
    free(filter);
    opscom_free(o);
    return ret;
}
