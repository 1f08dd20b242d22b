/*
 * normalize.h — the normalization rules (docs/ARCHITECTURE.md), one record at a time.
 *
 * Ingest (CSV/JSON) maps a row's columns onto a struct raw_record of
 * borrowed views, then calls normalize_record(), which applies every rule
 * and either fills a struct permit (returns 0) or reports *every* failing
 * field through the reject callback (returns the number of rejects).
 * Zone status is not decided here (zones.h does that afterwards);
 * permit.zone and permit.vendor_zone both get the trimmed vendor text.
 *
 * No heap allocation, no setenv("TZ")/mktime on this path. The per-field
 * functions are public so they can be tested table by table.
 *
 * ---- Profile set-up ------------------------------------------------------
 * Fill a struct norm_profile (norm_profile_init() sets the defaults), then
 * call norm_profile_check() ONCE at profile load: it validates the time
 * patterns and the settings (E_CONFIG naming the problem) and compiles the
 * patterns. normalize_record() assumes a prepared profile. If the profile
 * struct is copied, the copy stays prepared (no pointers inside but tz).
 *
 * ---- Time patterns (time_kind TIME_PATTERN) -----------------------------
 * A pattern is matched against the whole trimmed value; the first of the
 * profile's patterns that matches the text is used. Tokens:
 *   YYYY    year, exactly 4 digits
 *   MM, M   month 1-12
 *   DD, D   day of the month
 *   HH, H   hour 0-23 (24-hour clock)
 *   hh, h   hour 1-12 (12-hour clock; needs AM)
 *   mm      minute, exactly 2 digits
 *   ss      second, exactly 2 digits (optional token: without it, second 0)
 *   AM      (or PM) the AM/PM marker, any case: AM, am, Pm, ... (12 AM = 00,
 *           12 PM = 12)
 *   \x      the character x literally (e.g. \M)
 * Month, day and hour allow unpadded values: MM/M, DD/D, HH/H
 * and hh/h take 1 or 2 digits ("07" or "7") — except a doubled token
 * directly followed by another number (e.g. "YYYYMMDD"), which takes
 * exactly 2. A single-letter token must be followed by a non-digit literal,
 * AM or the end (checked at load). Every other character is a literal that
 * must match exactly (one space matches one space; "T" matches "T"). A
 * pattern needs YYYY, a month, a day, an hour and mm. Example profile
 * values ("time_format": "pattern"):
 *   paystation:  "time_patterns": ["MM/DD/YYYY hh:mm AM"]  (or the same
 *        "M/D/YYYY h:mm AM"): matches "07/02/2018 09:00 AM" and
 *        "7/2/2018 9:00 am"; not "7/2/2018 9:00" or "7/2/2018 09:00:00 AM"
 *   24-hour, seconds optional: ["YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD HH:mm"]
 *   compact:     ["YYYYMMDDHHmmss"] (every number exactly as wide as written)
 * Local times are in the profile's tz (NULL = UTC).
 *
 * ---- ISO-8601 (TIME_ISO8601) --------------------------------------------
 * Exactly YYYY-MM-DDTHH:MM:SS, then optional fractional seconds (.d+,
 * dropped), then optional Z, +HH:MM or -HH:MM (HH 00-23, MM 00-59; used
 * as given; "-00:00" = "Z"). Without an
 * offset the time is local in the profile's tz (NULL = UTC). Rejected: +0500,
 * lower-case z or t, a space instead of T, missing seconds, anything else.
 *
 * ---- Epochs (TIME_EPOCH_S / TIME_EPOCH_MS) ------------------------------
 * Unsigned decimal digits (at most 15), optionally followed by "." and one
 * or more zeros ("1530522000.0"); a JSON number or a string alike. No sign,
 * exponent or non-zero fraction. Milliseconds are cut to whole seconds.
 *
 * ---- Local times, DST ----------------------------------------------------
 * A local time in a DST gap is rejected; in an overlap it takes the earlier
 * instant, except an end time whose earlier instant is at or before the
 * start: it takes the later one. Calendar checks (month 1-12, day within
 * the month, hour 0-23, minute/second 0-59) apply to the text as written;
 * the year check (2000-2099) to the UTC result. end > start; end - start
 * <= max_duration_days * 86400 (elapsed seconds; exactly the limit is ok).
 *
 * ---- Duration in minutes (end_is_duration) -----------------------------
 * RF_DURATION: unsigned decimal digits (at most 9), or digits + "." + zeros
 * ("60.0"), JSON number or string. Rejected (field endTime): empty, sign,
 * non-zero fraction ("30.5"), exponent, separators; 0 fails "end after
 * start". end = start + minutes * 60.
 *
 * ---- Voided rows -------------------------------------------------------
 * A row whose RF_VOID value (trimmed, ASCII case-insensitive) equals one of
 * void_values gets permit.voided = 1 and is otherwise normalized like any
 * row (all rules, all rejects) so that it carries its key, with one
 * difference: a minus sign on its amount is allowed and the magnitude is
 * used — an id-less refund row hashes to the same key as the sale it
 * cancels. Without the void indicator any minus sign rejects the amount
 * ("negative amount (refund?)").
 *
 * ---- Keys ------------------------------------------------------------------
 * "<profile name>:<id>" (RF_ID trimmed; a JSON-number id "12.0" is "12", an
 * id with an exponent is rejected); no id: "<profile name>:" + lower-case
 * hex sha256 of "plate|vendor zone|startTime|endTime|amount" (amount
 * %d.%02d, zone "" when absent). opscom_keys: RF_KEY verbatim (trimmed),
 * else "<name>:" + permitNo, else "<name>:t:" + TicketNumber, else the
 * hash. A key over KEY_BYTES_MAX bytes or with invalid UTF-8 is rejected
 * (field "_key"), never truncated. The key is computed only when every
 * field it depends on is valid.
 *
 * ---- Amount details (decisions where the rules are silent) ----------------
 * - A mark is exactly as written and touches the number ("$ 14.50",
 *   "14.50  USD", "14.50USD", "us$14.50" are rejected); a leading minus may
 *   stand before or after a prefix mark ("-$1", "$-1"): both are negative.
 * - Any '-' anywhere (also "-0.00", "14.50-") is "negative amount (refund?)"
 *   unless the row is voided.
 * - Leading zeros are fine ("007.50"). Without decimal_comma "14,505" is
 *   14505.00 (a thousands group), under decimal_comma "14.505" is 14505.00.
 * - A JSON number is a number, not text: '.' is always its decimal point
 *   (decimal_comma does not apply), and digits past the 2nd decimal must be
 *   zeros ("14.500" = 14.50, "14.505" rejected); an exponent is rejected.
 * - amount_unit cents: digits only, or digits + ".0..." (a JSON integral
 *   float); marks are still recognised ("US$1450" = 14.50 USD).
 * - Currency column values: CAD, USD, C$, CA$, US$ in any case; a bare "$"
 *   or anything else is rejected. A mark conflicting with the column is
 *   reported on CurrencyID even when the number itself failed.
 * - amount_optional (the opscom profile, reading --json-out back): an
 *   absent or empty Amount is a free session (0); CurrencyID still applies.
 * - Text fields and ids with a NUL character are rejected (no silent cut).
 *
 * ---- Reasons ---------------------------------------------------------------
 * Each reject names the canonical field (the API's name, PERMIT_FIELDS in
 * permit.h, or _key) and a reason that quotes the trimmed value in single
 * quotes (long values are cut to NORM_QUOTE_MAX bytes plus "..." in the
 * reason only; `raw` carries the whole untrimmed value). A missing
 * required field says "missing".
 *
 * Threads: normalize_record() may run in several threads at once with the
 * same profile. Each thread that hashed keys should call
 * norm_thread_cleanup() before it ends, the main thread at exit (frees
 * that thread's sha256 context, sha256.h; otherwise a leak checker
 * reports it).
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
#define NORM_PATTERN_OPS     (NORM_PATTERN_LEN * 2)

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
    /* --- added by the normalization core --- */
    int           amount_optional;     /* absent/empty Amount = free session (opscom profile) */
    /* filled by norm_profile_check(): the patterns compiled once */
    unsigned char pattern_ops[NORM_MAX_PATTERNS][NORM_PATTERN_OPS];
    int           patterns_compiled;
};

