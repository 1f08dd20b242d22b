/*
 * profile.h — vendor format profiles (formats/NAME.json, schema in
 * formats/README.md), loaded by the strict JSON loader (jsonfile.h): a key
 * twice in one object is an error naming the file, the line and the key.
 *
 * A profile says what a vendor file looks like (CSV with a delimiter, a JSON
 * array, JSON Lines — or several of these), which columns/keys feed which
 * canonical field (matched trimmed and case-insensitively), which of them
 * may be missing, and the normalization settings (struct norm_profile).
 *
 * Search path for names (README.md, formats/README.md): $PERMIT_ETL_FORMATS (a directory,
 * or several separated by ':'), then <dir of the binary>/../formats, then
 * PERMIT_ETL_PREFIX/share/permit-etl/formats. A profile earlier in the path
 * hides a later one of the same name. A -f argument containing '/' or ending
 * in ".json" is a path.
 *
 * A struct profile_set owns its profiles; everything is plain storage loaded
 * once per run (no heap per record). Errors are E_CONFIG (exit 2) naming the
 * file and the key.
 */
#ifndef ETL_PROFILE_H
#define ETL_PROFILE_H

#include <stddef.h>

#include "err.h"
#include "normalize.h"

#ifndef PERMIT_ETL_PREFIX
#define PERMIT_ETL_PREFIX "/usr/local"
#endif

#define PROFILE_MAX_COLUMNS 32   /* mapped columns per profile */
#define PROFILE_MAX_NAMES   8    /* header names (aliases) per column */
#define PROFILE_NAME_LEN    64   /* header name, bytes */
#define PROFILE_MAX_IDS     4    /* id columns */
#define PROFILE_MAX         64   /* profiles per set */

/* File kinds, a bit mask: a profile accepts one or several. */
enum profile_kind {
    PK_CSV        = 1,
    PK_JSON_ARRAY = 2,
    PK_JSON_LINES = 4
};

/* One input column/key and the canonical field it feeds (a column may
 * also be an id column, e.g. paystation's "Receipt No" is permitNo and id). */
struct profile_column {
    char names[PROFILE_MAX_NAMES][PROFILE_NAME_LEN]; /* header names, as written */
    int  nnames;
    enum raw_field field;     /* RF_COUNT: only an id column, no field of its own */
    int  optional;            /* a missing optional column = empty */
    int  id_index;            /* position among the id columns, -1 if not an id */
};

/*
 * A settlement profile ("role": "settlement"): what a processor says it
 * settled, one line per business day (x vendor) x currency. Columns map to
 * the fields date, currency, amount (required unless "optional": true;
 * currency may be optional with default_currency), vendor and count
 * (optional). Amount settings as for records (decimal_comma, amount_unit,
 * default_currency); date_patterns use YYYY, MM/M, DD/D and literals.
 * vendor_default: the record profile named when there is no vendor column.
 */
enum settle_field { SF_DATE, SF_CURRENCY, SF_AMOUNT, SF_VENDOR, SF_COUNT, SF_NFIELDS };
struct settle_profile {
    char     names[SF_NFIELDS][PROFILE_MAX_NAMES][PROFILE_NAME_LEN];
    int      nnames[SF_NFIELDS];         /* 0: the field is not mapped */
    int      optional[SF_NFIELDS];
    char     date_patterns[NORM_MAX_PATTERNS][NORM_PATTERN_LEN];
    int      ndate_patterns;
    char     vendor_default[64];
};
/* The name of a settlement field ("date", ...). */
const char *profile_settle_field_name(enum settle_field f);

struct profile {
    struct norm_profile norm;            /* name, normalization settings */
    int      role_settlement;            /* "role": "settlement": `settle` applies, not
                                            cols; never in a record profile set */
    struct settle_profile settle;
    unsigned kinds;                      /* enum profile_kind bits */
    char     delimiter;                  /* CSV */
    int      multiline_fields;           /* CSV: quoted fields may span lines */
    char     time_zone[64];              /* IANA name ("" = UTC) */
    struct profile_column cols[PROFILE_MAX_COLUMNS];
    int      ncols;
    int      nids;                       /* id columns, joined with '|' */
    char     path[512];                  /* where it was loaded from */
};

struct profile_set {
    struct profile *p[PROFILE_MAX];
    int n;
};

/* Loads one profile file. NULL on error (E_CONFIG, naming file and key). */
struct profile *profile_load(const char *path, struct etl_err *err);
void profile_free(struct profile *p);                     /* NULL-safe */

/* Loads every *.json of every directory of the search path (first name
 * wins). An unreadable or invalid profile is an error. An empty set is not
 * an error here (detection then fails naming no candidates). */
int profile_set_load_all(struct profile_set *s, struct etl_err *err);
/* Finds `name_or_path` (see above) and puts it in the set as its only
 * member. */
int profile_set_load_one(struct profile_set *s, const char *name_or_path,
                         struct etl_err *err);
void profile_set_free(struct profile_set *s);             /* frees members, reusable */

/* Finds the settlement profile `name_or_path` (search path as above; a
 * record profile of that name does not count). NULL with E_CONFIG. */
struct profile *profile_settle_load(const char *name_or_path, struct etl_err *err);

/* Directory i (0-based) of the search path into out; -1 past the end. */
int profile_search_dir(int i, char *out, size_t cap);

/* A file's header: CSV cells of the first line, or the keys of the first
 * JSON object. Views are borrowed. */
#define PROFILE_MAX_HEADER 256
struct profile_header {
    const char *name[PROFILE_MAX_HEADER];
    size_t      len[PROFILE_MAX_HEADER];
    int         n;
};
/* Splits the header for a delimiter (CSV; JSON ignores it). -1: cannot
 * (the profile then does not match). */
typedef int (*profile_header_fn)(void *ctx, char delimiter, struct profile_header *h);

/*
 * Detection for a file of `kind` (one PK_ bit). A profile matches when it
 * accepts the kind and every required column is present; among several,
 * the one matching the most of its columns wins; a tie is ambiguous.
 * Returns the profile, or NULL with E_CONFIG naming the candidates (and
 * what each one misses).
 */
const struct profile *profile_detect(const struct profile_set *s, unsigned kind,
                                     profile_header_fn header, void *ctx,
                                     struct etl_err *err);

/* "CSV", "JSON array" or "JSON Lines": a kind (one PK_ bit) in messages. */
const char *profile_kind_name(unsigned kind);

/* Index of the profile column that `name` (trimmed, any case) names, or -1. */
int profile_column_find(const struct profile *p, const char *name, size_t len);

/* The canonical name of a field (the API's, PERMIT_FIELDS; "durationMinutes",
 * "_key"; "id" and "void" for RF_ID/RF_VOID), and back (-1 if unknown). */
const char *profile_field_name(enum raw_field f);
int profile_field_from_name(const char *name);

#endif
