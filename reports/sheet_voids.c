/*
 * sheet_voids.c — the `Voids` sheet: one row per cancelled sale, unmatched
 * void or earlier run's sale voided (report_add_voided(), report_voids.h
 * builds them from the ledger), streamed; cancelled sales count in Gross
 * and Voids of the Summary's money block.
 */
#include "book.h"

static const char *const void_heads[] = {
    "Kind", "Key", "Plate", "Zone", "Amount", "Currency", "Sale file", "Sale line",
    "Void file", "Void line", "Void amount", "Delete sent", "State"
};

static int voids_add(struct book *b, const void *arg)
{
    const struct report_void *v = arg;
    struct sheet *s = &b->sh[SH_VOIDS];
    int cur = cur_index(v->currency);
    lxw_row_t row;
    char masked[64];

    switch (v->kind) {
    case RV_CANCELLED:
        b->gross[cur] += v->cents;
        b->voided[cur] += v->cents;
        break;
    case RV_EARLIER:
        b->earlier_voided[cur] += v->cents;
        b->n_earlier++;
        break;
    default:
        b->n_unmatched++;
        break;
    }
    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (cell_str(b, s, row, 0, v->kind == RV_CANCELLED ? "cancelled sale"
                              : v->kind == RV_EARLIER ? "earlier sale voided"
                              : "unmatched void", NULL) < 0 ||
        cell_str(b, s, row, 1, b->meta.redact ? REPORT_REDACTED : v->key, NULL) < 0 ||
        cell_str(b, s, row, 2, cell_shown_plate(b, v->plate, masked, sizeof(masked)), NULL) < 0 ||
        cell_str(b, s, row, 3, v->zone, NULL) < 0 ||
        (v->kind != RV_UNMATCHED && cell_money(b, s, row, 4, v->cents, cur, 0) < 0) ||
        cell_str(b, s, row, 5, currency_name(v->currency), NULL) < 0 ||
        (v->sale_file && cell_str(b, s, row, 6, v->sale_file, NULL) < 0) ||
        (v->sale_line > 0 && cell_count(b, s, row, 7, v->sale_line, NULL) < 0) ||
        cell_str(b, s, row, 8, v->void_file, NULL) < 0 ||
        (v->void_line > 0 && cell_count(b, s, row, 9, v->void_line, NULL) < 0) ||
        cell_money(b, s, row, 10, v->void_cents, cur_index(v->void_currency), 0) < 0 ||
        cell_str(b, s, row, 11, v->delete_sent ? "yes" : "no", NULL) < 0 ||
        cell_str(b, s, row, 12, v->state, NULL) < 0)
        return -1;
    return 0;
}

REPORT_SHEET_ENTRY(report_add_voided, struct report_void, SH_VOIDS)

const struct sheet_type sheet_voids = {
    .name = "Voids", .heads = void_heads, .ncols = (int)NELEM(void_heads),
    .when = SHEET_STREAMED, .add = voids_add,
};
