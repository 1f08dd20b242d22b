/* test_voidmatch.c — sales spilled and replayed, voids matched in any order. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "voidmatch.h"

static char tmpdir[64];

static void tmp_setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_voidmatch.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    setenv("TMPDIR", tmpdir, 1);
}

static void tmp_teardown(void)
{
    rmdir(tmpdir);                   /* fails (and the test shows it) if not empty */
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void fill(char *s, size_t cap, char c)
{
    memset(s, c, cap - 1);
    s[cap - 1] = '\0';
}

static void sale(struct permit *p, const char *key, const char *src, long line)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "%s", key);
    snprintf(p->plate, sizeof(p->plate), "P%s", key);
    snprintf(p->zone, sizeof(p->zone), "Lot %ld", line % 7);
    p->cents = line * 25;
    p->currency = line % 2 ? CUR_CAD : CUR_USD;
    p->start = 1800000000LL + line;
    p->end = p->start + 3600;
    p->source = src;
    p->line = line;
}

struct seen {
    long sales, cancelled, unmatched, stop_after;
    struct permit first;
    struct voidmatch_void firstv, unm;
    char unm_key[64], unm_file[64];
};

static int on_sale(void *ctx, const struct permit *p, const struct voidmatch_void *v,
                   struct etl_err *err)
{
    struct seen *s = ctx;

    if (s->sales == 0)
        s->first = *p;
    if (v && s->cancelled == 0)
        s->firstv = *v;
    s->sales++;
    s->cancelled += v != NULL;
    if (s->stop_after && s->sales == s->stop_after)
        return etl_fail(err, E_IO, "stop");
    return 0;
}

static int on_unmatched(void *ctx, const struct voidmatch_void *v, struct etl_err *err)
{
    struct seen *s = ctx;

    (void)err;
    if (s->unmatched++ == 0) {
        snprintf(s->unm_key, sizeof(s->unm_key), "%s", v->key);
        snprintf(s->unm_file, sizeof(s->unm_file), "%s", v->file);
        s->unm = *v;
    }
    return 0;
}

/* Every field of a sale at its largest comes back as it went in; voids
 * before and after their sale, in another file, and one of no sale. */
START_TEST(test_roundtrip)
{
    struct etl_err err;
    struct voidmatch *vm;
    static struct permit big, p, v;
    struct seen s;

    memset(&s, 0, sizeof(s));
    etl_err_clear(&err);
    vm = voidmatch_new(&err);
    ck_assert_ptr_nonnull(vm);
    ck_assert_int_eq(dir_entries(tmpdir), 0);          /* the spill is unlinked */
    sale(&big, "x", "a.csv", 2);
    fill(big.plate, sizeof(big.plate), 'P');
    fill(big.vendor_zone, sizeof(big.vendor_zone), 'v');
    fill(big.zone, sizeof(big.zone), 'z');
    fill(big.permit_no, sizeof(big.permit_no), 'n');
    fill(big.ticket, sizeof(big.ticket), 't');
    fill(big.promo, sizeof(big.promo), 'R');
    fill(big.key, sizeof(big.key), 'k');
    big.cents = AMOUNT_MAX_CENTS;
    big.currency = CUR_USD;
    big.start = -1;
    big.end = 4102444800LL;
    big.zone_status = ZONE_DISCONNECTED;
    big.line = 2147483647L;
    ck_assert_int_eq(voidmatch_sale(vm, &big, &err), 0);
    sale(&v, "s2", "a.csv", 3);                        /* void before its sale */
    v.voided = 1;
    v.cents = 125;
    ck_assert_int_eq(voidmatch_void(vm, &v, &err), 0);
    sale(&p, "s2", "b.csv", 4);
    ck_assert_int_eq(voidmatch_sale(vm, &p, &err), 0);
    sale(&p, "s3", "b.csv", 5);
    ck_assert_int_eq(voidmatch_sale(vm, &p, &err), 0);
    sale(&v, "none", "b.csv", 9);                      /* no sale anywhere */
    v.voided = 1;
    ck_assert_int_eq(voidmatch_void(vm, &v, &err), 0);
    ck_assert_int_eq(voidmatch_replay(vm, on_sale, on_unmatched, &s, &err), 0);
    ck_assert_int_eq(s.sales, 3);
    ck_assert_int_eq(s.cancelled, 1);
    ck_assert_int_eq(s.unmatched, 1);
    ck_assert_str_eq(s.first.plate, big.plate);
    ck_assert_str_eq(s.first.vendor_zone, big.vendor_zone);
    ck_assert_str_eq(s.first.zone, big.zone);
    ck_assert_str_eq(s.first.permit_no, big.permit_no);
    ck_assert_str_eq(s.first.ticket, big.ticket);
    ck_assert_str_eq(s.first.promo, big.promo);
    ck_assert_str_eq(s.first.key, big.key);
    ck_assert_str_eq(s.first.source, "a.csv");
    ck_assert(s.first.cents == big.cents && s.first.start == big.start &&
              s.first.end == big.end && s.first.line == big.line);
    ck_assert_int_eq(s.first.currency, CUR_USD);
    ck_assert_int_eq(s.first.zone_status, ZONE_DISCONNECTED);
    ck_assert_int_eq(s.first.voided, 0);
    ck_assert_str_eq(s.firstv.file, "a.csv");          /* the void's own file:line */
    ck_assert_int_eq(s.firstv.line, 3);
    ck_assert_int_eq(s.firstv.cents, 125);
    ck_assert_str_eq(s.unm_key, "none");
    ck_assert_str_eq(s.unm_file, "b.csv");
    ck_assert_int_eq(s.unm.line, 9);
    voidmatch_free(vm);
    ck_assert_int_eq(dir_entries(tmpdir), 0);
}
END_TEST