/* field: canonical API key (PERMIT_FIELDS in permit.h, "_row", "_key");
 * reason: human text; raw: the offending raw value (may be empty). All
 * borrowed for the call only. */
typedef void (*norm_reject_fn)(void *ctx, const char *field, const char *reason,
                               const char *raw, size_t rawlen);

/* Normalizes r into *out. Returns 0 if accepted, else the number of
 * rejected fields (each reported through rej). */
int normalize_record(const struct norm_profile *p, const struct raw_record *r,
                     struct permit *out, norm_reject_fn rej, void *ctx);

/* Formats cents as %d.%02d (out >= 24 bytes). */
void norm_format_cents(long long cents, char *out);

/* ---- profile ---------------------------------------------------------- */

/* Zeroes p and sets the defaults: TIME_ISO8601, max_duration_days 31. */
void norm_profile_init(struct norm_profile *p);
/* Checks the profile (patterns, settings; 0 or -1 with E_CONFIG) and
 * compiles its time patterns into p->pattern_ops: call once at profile
 * load, after filling p. (A profile with patterns_compiled == 0 still
 * works, interpreting the pattern strings per record, only slower.) */
int norm_profile_check(struct norm_profile *p, struct etl_err *err);
/* Checks one time pattern (see above). 0 or -1 with E_CONFIG in *err. */
int norm_pattern_check(const char *pattern, struct etl_err *err);

