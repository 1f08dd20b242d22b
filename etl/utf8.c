/* utf8.c — see utf8.h. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    uint32_t v;
    size_t len, i;

    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;                            /* 0x80..0xC1, 0xF5..0xFF */
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||  /* overlong, surrogate */
        (len == 4 && (v < 0x10000 || v > 0x10FFFF)))                   /* overlong, too high */
        return 0;
    if (cp)
        *cp = v;
    return len;
}

int utf8_cut(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len, i;

    if (n == 0)
        return 0;
    len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
        : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    if (len == 0 || n >= len)
        return 0;
    for (i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return 1;
}

#define HIGHS 0x8080808080808080ULL

/* 1 if s[0..n) is all ASCII: a few overlapping word loads, no byte loop. */
static int all_ascii(const unsigned char *s, size_t n)
{
    uint64_t w, x;
    uint32_t a, b;
    uint16_t c, d;
    size_t i;

    if (n >= 8) {
        for (i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            if (w & HIGHS)
                return 0;
        }
        memcpy(&x, s + n - 8, 8);
        return !(x & HIGHS);
    }
    if (n >= 4) {
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        return !((a | b) & 0x80808080U);
    }
    if (n >= 2) {
        memcpy(&c, s, 2);
        memcpy(&d, s + n - 2, 2);
        return !((c | d) & 0x8080U);
    }
    return n == 0 || s[0] < 0x80;
}

long utf8_count(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    long count = 0;

    if (all_ascii(p, n))
        return (long)n;
    while (i < n) {
        size_t k;

        if (p[i] < 0x80) {                   /* fast path for ASCII */
            i++;
            count++;
            continue;
        }
        k = utf8_decode(s + i, n - i, NULL);
        if (k == 0)
            return -1;
        i += k;
        count++;
    }
    return count;
}

int utf8_valid(const char *s, size_t n)
{
    return utf8_count(s, n) >= 0;
}

size_t utf8_prefix(const char *s, size_t n, size_t max)
{
    size_t i = 0;

    while (i < n) {
        size_t k = utf8_decode(s + i, n - i, NULL);

        if (k == 0)
            k = 1;                           /* invalid byte: step over it */
        if (i + k > max)
            break;
        i += k;
    }
    return i;
}
