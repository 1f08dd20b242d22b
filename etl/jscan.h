/*
 * jscan.h — a small streaming JSON scanner for record files: a JSON array
 * of objects, or JSON Lines (objects one after another). It reads in
 * chunks through a read function and never holds more than one record
 * (at most JSCAN_MAX_RECORD bytes) plus one chunk.
 *
 * Each call to jscan_next() returns the next top-level record with its
 * members (key, type, value). Strings are unescaped (\uXXXX with surrogate
 * pairs to UTF-8); number text is kept exactly as written; nested objects
 * and arrays are checked and reported as JV_OBJECT/JV_ARRAY with their raw
 * text. All views are borrowed until the next jscan_next() call.
 *
 * Errors:
 *  - record-level (the record is consumed, the next one reads normally):
 *    duplicate key, invalid UTF-8, a lone surrogate or \u0000, a string
 *    over JSCAN_MAX_VALUE bytes, more than JSCAN_MAX_MEMBERS keys, an
 *    array element that is not an object -> rec->error is set;
 *  - syntax errors (NaN, single quotes, trailing commas, leading zeros,
 *    raw control characters in strings, text after the array, truncated
 *    input ...), nesting deeper than JSCAN_MAX_DEPTH and a record over
 *    JSCAN_MAX_RECORD bytes end the file: jscan_next() returns JSCAN_ERROR
 *    with err->msg "... at byte N" (0-based, a BOM counted), err->where
 *    empty, and jscan_error_offset()/jscan_error_line() telling where.
 * A UTF-8 BOM at the start is skipped. Byte offsets count it.
 */
#ifndef ETL_JSCAN_H
#define ETL_JSCAN_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define JSCAN_MAX_RECORD  (1 << 20)   /* bytes of one record */
#define JSCAN_MAX_VALUE   (64 << 10)  /* bytes of one string (unescaped) */
#define JSCAN_MAX_MEMBERS 256         /* keys of one record */
#define JSCAN_MAX_DEPTH   64          /* open arrays/objects, the outer array counted */

enum jv_type { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_OBJECT, JV_ARRAY };

struct jscan_member {
    const char  *key;
    size_t       keylen;
    const char  *val;      /* STRING: unescaped; NUMBER/TRUE/FALSE: text; OBJECT/ARRAY: raw */
    size_t       vallen;
    enum jv_type type;
};

struct jscan_record {
    const struct jscan_member *m;
    int          n;
    long         line;       /* 1-based line of the record's first byte */
    long long    offset;     /* 0-based byte offset of its first byte */
    const char  *raw;        /* the record's text */
    size_t       rawlen;
    /* Record-level problem, or NULL. err_key: the key concerned (may be
     * NULL), so the caller can name the canonical field. */
    const char  *error;
    const char  *err_key;
    size_t       err_keylen;
};

enum jscan_result { JSCAN_END = 0, JSCAN_RECORD = 1, JSCAN_ERROR = -1 };

/* Reads up to cap bytes; returns the count, 0 at end, -1 on error (errno). */
typedef ssize_t (*jscan_read_fn)(void *ctx, char *buf, size_t cap);

struct jscan;

/* chunk: bytes per read (0 = 256 KiB); the small values are for tests.
 * max_record 0 = JSCAN_MAX_RECORD. NULL on out of memory. */
struct jscan *jscan_new(jscan_read_fn rd, void *ctx, size_t chunk, size_t max_record);
void jscan_free(struct jscan *js);                      /* NULL-safe */

int jscan_next(struct jscan *js, struct jscan_record *rec, struct etl_err *err);

/* Peeks at the file's kind without consuming a record (reads the first
 * bytes): 1 array, 2 lines, -1 empty or not JSON (err filled). */
int jscan_peek_kind(struct jscan *js, struct etl_err *err);

long long jscan_error_offset(const struct jscan *js);
long      jscan_error_line(const struct jscan *js);

#endif
