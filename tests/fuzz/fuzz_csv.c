/* fuzz_csv.c — a CSV file through ingest_file_as() with the profile picked
 * by the first input byte (paystation, mobile, opscom, hotspot): no crash,
 * and every row read is accounted for exactly once. Then the same file on
 * two threads (ingest.h, Threads) with blocks of 1-64 bytes (bits 2-7 of
 * byte 0): the sink must see exactly the same. Run from the source tree
 * (formats/ is found through PERMIT_ETL_FORMATS). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ingest.h"
#include "permit_json.h"

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct buf *b = ctx;

    (void)err;
    if (!p->key[0] || p->line < 1)
        abort();
    buf_addstr(b, "A ");
    permit_json_record(p, b);
    buf_addch(b, '\n');
    return 0;
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct buf *b = ctx;

    (void)file;
    if (!field[0] || !reason[0])
        abort();
    buf_addf(b, "R %ld %s %s [", line, field, reason);
    buf_add(b, raw, rawlen);
    buf_addstr(b, "]\n");
}

/* Reads path on `threads` threads into b (what the sink saw, the stats,
 * the outcome); returns ingest_file_as()'s result. */
static int read_file(const char *path, const char *profile, int threads, struct buf *b,
                     struct ingest_stats *st)
{
    struct ingest_opts o = { NULL, NULL, 0, threads };
    struct ingest_sink sink = { on_record, on_reject, b };
    struct etl_err err;
    struct ingest *in = ingest_new(&o, &err);
    int rc;

    if (!in)
        abort();
    rc = ingest_file_as(in, path, profile, &sink, st, &err);
    buf_addf(b, "= %d %ld %ld %ld %ld %ld %ld %d %s %s %s\n", rc, st->rows, st->accepted,
             st->rejected, st->duplicates, st->voids, st->free_sessions, err.code, err.where,
             err.field, err.msg);
    ingest_free(in);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const profiles[] = { "paystation", "mobile", "opscom", "hotspot" };
    char path[] = "/tmp/fuzz_csv.XXXXXX", block[8];
    const char *profile;
    struct buf one = BUF_INIT, two = BUF_INIT;
    struct ingest_stats st;
    int fd;

    if (size < 1)
        return 0;
    profile = profiles[data[0] % 4];
    setenv("PERMIT_ETL_FORMATS", "formats", 0);
    fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    if (read_file(path, profile, 1, &one, &st) == 0 &&
        st.rows != st.accepted + st.rejected + st.duplicates + st.voids)
        abort();                    /* a row lost or counted twice */
    snprintf(block, sizeof(block), "%d", 1 + (data[0] >> 2));
    setenv("PERMIT_ETL_BLOCK", block, 1);
    read_file(path, profile, 2, &two, &st);
    unsetenv("PERMIT_ETL_BLOCK");
    if (one.len != two.len || (one.len && memcmp(one.ptr, two.ptr, one.len) != 0))
        abort();                    /* two threads saw something else */
    buf_release(&one);
    buf_release(&two);
    unlink(path);
    return 0;
}
