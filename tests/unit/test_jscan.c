/* test_jscan.c — the streaming JSON record scanner, fed in chunks of every
 * size so that tokens straddle the read boundaries. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "jscan.h"

struct src {
    const char *s;
    size_t len, pos, step;
};

static ssize_t src_read(void *ctx, char *b, size_t cap)
{
    struct src *r = ctx;
    size_t n = r->len - r->pos;

    if (n > cap)
        n = cap;
    if (n > r->step)
        n = r->step;
    memcpy(b, r->s + r->pos, n);
    r->pos += n;
    return (ssize_t)n;
}

static const char *tname(enum jv_type t)
{
    static const char *const n[] = { "null", "false", "true", "num", "str", "obj", "arr" };
    return n[t];
}

/* Scans `in` with reads of `step` bytes into a compact description:
 * per record "L<line>@<off>{key=type:value,...}" ("!error(key)" when the
 * record has a problem), then "END" or "ERR <msg>". */
static char *scan(const char *in, size_t len, size_t step, size_t chunk, size_t maxrec)
{
    struct src r = { in, len, 0, step };
    struct jscan *js = jscan_new(src_read, &r, chunk, maxrec);
    struct buf b = BUF_INIT;
    struct jscan_record rec;
    struct etl_err err;
    int rc, i;

    ck_assert_ptr_nonnull(js);
    while ((rc = jscan_next(js, &rec, &err)) == JSCAN_RECORD) {
        buf_addf(&b, "L%ld@%lld{", rec.line, rec.offset);
        for (i = 0; i < rec.n; i++) {
            buf_addf(&b, "%s", i ? "," : "");
            buf_add(&b, rec.m[i].key, rec.m[i].keylen);
            buf_addf(&b, "=%s:", tname(rec.m[i].type));
            buf_add(&b, rec.m[i].val, rec.m[i].vallen);
        }
        buf_addstr(&b, "}");
        if (rec.error) {
            buf_addf(&b, "!%s(", rec.error);
            if (rec.err_key)
                buf_add(&b, rec.err_key, rec.err_keylen);
            buf_addstr(&b, ")");
        }
        buf_addstr(&b, " ");
    }
    if (rc == JSCAN_END)
        buf_addstr(&b, "END");
    else
        buf_addf(&b, "ERR %s", err.msg);
    jscan_free(js);
    return buf_detach(&b, NULL);
}

