/* test_ingest_threads.c — a CSV file read on two threads (ingest.h,
 * Threads) gives the sink exactly what one thread gives: every record
 * (all its fields, as the JSON record line), every rejected field with its
 * raw bytes, in the same order, the same stats, return code and error.
 * The reference is the one-thread path (opts.threads 1). Small inputs are
 * read at every block size from 1 byte to past their length, so that a
 * block boundary lands on every byte: inside quoted fields, between CR and
 * LF, after the BOM, on the last line without a newline. Run under ASan
 * and UBSan by `make asan`. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "ingest.h"
#include "normalize.h"
#include "permit.h"
#include "permit_json.h"

/* Everything the sink saw, as bytes. */
struct cap {
    struct buf out;
};

static int cap_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct cap *c = ctx;

    (void)err;
    buf_addstr(&c->out, p->voided ? "V " : "A ");
    buf_addf(&c->out, "%s:%ld %d ", p->source ? p->source : "(null)", p->line,
             (int)p->zone_status);
    permit_json_record(p, &c->out);
    buf_addch(&c->out, '\n');
    return 0;
}

/* The formatter and the text sink of ingest_on_formatted(): the text made
 * (on either thread) must be the record's own line. */
static int cap_format(const void *ctx, const struct permit *p, struct buf *out)
{
    (void)ctx;
    buf_addstr(out, p->voided ? "void " : "");
    return permit_json_record(p, out);
}

static int cap_text(void *ctx, const struct permit *p, const char *text, size_t len,
                    struct etl_err *err)
{
    struct cap *c = ctx;

    cap_record(ctx, p, err);
    buf_addstr(&c->out, "T ");
    buf_add(&c->out, text, len);
    buf_addch(&c->out, '\n');
    return 0;
}

static void cap_reject(void *ctx, const char *file, long line, const char *field,
                       const char *reason, const char *raw, size_t rawlen)
{
    struct cap *c = ctx;

    buf_addf(&c->out, "R %s:%ld %s: %s [%zu:", file, line, field, reason, rawlen);
    buf_add(&c->out, raw, rawlen);
    buf_addstr(&c->out, "]\n");
}

static char path[64], path2[64];

