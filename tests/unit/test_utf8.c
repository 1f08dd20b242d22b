/* test_utf8.c — the one UTF-8 decoder (utf8.h): utf8_decode() against a
 * reference written from RFC 3629's definition (bit patterns, shortest
 * form, no surrogates, at most U+10FFFF) over every 1-, 2- and 3-byte
 * input and the 4-byte boundaries; utf8_cut() for streaming readers. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* RFC 3629 decoding, written independently of utf8.c: the length from the
 * lead byte's high bits, the value from the payload bits, then the rules. */
static size_t ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_of[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t len, i;
    uint32_t v;

    if ((s[0] & 0x80) == 0) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0)
        len = 2, v = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0)
        len = 3, v = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0)
        len = 4, v = s[0] & 0x07u;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    if (v < min_of[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

static void check_same(const unsigned char *s, size_t n)
{
    uint32_t a = 0xFFFFFFFFu, b = 0xFFFFFFFFu;
    size_t la = utf8_decode((const char *)s, n, &a), lb = ref_decode(s, n, &b);

    if (la != lb || (la && a != b))
        ck_abort_msg("%02X %02X %02X %02X (n=%zu): decode %zu U+%04X, reference %zu U+%04X",
                     s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n,
                     la, (unsigned)a, lb, (unsigned)b);
}

START_TEST(test_every_short_input)
{
    unsigned char s[4];
    unsigned i;

    for (i = 0; i < 0x1000000u; i++) {
        s[0] = (unsigned char)(i >> 16);
        s[1] = (unsigned char)(i >> 8);
        s[2] = (unsigned char)i;
        check_same(s, 3);
        if ((i & 0xFF) == 0)
            check_same(s, 2);
        if ((i & 0xFFFF) == 0)
            check_same(s, 1);
    }
}
END_TEST

START_TEST(test_four_byte_inputs)
{
    unsigned char s[4];
    unsigned lead, b1, b2;

    /* every lead byte F0..FF with every second byte, and the third and
     * fourth bytes at their edges (80, BF) and out of range (7F, C0) */
    static const unsigned char tail[] = { 0x7F, 0x80, 0xA5, 0xBF, 0xC0 };
    for (lead = 0xF0; lead <= 0xFF; lead++)
        for (b1 = 0; b1 < 256; b1++)
            for (b2 = 0; b2 < sizeof(tail) * sizeof(tail); b2++) {
                s[0] = (unsigned char)lead;
                s[1] = (unsigned char)b1;
                s[2] = tail[b2 / sizeof(tail)];
                s[3] = tail[b2 % sizeof(tail)];
                check_same(s, 4);
                check_same(s, 3);
            }
}
END_TEST

static const struct {
    const char *s;
    size_t n, len;
    uint32_t cp;
} cases[] = {
    { "A", 1, 1, 0x41 },
    { "\x00", 1, 1, 0 },                     /* NUL is a code point here */
    { "\x7F", 1, 1, 0x7F },
    { "\xC2\x80", 2, 2, 0x80 },
    { "\xC3\xA9", 2, 2, 0xE9 },              /* é */
    { "\xDF\xBF", 2, 2, 0x7FF },
    { "\xE0\xA0\x80", 3, 3, 0x800 },
    { "\xED\x9F\xBF", 3, 3, 0xD7FF },
    { "\xEE\x80\x80", 3, 3, 0xE000 },
    { "\xEF\xBF\xBF", 3, 3, 0xFFFF },
    { "\xF0\x90\x80\x80", 4, 4, 0x10000 },
    { "\xF0\x9F\x98\x80", 4, 4, 0x1F600 },   /* 😀 */
    { "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF },
    { "\xC3\xA9xyz", 5, 2, 0xE9 },           /* only the first sequence */
    { "\x80", 1, 0, 0 },                     /* lone continuation */
    { "\xBF", 1, 0, 0 },
    { "\xC0\x80", 2, 0, 0 },                 /* overlong NUL */
    { "\xC1\xBF", 2, 0, 0 },
    { "\xE0\x9F\xBF", 3, 0, 0 },             /* overlong U+7FF */
    { "\xF0\x8F\xBF\xBF", 4, 0, 0 },         /* overlong U+FFFF */
    { "\xED\xA0\x80", 3, 0, 0 },             /* surrogate U+D800 */
    { "\xED\xBF\xBF", 3, 0, 0 },             /* surrogate U+DFFF */
    { "\xF4\x90\x80\x80", 4, 0, 0 },         /* U+110000 */
    { "\xF5\x80\x80\x80", 4, 0, 0 },
    { "\xFF", 1, 0, 0 },
    { "\xC3(", 2, 0, 0 },                    /* bad continuation */
    { "\xC3\xA9", 1, 0, 0 },                 /* cut by n */
    { "\xE2\x82\xAC", 2, 0, 0 },
    { "\xF0\x9F\x98\x80", 3, 0, 0 },
};

START_TEST(test_cases)
{
    uint32_t cp = 0xDEADBEEFu;
    size_t len = utf8_decode(cases[_i].s, cases[_i].n, &cp);

    ck_assert_uint_eq(len, cases[_i].len);
    if (len)
        ck_assert_uint_eq(cp, cases[_i].cp);
    else
        ck_assert_uint_eq(cp, 0xDEADBEEFu);  /* left alone */
    ck_assert_uint_eq(utf8_decode(cases[_i].s, cases[_i].n, NULL), cases[_i].len);
}
END_TEST

static const struct {
    const char *s;
    size_t n;
    int cut;
} cuts[] = {
    { "\xC3", 1, 1 },
    { "\xE2", 1, 1 },
    { "\xE2\x82", 2, 1 },
    { "\xF0\x9F\x98", 3, 1 },
    { "\xF4", 1, 1 },
    { "\xC3\xA9", 2, 0 },                    /* complete */
    { "\xE2\x82\xAC", 3, 0 },
    { "\xE2(", 2, 0 },                       /* a non-continuation: invalid now */
    { "\xF0\x9F(", 3, 0 },
    { "\x80", 1, 0 },
    { "\xC0", 1, 0 },                        /* never a lead byte */
    { "\xF5", 1, 0 },
    { "a", 1, 0 },
    { "", 0, 0 },
};

START_TEST(test_cut)
{
    ck_assert_int_eq(utf8_cut(cuts[_i].s, cuts[_i].n), cuts[_i].cut);
}
END_TEST

/* The readers built on the decoder agree with it on whole strings. */
START_TEST(test_count_and_prefix)
{
    const char *s = "H\xC3\xB4tel \xE2\x82\xAC \xF0\x9F\x98\x80";   /* Hôtel € 😀 */
    size_t n = strlen(s);

    ck_assert_int_eq(utf8_count(s, n), 9);
    ck_assert_int_eq(utf8_valid(s, n), 1);
    ck_assert_int_eq(utf8_count("ab\xED\xA0\x80", 5), -1);
    ck_assert_int_eq(utf8_valid("ab\xC3", 3), 0);
    ck_assert_uint_eq(utf8_prefix(s, n, 2), 1);       /* not inside ô */
    ck_assert_uint_eq(utf8_prefix(s, n, 3), 3);
    ck_assert_uint_eq(utf8_prefix(s, n, n - 1), n - 4); /* not inside 😀 */
    ck_assert_uint_eq(utf8_prefix("a\xFF" "b", 3, 2), 2); /* an invalid byte steps as one */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("decoder");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, test_every_short_input);
    tcase_add_test(tc, test_four_byte_inputs);
    tcase_add_loop_test(tc, test_cases, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_loop_test(tc, test_cut, 0, sizeof(cuts) / sizeof(cuts[0]));
    tcase_add_test(tc, test_count_and_prefix);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