static const struct { const char *in; const char *out; } cases[] = {
    { "[]", "END" },
    { " [ ] \n", "END" },
    { "\xef\xbb\xbf[{\"a\":1}]", "L1@4{a=num:1} END" },
    { "[{\"a\":\"x\",\"b\":-0.50e+3,\"c\":null,\"d\":true,\"e\":false}]",
      "L1@1{a=str:x,b=num:-0.50e+3,c=null:null,d=true:true,e=false:false} END" },
    { "[\n{\"a\":1},\n {\"a\":2}\n]\n", "L2@2{a=num:1} L3@12{a=num:2} END" },
    { "{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}", "L1@0{a=num:1} L2@8{a=num:2} L4@17{a=num:3} END" },
    { "{\"a\":12345678901234567890123}", "L1@0{a=num:12345678901234567890123} END" },
    /* escapes */
    { "[{\"k\\\"ey\":\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u20AC\\ud83d\\ude00\"}]",
      "L1@1{k\"ey=str:a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80} END" },
    { "[{\"a\":\"H\xc3\xb4tel\"}]", "L1@1{a=str:H\xc3\xb4tel} END" },
    /* nested values keep their raw text */
    { "[{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]},\"e\":[]}]",
      "L1@1{a=obj:{\"b\":[1,2,{\"c\":\"d\"}]},e=arr:[]} END" },
    /* record-level problems: the record is consumed, the next one reads */
    { "[{\"a\":1,\"a\":2},{\"a\":3}]", "L1@1{a=num:1}!duplicate key(a) L1@15{a=num:3} END" },
    { "[{\"a\":\"\xff\"},{\"a\":3}]", "L1@1{a=str:\xff}!invalid UTF-8(a) L1@11{a=num:3} END" },
    { "[{\"a\":\"\xc0\xaf\"}]", "L1@1{a=str:\xc0\xaf}!invalid UTF-8(a) END" },
    { "[{\"a\":\"\xed\xa0\x80\"}]", "L1@1{a=str:\xed\xa0\x80}!invalid UTF-8(a) END" },
    { "[{\"a\":\"\\ud800x\"}]",
      "L1@1{a=str:\xef\xbf\xbdx}!invalid \\u escape (lone surrogate)(a) END" },
    { "[{\"a\":\"\\udc00\"}]",
      "L1@1{a=str:\xef\xbf\xbd}!invalid \\u escape (lone surrogate)(a) END" },
    { "[{\"a\":\"\\u0000\"}]", "L1@1{a=str:\0}!\\u0000 in a string(a) END" },
    { "[1,{\"a\":1}]", "L1@1{}!expected an object() L1@3{a=num:1} END" },
    /* syntax errors end the file; records before stay */
    { "[{\"a\":1},{\"a\":NaN}]", "L1@1{a=num:1} ERR JSON syntax error at byte 14 (line 1): "
      "unexpected character 'N'" },
    { "[{\"a\":nan}]", "ERR JSON syntax error at byte 6 (line 1): "
      "invalid literal (not true, false or null)" },
    { "[{\"a\":Infinity}]", "ERR JSON syntax error at byte 6 (line 1): "
      "unexpected character 'I'" },
    { "[{\"a\":1},\n{'a':1}]", "L1@1{a=num:1} ERR JSON syntax error at byte 11 (line 2): "
      "expected a string key" },
    { "[{\"a\":'x'}]", "ERR JSON syntax error at byte 6 (line 1): single quotes are not JSON" },
    { "[{\"a\":1},]", "L1@1{a=num:1} ERR JSON syntax error at byte 9 (line 1): "
      "trailing comma in the array" },
    { "[{\"a\":1,}]", "ERR JSON syntax error at byte 8 (line 1): expected a string key" },
    { "[{\"a\":01}]", "ERR JSON syntax error at byte 7 (line 1): leading zero in a number" },
    { "[{\"a\":1.}]", "ERR JSON syntax error at byte 8 (line 1): invalid number" },
    { "[{\"a\":+1}]", "ERR JSON syntax error at byte 6 (line 1): unexpected character '+'" },
    { "[{\"a\":\"x\ty\"}]", "ERR JSON syntax error at byte 8 (line 1): control character in a string" },
    { "[{\"a\":\"\\x\"}]", "ERR JSON syntax error at byte 7 (line 1): invalid escape in a string" },
    { "[{\"a\":1}", "L1@1{a=num:1} ERR JSON syntax error at byte 8 (line 1): "
      "unexpected end of input (unclosed array)" },
    { "[{\"a\":1}] x", "L1@1{a=num:1} ERR JSON syntax error at byte 10 (line 1): "
      "text after the end of the array" },
    { "[{\"a\":1", "ERR JSON syntax error at byte 7 (line 1): unexpected end of input" },
    { "\xef\xbb\xbf{\"a\":1}\n{\"a\":\n", "L1@3{a=num:1} ERR JSON syntax error at byte 17 (line 3): "
      "unexpected end of input" },
    { "", "ERR JSON syntax error at byte 0 (line 1): empty input" },
    { "  \n", "ERR JSON syntax error at byte 3 (line 2): empty input" },
    { "x", "ERR JSON syntax error at byte 0 (line 1): expected '[' or '{'" },
    { "{\"a\":1} x", "L1@0{a=num:1} ERR JSON syntax error at byte 8 (line 1): "
      "unexpected character 'x'" },
    { "[{\"a\":tru}]", "ERR JSON syntax error at byte 6 (line 1): "
      "invalid literal (not true, false or null)" },
    { "[{\"a\" 1}]", "ERR JSON syntax error at byte 6 (line 1): expected ':'" },
    { "[{\"a\":1 \"b\":2}]", "ERR JSON syntax error at byte 8 (line 1): expected ',' or '}'" },
    { "[{\"a\":[1 2]}]", "ERR JSON syntax error at byte 9 (line 1): expected ',' or ']'" },
};

START_TEST(test_cases)
{
    static const size_t steps[] = { 1, 2, 3, 7, 1 << 20 };
    size_t i, len = strlen(cases[_i].in);

    /* "\u0000" expectation holds a NUL: compare lengths by hand. */
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char *got = scan(cases[_i].in, len, steps[i], 0, 0);
        const char *want = cases[_i].out;
        if (strstr(cases[_i].in, "\\u0000")) {
            ck_assert_int_eq(memcmp(got, "L1@1{a=str:", 11), 0);
            ck_assert_int_eq(got[11], '\0');
        } else {
            ck_assert_msg(!strcmp(got, want), "step %zu:\n got  %s\n want %s", steps[i], got, want);
        }
        free(got);
    }
}
END_TEST

/* Small chunks and a small record limit: records stream through a window
 * much smaller than the input, and offsets/lines stay right. */
