/* fuzz_jscan.c — the streaming JSON scanner: never overruns, never loops,
 * and gives the same result whatever the read sizes (the first input byte
 * picks a small chunk size; the same input read whole must agree). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jscan.h"

struct src {
    const uint8_t *s;
    size_t len, pos, step;
};

static ssize_t rd(void *ctx, char *b, size_t cap)
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

/* A digest of everything the scanner reported. */
static void scan(const uint8_t *d, size_t n, size_t step, struct buf *out)
{
    struct src r = { d, n, 0, step };
    struct jscan *js = jscan_new(rd, &r, 64, 4096);
    struct jscan_record rec;
    struct etl_err err;
    int rc, i;

    if (!js)
        abort();
    while ((rc = jscan_next(js, &rec, &err)) == JSCAN_RECORD) {
        buf_addf(out, "L%ld@%lld:%d:", rec.line, rec.offset, rec.n);
        for (i = 0; i < rec.n; i++) {
            buf_add(out, rec.m[i].key, rec.m[i].keylen);
            buf_addf(out, "=%d:", (int)rec.m[i].type);
            buf_add(out, rec.m[i].val, rec.m[i].vallen);
        }
        if (rec.error)
            buf_addstr(out, rec.error);
        if (rec.rawlen > 4096 || rec.offset < 0 || (size_t)rec.offset + rec.rawlen > n)
            abort();
    }
    if (rc == JSCAN_ERROR)
        buf_addf(out, "E%s", err.msg);
    jscan_free(js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf a = BUF_INIT, b = BUF_INIT;
    size_t step;

    if (size < 1)
        return 0;
    step = 1 + data[0] % 13;
    scan(data + 1, size - 1, step, &a);
    scan(data + 1, size - 1, 1 << 20, &b);
    if (a.len != b.len || (a.len && memcmp(a.ptr, b.ptr, a.len) != 0))
        abort();                    /* the result depends on the read sizes */
    buf_release(&a);
    buf_release(&b);
    return 0;
}
