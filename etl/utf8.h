/*
 * utf8.h — the one UTF-8 decoder: validity, code points, counting.
 *
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF, no truncated sequences. NUL bytes are valid code
 * points here (callers that forbid them check separately). Pure functions,
 * no state, safe from any thread. Every reader of UTF-8 in the tool (the
 * JSON scanner, the CSV reader, the escapers, zone keys, workbook cells,
 * mail text) decodes through utf8_decode(): there is no other copy.
 */
#ifndef ETL_UTF8_H
#define ETL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The UTF-8 byte order mark. CSV files written for people (--rejects,
 * zones --csv-out, --aliases-out) start with it, so that Excel shows
 * accents; every reader of ours skips it. */
#define UTF8_BOM "\xEF\xBB\xBF"

/* Decodes the sequence at s[0..n) (n >= 1): returns its length in bytes
 * (1..4) and stores its code point in *cp (cp may be NULL); returns 0 when
 * the bytes there are not valid UTF-8, a sequence cut short by n included
 * (*cp is then left alone). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* 1 if s[0..n) is a lead byte followed only by continuation bytes, fewer
 * than the lead announces: a sequence that more input may complete (a
 * streaming reader waits for it before calling the bytes invalid). */
int utf8_cut(const char *s, size_t n);

/* 1 if s[0..n) is valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);

/* Number of code points in s[0..n), or -1 if it is not valid UTF-8. */
long utf8_count(const char *s, size_t n);

/* Length in bytes of the longest prefix of s[0..n) that is at most `max`
 * bytes and ends on a code-point boundary (for cutting display text only —
 * data is never cut). s must be valid UTF-8 for a clean cut. */
size_t utf8_prefix(const char *s, size_t n, size_t max);

#endif
