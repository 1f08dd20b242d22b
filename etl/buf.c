#include "buf.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

int buf_grow(struct buf *b, size_t extra)
{
    size_t want, cap;
    char *p;

    if (extra > (size_t)-1 / 2 - b->len)
        return -1;
    want = b->len + extra + 1;
    if (b->max && b->len + extra > b->max)
        return -1;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    p = realloc(b->ptr, cap);
    if (!p)
        return -1;
    if (!b->ptr)
        p[0] = '\0';
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
    if (buf_grow(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small))
        return buf_add(b, small, (size_t)n);
    if (buf_grow(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

size_t buf_json_unit(const char *s, size_t n, char esc[6], size_t *elen)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = (unsigned char)s[0];
    size_t k;

    *elen = 0;
    if (c >= 0x80) {
        k = utf8_decode(s, n, NULL);
        if (k)
            return k;
        /* invalid UTF-8: the text \xHH (as the CSV and XLSX outputs) */
        esc[0] = '\\';
        esc[1] = '\\';
        esc[2] = 'x';
        esc[3] = "0123456789ABCDEF"[c >> 4];
        esc[4] = "0123456789ABCDEF"[c & 15];
        *elen = 5;
        return 1;
    }
    if (c == '"' || c == '\\') {
        esc[0] = '\\';
        esc[1] = (char)c;
        *elen = 2;
    } else if (c == '\n') {
        memcpy(esc, "\\n", 2);
        *elen = 2;
    } else if (c == '\r') {
        memcpy(esc, "\\r", 2);
        *elen = 2;
    } else if (c == '\t') {
        memcpy(esc, "\\t", 2);
        *elen = 2;
    } else if (c < 0x20 || c == 0x7f) {
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        *elen = 6;
    }
    return 1;
}

int buf_add_json_str(struct buf *b, const char *s, size_t n)
{
    size_t start = b->len, i, run = 0, k;

    for (i = 0; i < n; i += k) {
        char esc[6];
        size_t elen;

        k = buf_json_unit(s + i, n - i, esc, &elen);
        if (!elen)
            continue;
        if ((i > run && buf_add(b, s + run, i - run) < 0) ||
            buf_add(b, esc, elen) < 0)
            goto fail;
        run = i + k;
    }
    if (n > run && buf_add(b, s + run, n - run) < 0)
        goto fail;
    return 0;
fail:
    buf_truncate(b, start);
    return -1;
}

int buf_add_csv_cell(struct buf *b, const char *s, size_t n, int guard)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = b->len, i, k;
    int quote = 0, prefix = guard && n &&
        (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
         s[0] == '\t' || s[0] == '\r');

    for (i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (quote && buf_addch(b, '"') < 0)
        goto fail;
    if (prefix && buf_addch(b, '\'') < 0)
        goto fail;
    for (i = 0; i < n; i += k) {
        unsigned char c = (unsigned char)s[i];

        k = guard ? utf8_decode(s + i, n - i, NULL) : 1;
        if (guard && (k == 0 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))) {
            /* with guard: invalid UTF-8 and control bytes shown as \xHH */
            char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

            if (buf_add(b, e, 4) < 0)
                goto fail;
            k = 1;
            continue;
        }
        if (s[i] == '"' && quote && buf_addch(b, '"') < 0)
            goto fail;
        if (buf_add(b, s + i, k) < 0)
            goto fail;
    }
    if (quote && buf_addch(b, '"') < 0)
        goto fail;
    return 0;
fail:
    buf_truncate(b, start);
    return -1;
}

void buf_truncate(struct buf *b, size_t len)
{
    b->len = len;
    if (b->ptr)
        b->ptr[len] = '\0';
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void buf_release(struct buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p = b->ptr;

    if (len)
        *len = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}
