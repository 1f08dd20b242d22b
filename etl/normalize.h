/*
 * normalize.h — the normalization rules of DESIGN.md, one record at a time.
 *
 * Ingest (CSV/JSON) maps a row's columns onto a struct raw_record of
 * borrowed views, then calls normalize_record(), which applies every rule
 * and either fills a struct permit (returns 0) or reports *every* failing
 * field through the reject callback (returns the number of rejects).
 * Zone status is not decided here (zones.h does that afterwards);
 * permit.zone and permit.vendor_zone both get the trimmed vendor text.
 *
 * No heap allocation, no setenv("TZ")/mktime on this path. The per-field
 * functions are public so they can be tested table by table; their exact
 * set is owned by normalize.c's author and documented below them.
 */
#ifndef ETL_NORMALIZE_H
#define ETL_NORMALIZE_H

#include <stddef.h>

#include "err.h"
#include "permit.h"

struct tz; /* tz.h: an IANA time zone loaded once from the system zoneinfo */

/* The columns a profile can map. RF_DURATION replaces RF_END when the
 * profile gives the end as minutes; RF_ID is the id (several id columns are
 * joined with '|' by ingest); RF_VOID is the void indicator's column;
 * RF_KEY is the opscom profile's `_key`. */
enum raw_field {
    RF_PLATE, RF_AMOUNT, RF_CURRENCY, RF_START, RF_END, RF_DURATION,
    RF_ZONE, RF_PERMITNO, RF_TICKET, RF_PROMO, RF_ID, RF_VOID, RF_KEY,
    RF_COUNT
};

/* A borrowed view of one value; valid only during normalize_record(). */
struct raw_value {
    const char   *ptr;
    size_t        len;
    unsigned char present;     /* the column/key exists and is not JSON null */
    unsigned char json_number; /* JSON input: the value was a number token (ptr = its text) */
};

struct raw_record {
    struct raw_value v[RF_COUNT];
    const char *file;   /* path as given */
    long        line;   /* 1-based */
};

enum time_kind { TIME_PATTERN, TIME_ISO8601, TIME_EPOCH_S, TIME_EPOCH_MS };

#define NORM_MAX_PATTERNS    8
#define NORM_PATTERN_LEN     64
#define NORM_MAX_VOID_VALUES 8
#define NORM_VOID_VALUE_LEN  32

/* The normalization part of a format profile (profile.h embeds it). */
struct norm_profile {
    char          name[64];            /* used in keys */
    int           decimal_comma;
    int           amount_in_cents;     /* amount_unit: cents */
    enum currency default_currency;    /* CUR_NONE: none */
    enum time_kind time_kind;
    char          patterns[NORM_MAX_PATTERNS][NORM_PATTERN_LEN]; /* TIME_PATTERN */
    int           npatterns;
    const struct tz *tz;               /* zone for local times (borrowed, cached by tz.c) */
    int           end_is_duration;     /* end = start + RF_DURATION minutes */
    int           max_duration_days;   /* default 31 */
    char          void_values[NORM_MAX_VOID_VALUES][NORM_VOID_VALUE_LEN];
    int           nvoid_values;        /* RF_VOID values (trimmed, any case) meaning voided */
    int           opscom_keys;         /* key: _key, else permitNo, else t:+TicketNumber, else hash */
};

/* field: canonical API key ("LicencePlate", "Amount", ..., "_row", "_key");
 * reason: human text; raw: the offending raw value (may be empty). All
 * borrowed for the call only. */
typedef void (*norm_reject_fn)(void *ctx, const char *field, const char *reason,
                               const char *raw, size_t rawlen);

/* Normalizes r into *out. Returns 0 if accepted, else the number of
 * rejected fields (each reported through rej). */
int normalize_record(const struct norm_profile *p, const struct raw_record *r,
                     struct permit *out, norm_reject_fn rej, void *ctx);

/* Formats a UTC time as YYYY-MM-DDTHH:MM:SS (out >= 20 bytes). */
void norm_format_time(long long utc, char *out);
/* Formats cents as %d.%02d (out >= 24 bytes). */
void norm_format_cents(long long cents, char *out);

#endif
