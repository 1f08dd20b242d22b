/* fuzz_ingest.c — a whole file through ingest_file() (CSV or JSON, the
 * profile detected, or paystation when the first byte is odd): no crash,
 * and every row read is accounted for exactly once. Run from the source
 * tree (formats/ is found through PERMIT_ETL_FORMATS). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    (void)ctx;
    (void)err;
    if (!p->key[0] || p->line < 1)
        abort();
    return 0;
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    (void)ctx;
    (void)file;
    (void)line;
    (void)raw;
    (void)rawlen;
    if (!field[0] || !reason[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_ingest.XXXXXX";
    struct ingest_opts o = { NULL, NULL, 0, 0 };
    struct ingest_sink sink = { on_record, on_reject, NULL };
    struct ingest_stats st;
    struct etl_err err;
    struct ingest *in;
    int fd;

    if (size < 1)
        return 0;
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
    o.profile = data[0] & 1 ? "paystation" : NULL;
    in = ingest_new(&o, &err);
    if (!in)
        abort();
    if (ingest_file(in, path, &sink, &st, &err) == 0 &&
        st.rows != st.accepted + st.rejected + st.duplicates + st.voids)
        abort();                    /* a row lost or counted twice */
    ingest_free(in);
    unlink(path);
    return 0;
}
