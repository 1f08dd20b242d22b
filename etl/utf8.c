/* utf8.c — see utf8.h. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid sequence at s[0..n) (1..4), or 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)       /* overlong */
            return 0;
        if (c == 0xED && s[1] >= 0xA0)      /* surrogates */
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)       /* overlong */
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)      /* above U+10FFFF */
            return 0;
        return 4;
    }
    return 0;                                /* 0x80..0xC1, 0xF5..0xFF */
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
        k = seq_len(p + i, n - i);
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
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t k = seq_len(p + i, n - i);

        if (k == 0)
            k = 1;                           /* invalid byte: step over it */
        if (i + k > max)
            break;
        i += k;
    }
    return i;
}
