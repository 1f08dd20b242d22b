/*
 * buf.h — bounded growable byte buffers.
 *
 * Invariants: ptr is NULL or NUL-terminated at ptr[len]; len < cap; len never
 * exceeds max (0 = no bound other than memory). A failed add leaves the
 * buffer as it was. The struct owns ptr; buf_release() frees it and leaves
 * the struct reusable, buf_detach() hands it to the caller.
 */
#ifndef ETL_BUF_H
#define ETL_BUF_H

#include <stddef.h>

struct buf {
    char  *ptr;
    size_t len, cap, max;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void  buf_init(struct buf *b, size_t max);                 /* empty, bound max */
int   buf_grow(struct buf *b, size_t extra);               /* -1: ENOMEM or over max */
int   buf_add(struct buf *b, const void *p, size_t n);     /* -1: ENOMEM or over max */
int   buf_addstr(struct buf *b, const char *s);
int   buf_addch(struct buf *b, char c);
int   buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The JSON string escaper every JSON writer of the tool uses, so that all
 * its JSON is valid UTF-8. buf_json_unit() looks at the next unit of
 * s[0..n) (n >= 1): returns its length in bytes (a valid UTF-8 sequence,
 * else 1) and sets *elen = 0 when it is copied as it is, else fills esc
 * with its escaped form (*elen bytes, at most 6): '"', '\\', control
 * characters as JSON escapes, and a byte that is not valid UTF-8 as the
 * text \xHH (written \\xHH), as the CSV and XLSX outputs show it.
 * buf_add_json_str() appends s[0..n) so escaped (no quotes). */
size_t buf_json_unit(const char *s, size_t n, char esc[6], size_t *elen);
int   buf_add_json_str(struct buf *b, const char *s, size_t n);
/* Appends a CSV cell (RFC 4180 quoting when needed). With `guard`, a cell
 * starting with = + - @ TAB CR is prefixed with ' (formula injection), and
 * invalid UTF-8 bytes and control characters other than TAB, LF and CR are
 * written as \xHH (so a rejects file is valid UTF-8 and safe to display). */
int   buf_add_csv_cell(struct buf *b, const char *s, size_t n, int guard);
void  buf_truncate(struct buf *b, size_t len);             /* keeps len (<= b->len) bytes */
void  buf_reset(struct buf *b);                            /* len = 0, keeps memory */
void  buf_release(struct buf *b);                          /* frees, reusable */
char *buf_detach(struct buf *b, size_t *len);              /* caller frees */

#endif