static void write_file(char *p, const char *data, size_t n)
{
    int fd;

    snprintf(p, 64, "/tmp/test_ingest_threads.XXXXXX");
    fd = mkstemp(p);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/*
 * Reads the files (one ingest: the duplicate index spans them) on
 * `threads` threads with blocks of `block` bytes (0: the default);
 * returns everything the sink saw, then per file the stats, return code
 * and error. *blocks: blocks read on two threads.
 */
static char *run(const char *profile, const char *const *files, int nfiles, int threads,
                 unsigned long block, int formatted, long *blocks)
{
    struct ingest_opts o = { profile, NULL, 1, threads };
    struct etl_err err;
    struct ingest *in;
    struct ingest_stats st;
    struct cap c;
    struct ingest_sink sink = { cap_record, cap_reject, &c };
    char env[32];
    int i, rc;

    memset(&c, 0, sizeof(c));
    if (block) {
        snprintf(env, sizeof(env), "%lu", block);
        setenv("PERMIT_ETL_BLOCK", env, 1);
    } else {
        unsetenv("PERMIT_ETL_BLOCK");
    }
    in = ingest_new(&o, &err);
    ck_assert_msg(in != NULL, "%s", err.msg);
    if (formatted)
        ingest_on_formatted(in, cap_format, NULL, cap_text, &c);
    *blocks = 0;
    for (i = 0; i < nfiles; i++) {
        etl_err_clear(&err);
        rc = ingest_file(in, files[i], &sink, &st, &err);
        buf_addf(&c.out, "= rc %d rows %ld acc %ld rej %ld dup %ld void %ld free %ld prof %s"
                 " err %d [%s] [%s] [%s]\n", rc, st.rows, st.accepted, st.rejected,
                 st.duplicates, st.voids, st.free_sessions, st.profile, err.code, err.where,
                 err.field, err.msg);
        *blocks += st.blocks;
    }
    ingest_free(in);
    unsetenv("PERMIT_ETL_BLOCK");
    buf_addstr(&c.out, "");
    return buf_detach(&c.out, NULL);
}

/* Compares two threads against one at the given block sizes; returns how
 * many blocks the two-thread runs read in all. */
static long compare(const char *profile, const char *const *files, int nfiles,
                    const unsigned long *sizes, int nsizes, const char *what)
{
    long blocks, total = 0;
    int k, f;

    for (f = 0; f < 2; f++) {
        char *want = run(profile, files, nfiles, 1, 0, f, &blocks);

        ck_assert_int_eq(blocks, 0);
        /* with the formatter: every 3rd size (and the last two) is enough */
        for (k = 0; k < nsizes; k++) {
            char *got;

            if (f && k % 3 && k < nsizes - 2)
                continue;
            got = run(profile, files, nfiles, 2, sizes[k], f, &blocks);

            ck_assert_msg(!strcmp(got, want), "%s, block %lu, formatted %d:\n--- one thread\n"
                          "%s\n--- two threads\n%s", what, sizes[k], f, want, got);
            total += blocks;
            free(got);
        }
        free(want);
    }
    return total;
}

/* Every block size 1..128, every 3rd from there to n+2, then a larger one
 * and the default. */
static long compare_all_sizes(const char *profile, const char *data, size_t n, const char *what)
{
    unsigned long sizes[600];
    const char *files[1] = { path };
    int ns = 0;
    unsigned long b;
    long blocks;

    for (b = 1; b <= n + 2 && ns < 590; b += b < 128 ? 1 : 3)
        sizes[ns++] = b;
    sizes[ns++] = 4096;
    sizes[ns++] = 0;
    write_file(path, data, n);
    blocks = compare(profile, files, 1, sizes, ns, what);
    unlink(path);
    return blocks;
}

#define PH "Receipt No,Plate,Zone,Start,End,Amount\n"
#define T1 "11/28/2026 09:00 AM,11/28/2026 09:30 AM"
#define SH "ref;plate;where;from;to;paid;state\n"
#define ST "2026-11-28 09:00;2026-11-28 10:00"

/* Small files: each read at every block size. `blocks` 1: the two-thread
 * runs must have read blocks (the file has rows a block can hold). */
static const struct {
    const char *profile;
    const char *in;
    size_t len;            /* 0: strlen */
    int blocks;
} cases[] = {
    /* paystation (no multiline): BOM, CRLF, blank lines, no final newline */
    { "paystation", "\xef\xbb\xbf" PH "\r\nA1,P1,Z," T1 ",1.00\r\n\r\n \t \r\nA2,P2,Z," T1
      ",1.00\r\nA3,P3,\"Lot\r\n 3\"," T1 ",2.00\r\nA4,P4,Z," T1 ",1.00", 0, 1 },
    /* quoted newlines are broken lines without multiline; stray and
     * unbalanced quotes; wrong widths; a duplicate; a cleared row */
    { "paystation", PH "A1,\"P1,Z," T1 ",1.00\nA2,P2,\"Z\nZ\"," T1 ",1.00\n"
      "A3,P\"3,Z," T1 ",1.00\nA1,P1,Z," T1 ",1.00\n,,,,,\nA1,P1,Z," T1 ",1.00\n"
      "A5,P5,Z," T1 "\nA6,P6,Z," T1 ",1.00,x\n\"A7\",\"P7\",\"Z\",\"11/28/2026 09:00 AM\","
      "\"11/28/2026 09:30 AM\",\"0.00\"\n", 0, 1 },
    /* a NUL byte and invalid UTF-8 in mapped and ignored cells */
    { "paystation", "Receipt No,Plate,Zone,Start,End,Amount,X\nA1,P1,Z\0Z," T1 ",1.00,x\n"
      "A2,P2,Z," T1 ",1.00,x\0y\nA3,P3,Z\xff," T1 ",1.00,\nA4,P\xc3\xa9," T1 ",1.00,\n", 263, 1 },
    /* header only; header and blank lines; one row; one row, no newline */
    { "paystation", PH, 0, 0 },
    { "paystation", PH "\n\n\r\n", 0, 1 },
    { "paystation", PH "A1,P1,Z," T1 ",1.00\n", 0, 1 },
    { "paystation", PH "A1,P1,Z," T1 ",1.00", 0, 1 },
    /* semi (multiline): quoted fields over several lines, CRLF inside and
     * out, a void, two id columns, a duplicate across the joined lines */
    { "semi", SH "S1;SEM1;\"Lot 1;\nnorth\";" ST ";1234;\nS2;SEM2;Lot 2;" ST ";150;void\n"
      "S3;SEM3;\"Lot\r\n3\r\n\r\nwest\";" ST ";100;\r\nS4;SEM4;Lot 4;" ST ";100;\n"
      "S1;SEM1;\"Lot 1;\nnorth\";" ST ";1234;\n\"S5\";\"SEM5\";\"\";" ST ";0;\n", 0, 1 },
    /* semi: a quote opened and never closed: the rest of the file is one
     * record, reported at its first line */
    { "semi", SH "S1;SEM1;Lot 1;" ST ";1;\nS2;SEM2;\"Lot 2;" ST ";2;\nS3;SEM3;Lot 3;" ST
      ";3;\nS4;SEM4;Lot 4;" ST ";4;", 0, 1 },
    /* semi: stray quotes inside joined records; a record that closes on
     * the last line without a newline */
    { "semi", "\xef\xbb\xbf" SH "S1;SEM1;\"a\"b\nc\";" ST ";1;\nS2;SEM2;Z;" ST ";2;\n"
      "S3;SEM3;\"x\n\ny\";" ST ";3;\nS4;SEM4;\"p\nq\";" ST ";4;", 0, 1 },
};

START_TEST(test_small)
{
    size_t n = cases[_i].len ? cases[_i].len : strlen(cases[_i].in);
    char what[32];
    long blocks;

    snprintf(what, sizeof(what), "case %d", _i);
    blocks = compare_all_sizes(cases[_i].profile, cases[_i].in, n, what);
    if (cases[_i].blocks)
        ck_assert_msg(blocks > 0, "case %d: no block was read on two threads", _i);
    else
        ck_assert_int_eq(blocks, 0);
}
END_TEST

/* A line over the 1 MiB limit between ordinary rows: blocks before it,
 * one thread from there on; the same rejects and records. */
START_TEST(test_long_line)
{
    static const unsigned long sizes[] = { 100, 4096, 0 };
    const char *files[1] = { path };
    struct buf b = BUF_INIT;
    long blocks;
    int i;

    buf_addstr(&b, PH);
    for (i = 0; i < 300; i++)
        buf_addf(&b, "A%d,P%d,Z," T1 ",1.00\n", i, i);
    buf_addstr(&b, "L1,PL,Z," T1 ",1.00,");
    while (b.len < (3u << 20) / 2)
        buf_addch(&b, 'x');
    buf_addch(&b, '\n');
    for (i = 0; i < 300; i++)
        buf_addf(&b, "B%d,P%d,Z," T1 ",1.00\n", i, i % 7);
    write_file(path, b.ptr, b.len);
    buf_release(&b);
    blocks = compare("paystation", files, 1, sizes, 3, "long line");
    ck_assert(blocks > 0);
    unlink(path);
}
END_TEST

/* Generated: 20,000 semi records with quoted newlines, CRLF, blank lines,
 * unbalanced and stray quotes, duplicates and voids, in two files read
 * by one ingest (duplicates of the first file's lines in the second). */
static void gen_semi(struct buf *b, unsigned seed, int rows)
{
    unsigned x = seed;
    int i;

#define RND() (x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff)
    buf_reset(b);
    buf_addstr(b, SH);
    for (i = 0; i < rows; i++) {
        unsigned r = RND() % 100;
        int id = (int)(RND() % (unsigned)(rows + rows / 10));

        if (r < 60)
            buf_addf(b, "S%d;P%d;Lot %d;" ST ";%u;\n", id, id % 97, i % 13, RND() % 3000);
        else if (r < 72)
            buf_addf(b, "S%d;P%d;\"Lot %d;\n%s\";" ST ";%u;\r\n", id, id % 97, i % 13,
                     i % 2 ? "north\n\neast" : "south", RND() % 3000);
        else if (r < 78)
            buf_addf(b, "S%d;P%d;Lot %d;" ST ";%u;void\n", id, id % 97, i % 13, RND() % 300);
        else if (r < 82)
            buf_addstr(b, "\n \r\n;;;;;;\n");
        else if (r < 85)
            buf_addf(b, "S%d;P%d;\"Lot \"x\";" ST ";1;\n", id, id % 97);   /* stray quote */
        else if (r < 86)
            buf_addf(b, "S%d;\"P%d;Lot;" ST ";1;\n", id, id % 97);          /* opens a record */
        else if (r < 90)
            buf_addf(b, "S%d;P%d;Lot;" ST ";1\n", id, id % 97);             /* 6 fields */
        else
            buf_addf(b, "\"S%d\";\"P%d\";\"Lot %d\";\"2026-11-28 09:%02d\";" ST ";%u;\n", id,
                     id % 97, i % 13, i % 60, RND() % 3000);
    }
#undef RND
}

START_TEST(test_generated)
{
    static const unsigned long sizes[] = { 64, 333, 4096, 65536, 0 };
    const char *files[2] = { path, path2 };
    struct buf b = BUF_INIT;
    long blocks;

    gen_semi(&b, 7, 20000);
    write_file(path, b.ptr, b.len);
    gen_semi(&b, 11, 5000);
    write_file(path2, b.ptr, b.len);
    buf_release(&b);
    blocks = compare("semi", files, 2, sizes, 5, "generated semi");
    ck_assert(blocks > 10);
    unlink(path);
    unlink(path2);
}
END_TEST

/* JSON and gzip are read on one thread: the same, and no blocks. */
START_TEST(test_one_thread_kinds)
{
    static const char json[] = "[{\"sessionId\":1,\"plate\":\"P1\",\"startEpoch\":1795874400,"
                               "\"durationMinutes\":5,\"price\":1},{\"sessionId\":1,\"plate\":"
                               "\"P1\",\"startEpoch\":1795874400,\"durationMinutes\":5,"
                               "\"price\":1}]";
    static const unsigned long sizes[] = { 16, 0 };
    const char *files[1] = { path };
    struct buf b = BUF_INIT;
    gzFile gz;
    int i;

    write_file(path, json, sizeof(json) - 1);
    ck_assert_int_eq(compare("hotspot", files, 1, sizes, 2, "json"), 0);
    unlink(path);
    buf_addstr(&b, PH);
    for (i = 0; i < 2000; i++)
        buf_addf(&b, "A%d,P%d,Z," T1 ",1.00\n", i % 1500, i);
    write_file(path, "", 0);
    gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, b.ptr, (unsigned)b.len), (int)b.len);
    ck_assert_int_eq(gzclose(gz), Z_OK);
    buf_release(&b);
    ck_assert_int_eq(compare("paystation", files, 1, sizes, 2, "gzip"), 0);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingest_threads");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    setenv("PERMIT_ETL_FORMATS", "tests/data/ingest/formats:formats", 1);
    unsetenv("PERMIT_ETL_THREADS");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_small, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_generated);
    tcase_add_test(tc, test_one_thread_kinds);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
