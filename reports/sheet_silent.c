/*
 * sheet_silent.c — the `Silent Zones` sheet: created by its first row,
 * placed after Summary and Reconciliation; each zone is also kept for the
 * Summary's list (book.h: silent).
 */
#include "book.h"

#include <stdlib.h>

/* "%s" is business_tz (book.c fills it in at open) */
static const char *const silent_heads[] = {
    "Zone", "Business day", "Weekday median of sales", "Sales on the day",
    "Latest start (%s)", "Latest start (UTC)"
};

static int silent_add(struct book *b, const void *arg)
{
    const struct report_silent *z = arg;
    struct sheet *s = &b->sh[SH_SILENT];
    struct report_silent *c;
    lxw_row_t row;

    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (cell_str(b, s, row, 0, z->zone, NULL) < 0 ||
        cell_str(b, s, row, 1, z->day, NULL) < 0 ||
        cell_num(b, s, row, 2, z->median, 8, b->fmt[F_MEDIAN]) < 0 ||
        cell_count(b, s, row, 3, z->sales, NULL) < 0)
        return -1;
    if (z->last_start &&
        (cell_local_time(b, s, row, 4, z->last_start) < 0 ||
         cell_time(b, s, row, 5, z->last_start) < 0))
        return -1;
    if (REPORT_GROW(b->silent, b->silent_cap, b->nsilent + 1) < 0)
        return book_nomem(b);
    c = &b->silent[b->nsilent];
    c->zone = book_dupstr(z->zone);
    c->day = book_dupstr(z->day);
    c->median = z->median;
    c->sales = z->sales;
    c->last_start = z->last_start;
    if (!c->zone || !c->day) {
        free((char *)c->zone);
        free((char *)c->day);
        return book_nomem(b);
    }
    b->nsilent++;
    return 0;
}

REPORT_SHEET_ENTRY(report_add_silent, struct report_silent, SH_SILENT)

const struct sheet_type sheet_silent = {
    .name = "Silent Zones", .heads = silent_heads, .ncols = (int)NELEM(silent_heads),
    .when = SHEET_LAZY, .add = silent_add,
};
