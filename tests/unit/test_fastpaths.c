/* test_fastpaths.c — the caches and word-at-a-time paths of issue 10
 * against their plain definitions: utf8_count's ASCII word check, the
 * per-thread day text of utc_format, the last-range cache of
 * tz_local_to_utc (also across tz_cache_free and a reload). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "tz.h"
#include "utc.h"
#include "utf8.h"

/* Every length 0-24, with a 2-byte sequence, a lone continuation byte or
 * nothing special at every position: the count is the number of code
 * points, or -1. */
START_TEST(test_utf8_count_positions)
{
    char s[32];
    size_t n, at;

    for (n = 0; n <= 24; n++) {
        memset(s, 'a', sizeof(s));
        ck_assert_int_eq(utf8_count(s, n), (long)n);
        for (at = 0; at + 2 <= n; at++) {
            memset(s, 'a', sizeof(s));
            s[at] = (char)0xc3;
            s[at + 1] = (char)0xa9;              /* é */
            ck_assert_int_eq(utf8_count(s, n), (long)n - 1);
            ck_assert_int_eq(utf8_valid(s, n), 1);
        }
        for (at = 0; at < n; at++) {
            memset(s, 'a', sizeof(s));
            s[at] = (char)0x80;
            ck_assert_int_eq(utf8_count(s, n), -1);
            ck_assert_int_eq(utf8_valid(s, n), 0);
        }
    }
}
END_TEST

/* The civil text computed independently (days from the epoch by loop). */
static void slow_format(long long utc, char *out)
{
    long long days = utc / 86400, rem = utc % 86400;
    int y = 1970, m = 1;
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    for (;;) {
        int yl = tz_is_leap(y) ? 366 : 365;
        if (days < yl)
            break;
        days -= yl;
        y++;
    }
    for (;;) {
        int ml = mdays[m - 1] + (m == 2 && tz_is_leap(y));
        if (days < ml)
            break;
        days -= ml;
        m++;
    }
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, (int)days + 1, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
}

START_TEST(test_format_time_days)
{
    /* forwards, backwards and jumping: the cached day must never leak */
    static const long long t0[] = { 946684800LL, 951782399LL, 951782400LL, 951868800LL,
                                    4102444799LL, 1796083199LL, 1796083200LL, 0LL };
    char a[64], b[64];
    long long t;
    size_t i;

    for (i = 0; i < sizeof(t0) / sizeof(t0[0]); i++) {
        utc_format(t0[i], a);
        slow_format(t0[i], b);
        ck_assert_str_eq(a, b);
    }
    for (t = 1795996800LL - 3 * 86400; t < 1795996800LL + 3 * 86400; t += 3583) {
        utc_format(t, a);
        slow_format(t, b);
        ck_assert_str_eq(a, b);
        utc_format(t - 40 * 86400, a);         /* another day in between */
        slow_format(t - 40 * 86400, b);
        ck_assert_str_eq(a, b);
    }
}
END_TEST

/* A local time in the middle of a long no-change stretch, then times
 * near a DST change: the cached range must not answer for those. */
START_TEST(test_local_to_utc_cache)
{
    struct etl_err err;
    const struct tz *z = tz_get("America/Toronto", &err);
    long long u[2];
    /* 2026-03-08 02:30 local does not exist; 2026-11-01 01:30 is twice */
    long long jan = tz_civil_to_secs(2026, 1, 15, 12, 0, 0);
    long long gap = tz_civil_to_secs(2026, 3, 8, 2, 30, 0);
    long long before = tz_civil_to_secs(2026, 3, 8, 1, 59, 0);
    long long after = tz_civil_to_secs(2026, 3, 8, 3, 0, 0);
    long long fold = tz_civil_to_secs(2026, 11, 1, 1, 30, 0);

    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(tz_local_to_utc(z, jan, u), 1);
    ck_assert_int_eq(u[0], jan + 5 * 3600);
    ck_assert_int_eq(tz_local_to_utc(z, jan + 40 * 86400LL, u), 1);   /* Feb 24 */
    ck_assert_int_eq(u[0], jan + 40 * 86400LL + 5 * 3600);
    ck_assert_int_eq(tz_local_to_utc(z, before, u), 1);
    ck_assert_int_eq(u[0], before + 5 * 3600);
    ck_assert_int_eq(tz_local_to_utc(z, gap, u), 0);
    ck_assert_int_eq(tz_local_to_utc(z, after, u), 1);
    ck_assert_int_eq(u[0], after + 4 * 3600);
    ck_assert_int_eq(tz_local_to_utc(z, jan, u), 1);
    ck_assert_int_eq(tz_local_to_utc(z, fold, u), 2);
    ck_assert_int_eq(u[0], fold + 4 * 3600);
    ck_assert_int_eq(u[1], fold + 5 * 3600);

    /* a zone loaded after tz_cache_free() may reuse the address: the
     * cache must not answer with Toronto's offset */
    ck_assert_int_eq(tz_local_to_utc(z, jan, u), 1);
    tz_cache_free();
    z = tz_get("Asia/Tokyo", &err);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(tz_local_to_utc(z, jan, u), 1);
    ck_assert_int_eq(u[0], jan - 9 * 3600);
    tz_cache_free();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fastpaths");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_utf8_count_positions);
    tcase_add_test(tc, test_format_time_days);
    tcase_add_test(tc, test_local_to_utc_cache);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
