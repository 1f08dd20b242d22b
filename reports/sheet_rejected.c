/* sheet_rejected.c — the `Rejected` sheet: one row per rejected field,
 * streamed; a redacted copy hides the raw value and quoted values. */
#include "book.h"

static const char *const reject_heads[] = { "File", "Line", "Field", "Reason", "Raw value" };

struct reject_row {
    const char *file;
    long        line;
    const char *field, *reason, *raw;
    size_t      rawlen;
};

static int rejected_add(struct book *b, const void *arg)
{
    const struct reject_row *x = arg;
    struct sheet *s = &b->sh[SH_REJECTED];
    lxw_row_t row;

    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (cell_str(b, s, row, 0, x->file, NULL) < 0 ||
        (x->line > 0 && cell_count(b, s, row, 1, x->line, NULL) < 0) ||
        cell_str(b, s, row, 2, x->field, NULL) < 0 ||
        cell_str(b, s, row, 3, cell_shown_reason(b, x->reason), NULL) < 0 ||
        (x->raw && b->meta.redact && cell_str(b, s, row, 4, REPORT_REDACTED, NULL) < 0) ||
        (x->raw && !b->meta.redact && cell_strn(b, s, row, 4, x->raw, x->rawlen, NULL) < 0))
        return -1;
    return 0;
}

int report_add_reject(struct report *r, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct reject_row x = { file, line, field, reason, raw, rawlen };

    return report_feed(r, SH_REJECTED, &x);
}

const struct sheet_type sheet_rejected = {
    .name = "Rejected", .heads = reject_heads, .ncols = (int)NELEM(reject_heads),
    .when = SHEET_STREAMED, .add = rejected_add,
};
