/* test_stats_rows.c — stats rows (stats_rows.h): the zones filter, sort
 * and merge. The pull itself runs against the sandbox in the e2e tests
 * (t_client_stats.sh, t_report_online.sh). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_rows.h"

static const struct {
    const char *names[3];
    size_t      n;
    const char *want;            /* NULL: no filter */
} filter_cases[] = {
    { { NULL }, 0, NULL },                                   /* no names: pull all */
    { { "Lot 1" }, 1, "Lot 1" },
    { { "Lot 1", "Garage B", "Harbour" }, 3, "Lot 1,Garage B,Harbour" },
    { { "Lot 1", "Lot, 2" }, 2, NULL },                      /* a comma: pull all */
    { { "A,B" }, 1, NULL },
};

START_TEST(test_filter)
{
    char *f = (char *)"unset";

    ck_assert_int_eq(stats_rows_filter(filter_cases[_i].names, filter_cases[_i].n, &f), 0);
    if (filter_cases[_i].want)
        ck_assert_str_eq(f, filter_cases[_i].want);
    else
        ck_assert_ptr_null(f);
    free(f);
}
END_TEST

/* Rows as "zone/type=total+ledger;" after sort or merge. */
static void render(const struct stats_rows *s, char *out, size_t cap)
{
    size_t i, n = 0;

    out[0] = '\0';
    for (i = 0; i < s->n && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s/%s=%ld+%ld;", s->v[i].zone, s->v[i].type,
                              s->v[i].total, s->v[i].ledger);
}

START_TEST(test_sort_and_merge)
{
    struct stats_rows s = STATS_ROWS_INIT;
    char got[512];

    stats_rows_add(&s, "permit", "Lot 2", 5, 0);
    stats_rows_add(&s, "visitor", "Lot 1", 2, 0);
    stats_rows_add(&s, "permit", "Lot 1", 7, 0);
    stats_rows_add(&s, "permit", "Lot 2", 0, 3);     /* the ledger's count of Lot 2 */
    ck_assert_int_eq(s.nomem, 0);
    ck_assert_uint_eq(s.n, 4);
    stats_rows_sort(&s);
    render(&s, got, sizeof(got));
    ck_assert(!strcmp(got, "Lot 1/permit=7+0;Lot 1/visitor=2+0;Lot 2/permit=5+0;"
                           "Lot 2/permit=0+3;") ||
              !strcmp(got, "Lot 1/permit=7+0;Lot 1/visitor=2+0;Lot 2/permit=0+3;"
                           "Lot 2/permit=5+0;"));
    stats_rows_merge(&s);
    render(&s, got, sizeof(got));
    ck_assert_str_eq(got, "Lot 1/permit=7+0;Lot 1/visitor=2+0;Lot 2/permit=5+3;");
    stats_rows_free(&s);
    ck_assert_uint_eq(s.n, 0);
    stats_rows_merge(&s);                           /* empty: nothing to do */
    ck_assert_uint_eq(s.n, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats_rows");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_filter, 0, sizeof(filter_cases) / sizeof(filter_cases[0]));
    tcase_add_test(tc, test_sort_and_merge);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
