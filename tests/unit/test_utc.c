/* test_utc.c — the one UTC-time formatter (utc.h): fixed cases, then a
 * sweep compared with the C library's gmtime_r + strftime over the whole
 * four-digit year range (each step lands on another day and time, so the
 * per-thread day text is both reused and replaced). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utc.h"

static const struct { long long t; int rc; const char *text; } cases[] = {
    { 0, 0, "1970-01-01T00:00:00" },
    { -1, 0, "1969-12-31T23:59:59" },
    { 951782400LL, 0, "2000-02-29T00:00:00" },            /* leap day 2000 */
    { 4102444799LL, 0, "2099-12-31T23:59:59" },
    { 1795874400LL, 0, "2026-11-28T14:00:00" },
    { -62167219200LL, 0, "0000-01-01T00:00:00" },          /* the first year */
    { 253402300799LL, 0, "9999-12-31T23:59:59" },          /* the last */
    { 253402300800LL, -1, NULL },                          /* year 10000 */
    { -62167219201LL, -1, NULL },                          /* year -1 */
};

START_TEST(test_cases)
{
    char out[UTC_TEXT_SIZE], z[UTC_Z_SIZE], want[UTC_Z_SIZE];

    ck_assert_int_eq(utc_format(cases[_i].t, out), cases[_i].rc);
    ck_assert_int_eq(utc_format_z(cases[_i].t, z), cases[_i].rc);
    if (cases[_i].rc == 0) {
        ck_assert_str_eq(out, cases[_i].text);
        snprintf(want, sizeof(want), "%sZ", cases[_i].text);
        ck_assert_str_eq(z, want);
    } else {
        ck_assert_uint_le(strlen(out), 19);    /* never past the buffer */
        ck_assert_str_eq(z, "");
    }
}
END_TEST

START_TEST(test_against_gmtime)
{
    /* 0000-01-01 to 9999-12-31 in steps of 37 days 7 h 13 min 11 s */
    const long long step = 37 * 86400LL + 7 * 3600 + 13 * 60 + 11;
    long long t;
    long n = 0;

    for (t = -62167219200LL; t <= 253402300799LL; t += step) {
        time_t tt = (time_t)t;
        struct tm tm;
        char want[80], got[UTC_TEXT_SIZE], gotz[UTC_Z_SIZE];

        ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        ck_assert_int_eq(utc_format(t, got), 0);
        if (strcmp(got, want) != 0)
            ck_abort_msg("t=%lld: %s, gmtime says %s", t, got, want);
        ck_assert_int_eq(utc_format_z(t, gotz), 0);
        ck_assert_int_eq(strncmp(gotz, want, 19), 0);
        ck_assert_str_eq(gotz + 19, "Z");
        if (n % 2)                                      /* the day cache, back and forth */
            ck_assert_int_eq(utc_format(t - step, got), 0);
        n++;
    }
    ck_assert_int_gt(n, 90000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utc");
    TCase *tc = tcase_create("format");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 0);
    tcase_add_loop_test(tc, test_cases, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, test_against_gmtime);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
