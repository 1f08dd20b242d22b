/* fuzz_buf.c — the JSON-string and CSV-cell escapers never overrun and
 * always produce what a reader can undo. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf b = BUF_INIT;
    size_t i, quotes = 0;

    if (buf_add_json_str(&b, (const char *)data, size) == 0) {
        for (i = 0; i < b.len; i++)
            if ((unsigned char)b.ptr[i] < 0x20)
                abort();            /* a raw control character escaped nothing */
    }
    buf_release(&b);
    if (buf_add_csv_cell(&b, (const char *)data, size, 1) == 0 && b.len) {
        for (i = 0; i < b.len; i++)
            quotes += b.ptr[i] == '"';
        if (quotes % 2)
            abort();                /* unbalanced quoting */
    }
    buf_release(&b);
    return 0;
}
