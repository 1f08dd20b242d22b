/*
 * utf8.h — UTF-8 validity and code-point counting.
 *
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF, no truncated sequences. NUL bytes are valid code
 * points here (callers that forbid them check separately). Pure functions,
 * no state, safe from any thread.
 */
#ifndef ETL_UTF8_H
#define ETL_UTF8_H

#include <stddef.h>

/* The UTF-8 byte order mark. CSV files written for people (--rejects,
 * zones --csv-out, --aliases-out) start with it, so that Excel shows
 * accents; every reader of ours skips it. */
#define UTF8_BOM "\xEF\xBB\xBF"

/* 1 if s[0..n) is valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);

/* Number of code points in s[0..n), or -1 if it is not valid UTF-8. */
long utf8_count(const char *s, size_t n);

/* Length in bytes of the longest prefix of s[0..n) that is at most `max`
 * bytes and ends on a code-point boundary (for cutting display text only —
 * data is never cut). s must be valid UTF-8 for a clean cut. */
size_t utf8_prefix(const char *s, size_t n, size_t max);

#endif
