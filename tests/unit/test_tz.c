/* test_tz.c — IANA zones from TZif files: offsets, gaps, overlaps, days. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "tz.h"

static const struct tz *get(const char *name)
{
    struct etl_err e;
    const struct tz *z = tz_get(name, &e);

    ck_assert_msg(z != NULL, "tz_get(%s): %s", name, e.msg);
    return z;
}

#define L(y, m, d, h, mi) tz_civil_to_secs(y, m, d, h, mi, 0)

/* local -> utc: zone, local time, expected count, expected instants (UTC). */
static const struct {
    const char *zone;
    int y, m, d, h, mi;
    int n;
    long long u0, u1;     /* utc[0] (for n == 0: the gap's end), utc[1] */
} l2u[] = {
    /* spring forward: 02:00-03:00 does not exist; gap ends 07:00Z */
    { "America/Toronto", 2026, 3, 8, 2, 30, 0, 1772953200LL, 0 },
    { "America/Toronto", 2026, 3, 8, 2, 0, 0, 1772953200LL, 0 },
    { "America/Toronto", 2026, 3, 8, 1, 59, 1, 1772953140LL, 0 },
    { "America/Toronto", 2026, 3, 8, 3, 0, 1, 1772953200LL, 0 },
    /* fall back: 01:00-02:00 happens twice (EDT then EST) */
    { "America/Toronto", 2026, 11, 1, 1, 30, 2, 1793511000LL, 1793514600LL },
    { "America/Toronto", 2026, 11, 1, 1, 0, 2, 1793509200LL, 1793512800LL },
    { "America/Toronto", 2026, 11, 1, 0, 59, 1, 1793509140LL, 0 },
    { "America/Toronto", 2026, 11, 1, 2, 0, 1, 1793516400LL, 0 },
    { "America/Toronto", 2026, 7, 1, 12, 0, 1, 1782921600LL, 0 },
    { "America/Toronto", 2026, 1, 15, 12, 0, 1, 1768496400LL, 0 },
    /* past the last transition of the file: the POSIX footer rule */
    { "America/Toronto", 2090, 7, 1, 12, 0, 1, 3802608000LL, 0 },
    { "America/Toronto", 2090, 3, 12, 2, 30, 0, 3792985200LL, 0 },
    { "America/Toronto", 2090, 11, 5, 1, 30, 2, 3813543000LL, 3813546600LL },
    { "UTC", 2026, 3, 8, 2, 30, 1, 1772937000LL, 0 },
    { "Asia/Kolkata", 2026, 3, 8, 5, 30, 1, 1772928000LL, 0 },
    /* southern hemisphere: Sydney springs forward 2026-10-04 02:00 */
    { "Australia/Sydney", 2026, 10, 4, 2, 30, 0, 1791043200LL, 0 },
    { "Australia/Sydney", 2026, 4, 5, 2, 30, 2, 1775316600LL, 1775320200LL },
};

START_TEST(test_local_to_utc)
{
    const struct tz *z = get(l2u[_i].zone);
    long long u[2] = { -1, -1 };
    int n = tz_local_to_utc(z, L(l2u[_i].y, l2u[_i].m, l2u[_i].d, l2u[_i].h, l2u[_i].mi), u);

    ck_assert_int_eq(n, l2u[_i].n);
    ck_assert_int_eq(u[0], l2u[_i].u0);
    if (n == 2)
        ck_assert_int_eq(u[1], l2u[_i].u1);
}
END_TEST

/* Oracle: glibc's localtime_r under TZ=zone, over 2000-2099 in odd steps.
 * (The test may use setenv/localtime; the module never does.) */
static const char *const oracle_zones[] = {
    "America/Toronto", "America/Vancouver", "America/St_Johns", "Europe/London",
    "Europe/Dublin", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata",
    "America/Sao_Paulo", "Africa/Casablanca", "Pacific/Chatham", "America/Halifax",
    "UTC",
};

