/* test_buf.c — bounded buffers and their escapers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

START_TEST(test_add_and_bound)
{
    struct buf b;

    buf_init(&b, 8);
    ck_assert_int_eq(buf_addstr(&b, "abcd"), 0);
    ck_assert_int_eq(buf_addstr(&b, "efgh"), 0);
    ck_assert_int_eq(buf_addstr(&b, "i"), -1);   /* over max: unchanged */
    ck_assert_str_eq(b.ptr, "abcdefgh");
    buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(buf_addf(&b, "%d-%s", 42, "x"), 0);
    ck_assert_str_eq(b.ptr, "42-x");
    buf_release(&b);
    ck_assert_ptr_null(b.ptr);
}
END_TEST

static const struct { const char *in; const char *out; } json_cases[] = {
    { "plain", "plain" },
    { "a\"b", "a\\\"b" },
    { "back\\slash", "back\\\\slash" },
    { "tab\there", "tab\\there" },
    { "nl\ncr\r", "nl\\ncr\\r" },
    { "\x01", "\\u0001" },
    { "H\xc3\xb4tel", "H\xc3\xb4tel" },
    /* bytes that are not valid UTF-8: the text \xHH (a JSON "\\xHH") */
    { "caf\xe9.csv", "caf\\\\xE9.csv" },
    { "\xff\xfe", "\\\\xFF\\\\xFE" },
    { "\xc3", "\\\\xC3" },                               /* truncated sequence */
    { "\xc0\xaf", "\\\\xC0\\\\xAF" },                   /* overlong */
    { "\xed\xa0\x80", "\\\\xED\\\\xA0\\\\x80" },         /* surrogate */
    { "\xf0\x9f\x98\x80 ok", "\xf0\x9f\x98\x80 ok" },         /* 4-byte, valid */
    { "\x7f", "\\u007f" },
};

START_TEST(test_json_escape)
{
    struct buf b = BUF_INIT;

    ck_assert_int_eq(buf_add_json_str(&b, json_cases[_i].in, strlen(json_cases[_i].in)), 0);
    ck_assert_str_eq(b.ptr, json_cases[_i].out);
    buf_release(&b);
}
END_TEST

static const struct { const char *in; int guard; const char *out; } csv_cases[] = {
    { "plain", 1, "plain" },
    { "a,b", 1, "\"a,b\"" },
    { "say \"hi\"", 1, "\"say \"\"hi\"\"\"" },
    { "=SUM(A1)", 1, "'=SUM(A1)" },
    { "+1", 1, "'+1" },
    { "-1", 1, "'-1" },
    { "@x", 1, "'@x" },
    { "=a,b", 1, "\"'=a,b\"" },
    { "=SUM(A1)", 0, "=SUM(A1)" },
    { "", 1, "" },
};

START_TEST(test_csv_cell)
{
    struct buf b = BUF_INIT;

    ck_assert_int_eq(buf_add_csv_cell(&b, csv_cases[_i].in, strlen(csv_cases[_i].in),
                                      csv_cases[_i].guard), 0);
    ck_assert_str_eq(b.ptr ? b.ptr : "", csv_cases[_i].out);
    buf_release(&b);
}
END_TEST

START_TEST(test_err_format)
{
    struct etl_err e;
    char out[256];

    etl_fail_at(&e, E_DATA, "f.csv", 12, "Amount", "%s is over 999999.99", "1000000.00");
    etl_err_format(&e, out, sizeof(out));
    ck_assert_str_eq(out, "f.csv:12: Amount: 1000000.00 is over 999999.99");
    ck_assert_int_eq(etl_exit_for(e.code), 1);
    etl_fail(&e, E_CONFIG, "bad key 'x'");
    etl_err_format(&e, out, sizeof(out));
    ck_assert_str_eq(out, "bad key 'x'");
    ck_assert_int_eq(etl_exit_for(E_CONFIG), 2);
    ck_assert_int_eq(etl_exit_for(E_LOCKED), 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_add_and_bound);
    tcase_add_loop_test(tc, test_json_escape, 0, sizeof(json_cases) / sizeof(json_cases[0]));
    tcase_add_loop_test(tc, test_csv_cell, 0, sizeof(csv_cases) / sizeof(csv_cases[0]));
    tcase_add_test(tc, test_err_format);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
