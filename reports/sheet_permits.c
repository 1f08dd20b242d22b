/*
 * sheet_permits.c — the `Permits` sheet: one row per accepted record,
 * streamed; each row also feeds the run's aggregates (book.h) that the
 * Summary, Promo Codes and Zone Audit write at close.
 */
#include "book.h"

#include "tz.h"
#include "zone_audit.h"

#include <stdio.h>
#include <string.h>

/* Permits columns; "%s" is business_tz (filled in at open). */
enum {
    PC_PLATE, PC_AMOUNT, PC_CURRENCY, PC_START, PC_END, PC_ZONE, PC_ZONE_STATUS,
    PC_PERMIT_NO, PC_TICKET, PC_PROMO, PC_SOURCE, PC_LINE, PC_KEY, PC_START_UTC,
    PC_END_UTC, PC_COUNT
};
static const char *const permit_heads[PC_COUNT] = {
    "Plate", "Amount", "Currency", "Start (%s)", "End (%s)", "Zone", "Zone status",
    "Permit no.", "Ticket no.", "Promo code", "Source file", "Line", "Key",
    "Start (UTC)", "End (UTC)"
};

/* The record's business day: by business_tz's offset, else local_date(),
 * else the UTC date. */
static void business_day(const struct book *b, long long utc, char day[16])
{
    int y, m, d;

    if (b->meta.local_offset)
        utc += book_local_offset(b, utc);
    else if (b->meta.local_date &&
             b->meta.local_date(b->meta.local_date_ctx, utc, &y, &m, &d) == 0)
        goto out;
    tz_civil_from_days((utc >= 0 ? utc : utc - 86399) / 86400, &y, &m, &d);
out:
    snprintf(day, 16, "%04d-%02d-%02d", y, m, d);
}

static int add_promo(struct book *b, const struct permit *p)
{
    size_t cl = strlen(p->promo), zl = strlen(p->zone);
    int code, zone, created, idx;

    code = money_map_slot(&b->promos, p->promo, cl);
    if (code < 0)
        return book_nomem(b);
    money_add(&b->promos.v[code], p);
    /* key: code \x1f zone */
    buf_reset(&b->scratch2);
    if (buf_add(&b->scratch2, p->promo, cl) < 0 || buf_addch(&b->scratch2, '\x1f') < 0 ||
        buf_add(&b->scratch2, p->zone, zl) < 0)
        return book_nomem(b);
    idx = strmap_add(&b->promo_zones, b->scratch2.ptr, b->scratch2.len, &created);
    if (idx < 0)
        return book_nomem(b);
    if (created) {
        zone = strmap_add(&b->zones.keys, p->zone, zl, &created);  /* exists: added before */
        if (zone < 0 || REPORT_GROW(b->pz, b->pz_cap, (size_t)idx + 1) < 0)
            return book_nomem(b);
        memset(&b->pz[idx], 0, sizeof(*b->pz));
        b->pz[idx].code = code;
        b->pz[idx].zone = zone;
    }
    money_add(&b->pz[idx].m, p);
    return 0;
}

static int write_permit_row(struct book *b, const struct permit *p)
{
    struct sheet *s = &b->sh[SH_PERMITS];
    lxw_row_t row;
    char masked[64];

    if (sheet_next_row(b, s, &row) < 0)
        return -1;
    if (cell_str(b, s, row, PC_PLATE, cell_shown_plate(b, p->plate, masked, sizeof(masked)),
                 NULL) < 0 ||
        cell_amount(b, s, row, PC_AMOUNT, p->cents) < 0 ||
        cell_str(b, s, row, PC_CURRENCY, currency_name(p->currency), NULL) < 0 ||
        cell_local_time(b, s, row, PC_START, p->start) < 0 ||
        cell_local_time(b, s, row, PC_END, p->end) < 0 ||
        cell_str(b, s, row, PC_ZONE, p->zone, NULL) < 0 ||
        cell_str(b, s, row, PC_ZONE_STATUS, zone_status_name(p->zone_status), NULL) < 0 ||
        cell_str(b, s, row, PC_PERMIT_NO, p->permit_no, NULL) < 0 ||
        cell_str(b, s, row, PC_TICKET, p->ticket, NULL) < 0 ||
        cell_str(b, s, row, PC_PROMO, p->promo, NULL) < 0 ||
        cell_str(b, s, row, PC_SOURCE, p->source, NULL) < 0 ||
        cell_count(b, s, row, PC_LINE, p->line, NULL) < 0 ||
        cell_str(b, s, row, PC_KEY, b->meta.redact ? REPORT_REDACTED : p->key, NULL) < 0 ||
        cell_time(b, s, row, PC_START_UTC, p->start) < 0 ||
        cell_time(b, s, row, PC_END_UTC, p->end) < 0)
        return -1;
    return 0;
}

static int permits_add(struct book *b, const void *arg)
{
    const struct permit *p = arg;
    char day[16];
    int file, zone, idx;

    file = book_file_slot(b, p->source);
    if (file < 0 || write_permit_row(b, p) < 0)
        return -1;
    b->accepted++;
    b->gross[cur_index(p->currency)] += p->cents;
    money_add(&b->total, p);
    money_add(&b->file_a[file].m, p);
    zone = money_map_slot(&b->zones, p->zone, strlen(p->zone));
    if (zone < 0)
        return book_nomem(b);
    money_add(&b->zones.v[zone], p);
    business_day(b, p->start, day);
    idx = book_day_slot(b, day);
    if (idx < 0)
        return -1;
    money_add(&b->days.v[idx], p);
    if (p->promo[0] && add_promo(b, p) < 0)
        return -1;
    if (zone_audit_add(b->za, p, &b->err) < 0)
        return book_nomem(b);
    return 0;
}

REPORT_SHEET_ENTRY(report_add_permit, struct permit, SH_PERMITS)

const struct sheet_type sheet_permits = {
    .name = "Permits", .heads = permit_heads, .ncols = PC_COUNT, .when = SHEET_STREAMED,
    .add = permits_add,
};