START_TEST(test_against_libc)
{
    const char *name = oracle_zones[_i];
    const struct tz *z = get(name);
    long long t;
    long checked = 0;

    ck_assert_int_eq(setenv("TZ", name, 1), 0);
    tzset();
    for (t = 946684800LL; t < 4102444800LL; t += 86400LL * 3 + 3607) {
        time_t tt = (time_t)t;
        struct tm tm;
        struct tz_tm mine;
        long long u[2];
        int n, k, found = 0;

        ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
        tz_utc_to_local(z, t, &mine);
        ck_assert_msg(mine.year == tm.tm_year + 1900 && mine.mon == tm.tm_mon + 1 &&
                      mine.day == tm.tm_mday && mine.hour == tm.tm_hour &&
                      mine.min == tm.tm_min && mine.sec == tm.tm_sec &&
                      mine.off == tm.tm_gmtoff && mine.wday == tm.tm_wday,
                      "%s at %lld: %04d-%02d-%02d %02d:%02d off %ld vs libc %02d:%02d off %ld",
                      name, t, mine.year, mine.mon, mine.day, mine.hour, mine.min, mine.off,
                      tm.tm_hour, tm.tm_min, (long)tm.tm_gmtoff);
        /* and back: t must be one of the instants of its local time */
        n = tz_local_to_utc(z, t + mine.off, u);
        ck_assert_int_ge(n, 1);
        for (k = 0; k < n; k++)
            found |= u[k] == t;
        ck_assert_msg(found, "%s: %lld does not round-trip", name, t);
        checked++;
    }
    ck_assert_int_gt(checked, 10000);
    unsetenv("TZ");
    tzset();
}
END_TEST

START_TEST(test_local_date_and_day_range)
{
    const struct tz *z = get("America/Toronto");
    int y, m, d;
    long long from, to;

    /* 2026-07-02T03:59:59Z is still July 1 in Toronto (EDT) */
    tz_local_date(z, 1782964799LL, &y, &m, &d);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20260701);
    tz_local_date(z, 1782964800LL, &y, &m, &d);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20260702);
    /* ordinary day: 24 h from 04:00Z */
    ck_assert_int_eq(tz_day_range(z, 2026, 7, 1, &from, &to), 0);
    ck_assert_int_eq(from, 1782878400LL);
    ck_assert_int_eq(to - from, 86400);
    /* spring forward day: 23 h; fall back day: 25 h */
    ck_assert_int_eq(tz_day_range(z, 2026, 3, 8, &from, &to), 0);
    ck_assert_int_eq(from, 1772946000LL);
    ck_assert_int_eq(to - from, 23 * 3600);
    ck_assert_int_eq(tz_day_range(z, 2026, 11, 1, &from, &to), 0);
    ck_assert_int_eq(to - from, 25 * 3600);
    ck_assert_int_eq(tz_day_range(z, 2027, 2, 29, &from, &to), -1);
    /* Sao Paulo 2018-11-04: midnight is inside the gap, the day starts at
     * 01:00 local; 2019-02-16 ends with a repeated 23:00 hour (25 h) */
    z = get("America/Sao_Paulo");
    ck_assert_int_eq(tz_day_range(z, 2018, 11, 4, &from, &to), 0);
    ck_assert_int_eq(from, 1541300400LL);
    ck_assert_int_eq(to, 1541383200LL);
    ck_assert_int_eq(tz_day_range(z, 2019, 2, 16, &from, &to), 0);
    ck_assert_int_eq(from, 1550282400LL);
    ck_assert_int_eq(to, 1550372400LL);
    tz_local_date(z, 1541300399LL, &y, &m, &d);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20181103);
    tz_local_date(z, 1541300400LL, &y, &m, &d);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20181104);
    z = get("America/Toronto");
    ck_assert_int_eq(tz_day_range(z, 2028, 2, 29, &from, &to), 0);
}
END_TEST

START_TEST(test_get_errors_and_cache)
{
    static const char *const bad[] = { "", "../etc/passwd", "/etc/localtime",
                                       "America/../../etc/passwd", "Nowhere/Zone",
                                       "America/Toronto ", "America/.hidden" };
    struct etl_err e;
    size_t i;
    const struct tz *a = get("America/Toronto"), *b = get("America/Toronto");

    ck_assert_ptr_eq(a, b);
    ck_assert_str_eq(tz_name(a), "America/Toronto");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        ck_assert_ptr_null(tz_get(bad[i], &e));
        ck_assert_int_eq(e.code, E_CONFIG);
        ck_assert_msg(strstr(e.msg, "time zone") != NULL, "%s", e.msg);
    }
    ck_assert_ptr_null(tz_get(NULL, &e));
}
END_TEST


/* A "slim" TZif file (zic -b slim) has almost no transitions: every
 * recent instant goes through the POSIX TZ footer rule. Build one with the
 * system's zic and compare it with the full America/Toronto and
 * Australia/Sydney data. */
