/* test_jsonfile.c — the one strict JSON file loader (jsonfile.h): every
 * status with where it points (byte, line, key), then the file side
 * (missing, over the bound, empty, a file that loads). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonfile.h"

static const struct {
    const char *text;
    size_t len;                 /* 0: strlen(text) */
    enum jsonfile_status status;
    size_t byte;                /* _NUL, _SYNTAX, _TRAILING */
    long line;                  /* _DUPLICATE */
    const char *key;            /* _DUPLICATE */
    int at_end;                 /* _SYNTAX */
} cases[] = {
    { "{\"a\": 1, \"b\": [1, {\"a\": 2}]}", 0, JSONFILE_OK, 0, 0, NULL, 0 },
    { "\xEF\xBB\xBF{\"a\": 1}\n", 0, JSONFILE_OK, 0, 0, NULL, 0 },          /* a BOM */
    { "{}  \r\n\t", 0, JSONFILE_OK, 0, 0, NULL, 0 },
    { "", 0, JSONFILE_EMPTY, 0, 0, NULL, 0 },
    { "{\"a\":\0 1}", 9, JSONFILE_NUL, 5, 0, NULL, 0 },
    { "{\"a\": 1", 0, JSONFILE_SYNTAX, 7, 0, NULL, 1 },                    /* cut short */
    { "   ", 0, JSONFILE_SYNTAX, 3, 0, NULL, 1 },
    { "{\"a\": 1,}", 0, JSONFILE_SYNTAX, 8, 0, NULL, 0 },                 /* strict */
    { "{'a': 1}", 0, JSONFILE_NOT_STRICT, 1, 0, NULL, 0 },               /* json-c takes it */
    { "\xEF\xBB\xBF{\"a\" 1}", 0, JSONFILE_SYNTAX, 8, 0, NULL, 0 },        /* offsets count the BOM */
    { "{} {}", 0, JSONFILE_SYNTAX, 3, 0, NULL, 0 },                       /* json-c strict sees it */
    { "[1, 2]", 0, JSONFILE_NOT_OBJECT, 0, 0, NULL, 0 },
    { "[{\"a\": 1, \"a\": 2}]", 0, JSONFILE_NOT_OBJECT, 0, 0, NULL, 0 },  /* the root first */
    { "{\"a\": 1,\n \"a\": 2}", 0, JSONFILE_DUPLICATE, 0, 2, "a", 0 },
    { "{\"x\": {\n\n\"k\": 1, \"k\": 2}, \"x2\": 3}", 0, JSONFILE_DUPLICATE, 0, 3, "k", 0 },
    { "{\"l\": [{\"n\": 1}, {\"n\": 1, \r\n\"n\": 2}]}", 0, JSONFILE_DUPLICATE, 0, 2, "n", 0 },
    { "{\"zones\": 1, \"\\u007aones\": 2}", 0, JSONFILE_DUPLICATE, 0, 1, "zones", 0 },
    { "{\"a\\nb\": 1, \"a\\nb\": 2}", 0, JSONFILE_DUPLICATE, 0, 1, "a?b", 0 },      /* safe to print */
    { "{\"b\": 1, \"b\": 2,\n\"c\": 1, \"c\": 2}", 0, JSONFILE_DUPLICATE, 0, 1, "b", 0 }, /* the first */
};

START_TEST(test_parse)
{
    struct jsonfile_error e;
    size_t len = cases[_i].len ? cases[_i].len : strlen(cases[_i].text);
    struct json_object *root = jsonfile_parse(cases[_i].text, len, &e);

    ck_assert_int_eq(e.status, cases[_i].status);
    if (cases[_i].status == JSONFILE_OK) {
        ck_assert_ptr_nonnull(root);
        ck_assert(json_object_is_type(root, json_type_object));
        json_object_put(root);
        return;
    }
    ck_assert_ptr_null(root);
    switch (cases[_i].status) {
    case JSONFILE_NUL:
    case JSONFILE_NOT_STRICT:
    case JSONFILE_SYNTAX:
    case JSONFILE_TRAILING:
        ck_assert_uint_eq(e.byte, cases[_i].byte);
        break;
    case JSONFILE_DUPLICATE:
        ck_assert_int_eq(e.line, cases[_i].line);
        ck_assert_str_eq(e.key, cases[_i].key);
        break;
    default:
        break;
    }
    if (cases[_i].status == JSONFILE_SYNTAX) {
        ck_assert_int_eq(e.at_end, cases[_i].at_end);
        ck_assert_ptr_nonnull(e.why);
    }
}
END_TEST

START_TEST(test_safe_key)
{
    char out[72], longkey[200];

    jsonfile_safe_key(out, sizeof(out), "ok\x01\xC3\xA9");
    ck_assert_str_eq(out, "ok???");
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    jsonfile_safe_key(out, sizeof(out), longkey);
    ck_assert_uint_eq(strlen(out), 64);
}
END_TEST

START_TEST(test_load)
{
    char dir[] = "/tmp/test_jsonfile_XXXXXX", path[64];
    struct jsonfile_error e;
    struct json_object *root, *v;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/c.json", dir);

    ck_assert_ptr_null(jsonfile_load(path, 100, &e));
    ck_assert_int_eq(e.status, JSONFILE_READ);
    ck_assert_int_eq(e.sys_errno, ENOENT);

    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_ptr_null(jsonfile_load(path, 100, &e));
    ck_assert_int_eq(e.status, JSONFILE_EMPTY);

    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"name\": \"exactly twenty\"}", f);      /* 26 bytes */
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_ptr_null(jsonfile_load(path, 25, &e));
    ck_assert_int_eq(e.status, JSONFILE_TOO_BIG);
    root = jsonfile_load(path, 26, &e);              /* the bound is inclusive */
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(e.status, JSONFILE_OK);
    ck_assert(json_object_object_get_ex(root, "name", &v));
    ck_assert_str_eq(json_object_get_string(v), "exactly twenty");
    json_object_put(root);

    ck_assert_ptr_null(jsonfile_load(dir, 100, &e));  /* a directory: opens, read fails */
    ck_assert_int_eq(e.status, JSONFILE_READ);
    ck_assert_int_eq(e.sys_errno, EISDIR);

    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jsonfile");
    TCase *tc = tcase_create("strict");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_parse, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, test_safe_key);
    tcase_add_test(tc, test_load);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
