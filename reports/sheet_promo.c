/*
 * sheet_promo.c — the `Promo Codes` sheet, written at close from the run's
 * aggregates: the per-code table (columns A-F, the sheet's autofilter),
 * then the per-zone breakdown below it in columns H-M: no column and no
 * filtered row holds both.
 */
#include "book.h"

#include <stdlib.h>
#include <string.h>

static const char *const promo_heads[] = {
    "Promo code", "Uses", "Revenue CAD", "Revenue USD", "Share of accepted",
    "Free sessions"
};
static const char *const promo_zone_heads[] = {
    "Promo code", "Zone", "Uses", "Revenue CAD", "Revenue USD", "Free sessions"
};
#define PROMO_ZONE_COL 7

static const struct book *sort_b;

static int cmp_pz(const void *a, const void *b)
{
    const struct promo_zone *x = &sort_b->pz[*(const int *)a], *y = &sort_b->pz[*(const int *)b];
    int c = strcmp(strmap_key(&sort_b->promos.keys, x->code),
                   strmap_key(&sort_b->promos.keys, y->code));

    if (c)
        return c;
    return strcmp(strmap_key(&sort_b->zones.keys, x->zone),
                  strmap_key(&sort_b->zones.keys, y->zone));
}

/* The per-code table: one row per code (columns A-F). */
static int promo_code_row(struct book *b, struct sheet *s, const char *code,
                          const struct money *m)
{
    lxw_row_t row;

    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (cell_str(b, s, row, 0, code, NULL) < 0 ||
        cell_count(b, s, row, 1, m->records, NULL) < 0 ||
        cell_money(b, s, row, 2, m->cents[0], 0, 0) < 0 ||
        cell_money(b, s, row, 3, m->cents[1], 1, 0) < 0 ||
        cell_num(b, s, row, 4, b->accepted ? (double)m->records / (double)b->accepted : 0.0,
                 10, b->fmt[F_PCT]) < 0 ||
        cell_count(b, s, row, 5, m->free_sessions, NULL) < 0)
        return -1;
    return 0;
}

/* Promo Codes: the per-code table (the sheet's autofilter), then, below it
 * and to its right (columns H-M), the per-zone breakdown: a column sum or a
 * filter of one table never takes in a row of the other. */
static int promo_write(struct book *b, int aborted)
{
    struct sheet *s = &b->sh[SH_PROMO];
    int *codes = report_map_sorted(&b->promos.keys), *pz = NULL;
    size_t i, n = b->promo_zones.n;
    lxw_col_t c0 = PROMO_ZONE_COL;
    int c, ret = -1;

    (void)aborted;
    pz = malloc((n ? n : 1) * sizeof(*pz));
    if (!codes || !pz) {
        book_nomem(b);
        goto out;
    }
    for (i = 0; i < n; i++)
        pz[i] = (int)i;
    sort_b = b;
    qsort(pz, n, sizeof(*pz), cmp_pz);
    if (sheet_header(b, s) < 0)
        goto out;
    for (i = 0; i < b->promos.keys.n; i++)
        if (promo_code_row(b, s, strmap_key(&b->promos.keys, codes[i]),
                           &b->promos.v[codes[i]]) < 0)
            goto out;
    /* the breakdown is free-form below the table (it never continues) */
    if (sheet_close_table(b, s) < 0)
        goto out;
    s->row++;
    if (cell_title(b, s, s->row++, c0, "By zone (the codes above, zone by zone)",
                   b->fmt[F_SECTION]) < 0)
        goto out;
    for (c = 0; c < (int)NELEM(promo_zone_heads); c++) {
        if (cell_str(b, s, s->row, c0 + (lxw_col_t)c, promo_zone_heads[c], b->fmt[F_HEAD]) < 0)
            goto out;
        sheet_track(s, c0 + (lxw_col_t)c, (double)strlen(promo_zone_heads[c]) + 4);
    }
    s->row++;
    for (i = 0; i < n; i++) {
        const struct promo_zone *z = &b->pz[pz[i]];
        lxw_row_t row = s->row++;
        const char *zone = strmap_key(&b->zones.keys, z->zone);
        if (cell_str(b, s, row, c0, strmap_key(&b->promos.keys, z->code), NULL) < 0 ||
            cell_str(b, s, row, c0 + 1, zone[0] ? zone : "(none)", NULL) < 0 ||
            cell_count(b, s, row, c0 + 2, z->m.records, NULL) < 0 ||
            cell_money(b, s, row, c0 + 3, z->m.cents[0], 0, 0) < 0 ||
            cell_money(b, s, row, c0 + 4, z->m.cents[1], 1, 0) < 0 ||
            cell_count(b, s, row, c0 + 5, z->m.free_sessions, NULL) < 0)
            goto out;
    }
    ret = 0;
out:
    free(codes);
    free(pz);
    return ret;
}

const struct sheet_type sheet_promo = {
    .name = "Promo Codes", .heads = promo_heads, .ncols = (int)NELEM(promo_heads),
    .when = SHEET_AT_CLOSE, .write = promo_write,
};
