/*
 * sheet_push.c — the `Push Log` sheet: one row per key handled by the run
 * (struct push_log_entry, push_log.h), streamed; without a config
 * (offline) it says so and lists nothing.
 */
#include "book.h"

#include <string.h>

static const char *const push_heads[] = {
    "Key", "Plate", "Zone", "Action", "Reference ID", "State", "Attempts", "Last error",
    "Resent after doubt", "Unlinked"
};

/* The header at open when online, else with the first row. */
static int push_open(struct book *b)
{
    return b->meta.online ? sheet_header(b, &b->sh[SH_PUSH]) : 0;
}

static int push_add(struct book *b, const void *arg)
{
    const struct push_log_entry *p = arg;
    struct sheet *s = &b->sh[SH_PUSH];
    lxw_row_t row;
    char masked[64];
    const char *last_error = p->last_error;

    if (!s->table && sheet_header(b, s) < 0)
        return -1;
    b->meta.online = 1;
    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (b->meta.redact && p->last_error && p->plate && p->plate[0] &&
        strstr(p->last_error, p->plate))
        last_error = REPORT_REDACTED;    /* the server's message quoted the plate */
    if (cell_str(b, s, row, 0, b->meta.redact ? REPORT_REDACTED : p->key, NULL) < 0 ||
        cell_str(b, s, row, 1, cell_shown_plate(b, p->plate, masked, sizeof(masked)), NULL) < 0 ||
        cell_str(b, s, row, 2, p->zone, NULL) < 0 ||
        cell_str(b, s, row, 3, p->action, NULL) < 0 ||
        cell_str(b, s, row, 4, p->reference_id, NULL) < 0 ||
        cell_str(b, s, row, 5, p->state, NULL) < 0 ||
        cell_count(b, s, row, 6, p->attempts, NULL) < 0 ||
        cell_str(b, s, row, 7, last_error, NULL) < 0 ||
        cell_str(b, s, row, 8, p->resent_after_doubt ? "yes" : "no", NULL) < 0 ||
        cell_str(b, s, row, 9, p->unlinked ? "yes" : "no", NULL) < 0)
        return -1;
    return 0;
}

static int push_write(struct book *b, int aborted)
{
    (void)aborted;
    return b->meta.online ? 0 : sheet_offline(b, &b->sh[SH_PUSH],
                                              "no config (-c): nothing was pushed");
}

REPORT_SHEET_ENTRY(report_add_push, struct push_log_entry, SH_PUSH)

const struct sheet_type sheet_push = {
    .name = "Push Log", .heads = push_heads, .ncols = (int)NELEM(push_heads),
    .when = SHEET_STREAMED, .add = push_add, .write = push_write, .open = push_open,
};
