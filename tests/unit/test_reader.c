/* test_reader.c — the readers (reader.h) on their own, without ingest:
 * the CSV and JSON readers turn bytes into rows of cells, broken rows and
 * file errors; and their byte source, instream.h (peek, gzip, errors). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "instream.h"
#include "reader.h"

static char path[64];

/* Writes data to a temp file and opens it: the fd. */
static int tmp_fd(const char *data, size_t n)
{
    int fd;

    snprintf(path, sizeof(path), "/tmp/test_reader.XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    unlink(path);
    return fd;
}

static void add_view(struct buf *b, const char *s, size_t n)
{
    buf_add(b, s, n);
}

/*
 * Reads a whole file through format f and describes it:
 *   "H<line>:<cell>|<cell>...;"   the header (CSV) after start()
 *   "<line>:<cell>|...;"          a row (JSON cells as key=value, with the
 *                                 type letter for number/null/object/array)
 *   "E<line>:<error>[@key][!];"   a broken row (! = error_always)
 *   "F<line>:<message>;"          the file's error (-1), after which it stops
 * `check` collects the rows' check bits.
 */
static char *read_all(const struct reader_format *f, const char *data, size_t n,
                      const struct reader_opts *o, unsigned *check)
{
    struct instream src;
    struct reader *r = NULL;
    struct reader_row row;
    struct etl_err err;
    struct buf out = BUF_INIT;
    int fd = tmp_fd(data, n), k, i;

    *check = 0;
    ck_assert_int_eq(instream_open(&src, fd), 0);
    memset(&err, 0, sizeof(err));
    if (f->open(&r, &src, &err) < 0 || f->start(r, o, &err) < 0) {
        buf_addf(&out, "F%ld:%s;", r ? r->line : -1, err.msg);
        goto out;
    }
    if (!r->keyed) {
        buf_addf(&out, "H%ld:", r->header.line);
        for (i = 0; i < r->header.n; i++) {
            if (i)
                buf_addch(&out, '|');
            add_view(&out, r->header.cell[i].ptr, r->header.cell[i].len);
        }
        buf_addch(&out, ';');
    }
    while ((k = f->next(r, &row, &err)) == 1) {
        ck_assert_int_eq(r->line, row.line);
        if (row.error) {
            buf_addf(&out, "E%ld:%s", row.line, row.error);
            if (row.error_key) {
                buf_addch(&out, '@');
                add_view(&out, row.error_key, row.error_keylen);
            }
            if (row.error_always)
                buf_addch(&out, '!');
            buf_addch(&out, ';');
            continue;
        }
        *check |= row.check;
        buf_addf(&out, "%ld:", row.line);
        for (i = 0; i < row.n; i++) {
            const struct reader_cell *c = &row.cell[i];
            if (i)
                buf_addch(&out, '|');
            if (c->key) {
                add_view(&out, c->key, c->keylen);
                buf_addch(&out, '=');
            }
            if (c->type != READER_TEXT)
                buf_addch(&out, "TNZOA"[c->type]);
            add_view(&out, c->ptr, c->len);
        }
        buf_addch(&out, ';');
    }
    if (k < 0)
        buf_addf(&out, "F%ld:%s;", r->line, err.msg);
out:
    if (r)
        f->close(r);
    instream_close(&src);
    close(fd);
    buf_addstr(&out, "");
    return buf_detach(&out, NULL);
}

static const struct {
    const char *in;
    char delim;
    int multiline;
    const char *out;
} csv_cases[] = {
    /* blank lines skipped but counted; cells trimmed of spaces and tabs */
    { "a,b\n1,2\n\n 3 ,\t4 \r\n", ',', 0, "H1:a|b;2:1|2;4:3|4;" },
    /* a BOM and blank lines before the header; no final newline */
    { "\xef\xbb\xbf\n \r\n a ,b\n1,2", ',', 0, "H3:a|b;4:1|2;" },
    /* a broken line is one broken row; the next line reads normally */
    { "a,b\n1,\"2\n3,4\n5,x\"y\n", ',', 0,
      "H1:a|b;E2:unbalanced quote (a quoted field is not closed);3:3|4;"
      "E4:stray quote: text before an opening quote or after a closing quote;" },
    { "a,b\n1\r2,3\n", ',', 0, "H1:a|b;E2:carriage return inside an unquoted field;" },
    /* cleared rows (every cell empty) are skipped like blank lines */
    { "a,b\n,\n\"\",\" \"\n1,2\n", ',', 0, "H1:a|b;4:1|2;" },
    /* quoting: a delimiter and a doubled quote inside quotes */
    { "a,b\n\"x,y\",\"q\"\"\"\n", ',', 0, "H1:a|b;2:x,y|q\";" },
    /* the field count is not the reader's business */
    { "a,b\n1,2,3\n4\n", ',', 0, "H1:a|b;2:1|2|3;3:4;" },
    /* another delimiter */
    { "a;b\n1;2,3\n", ';', 0, "H1:a|b;2:1|2,3;" },
    /* multiline: a quoted cell across lines is one row at its first line */
    { "a,b\n\"x\ny\",z\n1,2\n", ',', 1, "H1:a|b;2:x\ny|z;4:1|2;" },
    { "a,b\n\"x\ny\",z\n1,2\n", ',', 0,
      "H1:a|b;E2:unbalanced quote (a quoted field is not closed);"
      "E3:stray quote: text before an opening quote or after a closing quote;4:1|2;" },
    { "a,b\n\"x\n1,2\n", ',', 1, "H1:a|b;E2:unbalanced quote (a quoted field is not closed);" },
    /* the header's errors are the file's */
    { "a,\"b\n1,2\n", ',', 0, "F1:header: unbalanced quote (a quoted field is not closed);" },
};

/* One case of a table: the file `in` read through f describes as `want`;
 * the check bits of its rows are returned. */
static unsigned check_case(const struct reader_format *f, int i, const char *in,
                           const struct reader_opts *o, const char *want)
{
    unsigned check;
    char *got = read_all(f, in, strlen(in), o, &check);

    ck_assert_msg(!strcmp(got, want), "%s case %d:\n got  %s\n want %s", f->name, i, got,
                  want);
    free(got);
    return check;
}

START_TEST(test_csv)
{
    struct reader_opts o = { csv_cases[_i].delim, csv_cases[_i].multiline };

    check_case(&ingest_csv_format, _i, csv_cases[_i].in, &o, csv_cases[_i].out);
}
END_TEST

/* What ingest still has to check: none on a plain ASCII file; UTF-8 when
 * a byte is not ASCII, NUL when one is there, the length past 64 KiB. */
START_TEST(test_csv_checks)
{
    static const char ascii[] = "a,b\nxy,z\n\"q\",r\n";
    static const char utf8[] = "a,b\nx\xc3\xa9,y\n";
    static const char nul[] = "a,b\nx\0y,z\n";
    struct reader_opts o = { ',', 0 };
    struct buf big = BUF_INIT;
    unsigned check;
    char *got;

    got = read_all(&ingest_csv_format, ascii, sizeof(ascii) - 1, &o, &check);
    ck_assert_str_eq(got, "H1:a|b;2:xy|z;3:q|r;");
    ck_assert_uint_eq(check, 0);
    free(got);
    got = read_all(&ingest_csv_format, utf8, sizeof(utf8) - 1, &o, &check);
    ck_assert_uint_eq(check, READER_CHECK_UTF8);
    free(got);
    got = read_all(&ingest_csv_format, nul, sizeof(nul) - 1, &o, &check);
    ck_assert_uint_eq(check, READER_CHECK_NUL);
    free(got);
    buf_addstr(&big, "a,b\nx,");
    while (big.len < 6 + READER_MAX_FIELD + 1)
        buf_addch(&big, 'y');
    buf_addch(&big, '\n');
    got = read_all(&ingest_csv_format, big.ptr, big.len, &o, &check);
    ck_assert_uint_eq(check, READER_CHECK_LEN);
    free(got);
    buf_release(&big);
}
END_TEST

/* Lines over 1 MiB: a broken row, skipped to their end; in the header's
 * place, the file's error. */
START_TEST(test_csv_long)
{
    struct reader_opts o = { ',', 0 };
    struct buf b = BUF_INIT;
    unsigned check;
    char *got;

    buf_addstr(&b, "a\n");
    while (b.len < 2 + (3u << 20))
        buf_addch(&b, 'x');
    buf_addstr(&b, "\n1\n");
    got = read_all(&ingest_csv_format, b.ptr, b.len, &o, &check);
    ck_assert_str_eq(got, "H1:a;E2:line longer than 1048576 bytes;3:1;");
    free(got);
    buf_reset(&b);
    buf_addstr(&b, "\n");
    while (b.len < 1 + READER_MAX_LINE + 1)
        buf_addch(&b, 'h');
    got = read_all(&ingest_csv_format, b.ptr, b.len, &o, &check);
    ck_assert_str_eq(got, "F2:header line longer than 1048576 bytes (not a CSV file?);");
    free(got);
    got = read_all(&ingest_csv_format, " \n\t\n", 4, &o, &check);
    ck_assert_str_eq(got, "F0:no header line;");
    free(got);
    buf_release(&b);
}
END_TEST

/* Opens `in` (a string) through f into *src (fd in *fd), and checks what
 * open() found: its kind, keyed or not, its line. */
static struct reader *open_str(const struct reader_format *f, const char *in,
                               struct instream *src, int *fd, unsigned kind, int keyed, long line)
{
    struct reader *r = NULL;
    struct etl_err err;

    *fd = tmp_fd(in, strlen(in));
    ck_assert_int_eq(instream_open(src, *fd), 0);
    ck_assert_int_eq(f->open(&r, src, &err), 0);
    ck_assert_uint_eq(r->kind, kind);
    ck_assert_int_eq(r->keyed, keyed);
    ck_assert_int_eq(r->line, line);
    return r;
}

/* names(): the header split for each delimiter a profile may have. */
START_TEST(test_csv_names)
{
    struct instream src;
    struct profile_header h;
    struct etl_err err;
    int fd;
    struct reader *r = open_str(&ingest_csv_format, "Plate;Zone,Amount\n", &src, &fd, PK_CSV,
                                0, 1);

    ck_assert_int_eq(ingest_csv_format.peek(r, &err), 1);
    ck_assert_int_eq(ingest_csv_format.names(r, ',', &h), 0);
    ck_assert_int_eq(h.n, 2);
    ck_assert_int_eq((int)h.len[0], 10);
    ck_assert_int_eq(ingest_csv_format.names(r, ';', &h), 0);
    ck_assert_int_eq(h.n, 2);
    ck_assert_int_eq((int)h.len[0], 5);
    ck_assert_int_eq(ingest_csv_format.names(r, '\t', &h), 0);
    ck_assert_int_eq(h.n, 1);
    ingest_csv_format.close(r);
    instream_close(&src);
    close(fd);
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} json_cases[] = {
    /* every type of value, in the order written */
    { "[{\"a\":1.50,\"b\":\"x\\u00e9\",\"c\":null,\"d\":true,\"e\":{\"f\":1},\"g\":[1]}]",
      "1:a=N1.50|b=x\xc3\xa9|c=Znull|d=true|e=O{\"f\":1}|g=A[1];" },
    /* JSON Lines: one row per line */
    { "{\"a\":1}\n\n{\"a\":\"2\"}\n", "1:a=N1;3:a=2;" },
    /* a duplicate key makes the whole row ambiguous; a bad value names its key */
    { "{\"a\":1,\"a\":2}\n{\"k\":\"\\ud800\"}\n",
      "E1:duplicate key 'a'@a!;E2:invalid \\u escape (lone surrogate) in 'k'@k;" },
    /* an array element that is not an object: the row as a whole */
    { "[5,{\"a\":1}]", "E1:expected an object;1:a=N1;" },
    /* a syntax error ends the file at its line; the rows before it stay */
    { "{\"a\":1}\n{\"a\" 2}\n{\"a\":3}\n",
      "1:a=N1;F2:JSON syntax error at byte 13 (line 2): expected ':';" },
    { "[]", "" },
};

START_TEST(test_json)
{
    struct reader_opts o = { ',', 0 };

    /* no checks left: jscan checked every string */
    ck_assert_uint_eq(check_case(&ingest_json_format, _i, json_cases[_i].in, &o,
                                 json_cases[_i].out), 0);
}
END_TEST

/* open() knows the kind; peek() reads the first record ahead for names()
 * and next() still returns it first. */
START_TEST(test_json_peek)
{
    struct instream src;
    struct reader_row row;
    struct profile_header h;
    struct etl_err err;
    int fd;
    struct reader *r = open_str(&ingest_json_format,
                                "\n[{\"plate\":\"P1\",\"zone\":\"Z\"},{\"plate\":\"P2\"}]", &src,
                                &fd, PK_JSON_ARRAY, 1, 0);

    ck_assert_int_eq(ingest_json_format.peek(r, &err), 1);
    ck_assert_int_eq(r->line, 2);
    ck_assert_int_eq(ingest_json_format.names(r, ',', &h), 0);
    ck_assert_int_eq(h.n, 2);
    ck_assert_int_eq(strncmp(h.name[1], "zone", h.len[1]), 0);
    ck_assert_int_eq(ingest_json_format.next(r, &row, &err), 1);
    ck_assert_int_eq(row.n, 2);
    ck_assert_int_eq(strncmp(row.cell[0].ptr, "P1", row.cell[0].len), 0);
    ck_assert_int_eq(ingest_json_format.next(r, &row, &err), 1);
    ck_assert_int_eq(strncmp(row.cell[0].ptr, "P2", row.cell[0].len), 0);
    ck_assert_int_eq(ingest_json_format.next(r, &row, &err), 0);
    ingest_json_format.close(r);
    instream_close(&src);
    close(fd);
}
END_TEST

/* Which format claims a file by its first significant byte. */
START_TEST(test_claims)
{
    ck_assert(ingest_json_format.claims('['));
    ck_assert(ingest_json_format.claims('{'));
    ck_assert(!ingest_json_format.claims('R'));
    ck_assert(ingest_csv_format.claims('R'));
}
END_TEST

/* --- instream ----------------------------------------------------------------- */

/* data compressed as one gzip member */
static void gzip_add(struct buf *out, const char *data, size_t n)
{
    z_stream zs;
    unsigned char chunk[4096];
    int rc;

    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)n;
    do {
        zs.next_out = chunk;
        zs.avail_out = sizeof(chunk);
        rc = deflate(&zs, Z_FINISH);
        buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
    } while (rc == Z_OK);
    ck_assert_int_eq(rc, Z_STREAM_END);
    deflateEnd(&zs);
}