/* Many sales and voids (the hash set grows): every void finds its sale
 * whatever the order; a callback's error stops the replay. */
START_TEST(test_many)
{
    struct etl_err err;
    struct voidmatch *vm;
    static struct permit p;
    struct seen s;
    char key[32];
    long i, n = 20000;

    memset(&s, 0, sizeof(s));
    etl_err_clear(&err);
    vm = voidmatch_new(&err);
    ck_assert_ptr_nonnull(vm);
    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "k%ld", i);
        sale(&p, key, i % 2 ? "a.csv" : "b.csv", i + 2);
        ck_assert_int_eq(voidmatch_sale(vm, &p, &err), 0);
        if (i % 4 == 0) {                              /* a void of an earlier sale */
            snprintf(key, sizeof(key), "k%ld", i / 2);
            sale(&p, key, "c.csv", i);
            p.voided = 1;
            ck_assert_int_eq(voidmatch_void(vm, &p, &err), 0);
        }
    }
    for (i = 0; i < 100; i++) {                         /* voids of no sale */
        snprintf(key, sizeof(key), "u%ld", i);
        sale(&p, key, "c.csv", i);
        p.voided = 1;
        ck_assert_int_eq(voidmatch_void(vm, &p, &err), 0);
    }
    ck_assert_int_eq(voidmatch_replay(vm, on_sale, on_unmatched, &s, &err), 0);
    ck_assert_int_eq(s.sales, n);
    ck_assert_int_eq(s.cancelled, n / 4);              /* k0, k2, ..., k9998 */
    ck_assert_int_eq(s.unmatched, 100);
    voidmatch_free(vm);

    memset(&s, 0, sizeof(s));
    vm = voidmatch_new(&err);
    ck_assert_ptr_nonnull(vm);
    for (i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "k%ld", i);
        sale(&p, key, "a.csv", i + 2);
        ck_assert_int_eq(voidmatch_sale(vm, &p, &err), 0);
    }
    s.stop_after = 3;
    ck_assert_int_eq(voidmatch_replay(vm, on_sale, on_unmatched, &s, &err), -1);
    ck_assert_str_eq(err.msg, "stop");
    ck_assert_int_eq(s.sales, 3);
    voidmatch_free(vm);
}
END_TEST

START_TEST(test_bad_tmpdir)
{
    struct etl_err err;

    setenv("TMPDIR", "/nonexistent-dir/x", 1);
    etl_err_clear(&err);
    ck_assert_ptr_null(voidmatch_new(&err));
    ck_assert_int_eq(err.code, E_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/x"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("voidmatch");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_many);
    tcase_add_test(tc, test_bad_tmpdir);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
