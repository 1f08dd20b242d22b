#include "report_stats.h"

#include "buf.h"
#include "ledger.h"
#include "opscom.h"
#include "report.h"
#include "zones.h"

#include <stdlib.h>
#include <string.h>

struct srow {
    char *type, *zone;      /* type is "" for the disconnected list */
    long  server, ledger;
};

struct srows {
    struct srow *v;
    size_t n, cap;
    int failed;             /* out of memory while collecting */
};

struct sctx {
    const struct zones *zones;
    struct srows known, live;
};

static void srows_add(struct srows *s, const char *type, const char *zone, long server,
                      long ledger)
{
    struct srow *r;

    if (s->failed)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct srow *v = realloc(s->v, cap * sizeof(*v));

        if (!v) {
            s->failed = 1;
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
        s->failed = 1;
        return;
    }
    r->server = server;
    r->ledger = ledger;
    s->n++;
}

static void srows_free(struct srows *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].type);
        free(s->v[i].zone);
    }
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int cmp_srow(const void *a, const void *b)
{
    const struct srow *x = a, *y = b;
    int c = strcmp(x->zone, y->zone);

    return c ? c : strcmp(x->type, y->type);
}

/* Sorts and sums rows with the same (zone, type) into the first of them. */
static void srows_merge(struct srows *s)
{
    size_t i, out = 0;

    if (!s->n)
        return;
    qsort(s->v, s->n, sizeof(s->v[0]), cmp_srow);
    for (i = 1; i < s->n; i++) {
        if (!cmp_srow(&s->v[out], &s->v[i])) {
            s->v[out].server += s->v[i].server;
            s->v[out].ledger += s->v[i].ledger;
            free(s->v[i].type);
            free(s->v[i].zone);
        } else {
            s->v[++out] = s->v[i];
        }
    }
    s->n = out + 1;
}

/* A zone name exactly as zones.txt spells it (every name without a list). */
static int known_zone(const struct zones *z, const char *zone)
{
    const char *spelled = NULL;

    if (!z)
        return 1;
    return zones_lookup(z, zone, strlen(zone), &spelled) == ZONE_MATCHED && spelled &&
           !strcmp(spelled, zone);
}

static void on_server_row(void *ctx, const char *type, const char *zone, long total)
{
    struct sctx *s = ctx;

    if (known_zone(s->zones, zone))
        srows_add(&s->known, type, zone, total, 0);
}

static void on_live(void *ctx, const char *type, const char *zone, const char *zone_status,
                    long count)
{
    struct sctx *s = ctx;

    if (!strcmp(zone_status, "disconnected"))
        srows_add(&s->live, "", zone, 0, count);
    else if (known_zone(s->zones, zone))
        srows_add(&s->known, type, zone, 0, count);
}

/* The known zones as the API's one comma-delimited filter; NULL (pull
 * everything, filter here) without a zone list or when a name has a comma. */
static int zone_filter(const struct zones *z, char **out)
{
    struct buf b = BUF_INIT;
    size_t i, n = z ? zones_count(z) : 0;

    *out = NULL;
    for (i = 0; i < n; i++) {
        const char *name = zones_name(z, i);

        if (strchr(name, ',')) {
            buf_release(&b);
            return 0;
        }
        if ((i && buf_addch(&b, ',') < 0) || buf_addstr(&b, name) < 0) {
            buf_release(&b);
            return -1;
        }
    }
    *out = buf_detach(&b, NULL);
    return 0;
}

int report_pull_stats(struct report *rep, const struct config *cfg, const char *token,
                      const struct zones *zones, struct ledger *led, struct etl_err *err)
{
    struct sctx s;
    struct opscom *o = NULL;
    char *filter = NULL;
    size_t i;
    int ret = -1;

    memset(&s, 0, sizeof(s));
    s.zones = zones;
    if (zone_filter(zones, &filter) < 0) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto out;
    }
    o = opscom_new(cfg, token, err);
    if (!o || opscom_stats(o, filter, on_server_row, &s, err) < 0)
        goto out;
    if (led && ledger_live_counts(led, on_live, &s, err) < 0)
        goto out;
    if (s.known.failed || s.live.failed) {
        etl_fail(err, E_NOMEM, "stats: out of memory");
        goto out;
    }
    srows_merge(&s.known);
    srows_merge(&s.live);
    for (i = 0; i < s.known.n; i++)
        if (report_add_stats_row(rep, s.known.v[i].type, s.known.v[i].zone,
                                 s.known.v[i].server, s.known.v[i].ledger) < 0)
            break;
    for (i = 0; i < s.live.n; i++)
        if (report_add_live_disconnected(rep, s.live.v[i].zone, s.live.v[i].ledger) < 0)
            break;
    report_set_stats_pulled(rep);
    ret = 0;
out:
    if (ret < 0)
        report_set_stats_error(rep, err->msg);
    srows_free(&s.known);
    srows_free(&s.live);
    free(filter);
    opscom_free(o);
    return ret;
}