/* Reads everything left of s into out: 0, or -1 on an error. */
static int drain(struct instream *s, struct buf *out)
{
    char chunk[5000];
    ssize_t n;

    while ((n = instream_read(s, chunk, sizeof(chunk))) > 0)
        buf_add(out, chunk, (size_t)n);
    return n < 0 ? -1 : 0;
}

/* Peeked bytes are read again; the peek stops at INSTREAM_PEEK_MAX and
 * at the end; gzip (two members) is peeked and read decompressed. */
START_TEST(test_instream_peek)
{
    struct buf data = BUF_INIT, gz = BUF_INIT, got = BUF_INIT;
    struct instream s;
    const char *view;
    ssize_t n, prev = -1;
    int fd, i, round;

    for (i = 0; data.len < 200000; i++)
        buf_addf(&data, "line %d\n", i);
    gzip_add(&gz, data.ptr, 100000);
    gzip_add(&gz, data.ptr + 100000, data.len - 100000);
    for (round = 0; round < 2; round++) {
        fd = round ? tmp_fd(gz.ptr, gz.len) : tmp_fd(data.ptr, data.len);
        ck_assert_int_eq(instream_open(&s, fd), 0);
        ck_assert_int_eq(s.gz, round);
        prev = -1;
        while ((n = instream_peek(&s, &view)) != prev) {
            ck_assert_int_gt(n, prev);
            ck_assert_int_eq(memcmp(view, data.ptr, (size_t)n), 0);
            prev = n;
        }
        ck_assert_int_eq(n, (ssize_t)INSTREAM_PEEK_MAX);
        buf_reset(&got);
        ck_assert_int_eq(drain(&s, &got), 0);
        ck_assert_uint_eq(got.len, data.len);
        ck_assert_int_eq(memcmp(got.ptr, data.ptr, data.len), 0);
        instream_close(&s);
        close(fd);
    }
    /* a short file: the peek ends at its end */
    fd = tmp_fd("ab", 2);
    ck_assert_int_eq(instream_open(&s, fd), 0);
    ck_assert_int_eq(instream_peek(&s, &view), 2);
    ck_assert_int_eq(instream_peek(&s, &view), 2);
    buf_reset(&got);
    ck_assert_int_eq(drain(&s, &got), 0);
    ck_assert_uint_eq(got.len, 2);
    instream_close(&s);
    close(fd);
    buf_release(&data);
    buf_release(&gz);
    buf_release(&got);
}
END_TEST

