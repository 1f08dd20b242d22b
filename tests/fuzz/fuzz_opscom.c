/* fuzz_opscom.c — the OPSCOM response classifier and message cleaner on
 * arbitrary bodies. Byte 0 picks the operation, bytes 1-2 the HTTP status
 * (0-999); the rest is the body. The result must be a known class, the
 * message terminated within its buffer, the reference id terminated and
 * usable (1-50 [A-Za-z0-9-]) or empty; the token never appears in a
 * message. opscom_parse_ref() on the raw body stays in bounds and keeps
 * only a usable id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opscom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char token[] = "tok_FUZZSECRET0123456789";
    struct opscom_result r;
    enum opscom_class cl;
    char msg[OPSCOM_MESSAGE_MAX + 16];
    const char *body;
    size_t len, i;
    long status;

    if (size < 3)
        return 0;
    status = ((long)data[1] << 8 | data[2]) % 1000;
    body = (const char *)data + 3;
    len = size - 3;
    memset(&r, 0, sizeof r);
    cl = opscom_classify((enum opscom_op)(data[0] % 4), status, body, len, &r);
    if (cl > OPSCOM_CLASS_FAILED_DOUBT)
        abort();
    if (!memchr(r.message, 0, sizeof r.message) || !memchr(r.reference_id, 0, sizeof r.reference_id))
        abort();
    for (i = 0; r.reference_id[i]; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-",
                    r.reference_id[i]) || i >= OPSCOM_REF_MAX)
            abort();
    {
        char ref[OPSCOM_REF_MAX + 1];
        const char *why = NULL;
        int u = opscom_parse_ref(body, len, ref, &why);

        if (!why || (u && (!ref[0] || strlen(ref) > OPSCOM_REF_MAX)) || (!u && ref[0]))
            abort();
    }
    opscom_clean_message(msg, sizeof msg, body, len, token);
    if (!memchr(msg, 0, sizeof msg) || strstr(msg, token))
        abort();
    return 0;
}
