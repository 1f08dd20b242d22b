/*
 * sheet_stats.c — the `OPSCOM Stats` sheet, written at close: OPSCOM's
 * totals per (type, zone) beside the ledger's live pushed records
 * (report_stats.h), then the live disconnected records per vendor zone;
 * or why the stats are not there (offline, not pulled, an error).
 */
#include "book.h"

#include <stdlib.h>
#include <string.h>

static const char *const stats_heads[] = {
    "Type", "Zone", "Server total", "Ledger pushed (live)", "Difference"
};

/* The sheet's own state (sheet_type.state_size). */
struct stats_line { int type, zone; long server, ledger; };   /* indices into names */
struct stats_state {
    int               online;        /* pulled (rows or not) */
    char             *error;         /* could not be pulled: why */
    char             *offline;       /* not pulled on purpose: why */
    struct strmap     names;         /* type and zone names of the rows */
    struct stats_line *rows;          size_t nrows, rows_cap;
    int              *live_zone;     long *live_n; size_t nlive, live_cap, live_ncap;
};

struct stats_arg {
    const char *type, *zone;
    long        server, ledger;
};

static int stats_add(struct book *b, const void *arg)
{
    const struct stats_arg *a = arg;
    struct stats_state *st = book_state(b, SH_STATS);
    int created, t, z;

    st->online = 1;
    t = strmap_add(&st->names, a->type, strlen(a->type), &created);
    z = strmap_add(&st->names, a->zone, strlen(a->zone), &created);
    if (t < 0 || z < 0 || REPORT_GROW(st->rows, st->rows_cap, st->nrows + 1) < 0)
        return book_nomem(b);
    st->rows[st->nrows].type = t;
    st->rows[st->nrows].zone = z;
    st->rows[st->nrows].server = a->server;
    st->rows[st->nrows].ledger = a->ledger;
    st->nrows++;
    return 0;
}

static int add_live(struct book *b, const void *arg)
{
    const struct stats_arg *a = arg;
    struct stats_state *st = book_state(b, SH_STATS);
    int created, z;

    if (b->failed)
        return -1;
    st->online = 1;
    z = strmap_add(&st->names, a->zone, strlen(a->zone), &created);
    if (z < 0 || REPORT_GROW(st->live_zone, st->live_cap, st->nlive + 1) < 0 ||
        REPORT_GROW(st->live_n, st->live_ncap, st->nlive + 1) < 0)
        return book_nomem(b);
    st->live_zone[st->nlive] = z;
    st->live_n[st->nlive] = a->ledger;
    st->nlive++;
    return 0;
}

static int set_pulled(struct book *b, const void *arg)
{
    struct stats_state *st = book_state(b, SH_STATS);

    (void)arg;
    st->online = 1;
    return 0;
}

/* A text of the sheet (owned), why's default when NULL. */
static int set_text(char **slot, const char *why, const char *dflt)
{
    free(*slot);
    *slot = book_dupstr(why ? why : dflt);
    return 0;
}

static int set_offline(struct book *b, const void *arg)
{
    struct stats_state *st = book_state(b, SH_STATS);

    return set_text(&st->offline, arg, "OPSCOM stats were not pulled");
}

static int set_error(struct book *b, const void *arg)
{
    struct stats_state *st = book_state(b, SH_STATS);

    return set_text(&st->error, arg, "stats could not be pulled");
}

static int stats_write(struct book *b, int aborted)
{
    static const char *const live_heads[] = { "Vendor zone", "Live disconnected records" };
    struct sheet *s = &b->sh[SH_STATS];
    struct stats_state *st = book_state(b, SH_STATS);
    size_t i;
    int c;

    (void)aborted;
    if (st->offline && !st->online && !st->error)
        return sheet_offline(b, s, st->offline);
    if (!st->online && !st->error)
        return sheet_offline(b, s, "no config (-c): OPSCOM stats were not pulled");
    if (sheet_header(b, s) < 0)
        return -1;
    for (i = 0; i < st->nrows; i++) {
        const struct stats_line *x = &st->rows[i];
        long diff = x->server - x->ledger;
        lxw_row_t row;
        if (sheet_next_row(b, s, &row) < 0 ||
            cell_str(b, s, row, 0, strmap_key(&st->names, x->type), NULL) < 0 ||
            cell_str(b, s, row, 1, strmap_key(&st->names, x->zone), NULL) < 0 ||
            cell_count(b, s, row, 2, x->server, NULL) < 0 ||
            cell_count(b, s, row, 3, x->ledger, NULL) < 0 ||
            cell_count(b, s, row, 4, diff, diff ? b->fmt[F_DIFF_BAD] : NULL) < 0)
            return -1;
    }
    if (sheet_close_table(b, s) < 0)
        return -1;
    if (st->error) {
        lxw_row_t row = s->row++;
        if (cell_str(b, s, row, 0, "stats error", b->fmt[F_ABORTED]) < 0 ||
            cell_str(b, s, row, 1, st->error, NULL) < 0)
            return -1;
    }
    /* second table: no autofilter (one per sheet), same header style */
    s->row++;
    if (cell_title(b, s, s->row++, 0,
                   "Live disconnected records (the server does not count them)",
                   b->fmt[F_SECTION]) < 0)
        return -1;
    for (c = 0; c < 2; c++)
        if (cell_str(b, s, s->row, (lxw_col_t)c, live_heads[c], b->fmt[F_HEAD]) < 0)
            return -1;
    s->row++;
    for (i = 0; i < st->nlive; i++) {
        lxw_row_t row = s->row++;
        if (cell_str(b, s, row, 0, strmap_key(&st->names, st->live_zone[i]), NULL) < 0 ||
            cell_count(b, s, row, 1, st->live_n[i], NULL) < 0)
            return -1;
    }
    return 0;
}

static void stats_free(void *state)
{
    struct stats_state *st = state;

    strmap_release(&st->names);
    free(st->rows);
    free(st->live_zone);
    free(st->live_n);
    free(st->error);
    free(st->offline);
}

int report_add_stats_row(struct report *r, const char *type, const char *zone,
                         long server_total, long ledger_pushed)
{
    struct stats_arg a = { type, zone, server_total, ledger_pushed };

    return report_feed(r, SH_STATS, &a);
}

int report_add_live_disconnected(struct report *r, const char *vendor_zone, long count)
{
    struct stats_arg a = { NULL, vendor_zone, 0, count };

    return report_each(r, add_live, &a);
}

void report_set_stats_pulled(struct report *r)
{
    (void)report_each(r, set_pulled, NULL);
}

void report_set_stats_offline(struct report *r, const char *why)
{
    (void)report_each(r, set_offline, why);
}

void report_set_stats_error(struct report *r, const char *message)
{
    (void)report_each(r, set_error, message);
}

const struct sheet_type sheet_stats = {
    .name = "OPSCOM Stats", .heads = stats_heads, .ncols = (int)NELEM(stats_heads),
    .when = SHEET_AT_CLOSE, .add = stats_add, .write = stats_write,
    .state_size = sizeof(struct stats_state), .state_free = stats_free,
};