/* Frees this thread's digest context (see Threads above). */
void norm_thread_cleanup(void);

/* ---- per-field functions ------------------------------------------------
 * Each takes the value s[0..n) as given (they trim it themselves), returns
 * 0 on success or -1 with a reason in why[NORM_REASON_MAX] (the field name
 * is not part of the reason). */

#define NORM_REASON_MAX 320
#define NORM_QUOTE_MAX  80

/* Trims ASCII whitespace (space, \t, \n, \v, \f, \r) from both ends. */
void norm_trim(const char **s, size_t *n);

/* Plate -> out[PLATE_MAX + 1]: [A-Z0-9]{1,25}. */
int norm_plate(const char *s, size_t n, char *out, char *why);

/* An amount: cents, and the currency mark found (CUR_NONE for none or a
 * bare "$"; mark is the mark's text as written, "" if none). */
struct norm_amount {
    long long     cents;
    enum currency mark_currency;
    char          mark[5];
    int           negative;      /* a minus sign was present (only ok when voided) */
};
/* json_number: the value was a JSON number token. allow_negative: the row
 * is voided (the minus sign is dropped). On a failure after the mark was
 * recognised, a->mark/mark_currency stay set (for the currency check). */
int norm_amount(const struct norm_profile *p, const char *s, size_t n, int json_number,
                int allow_negative, struct norm_amount *a, char *why);

/* norm_amount() with another upper limit (max_cents <= SETTLE_MAX_CENTS):
 * settlement amounts go up to 999,999,999.99. */
int norm_amount_max(const struct norm_profile *p, const char *s, size_t n, int json_number,
                    int allow_negative, long long max_cents, struct norm_amount *a,
                    char *why);

/* Currency column s[0..n) (may be empty/absent: n == 0), the mark from the
 * amount, the profile default -> *out (CUR_CAD or CUR_USD). */
int norm_currency(const char *s, size_t n, const struct norm_amount *a,
                  enum currency dflt, enum currency *out, char *why);

/* A wall-clock time as written. */
struct norm_civil {
    int  y, mo, d, h, mi, s;
    int  has_off;                /* an ISO offset (Z, +HH:MM, -HH:MM) was given */
    long off;                    /* seconds east of UTC */
};
/* Matches s[0..n) against one pattern (textually; no range checks).
 * 0 or -1. */
int norm_pattern_match(const char *pattern, const char *s, size_t n, struct norm_civil *c);
/* Parses strict ISO-8601 (see above), textually. 0 or -1. */
int norm_iso8601(const char *s, size_t n, struct norm_civil *c);
/* Calendar check of c (month, day, hour, minute, second). 0 or -1. */
int norm_civil_check(const struct norm_civil *c, const char *s, size_t n, char *why);
/* Epoch seconds/milliseconds text -> UTC seconds. 0 or -1. */
int norm_epoch(const char *s, size_t n, int ms, long long *utc, char *why);

/* A parsed time: n = 1, or 2 for a DST overlap (utc[0] earlier). */
struct norm_time {
    int       n;
    long long utc[2];
};
/* Parses a time field per the profile (kind, patterns, tz): rejects
 * non-matching text, calendar-invalid values and DST-gap times. The UTC
 * year check is left to the caller (it applies to the chosen instant). */
int norm_time(const struct norm_profile *p, const char *s, size_t n, struct norm_time *t,
              char *why);
/* 1 if utc is in the years 2000-2099. */
int norm_year_ok(long long utc);

/* Duration in minutes (see above) -> *minutes. */
int norm_duration(const char *s, size_t n, long long *minutes, char *why);

/* Optional text field: trimmed; n == 0 after trimming = absent (out = "").
 * Rejects invalid UTF-8 and more than max_cp code points. upper: ASCII
 * upper-case (promo codes). out must hold max_cp * 4 + 1 bytes. */
int norm_text(const char *s, size_t n, size_t max_cp, int upper, char *out, char *why);

/* The key of a normalized record (p->plate, vendor_zone, start, end, cents,
 * permit_no, ticket filled). id/okey: the trimmed RF_ID / RF_KEY values
 * (n == 0: none). Writes out->key. 0 or -1 (field _key). */
int norm_key(const struct norm_profile *prof, const char *id, size_t idn, int id_json_number,
             const char *okey, size_t okeyn, struct permit *out, char *why);

#endif
