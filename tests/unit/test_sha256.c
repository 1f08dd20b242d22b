/* test_sha256.c — the one sha256 path (sha256.h): FIPS 180-2 test vectors
 * for bytes and for files (a file longer than the 64 KiB read chunk), the
 * file errors, and digests from several threads at once. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sha256.h"

/* FIPS 180-2 appendix B and the usual empty-string digest. */
static const struct { const char *in; const char *hex; } vectors[] = {
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};
#define MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

START_TEST(test_vectors)
{
    char hex[SHA256_HEX_SIZE];

    ck_assert_int_eq(sha256_hex(vectors[_i].in, strlen(vectors[_i].in), hex), 0);
    ck_assert_str_eq(hex, vectors[_i].hex);
}
END_TEST

static char dir[] = "/tmp/test_sha256_XXXXXX";

static void make_dir(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

START_TEST(test_million_a)
{
    char *a = malloc(1000000), hex[SHA256_HEX_SIZE], path[64];
    struct etl_err err;
    FILE *f;

    ck_assert_ptr_nonnull(a);
    memset(a, 'a', 1000000);
    ck_assert_int_eq(sha256_hex(a, 1000000, hex), 0);
    ck_assert_str_eq(hex, MILLION_A);

    make_dir();
    snprintf(path, sizeof(path), "%s/a.txt", dir);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(a, 1, 1000000, f), 1000000);   /* 15 chunks and a bit */
    ck_assert_int_eq(fclose(f), 0);
    memset(hex, 0, sizeof(hex));
    ck_assert_int_eq(sha256_file_hex(path, hex, &err), 0);
    ck_assert_str_eq(hex, MILLION_A);

    f = fopen(path, "wb");                                  /* an empty file */
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(sha256_file_hex(path, hex, &err), 0);
    ck_assert_str_eq(hex, vectors[1].hex);

    unlink(path);
    rmdir(dir);
    free(a);
}
END_TEST

START_TEST(test_file_errors)
{
    struct etl_err err;
    char hex[SHA256_HEX_SIZE];

    etl_err_clear(&err);
    ck_assert_int_eq(sha256_file_hex("/nonexistent/x.csv", hex, &err), -1);
    ck_assert_int_eq(err.code, E_IO);
    ck_assert_str_eq(err.where, "/nonexistent/x.csv");
    ck_assert_str_eq(err.field, "_file");
    ck_assert_str_eq(err.msg, "cannot open: No such file or directory");

    etl_err_clear(&err);
    ck_assert_int_eq(sha256_file_hex("/", hex, &err), -1);  /* a directory opens, read fails */
    ck_assert_int_eq(err.code, E_IO);
    ck_assert_str_eq(err.where, "/");
    ck_assert_str_eq(err.msg, "read error: Is a directory");
}
END_TEST

/* Each thread has its own digest context: digests computed at once in
 * several threads are all right. */
static void *hash_many(void *arg)
{
    long k = (long)(size_t)arg, i;
    char hex[SHA256_HEX_SIZE];
    long bad = 0;

    for (i = 0; i < 2000; i++) {
        size_t v = (size_t)(i + k) % 3;
        if (sha256_hex(vectors[v].in, strlen(vectors[v].in), hex) != 0 ||
            strcmp(hex, vectors[v].hex) != 0)
            bad++;
    }
    sha256_thread_cleanup();
    sha256_thread_cleanup();                                /* idempotent */
    return (void *)(size_t)bad;
}

START_TEST(test_threads)
{
    pthread_t t[4];
    long i;

    for (i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hash_many, (void *)(size_t)i), 0);
    for (i = 0; i < 4; i++) {
        void *bad;
        ck_assert_int_eq(pthread_join(t[i], &bad), 0);
        ck_assert_uint_eq((size_t)bad, 0);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("digests");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 0);
    tcase_add_loop_test(tc, test_vectors, 0, sizeof(vectors) / sizeof(vectors[0]));
    tcase_add_test(tc, test_million_a);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sha256_thread_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
