/* test_spill.c — permits parked in a temp file (spill.h): every field back
 * as it was put (strings at their full capacity, the voided flag, the
 * source), in order, again after a second rewind; empty again after clear;
 * misuse and an unusable TMPDIR give errors, not crashes; no file left. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"

/* A permit whose fields all depend on i (strings up to their capacity). */
static void mk(struct permit *p, int i, const char *src)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "ps:%d", i);
    memset(p->plate, 'A' + i % 26, sizeof(p->plate) - 1);       /* full */
    p->plate[sizeof(p->plate) - 1 - (size_t)(i % 3)] = '\0';
    p->cents = 100LL * i + 7;
    p->currency = i % 2 ? CUR_USD : CUR_CAD;
    p->start = 1795874400LL + i;
    p->end = p->start + 3600 * (i % 5);
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "Lot %d \xc3\xa9", i % 7);
    snprintf(p->zone, sizeof(p->zone), "%s", i % 4 ? "Lot 1" : "");
    p->zone_status = (enum zone_status)(i % 5);
    if (i % 3 == 0)
        memset(p->permit_no, '9', sizeof(p->permit_no) - 1);
    snprintf(p->ticket, sizeof(p->ticket), "T%d", i);
    snprintf(p->promo, sizeof(p->promo), "%s", i % 2 ? "FREE1H" : "");
    p->voided = i % 10 == 0;
    p->source = src;
    p->line = 2 + i;
}

static void same(const struct permit *a, const struct permit *b)
{
    ck_assert_str_eq(a->key, b->key);
    ck_assert_str_eq(a->plate, b->plate);
    ck_assert_int_eq(a->cents, b->cents);
    ck_assert_int_eq(a->currency, b->currency);
    ck_assert_int_eq(a->start, b->start);
    ck_assert_int_eq(a->end, b->end);
    ck_assert_str_eq(a->vendor_zone, b->vendor_zone);
    ck_assert_str_eq(a->zone, b->zone);
    ck_assert_int_eq(a->zone_status, b->zone_status);
    ck_assert_str_eq(a->permit_no, b->permit_no);
    ck_assert_str_eq(a->ticket, b->ticket);
    ck_assert_str_eq(a->promo, b->promo);
    ck_assert_int_eq(a->voided, b->voided);
    ck_assert_str_eq(a->source, b->source);
    ck_assert_int_eq(a->line, b->line);
}

/* Files named permit-etl-spill-* in dir. */
static int leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        n += !strncmp(e->d_name, "permit-etl-spill-", 17);
    closedir(d);
    return n;
}

START_TEST(test_roundtrip)
{
    char dir[] = "/tmp/test_spill.XXXXXX";
    struct etl_err e;
    struct spill *s;
    struct permit p, q;
    int i, pass;
    /* a source name that is freed after the put: the spill keeps its own */
    char *src = strdup("dir/in file.csv");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    s = spill_new("ledger", &e);
    ck_assert_msg(s != NULL, "%s", e.msg);
    ck_assert_int_eq(leftovers(dir), 0);                      /* unlinked at once */
    for (i = 0; i < 5000; i++) {
        mk(&p, i, i < 2500 ? src : "b.csv");
        ck_assert_int_eq(spill_put(s, &p, &e), 0);
    }
    free(src);
    ck_assert_int_eq(spill_count(s), 5000);
    ck_assert_int_eq(spill_next(s, &q, &e), -1);              /* not rewound */
    ck_assert_int_eq(e.code, E_INTERNAL);
    for (pass = 0; pass < 2; pass++) {
        ck_assert_int_eq(spill_rewind(s, &e), 0);
        for (i = 0; i < 5000; i++) {
            memset(&q, 0x5a, sizeof(q));
            ck_assert_int_eq(spill_next(s, &q, &e), 1);
            mk(&p, i, i < 2500 ? "dir/in file.csv" : "b.csv");
            same(&p, &q);
        }
        ck_assert_int_eq(spill_next(s, &q, &e), 0);
    }
    ck_assert_int_eq(spill_put(s, &p, &e), -1);               /* reading: no put */
    ck_assert_int_eq(e.code, E_INTERNAL);
    ck_assert_int_eq(spill_clear(s, &e), 0);
    ck_assert_int_eq(spill_count(s), 0);
    ck_assert_int_eq(spill_rewind(s, &e), 0);
    ck_assert_int_eq(spill_next(s, &q, &e), 0);               /* empty */
    ck_assert_int_eq(spill_clear(s, &e), 0);
    mk(&p, 42, "c.csv");
    ck_assert_int_eq(spill_put(s, &p, &e), 0);                /* the next batch */
    ck_assert_int_eq(spill_rewind(s, &e), 0);
    ck_assert_int_eq(spill_next(s, &q, &e), 1);
    same(&p, &q);
    ck_assert_int_eq(spill_next(s, &q, &e), 0);
    spill_free(s);
    spill_free(NULL);
    ck_assert_int_eq(leftovers(dir), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    unsetenv("TMPDIR");
}
END_TEST

START_TEST(test_bad_tmpdir)
{
    struct etl_err e;

    setenv("TMPDIR", "/nonexistent/permit-etl-test", 1);
    ck_assert_ptr_null(spill_new("ledger", &e));
    ck_assert_int_eq(e.code, E_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "ledger: cannot create a temp file in "
                                        "/nonexistent/permit-etl-test"));
    unsetenv("TMPDIR");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spill");
    TCase *tc = tcase_create("spill");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_bad_tmpdir);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
