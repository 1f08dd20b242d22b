/* fuzz_permit_json.c — the permit wire codec: any text given to
 * permit_json_parse() is refused or read into a permit whose body reads
 * back to the same permit (texts valid UTF-8) and is rebuilt byte for byte;
 * the record line of any parsed permit never overruns (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "permit_json.h"
#include "utf8.h"

static int texts_valid(const struct permit *p)
{
    const char *t[] = { p->plate, p->zone, p->permit_no, p->ticket, p->promo };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (!utf8_valid(t[i], strlen(t[i])))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct buf b1 = BUF_INIT, b2 = BUF_INIT, rec = BUF_INIT;
    struct permit p1, p2;
    unsigned changed;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    memset(&p1, 0, sizeof(p1));
    if (permit_json_parse(s, &p1) == 0) {
        p1.source = s;
        p1.line = (long)size;
        if (permit_json_body(&p1, &b1) < 0 || permit_json_record(&p1, &rec) < 0)
            abort();
        memset(&p2, 0, sizeof(p2));
        if (texts_valid(&p1)) {
            /* a body we wrote always reads back to what it was built from */
            if (permit_json_parse(b1.ptr, &p2) < 0 ||
                permit_json_diff(&p1, &p2, &changed) != PERMIT_SAME || changed)
                abort();
            if (permit_json_body(&p2, &b2) < 0 || strcmp(b1.ptr, b2.ptr) != 0)
                abort();
        }
    }
    buf_release(&b1);
    buf_release(&b2);
    buf_release(&rec);
    free(s);
    return 0;
}
