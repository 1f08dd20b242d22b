/* test_strmap.c — the one string map (strmap.h): dense indexes in first-add
 * order, keys as bytes (NUL and all), growth past many table sizes checked
 * against a plain list, keys kept across growth, release and reuse. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

START_TEST(test_basics)
{
    struct strmap m = STRMAP_INIT;
    int created = -1;

    ck_assert_int_eq(strmap_find(&m, "a", 1), -1);          /* empty map */
    ck_assert_int_eq(strmap_add(&m, "lot 1", 5, &created), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(strmap_add(&m, "lot 2", 5, &created), 1);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(strmap_add(&m, "lot 1", 5, &created), 0); /* again: same index */
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(strmap_add(&m, "lot 1x", 5, NULL), 0);  /* only n bytes count */
    ck_assert_int_eq(strmap_add(&m, "", 0, &created), 2);    /* the empty key is a key */
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(strmap_add(&m, "a\0b", 3, NULL), 3);    /* bytes, not C strings */
    ck_assert_int_eq(strmap_add(&m, "a\0c", 3, NULL), 4);
    ck_assert_int_eq(strmap_add(&m, "a", 1, NULL), 5);
    ck_assert_int_eq(strmap_find(&m, "a\0b", 3), 3);
    ck_assert_int_eq(strmap_find(&m, "lot", 3), -1);
    ck_assert_uint_eq(m.n, 6);
    ck_assert_str_eq(strmap_key(&m, 0), "lot 1");
    ck_assert_str_eq(strmap_key(&m, 1), "lot 2");
    ck_assert_str_eq(strmap_key(&m, 2), "");
    ck_assert_int_eq(memcmp(strmap_key(&m, 4), "a\0c", 4), 0); /* NUL-terminated copy */
    strmap_release(&m);
    ck_assert_uint_eq(m.n, 0);
    ck_assert_int_eq(strmap_find(&m, "lot 1", 5), -1);
    ck_assert_int_eq(strmap_add(&m, "again", 5, NULL), 0);    /* reusable */
    strmap_release(&m);
    strmap_release(NULL);
}
END_TEST

/* 20000 keys (the table doubles many times): every index is the position
 * of the key in a plain list, every key reads back, unknown keys miss. */
START_TEST(test_many)
{
    struct strmap m = STRMAP_INIT;
    enum { N = 20000 };
    char (*keys)[48] = calloc(N, sizeof(*keys));
    char k[48];
    long i;

    ck_assert_ptr_nonnull(keys);
    for (i = 0; i < N; i++) {
        int created;

        snprintf(keys[i], sizeof(keys[i]), "zone-%ld-%ld", i % 97, i);
        ck_assert_int_eq(strmap_add(&m, keys[i], strlen(keys[i]), &created), i);
        ck_assert_int_eq(created, 1);
        if (i % 7 == 0)                                       /* an earlier key again */
            ck_assert_int_eq(strmap_add(&m, keys[i / 2], strlen(keys[i / 2]), &created), i / 2);
    }
    ck_assert_uint_eq(m.n, N);
    ck_assert_uint_le(m.n * 2, m.cap);                        /* at most half full */
    for (i = 0; i < N; i++) {
        ck_assert_int_eq(strmap_find(&m, keys[i], strlen(keys[i])), i);
        ck_assert_str_eq(strmap_key(&m, (size_t)i), keys[i]);
        snprintf(k, sizeof(k), "zone-%ld-%ld", i % 97 + 1, i);   /* never added */
        ck_assert_int_eq(strmap_find(&m, k, strlen(k)), -1);
    }
    strmap_release(&m);
    free(keys);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("map");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_basics);
    tcase_add_test(tc, test_many);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
