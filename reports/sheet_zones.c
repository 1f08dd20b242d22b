/*
 * sheet_zones.c — the `Zone Audit` sheet, written at close: one row per
 * distinct vendor zone name (zone_audit.h).
 */
#include "book.h"

#include "zone_audit.h"

#include <string.h>

enum {
    ZC_VENDOR, ZC_RESOLVED, ZC_STATUS, ZC_SUGGEST, ZC_ROWS, ZC_CAD, ZC_USD, ZC_FIRST,
    ZC_LAST, ZC_FILES, ZC_FIRST_UTC, ZC_LAST_UTC, ZC_COUNT
};
static const char *const zone_heads[ZC_COUNT] = {
    "Vendor zone", "Resolved zone", "Status", "Suggested zone", "Rows", "Revenue CAD",
    "Revenue USD", "First start (%s)", "Last start (%s)", "Files", "First start (UTC)",
    "Last start (UTC)"
};

/* One row per distinct vendor zone name, in zone_audit.h's order
 * (attention first, then by revenue): the zone its records resolve to on
 * every row, the suggestion next to the status, files by base name. */
static int zones_write(struct book *b, int aborted)
{
    struct sheet *s = &b->sh[SH_ZONES];
    struct buf files = BUF_INIT, sugg = BUF_INIT;
    size_t i, k, n;
    int ret = -1;

    (void)aborted;
    if (zone_audit_finish(b->za, &b->err) < 0)
        return book_nomem(b);
    if (sheet_header(b, s) < 0)
        return -1;
    n = zone_audit_count(b->za);
    for (i = 0; i < n; i++) {
        const struct zone_audit_row *v = zone_audit_row(b->za, i);
        lxw_row_t row;
        buf_reset(&files);
        buf_reset(&sugg);
        for (k = 0; k < v->nfiles; k++) {
            const char *base = book_base_name(v->files[k]);
            size_t j2;
            for (j2 = 0; j2 < k && strcmp(book_base_name(v->files[j2]), base) != 0; j2++)
                ;
            if (j2 < k)
                continue;       /* two directories, one base name: listed once */
            if ((files.len && buf_addstr(&files, ", ") < 0) || buf_addstr(&files, base) < 0) {
                book_nomem(b);
                goto out;
            }
        }
        for (k = 0; k < v->nsuggest; k++)
            if ((k && buf_addstr(&sugg, ", ") < 0) || buf_addstr(&sugg, v->suggest[k]) < 0) {
                book_nomem(b);
                goto out;
            }
        if (sheet_next_row(b, s, &row) < 0 ||
            cell_strn(b, s, row, ZC_VENDOR, v->vendor_zone, v->vendor_len, NULL) < 0)
            goto out;
        if (v->zone) {
            if (cell_str(b, s, row, ZC_RESOLVED, v->zone, NULL) < 0)
                goto out;
        } else if (v->status == ZONE_MISSING || v->vendor_len == 0) {
            if (cell_str(b, s, row, ZC_RESOLVED, "(none)", NULL) < 0)
                goto out;
        } else if (cell_strn(b, s, row, ZC_RESOLVED, v->vendor_zone, v->vendor_len, NULL) < 0) {
            goto out;
        }
        if (cell_str(b, s, row, ZC_STATUS, v->status == ZONE_UNCHECKED
                                               ? "unchecked" : zone_status_name(v->status),
                     NULL) < 0 ||
            (sugg.len && cell_strn(b, s, row, ZC_SUGGEST, sugg.ptr, sugg.len, NULL) < 0) ||
            cell_count(b, s, row, ZC_ROWS, v->rows, NULL) < 0 ||
            cell_money(b, s, row, ZC_CAD, v->cents[CUR_CAD], 0, 0) < 0 ||
            cell_money(b, s, row, ZC_USD, v->cents[CUR_USD], 1, 0) < 0 ||
            cell_local_time(b, s, row, ZC_FIRST, v->first_start) < 0 ||
            cell_local_time(b, s, row, ZC_LAST, v->last_start) < 0 ||
            (files.len && cell_strn(b, s, row, ZC_FILES, files.ptr, files.len, NULL) < 0) ||
            cell_time(b, s, row, ZC_FIRST_UTC, v->first_start) < 0 ||
            cell_time(b, s, row, ZC_LAST_UTC, v->last_start) < 0)
            goto out;
    }
    ret = 0;
out:
    buf_release(&files);
    buf_release(&sugg);
    return ret;
}

const struct sheet_type sheet_zones = {
    .name = "Zone Audit", .heads = zone_heads, .ncols = ZC_COUNT, .when = SHEET_AT_CLOSE,
    .write = zones_write,
};
