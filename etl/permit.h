/*
 * permit.h — the canonical, normalized record that flows one way:
 * ingest -> normalize -> zones -> ledger -> push -> report.
 *
 * Fields are fixed-size, sized to the API's limits in bytes (a code point
 * is at most 4 bytes in UTF-8) plus the NUL. Normalizers check every value
 * against its limit in code points *before* copying, so nothing is ever
 * truncated: a value over the limit rejects the record. Empty text = absent.
 * A struct permit is filled per row and reused; no heap memory inside.
 * voidmatch.c spills and restores every field (report FILE...): a new
 * field must be added there too.
 */
#ifndef ETL_PERMIT_H
#define ETL_PERMIT_H

#define PLATE_MAX       25          /* code points */
#define PERMITNO_MAX    50
#define TICKET_MAX      50
#define ZONE_MAX        200
#define PROMO_MAX       50
#define KEY_BYTES_MAX   512         /* idempotency key, bytes */
#define AMOUNT_MAX_CENTS 99999999LL /* 999999.99 */
#define SETTLE_MAX_CENTS 99999999999LL /* 999999999.99: a settlement line */

enum currency { CUR_NONE = 0, CUR_CAD, CUR_USD };

/* Zone status of a record; ZONE_UNCHECKED when no zone list is loaded. */
enum zone_status {
    ZONE_UNCHECKED = 0,
    ZONE_MATCHED,
    ZONE_ALIAS,
    ZONE_DISCONNECTED,
    ZONE_MISSING
};

struct permit {
    char      plate[PLATE_MAX + 1];          /* [A-Z0-9]{1,25} */
    long long cents;                         /* 0 = free session (no Amount sent) */
    enum currency currency;                  /* CUR_CAD or CUR_USD */
    long long start, end;                    /* UTC, seconds since the epoch */
    char      vendor_zone[ZONE_MAX * 4 + 1]; /* as the vendor wrote it, trimmed */
    char      zone[ZONE_MAX * 4 + 1];        /* as pushed: known spelling, or vendor_zone */
    enum zone_status zone_status;
    char      permit_no[PERMITNO_MAX * 4 + 1];
    char      ticket[TICKET_MAX * 4 + 1];
    char      promo[PROMO_MAX * 4 + 1];      /* upper-case */
    char      key[KEY_BYTES_MAX + 1];        /* idempotency key */
    int       voided;                        /* the void indicator marked this row */
    const char *source;                      /* input path as given (borrowed) */
    long      line;                          /* 1-based physical line of the record */
};

const char *currency_name(enum currency c);        /* "CAD", "USD" or "" */
const char *zone_status_name(enum zone_status s);  /* "matched", ... or "" */

#endif
