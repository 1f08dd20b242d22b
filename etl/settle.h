/*
 * settle.h — settlement files: what a card processor or vendor says it
 * settled per business day (x vendor) x currency, read with a settlement
 * profile (profile.h, "role": "settlement"), line by line.
 *
 * A line gives the business day (the profile's date_patterns), the
 * currency (CAD or USD, the record rules: a mark in the amount, the
 * column, default_currency), the amount (the record amount rules, except
 * that a minus sign is allowed and amounts go up to 999,999,999.99), the
 * vendor (a record profile's name; the profile's vendor_default when the
 * file has no vendor column) and optionally the settled count. A bad line
 * is rejected with file, line, field and reason; the other lines are kept.
 *
 * Settlement files are CSV (the profile's delimiter, a header line, an
 * optional UTF-8 BOM, quoted fields, CRLF or LF; a line at most
 * SETTLE_MAX_LINE bytes), a JSON array of objects or JSON Lines (keys
 * matched like column names; a JSON number's text is read as written; the
 * line of a record is that of its first byte), told apart by the first
 * byte as for record files. They are small: one line per day and currency.
 */
#ifndef ETL_SETTLE_H
#define ETL_SETTLE_H

#include <stddef.h>

#include "err.h"
#include "permit.h"

struct ledger_money_line;
struct profile;
struct profile_set;

#define SETTLE_MAX_LINE (64 << 10)

struct settle_stats {
    long rows, accepted, rejected;
};

struct settle_sink {
    /* A good line, as the ledger keeps it (ledger.h: file, line, day,
     * vendor, currency, cents, count; reason and run unset); strings valid
     * for the call. Non-zero stops the file with *err. */
    int  (*line)(void *ctx, const struct ledger_money_line *s, struct etl_err *err);
    /* A rejected field of a line (as ingest's reject). */
    void (*reject)(void *ctx, const char *file, long line, const char *field,
                   const char *reason, const char *raw, size_t rawlen);
    void *ctx;
};

/* Reads path with settlement profile sp; vendors: the record profiles a
 * vendor value must name. 0 when read to the end (lines may have been
 * rejected), -1 on a file-level error (unreadable, a required column
 * missing: E_IO / E_CONFIG, also passed to sink->reject as "_file"). */
int settle_read_file(const struct profile *sp, const struct profile_set *vendors,
                     const char *path, const struct settle_sink *sink,
                     struct settle_stats *st, struct etl_err *err);

/* One amount (json_number: the text of a JSON number token): 0 and *cents
 * (and the currency mark found, mark may be NULL), or -1 with
 * why[NORM_REASON_MAX]. */
int settle_parse_amount(const struct profile *sp, const char *s, size_t n, int json_number,
                        long long *cents, enum currency *mark, char *why);
/* One business day per the profile's date_patterns -> "YYYY-MM-DD". */
int settle_parse_date(const struct profile *sp, const char *s, size_t n, char day[11],
                      char *why);

#endif
