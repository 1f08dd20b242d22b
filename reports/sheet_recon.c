/*
 * sheet_recon.c — the `Reconciliation` sheet (report_recon.h computes its
 * rows from the ledger): created by its first row, placed after Summary.
 */
#include "book.h"

static const char *const recon_heads[] = {
    "Business day", "Vendor", "Currency", "Net", "Settled", "Difference", "Rejected rows",
    "Rejected amount", "Unexplained", "Our count", "Settled count", "Note"
};

static int recon_add(struct book *b, const void *arg)
{
    const struct report_recon_row *x = arg;
    struct sheet *s = &b->sh[SH_RECON];
    lxw_row_t row;
    long long diff = 0, unexpl = 0;

    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (cell_str(b, s, row, 0, x->day ? x->day : "day unknown", NULL) < 0 ||
        cell_str(b, s, row, 1, x->vendor, NULL) < 0 ||
        cell_str(b, s, row, 2, currency_name(x->currency), NULL) < 0)
        return -1;
    if (x->has_net && cell_amount(b, s, row, 3, x->net_cents) < 0)
        return -1;
    if (x->settled) {
        diff = x->settled_cents - x->net_cents;
        unexpl = diff - x->rej_cents;
        if (cell_amount(b, s, row, 4, x->settled_cents) < 0 ||
            cell_amount(b, s, row, 5, diff) < 0)
            return -1;
    }
    if (cell_count(b, s, row, 6, x->rej_count, NULL) < 0 ||
        cell_amount(b, s, row, 7, x->rej_cents) < 0)
        return -1;
    if (x->settled && x->has_net) {
        if (cell_num(b, s, row, 8, (double)unexpl / 100.0, 12,
                     b->fmt[unexpl ? F_AMOUNT_BAD : F_AMOUNT]) < 0)
            return -1;
    }
    if (x->has_net && cell_count(b, s, row, 9, x->net_count, NULL) < 0)
        return -1;
    if (x->settled && x->settled_count >= 0 &&
        cell_count(b, s, row, 10, x->settled_count, NULL) < 0)
        return -1;
    if (x->note && cell_str(b, s, row, 11, x->note, NULL) < 0)
        return -1;
    return 0;
}

/* A row has no plate: a redacted copy shows the same row. */
REPORT_SHEET_ENTRY(report_add_recon, struct report_recon_row, SH_RECON)

const struct sheet_type sheet_recon = {
    .name = "Reconciliation", .heads = recon_heads, .ncols = (int)NELEM(recon_heads),
    .when = SHEET_LAZY, .add = recon_add,
};
