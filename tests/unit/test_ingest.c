/* test_ingest.c — ingest_file() on CSV and JSON files: line handling,
 * quoting, headers, detection, the duplicate index, and a generated
 * 100,000-row file per profile (run under ASan by `make asan`). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "ingest.h"
#include "normalize.h"
#include "permit.h"

/* Every record and reject, as text: "A<line>:<key>:<plate>:<zone>;" and
 * "R<line>:<field>:<reason>;". Keeps counts only when `quiet`. */
struct cap {
    struct buf out;
    int  quiet;
    long records, rejects, voids;
};

static int cap_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct cap *c = ctx;

    (void)err;
    if (p->voided)
        c->voids++;
    else
        c->records++;
    if (!c->quiet)
        buf_addf(&c->out, "%s%ld:%s:%s:%s;", p->voided ? "V" : "A", p->line, p->key, p->plate,
                 p->zone);
    return 0;
}

static void cap_reject(void *ctx, const char *file, long line, const char *field,
                       const char *reason, const char *raw, size_t rawlen)
{
    struct cap *c = ctx;

    (void)file;
    (void)raw;
    (void)rawlen;
    c->rejects++;
    if (!c->quiet)
        buf_addf(&c->out, "R%ld:%s:%s;", line, field, reason);
}

static char path[256];