START_TEST(test_streaming_many)
{
    struct buf in = BUF_INIT, want = BUF_INIT;
    int i;
    char *got;
    long long off = 1;

    buf_addstr(&in, "[");
    for (i = 0; i < 2000; i++) {
        size_t before = in.len;
        buf_addf(&in, "%s{\"id\":%d,\"s\":\"v\\u00e9%d\"}", i ? ",\n" : "", i, i);
        if (i)
            off = (long long)before + 2;
        buf_addf(&want, "L%d@%lld{id=num:%d,s=str:v\xc3\xa9%d} ", i + 1, off, i, i);
    }
    buf_addstr(&in, "]");
    buf_addstr(&want, "END");
    got = scan(in.ptr, in.len, 13, 64, 256);
    ck_assert_str_eq(got, want.ptr);
    free(got);
    buf_release(&in);
    buf_release(&want);
}
END_TEST

START_TEST(test_limits)
{
    struct buf in = BUF_INIT;
    char *got;
    int i;

    /* nesting: 64 levels are fine, 65 are not (the outer array counts) */
    buf_addstr(&in, "[{\"a\":");
    for (i = 0; i < 62; i++)
        buf_addch(&in, '[');
    for (i = 0; i < 62; i++)
        buf_addch(&in, ']');
    buf_addstr(&in, "}]");
    got = scan(in.ptr, in.len, 1 << 20, 0, 0);
    ck_assert_msg(!strncmp(got, "L1@1{a=arr:", 11), "%s", got);
    free(got);
    buf_reset(&in);
    buf_addstr(&in, "[{\"a\":");
    for (i = 0; i < 63; i++)
        buf_addch(&in, '[');
    for (i = 0; i < 63; i++)
        buf_addch(&in, ']');
    buf_addstr(&in, "}]");
    got = scan(in.ptr, in.len, 1 << 20, 0, 0);
    ck_assert_str_eq(got, "ERR JSON syntax error at byte 68 (line 1): nesting deeper than 64");
    free(got);
    /* a record over the limit */
    buf_reset(&in);
    buf_addstr(&in, "[{\"a\":1},{\"a\":\"");
    for (i = 0; i < 300; i++)
        buf_addch(&in, 'x');
    buf_addstr(&in, "\"}]");
    got = scan(in.ptr, in.len, 5, 64, 256);
    ck_assert_str_eq(got, "L1@1{a=num:1} ERR JSON syntax error at byte 9 (line 1): "
                     "record longer than 256 bytes");
    free(got);
    /* just over the limit: an error whatever the read sizes */
    {
        static const size_t steps[] = { 1, 5, 64, 1000 };
        size_t k;
        buf_reset(&in);
        buf_addstr(&in, "[{\"a\":\"");
        while (in.len < 256)
            buf_addch(&in, 'x');
        buf_addstr(&in, "\"}]");          /* the record is 257 bytes */
        for (k = 0; k < 4; k++) {
            got = scan(in.ptr, in.len, steps[k], 64, 256);
            ck_assert_str_eq(got, "ERR JSON syntax error at byte 1 (line 1): "
                             "record longer than 256 bytes");
            free(got);
        }
        in.len -= 4;
        in.ptr[in.len] = '\0';
        buf_addstr(&in, "\"}]");          /* 256 bytes: fine */
        for (k = 0; k < 4; k++) {
            got = scan(in.ptr, in.len, steps[k], 64, 256);
            ck_assert_msg(!strncmp(got, "L1@1{a=str:xxx", 14), "%s", got);
            free(got);
        }
    }
    /* a string value over 64 KiB rejects the record only */
    buf_reset(&in);
    buf_addstr(&in, "[{\"a\":\"");
    for (i = 0; i < (64 << 10) + 1; i++)
        buf_addch(&in, 'x');
    buf_addstr(&in, "\"},{\"a\":2}]");
    got = scan(in.ptr, in.len, 4096, 0, 0);
    ck_assert_msg(strstr(got, "!value longer than 65536 bytes(a) L1@65547{a=num:2} END") != NULL,
                  "%.80s", got + strlen(got) - 80);
    free(got);
    /* more than 256 keys */
    buf_reset(&in);
    buf_addstr(&in, "[{");
    for (i = 0; i < 257; i++)
        buf_addf(&in, "%s\"k%d\":%d", i ? "," : "", i, i);
    buf_addstr(&in, "}]");
    got = scan(in.ptr, in.len, 1 << 20, 0, 0);
    ck_assert_msg(strstr(got, "!more than 256 keys() END") != NULL, "%s", got);
    free(got);
    buf_release(&in);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jscan");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_streaming_many);
    tcase_add_test(tc, test_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
