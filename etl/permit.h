/*
 * permit.h — the canonical, normalized record that flows one way:
 * ingest -> normalize -> zones -> ledger -> push -> report.
 *
 * Fields are fixed-size, sized to the API's limits in bytes (a code point
 * is at most 4 bytes in UTF-8) plus the NUL. Normalizers check every value
 * against its limit in code points *before* copying, so nothing is ever
 * truncated: a value over the limit rejects the record. Empty text = absent.
 * What OPSCOM sees of a permit is the table PERMIT_FIELDS below (the codec,
 * permit_json.h, follows it). A struct permit is filled per row and reused;
 * no heap memory inside.
 * spill.c writes and restores every field (an offline report's sales, the
 * SQLite ledger's staging): a new field must be added there too.
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

/*
 * The wire fields: the one table of what a permit looks like to OPSCOM
 * (permit_json.h builds, parses and compares bodies from it). Per field:
 *   id      PF_<id> (enum permit_field; PF_BIT(PF_<id>) in masks)
 *   name    the API's name, as sent
 *   member  the struct permit member
 *   limit   text: the API's limit in code points (0: not text)
 *   kind    TEXT (absent when empty), CENTS (absent when 0: a free
 *           session), CURRENCY (absent when CUR_NONE), TIME (always sent,
 *           "YYYY-MM-DDTHH:MM:SS" UTC)
 *   update  1: OPSCOM's update call can change it; 0: a change is a
 *           delete and a new push
 * Rows are in the order of the members of every body. Adding a wire field
 * is one row here and its member in struct permit (then its ledger column,
 * spill.c's serialization and, if vendors send it, its raw_field in profile.h).
 * The plate's name is a macro because the ledger's prune SQL names it.
 */
#define PERMIT_PLATE_NAME "LicencePlate"
#define PERMIT_FIELDS(X) \
    /*  id        name               member     limit         kind      update */ \
    X(PLATE,    PERMIT_PLATE_NAME, plate,     PLATE_MAX,    TEXT,     1) \
    X(AMOUNT,   "Amount",          cents,     0,            CENTS,    1) \
    X(CURRENCY, "CurrencyID",      currency,  0,            CURRENCY, 1) \
    X(START,    "startTime",       start,     0,            TIME,     0) \
    X(END,      "endTime",         end,       0,            TIME,     1) \
    X(ZONE,     "zone",            zone,      ZONE_MAX,     TEXT,     0) \
    X(PERMITNO, "permitNo",        permit_no, PERMITNO_MAX, TEXT,     0) \
    X(TICKET,   "TicketNumber",    ticket,    TICKET_MAX,   TEXT,     0) \
    X(PROMO,    "promoCode",       promo,     PROMO_MAX,    TEXT,     0)

enum permit_field {
#define PERMIT_FIELD_ID(id, name, member, limit, kind, update) PF_##id,
    PERMIT_FIELDS(PERMIT_FIELD_ID)
#undef PERMIT_FIELD_ID
    PF_COUNT
};
#define PF_BIT(f) (1u << (f))

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
enum currency currency_parse(const char *s);       /* "CAD", "USD", else CUR_NONE */
const char *zone_status_name(enum zone_status s);  /* "matched", ... or "" */

#endif
