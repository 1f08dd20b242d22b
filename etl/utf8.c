/* utf8.c — see utf8.h. */
#include "utf8.h"

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

long utf8_count(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    long count = 0;

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