/* Failures say why: corrupt gzip, trailing bytes, a read(2) error. */
START_TEST(test_instream_errors)
{
    struct buf gz = BUF_INIT, got = BUF_INIT;
    struct instream s;
    int fd;

    gzip_add(&gz, "hello\n", 6);
    buf_addstr(&gz, "junk");
    fd = tmp_fd(gz.ptr, gz.len);
    ck_assert_int_eq(instream_open(&s, fd), 0);
    ck_assert_int_eq(drain(&s, &got), -1);
    ck_assert_str_eq(instream_error(&s), "corrupt gzip data: trailing bytes after the gzip stream");
    ck_assert_int_eq(got.len, 6);
    instream_close(&s);
    close(fd);
    gz.len -= 4 + 3;             /* cut into the trailer */
    fd = tmp_fd(gz.ptr, gz.len);
    ck_assert_int_eq(instream_open(&s, fd), 0);
    ck_assert_int_eq(drain(&s, &got), -1);
    ck_assert_str_eq(instream_error(&s), "truncated gzip data: the stream ends early");
    instream_close(&s);
    close(fd);
    fd = open("/", O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(instream_open(&s, fd), -1);
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_str_eq(instream_error(&s), "read error: Is a directory");
    instream_close(&s);
    close(fd);
    buf_release(&gz);
    buf_release(&got);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reader");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_csv, 0, (int)(sizeof(csv_cases) / sizeof(csv_cases[0])));
    tcase_add_test(tc, test_csv_checks);
    tcase_add_test(tc, test_csv_long);
    tcase_add_test(tc, test_csv_names);
    tcase_add_loop_test(tc, test_json, 0, (int)(sizeof(json_cases) / sizeof(json_cases[0])));
    tcase_add_test(tc, test_json_peek);
    tcase_add_test(tc, test_claims);
    tcase_add_test(tc, test_instream_peek);
    tcase_add_test(tc, test_instream_errors);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