static void write_tmp(const char *data, size_t n)
{
    int fd;

    snprintf(path, sizeof(path), "/tmp/test_ingest.XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* Runs one file; returns the capture text (caller frees) and fills st. */
static char *run(const char *profile, const char *data, size_t n, struct ingest_stats *st,
                 int *rc)
{
    struct ingest_opts o = { profile, NULL, 0, 0 };
    struct etl_err err;
    struct ingest *in;
    struct cap c;
    struct ingest_sink sink = { cap_record, cap_reject, &c };

    memset(&c, 0, sizeof(c));
    buf_init(&c.out, 0);
    write_tmp(data, n);
    in = ingest_new(&o, &err);
    ck_assert_msg(in != NULL, "%s", err.msg);
    *rc = ingest_file(in, path, &sink, st, &err);
    ingest_free(in);
    unlink(path);
    buf_addstr(&c.out, "");
    return buf_detach(&c.out, NULL);
}

#define PH "Receipt No,Plate,Zone,Start,End,Amount\n"
#define T1 "11/28/2026 09:00 AM,11/28/2026 09:30 AM"

static const struct {
    const char *profile;
    const char *in;
    const char *out;
    long rows;
} cases[] = {
    /* the quoted (libcsv) and unquoted (memchr) paths give the same record */
    { NULL, PH "A1,P1,Lot 1," T1 ",1.00\n"
      "A2,\"P2\",\"Lot 1\",\"11/28/2026 09:00 AM\",\"11/28/2026 09:30 AM\",\"1.00\"\n",
      "A2:paystation:A1:P1:Lot 1;A3:paystation:A2:P2:Lot 1;", 2 },
    /* spaces and tabs around cells are trimmed on both paths */
    { NULL, PH "A1, P1 ,\tLot 1\t," T1 ",1.00\n" "A2, \"P2\" ,\t\"Lot 1\"\t," T1 ",1.00\n",
      "A2:paystation:A1:P1:Lot 1;A3:paystation:A2:P2:Lot 1;", 2 },
    /* CRLF, LF, a lone CR at the end, no final newline, blank lines */
    { NULL, "\xef\xbb\xbf" PH "\r\nA1,P1,Z," T1 ",1.00\r\n\r\n \t \r\nA2,P2,Z," T1 ",1.00",
      "A3:paystation:A1:P1:Z;A6:paystation:A2:P2:Z;", 2 },
    /* blank lines before the header */
    { NULL, "\n  \n" PH "A1,P1,Z," T1 ",1.00\n", "A4:paystation:A1:P1:Z;", 1 },
    /* quoted header names, other column order, extra and missing optional columns */
    { NULL, "\"Amount\",\"End\",Extra,\"Start\",Zone,Plate,Receipt No\n"
      "1.00,11/28/2026 09:30 AM,x,11/28/2026 09:00 AM,Z,P,R\n", "A2:paystation:R:P:Z;", 1 },
    /* a broken line never swallows the next one */
    { NULL, PH "A1,\"P1,Z," T1 ",1.00\nA2,P2,Z," T1 ",1.00\n",
      "R2:_row:unbalanced quote (a quoted field is not closed);A3:paystation:A2:P2:Z;", 2 },
    { NULL, PH "A1,P\"1,Z," T1 ",1.00\nA2,P2,Z," T1 ",1.00\n",
      "R2:_row:stray quote: text before an opening quote or after a closing quote;"
      "A3:paystation:A2:P2:Z;", 2 },
    { NULL, PH "A1,\"P1\"\"\",Z," T1 ",1.00\n",
      "R2:LicencePlate:'P1\"' has a character other than A-Z, 0-9, space, '-' or '.';", 1 },
    { NULL, PH "A1,P1,Z," T1 "\n", "R2:_row:expected 6 fields, found 5;", 1 },
    { NULL, PH "A1,P1,\"Z\n", "R2:_row:unbalanced quote (a quoted field is not closed);", 1 },
    /* a mapped column twice in the header; a missing required column */
    { "paystation", "Receipt No,Plate,plate,Zone,Start,End,Amount\n",
      "R1:_file:header: columns 2 ('Plate') and 3 ('plate') are both LicencePlate;", 0 },
    { "paystation", "Receipt No,Plate,Zone,End\nA1,P1,Z,x\n",
      "R1:_file:missing required columns 'Start', 'Amount' (profile paystation);", 0 },
    /* a void row goes to the sink marked, and is not a duplicate */
    { "paystation", "Receipt No,Plate,Zone,Start,End,Amount,Status\n"
      "A1,P1,Z," T1 ",1.00,\nA1,P1,Z," T1 ",-1.00,Void\nA1,P1,Z," T1 ",1.00,\n",
      "A2:paystation:A1:P1:Z;V3:paystation:A1:P1:Z;R4:_key:duplicate of /tmp/F:2;", 3 },
    /* JSON: array and lines, detection from the first object */
    { NULL, "[{\"LicencePlate\":\"P1\",\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":"
      "\"2026-11-28T15:00:00\",\"Amount\":\"1.00\",\"permitNo\":\"X\"}]",
      "A1:opscom:X:P1:;", 1 },
    { NULL, "{\"sessionId\":1,\"plate\":\"P1\",\"startEpoch\":1795874400,\"durationMinutes\":5,"
      "\"price\":1}\n",
      "R1:_file:unknown format: no JSON Lines profile matches the header (opscom: no column "
      "'startTime');", 0 },
    { "hotspot", "[{\"sessionId\":1,\"plate\":\"P1\",\"startEpoch\":1795874400,"
      "\"durationMinutes\":5,\"price\":1},\n{\"sessionId\":2,\"plate\":\"P2\",\"startEpoch\":"
      "1795874400,\"durationMinutes\":5,\"price\":1,\"refunded\":true},\n{\"sessionId\":3,"
      "\"plate\":\"P3\",\"startEpoch\":1795874400,\"durationMinutes\":5,\"price\":{}}]",
      "A1:hotspot:1:P1:;V2:hotspot:2:P2:;R3:Amount:expected a string or a number, found an "
      "object;", 3 },
    { "hotspot", "[]", "", 0 },
    { NULL, "[]", "", 0 },
    { "paystation", "[{}]", "R0:_file:profile 'paystation' does not read JSON array files;", 0 },
};

START_TEST(test_cases)
{
    struct ingest_stats st;
    int rc;
    char *got = run(cases[_i].profile, cases[_i].in, strlen(cases[_i].in), &st, &rc);
    const char *want = cases[_i].out;
    char *fixed = NULL;

    /* the temp file name in "duplicate of" reasons */
    if (strstr(want, "/tmp/F")) {
        struct buf b = BUF_INIT;
        const char *p = strstr(want, "/tmp/F");
        buf_add(&b, want, (size_t)(p - want));
        buf_addstr(&b, path);
        buf_addstr(&b, p + 6);
        fixed = buf_detach(&b, NULL);
        want = fixed;
    }
    ck_assert_msg(!strcmp(got, want), "case %d:\n got  %s\n want %s", _i, got, want);
    ck_assert_int_eq(st.rows, cases[_i].rows);
    ck_assert_int_eq(rc, strstr(want, ":_file:") ? -1 : 0);
    free(got);
    free(fixed);
}
END_TEST

/* A NUL byte in a mapped field rejects the row (never a cut string); in
 * an ignored column it does not matter. */
START_TEST(test_nul)
{
    static const char in[] = PH "A1,P1,Z\0Z," T1 ",1.00\n" "A2,P2,Z," T1 ",1.00\n";
    static const char in2[] = "Receipt No,Plate,Zone,Start,End,Amount,X\n"
                              "A1,P1,Z," T1 ",1.00,x\0y\n";
    struct ingest_stats st;
    int rc;
    char *got = run("paystation", in, sizeof(in) - 1, &st, &rc);

    ck_assert_str_eq(got, "R2:zone:NUL byte (column 'Zone');A3:paystation:A2:P2:Z;");
    free(got);
    got = run("paystation", in2, sizeof(in2) - 1, &st, &rc);
    ck_assert_str_eq(got, "A2:paystation:A1:P1:Z;");
    free(got);
}
END_TEST

/* Lines at and over the 1 MiB limit; a field at and over 64 KiB. */
START_TEST(test_limits)
{
    struct buf b = BUF_INIT;
    struct ingest_stats st;
    char *got;
    int rc;

    buf_addstr(&b, "Receipt No,Plate,Zone,Start,End,Amount,X\n");
    {
        size_t start = b.len;
        buf_addstr(&b, "A1,P1,Z," T1 ",1.00,");
        while (b.len - start < (1 << 20))
            buf_addch(&b, 'x');
        buf_addch(&b, '\n');
        start = b.len;
        buf_addstr(&b, "A2,P2,Z," T1 ",1.00,");
        while (b.len - start < (1 << 20) + 1)
            buf_addch(&b, 'x');
        buf_addch(&b, '\n');
        buf_addstr(&b, "A3,P3,Z," T1 ",1.00,");
        while (b.len < 4u << 20)   /* a last line far over the limit, no newline */
            buf_addch(&b, 'y');
    }
    got = run("paystation", b.ptr, b.len, &st, &rc);
    ck_assert_str_eq(got, "A2:paystation:A1:P1:Z;R3:_row:line longer than 1048576 bytes;"
                          "R4:_row:line longer than 1048576 bytes;");
    ck_assert_int_eq(st.rows, 3);
    free(got);
    buf_reset(&b);
    buf_addstr(&b, "Receipt No,Plate,Zone,Start,End,Amount,X\n");
    buf_addstr(&b, "A1,P1,Z," T1 ",1.00,");
    while (b.len < 41 + 48 + (64 << 10))
        buf_addch(&b, 'x');
    buf_addstr(&b, "\nA2,P2,\"");
    {
        size_t z = b.len;
        while (b.len - z < (64 << 10) + 1)
            buf_addch(&b, 'z');
    }
    buf_addstr(&b, "\"," T1 ",1.00,\n");
    got = run("paystation", b.ptr, b.len, &st, &rc);
    ck_assert_str_eq(got, "A2:paystation:A1:P1:Z;"
                          "R3:zone:field longer than 65536 bytes (column 'Zone');");
    free(got);
    buf_release(&b);
}
END_TEST

/* --- generated files: 100,000 rows per profile ------------------------------ */

#define NROWS 100000

static void gen(const char *profile, struct buf *b)
{
    int i;

    buf_reset(b);
    if (!strcmp(profile, "paystation")) {
        buf_addstr(b, "\xef\xbb\xbfReceipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\n");
        for (i = 0; i < NROWS; i++)
            buf_addf(b, "R%d,ABC%d,\"Lot %d\",11/%d/2026 %d:%02d AM,11/%d/2026 %d:%02d PM,"
                     "\"%d,%03d.%02d\",CAD,%s,T%d\r\n", i, i % 9999, i % 50, 1 + i % 28,
                     1 + i % 11, i % 60, 1 + i % 28, 1 + i % 11, i % 60, 1 + i % 3, i % 1000,
                     i % 100, i % 7 ? "" : "promo", i);
    } else if (!strcmp(profile, "mobile")) {
        buf_addstr(b, "transaction_id,licence_plate,parking_zone,start_time,end_time,amount,"
                      "currency,promo_code,ticket_number\n");
        for (i = 0; i < NROWS; i++)
            buf_addf(b, "M%d,P%d,Lot %d,2026-11-%02dT%02d:%02d:00-05:00,2026-11-%02dT%02d:%02d:59Z,"
                     "\"%d,%02d\",,,\n", i, i, i % 50, 1 + i % 28, i % 24, i % 60, 2 + i % 28,
                     23, 59, i % 90, i % 100);
    } else if (!strcmp(profile, "hotspot")) {
        buf_addstr(b, "[\n");
        for (i = 0; i < NROWS; i++)
            buf_addf(b, "%s{\"sessionId\": %d, \"plate\": \"H%d\", \"zoneName\": \"Lot \\u00e9%d\", "
                     "\"startEpoch\": %d, \"durationMinutes\": %d, \"price\": %d.%02d}",
                     i ? ",\n" : "", i, i, i % 50, 1795874400 + i, 1 + i % 600, i % 90, i % 100);
        buf_addstr(b, "\n]\n");
    } else {
        for (i = 0; i < NROWS; i++)
            buf_addf(b, "{\"LicencePlate\":\"O%d\",\"Amount\":\"%d.%02d\",\"CurrencyID\":\"USD\","
                     "\"startTime\":\"2026-11-28T10:00:00\",\"endTime\":\"2026-11-28T11:00:00\","
                     "\"zone\":\"Lot %d\",\"_key\":\"k%d\"}\n", i, i % 90, i % 100, i % 50, i);
    }
}

START_TEST(test_generated)
{
    static const char *const profiles[] = { "paystation", "mobile", "hotspot", "opscom" };
    struct buf b = BUF_INIT;
    struct ingest_opts o = { NULL, NULL, 0, 0 };
    struct etl_err err;
    struct ingest *in;
    struct ingest_stats st;
    struct cap c;
    struct ingest_sink sink = { cap_record, cap_reject, &c };

    memset(&c, 0, sizeof(c));
    c.quiet = 1;
    gen(profiles[_i], &b);
    write_tmp(b.ptr, b.len);
    buf_release(&b);
    in = ingest_new(&o, &err);
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(ingest_file(in, path, &sink, &st, &err), 0);
    ck_assert_str_eq(st.profile, profiles[_i]);
    ck_assert_int_eq(st.rows, NROWS);
    ck_assert_msg(st.accepted == NROWS, "%s: %ld accepted, %ld rejected", profiles[_i],
                  st.accepted, st.rejected);
    ck_assert_int_eq(c.records, NROWS);
    /* the same file again: every row a duplicate of the first reading */
    ck_assert_int_eq(ingest_file(in, path, &sink, &st, &err), 0);
    ck_assert_int_eq(st.duplicates, NROWS);
    ck_assert_int_eq(st.accepted, 0);
    ck_assert_int_eq(c.rejects, NROWS);
    /* the keys forgotten (push/run once every input is read): the same
     * file is new again, then a duplicate of itself again */
    ingest_forget_keys(in);
    ck_assert_int_eq(ingest_file(in, path, &sink, &st, &err), 0);
    ck_assert_int_eq(st.duplicates, 0);
    ck_assert_int_eq(st.accepted, NROWS);
    ck_assert_int_eq(ingest_file(in, path, &sink, &st, &err), 0);
    ck_assert_int_eq(st.duplicates, NROWS);
    ingest_free(in);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("core");
    TCase *big = tcase_create("generated");
    SRunner *sr;
    int failed;

    setenv("PERMIT_ETL_FORMATS", "formats", 1);
    tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_nul);
    tcase_set_timeout(big, 120);
    tcase_add_loop_test(big, test_generated, 0, 4);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, big);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
