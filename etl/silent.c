/*
 * silent.c — silent zones (silent.h).
 */
#include "silent.h"

#include "ledger.h"
#include "tz.h"

#include <stdlib.h>
#include <string.h>

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

double silent_median(long *v, size_t n)
{
    size_t mid = n / 2;

    qsort(v, n, sizeof(*v), cmp_long);
    if (n % 2)
        return (double)v[mid];
    return ((double)v[mid - 1] + (double)v[mid]) / 2.0;
}

int silent_rule(long sales, long *hist, size_t n, const struct silent_opts *o,
                double *median)
{
    *median = 0;
    if (n == 0 || n < (size_t)o->min_days)
        return 0;
    *median = silent_median(hist, n);
    return (double)sales < o->min_fraction * *median;
}

/* The window's counts: zones x days, dense. */
struct window {
    const struct tz *tz;
    long long first;           /* first day of the window */
    size_t    ndays;
    char    **zones;
    size_t    nzones, cap;
    long     *count;           /* [zone * ndays + day - first] */
    long     *any;             /* sales of any zone per day */
    long long *zfirst;         /* per zone: the business day of its first record */
    int       failed;
};

static long zone_index(struct window *w, const char *zone)
{
    size_t i;

    for (i = w->nzones; i-- > 0; )
        if (!strcmp(w->zones[i], zone))
            return (long)i;
    if (w->nzones == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        char **z = realloc(w->zones, cap * sizeof(*z));
        long *c;

        if (!z)
            return -1;
        w->zones = z;
        c = realloc(w->count, cap * w->ndays * sizeof(*c));
        if (!c)
            return -1;
        memset(c + w->cap * w->ndays, 0, (cap - w->cap) * w->ndays * sizeof(*c));
        w->count = c;
        {
            long long *f = realloc(w->zfirst, cap * sizeof(*f));

            if (!f)
                return -1;
            w->zfirst = f;
        }
        w->cap = cap;
    }
    w->zones[w->nzones] = strdup(zone);
    if (!w->zones[w->nzones])
        return -1;
    w->zfirst[w->nzones] = w->first;   /* until ledger_zone_firsts() says */
    return (long)w->nzones++;
}

static void on_count(void *ctx, const char *zone, long long quarter, long count)
{
    struct window *w = ctx;
    int y, m, d;
    long long day;
    long z;

    if (w->failed || tz_local_date(w->tz, quarter, &y, &m, &d) < 0)
        return;
    day = tz_days_from_civil(y, m, d);
    if (day < w->first || day >= w->first + (long long)w->ndays)
        return;
    z = zone_index(w, zone);
    if (z < 0) {
        w->failed = 1;
        return;
    }
    w->count[(size_t)z * w->ndays + (size_t)(day - w->first)] += count;
    w->any[day - w->first] += count;
}

/* A zone's first record: history days before it are not its history. */
static void on_first(void *ctx, const char *zone, long long first)
{
    struct window *w = ctx;
    int y, m, d;
    size_t i;

    if (w->failed || tz_local_date(w->tz, first, &y, &m, &d) < 0)
        return;
    for (i = 0; i < w->nzones; i++)
        if (!strcmp(w->zones[i], zone)) {
            w->zfirst[i] = tz_days_from_civil(y, m, d);
            return;
        }
}

long silent_judge(struct ledger *l, const struct tz *btz, const long long *days, size_t n,
                  const struct silent_opts *o, silent_fn fn, void *ctx, struct etl_err *err)
{
    struct window w;
    long long from, to, t;
    long found = 0, *hist = NULL;
    size_t i, z;
    int y, m, d, k;

    if (n == 0)
        return 0;
    memset(&w, 0, sizeof(w));
    w.tz = btz;
    w.first = days[0] - 7LL * o->weeks;
    w.ndays = (size_t)(days[n - 1] - w.first + 1);
    w.any = calloc(w.ndays, sizeof(*w.any));
    hist = calloc((size_t)o->weeks + 1, sizeof(*hist));
    if (!w.any || !hist) {
        found = etl_fail(err, E_NOMEM, "silent zones: out of memory");
        goto out;
    }
    tz_civil_from_days(w.first, &y, &m, &d);
    if (tz_day_range(btz, y, m, d, &from, &t) < 0) {
        found = etl_fail(err, E_INTERNAL, "silent zones: no day range");
        goto out;
    }
    tz_civil_from_days(days[n - 1], &y, &m, &d);
    if (tz_day_range(btz, y, m, d, &t, &to) < 0) {
        found = etl_fail(err, E_INTERNAL, "silent zones: no day range");
        goto out;
    }
    if (ledger_sale_counts(l, from, to, on_count, &w, err) < 0) {
        found = -1;
        goto out;
    }
    if (w.failed) {
        found = etl_fail(err, E_NOMEM, "silent zones: out of memory");
        goto out;
    }
    if (w.nzones && ledger_zone_firsts(l, on_first, &w, err) < 0) {
        found = -1;
        goto out;
    }
    for (i = 0; i < n; i++) {
        size_t di = (size_t)(days[i] - w.first);

        if (w.any[di] == 0)
            continue;               /* nothing loaded for the day: not judged */
        for (z = 0; z < w.nzones; z++) {
            size_t nh = 0;
            double med;
            long sales = w.count[z * w.ndays + di];

            for (k = 1; k <= o->weeks; k++) {
                size_t hd = di - (size_t)(7 * k);

                if (w.any[hd] && w.first + (long long)hd >= w.zfirst[z])
                    hist[nh++] = w.count[z * w.ndays + hd];
            }
            if (silent_rule(sales, hist, nh, o, &med)) {
                struct silent_zone sz;

                sz.zone = w.zones[z];
                sz.day = days[i];
                sz.median = med;
                sz.sales = sales;
                if (ledger_zone_last_start(l, w.zones[z], &sz.last_start, err) < 0) {
                    found = -1;
                    goto out;
                }
                found++;
                if (fn && fn(ctx, &sz))
                    goto out;
            }
        }
    }
out:
    for (z = 0; z < w.nzones; z++)
        free(w.zones[z]);
    free(w.zones);
    free(w.count);
    free(w.any);
    free(w.zfirst);
    free(hist);
    return found;
}
