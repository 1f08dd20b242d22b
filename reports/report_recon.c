/*
 * report_recon.c — Reconciliation and Silent Zones from the ledger
 * (report_recon.h).
 */
#include "report_recon.h"

#include "ledger.h"
#include "silent.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- day sets -------------------------------------------------------------- */

static size_t lower_bound(const struct recon_days *d, long long day)
{
    size_t lo = 0, hi = d->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (d->v[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int recon_days_has(const struct recon_days *d, long long day)
{
    size_t i = lower_bound(d, day);

    return i < d->n && d->v[i] == day;
}

int recon_days_add(struct recon_days *d, long long day)
{
    size_t i;

    if (d->n && d->v[d->n - 1] < day) {
        i = d->n;                          /* the usual case: ascending */
    } else {
        i = lower_bound(d, day);
        if (i < d->n && d->v[i] == day)
            return 0;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        long long *v = realloc(d->v, cap * sizeof(*v));

        if (!v)
            return -1;
        d->v = v;
        d->cap = cap;
    }
    memmove(d->v + i + 1, d->v + i, (d->n - i) * sizeof(*d->v));
    d->v[i] = day;
    d->n++;
    return 0;
}

int recon_days_add_range(struct recon_days *d, long long from, long long to)
{
    long long day;

    for (day = from; day <= to; day++)
        if (recon_days_add(d, day) < 0)
            return -1;
    return 0;
}

void recon_days_free(struct recon_days *d)
{
    free(d->v);
    memset(d, 0, sizeof(*d));
}

void recon_day_text(long long day, char out[11])
{
    int y, m, d;
    char t[32];

    tz_civil_from_days(day, &y, &m, &d);
    snprintf(t, sizeof(t), "%04d-%02d-%02d", y, m, d);
    memcpy(out, t, 10);
    out[10] = '\0';
}

/* "YYYY-MM-DD" -> days since the epoch; -1 if not one. */
long long recon_day_parse(const char *s)
{
    int i, y, m, d;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    return tz_days_from_civil(y, m, d);
}

/* ---- reconciliation ---------------------------------------------------------- */

#define DAY_UNKNOWN (-1LL)

struct entry {
    long long     day;             /* DAY_UNKNOWN: rejected rows without a day */
    char          vendor[64];
    enum currency currency;
    int           has_net, settled, settled_count_given;
    long long     net, settled_cents, rej_cents;
    long          net_count, settled_count, rej_count;
};

struct recon {
    const struct tz          *tz;
    const struct recon_days  *days;
    struct entry             *e;
    size_t                    n, cap;
    int                       failed;
};

static struct entry *entry_get(struct recon *c, long long day, const char *vendor,
                               size_t vlen, enum currency cur)
{
    size_t i;
    struct entry *e;

    if (vlen >= sizeof(e->vendor))
        vlen = sizeof(e->vendor) - 1;
    for (i = c->n; i-- > 0; ) {
        e = &c->e[i];
        if (e->day == day && e->currency == cur && strlen(e->vendor) == vlen &&
            !memcmp(e->vendor, vendor, vlen))
            return e;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct entry *v = realloc(c->e, cap * sizeof(*v));

        if (!v) {
            c->failed = 1;
            return NULL;
        }
        c->e = v;
        c->cap = cap;
    }
    e = &c->e[c->n++];
    memset(e, 0, sizeof(*e));
    e->day = day;
    memcpy(e->vendor, vendor, vlen);
    e->vendor[vlen] = '\0';
    e->currency = cur;
    return e;
}

/* Each record of the days' range: a sale counting in Net goes to its
 * business day's entry (the vendor is the key's prefix). */
static int on_record(void *ctx, const struct ledger_rec *r)
{
    struct recon *c = ctx;
    const char *colon;
    struct entry *e;
    int y, m, d;
    long long day;

    if (r->state == LS_VOIDED || r->state == LS_DELETED || r->p.voided)
        return 0;
    if (tz_local_date(c->tz, r->p.start, &y, &m, &d) < 0)
        return 0;
    day = tz_days_from_civil(y, m, d);
    if (!recon_days_has(c->days, day))
        return 0;
    colon = strchr(r->p.key, ':');
    e = entry_get(c, day, r->p.key, colon ? (size_t)(colon - r->p.key) : strlen(r->p.key),
                  r->p.currency == CUR_USD ? CUR_USD : CUR_CAD);
    if (!e)
        return 1;
    e->has_net = 1;
    e->net += r->p.cents;
    e->net_count++;
    return 0;
}

static int on_settlement(void *ctx, const struct ledger_money_line *m)
{
    struct recon *c = ctx;
    long long day = recon_day_parse(m->day);
    struct entry *e;

    if (day < 0 || !recon_days_has(c->days, day))
        return 0;
    e = entry_get(c, day, m->vendor, strlen(m->vendor), m->currency);
    if (!e)
        return 1;
    e->settled = 1;
    e->settled_cents += m->cents;
    if (m->count >= 0) {
        e->settled_count_given = 1;
        e->settled_count += m->count;
    }
    return 0;
}

static int on_rejrow(void *ctx, const struct ledger_money_line *m)
{
    struct recon *c = ctx;
    long long day = m->day ? recon_day_parse(m->day) : DAY_UNKNOWN;
    struct entry *e;

    if (m->day && (day < 0 || !recon_days_has(c->days, day)))
        return 0;
    e = entry_get(c, day, m->vendor, strlen(m->vendor), m->currency);
    if (!e)
        return 1;
    e->rej_count++;
    e->rej_cents += m->cents;
    return 0;
}

/* Day (unknown last), vendor, currency. */
static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c;

    if (x->day != y->day) {
        if (x->day == DAY_UNKNOWN)
            return 1;
        if (y->day == DAY_UNKNOWN)
            return -1;
        return x->day < y->day ? -1 : 1;
    }
    c = strcmp(x->vendor, y->vendor);
    if (c)
        return c;
    return (int)x->currency - (int)y->currency;
}

int report_recon(struct report *rep, struct ledger *l, const struct tz *btz,
                 const struct recon_days *days, int64_t run, struct recon_result *res,
                 struct etl_err *err)
{
    struct recon c;
    char d0[11] = "", d1[11] = "", dt[11];
    long long t0 = 0, t1 = 0, t;
    size_t i;
    int y, m, d, ret = -1;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    c.tz = btz;
    c.days = days;
    if (days->n) {
        recon_day_text(days->v[0], d0);
        recon_day_text(days->v[days->n - 1], d1);
        tz_civil_from_days(days->v[0], &y, &m, &d);
        if (tz_day_range(btz, y, m, d, &t0, &t) < 0)
            goto fail_range;
        tz_civil_from_days(days->v[days->n - 1], &y, &m, &d);
        if (tz_day_range(btz, y, m, d, &t, &t1) < 0)
            goto fail_range;
        if (ledger_each_in_range(l, t0, t1, on_record, &c, err) < 0 ||
            ledger_each_settlement(l, d0, d1, on_settlement, &c, err) < 0)
            goto out;
    }
    /* with no day, "" > "" matches no dated row: only this run's unknown ones */
    if (ledger_each_rejrow(l, d0, d1, run, on_rejrow, &c, err) < 0)
        goto out;
    if (c.failed) {
        etl_fail(err, E_NOMEM, "reconciliation: out of memory");
        goto out;
    }
    if (c.n)
        qsort(c.e, c.n, sizeof(*c.e), cmp_entry);
    for (i = 0; i < c.n; i++) {
        struct entry *e = &c.e[i];
        struct report_recon_row row;

        memset(&row, 0, sizeof(row));
        row.vendor = e->vendor;
        row.currency = e->currency;
        row.rej_count = e->rej_count;
        row.rej_cents = e->rej_cents;
        row.settled_count = -1;
        if (e->day == DAY_UNKNOWN) {
            row.day = NULL;
            row.note = "rejected rows whose start could not be read";
        } else {
            recon_day_text(e->day, dt);
            row.day = dt;
            row.has_net = 1;
            row.net_cents = e->net;
            row.net_count = e->net_count;
            row.settled = e->settled;
            row.settled_cents = e->settled_cents;
            if (e->settled_count_given)
                row.settled_count = e->settled_count;
            if (!e->settled) {
                row.note = "no settlement";
                res->no_settlement++;
            } else {
                long long unexpl = e->settled_cents - e->net - e->rej_cents;

                if (!e->has_net)
                    row.note = "settled, no records";
                if (unexpl != 0) {
                    res->unexplained++;
                    if (!row.note)
                        row.note = "unexplained difference";
                }
            }
        }
        res->rows++;
        if (rep && report_add_recon(rep, &row) < 0) {
            etl_fail(err, E_IO, "report: cannot write the Reconciliation sheet");
            goto out;
        }
    }
    ret = 0;
    goto out;
fail_range:
    etl_fail(err, E_INTERNAL, "reconciliation: no day range in the business time zone");
out:
    free(c.e);
    return ret;
}

/* ---- silent zones -------------------------------------------------------------- */

static int on_silent(void *ctx, const struct silent_zone *z)
{
    struct report *rep = ctx;
    struct report_silent s;
    char day[11];

    if (!rep)
        return 0;
    recon_day_text(z->day, day);
    s.zone = z->zone;
    s.day = day;
    s.median = z->median;
    s.sales = z->sales;
    s.last_start = z->last_start;
    return report_add_silent(rep, &s) < 0;
}

long report_silent(struct report *rep, struct ledger *l, const struct tz *btz,
                   const struct recon_days *days, const struct silent_opts *o,
                   struct etl_err *err)
{
    return silent_judge(l, btz, days->v, days->n, o, on_silent, rep, err);
}