static const char slim_src[] =
    "Rule T 2007 max - Mar Sun>=8 2:00 1:00 D\n"
    "Rule T 2007 max - Nov Sun>=1 2:00 0 S\n"
    "Zone Test/Slim -5:00 T E%sT\n"
    "Rule A 2008 max - Apr Sun>=1 2:00s 0 S\n"
    "Rule A 2008 max - Oct Sun>=1 2:00s 1:00 D\n"
    "Zone Test/SlimSouth 10:00 A AE%sT\n";

START_TEST(test_slim_footer_rule)
{
    char dir[] = "/tmp/test_tz_XXXXXX", src[64], cmd[256];
    const struct tz *slim, *slims, *tor, *syd;
    struct etl_err e;
    FILE *f;
    long long t;

    if (access("/usr/sbin/zic", X_OK) != 0) {
        fprintf(stderr, "test_slim_footer_rule: no /usr/sbin/zic, skipped\n");
        return;
    }
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(src, sizeof(src), "%s/src", dir);
    f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs(slim_src, f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(cmd, sizeof(cmd), "/usr/sbin/zic -b slim -d %s %s", dir, src);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
    slim = tz_get("Test/Slim", &e);
    ck_assert_msg(slim != NULL, "%s", e.msg);
    slims = tz_get("Test/SlimSouth", &e);
    ck_assert_msg(slims != NULL, "%s", e.msg);
    unsetenv("TZDIR");
    tor = get("America/Toronto");
    syd = get("Australia/Sydney");
    for (t = 1230768000LL; t < 4102444800LL; t += 86400LL + 3571) {   /* 2009-2099 */
        long long a[2], b[2];
        int na, nb;

        ck_assert_int_eq(tz_offset(slim, t), tz_offset(tor, t));
        ck_assert_int_eq(tz_offset(slims, t), tz_offset(syd, t));
        na = tz_local_to_utc(slim, t, a);
        nb = tz_local_to_utc(tor, t, b);
        ck_assert_int_eq(na, nb);
        ck_assert_int_eq(a[0], b[0]);
        if (na == 2)
            ck_assert_int_eq(a[1], b[1]);
        na = tz_local_to_utc(slims, t, a);
        nb = tz_local_to_utc(syd, t, b);
        ck_assert_int_eq(na, nb);
        ck_assert_int_eq(a[0], b[0]);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static const struct { int y, m, d; long long days; } civil[] = {
    { 1970, 1, 1, 0 }, { 2000, 1, 1, 10957 }, { 2000, 2, 29, 11016 },
    { 2028, 2, 29, 21243 }, { 2099, 12, 31, 47481 }, { 1969, 12, 31, -1 },
};

START_TEST(test_civil)
{
    int y, m, d;

    ck_assert_int_eq(tz_days_from_civil(civil[_i].y, civil[_i].m, civil[_i].d), civil[_i].days);
    tz_civil_from_days(civil[_i].days, &y, &m, &d);
    ck_assert_int_eq(y, civil[_i].y);
    ck_assert_int_eq(m, civil[_i].m);
    ck_assert_int_eq(d, civil[_i].d);
}
END_TEST

START_TEST(test_month_lengths)
{
    ck_assert_int_eq(tz_days_in_month(2028, 2), 29);
    ck_assert_int_eq(tz_days_in_month(2027, 2), 28);
    ck_assert_int_eq(tz_days_in_month(2000, 2), 29);
    ck_assert_int_eq(tz_days_in_month(2100, 2), 28);
    ck_assert_int_eq(tz_days_in_month(2026, 11), 30);
    ck_assert_int_eq(tz_days_in_month(2026, 13), 0);
    ck_assert_int_eq(tz_days_in_month(2026, 0), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tz");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_local_to_utc, 0, sizeof(l2u) / sizeof(l2u[0]));
    tcase_add_loop_test(tc, test_against_libc, 0, sizeof(oracle_zones) / sizeof(oracle_zones[0]));
    tcase_add_test(tc, test_local_date_and_day_range);
    tcase_add_test(tc, test_get_errors_and_cache);
    tcase_add_test(tc, test_slim_footer_rule);
    tcase_add_loop_test(tc, test_civil, 0, sizeof(civil) / sizeof(civil[0]));
    tcase_add_test(tc, test_month_lengths);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tz_cache_free();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
