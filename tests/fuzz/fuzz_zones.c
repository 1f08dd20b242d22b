/* fuzz_zones.c — zone_key() on the whole input, and zones_load() on a
 * zones file and an aliases file made of the input (split at the first
 * 0x00 byte; no 0x00 = no aliases file), then lookups of each input line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "zones.h"

static int tmpwrite(char *path, const uint8_t *d, size_t n)
{
    int fd = mkstemp(path);

    if (fd < 0)
        return -1;
    if (write(fd, d, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char zp[] = "/tmp/fuzz_zones.XXXXXX", ap[] = "/tmp/fuzz_alias.XXXXXX";
    const uint8_t *nul = memchr(data, 0, size);
    size_t zn = nul ? (size_t)(nul - data) : size;
    struct etl_err err;
    struct zones *z;
    char *key;
    int kl;

    /* the key of the whole input: always fits ZONE_KEY_CAP(n) */
    key = malloc(ZONE_KEY_CAP(size));
    if (!key)
        return 0;
    kl = zone_key((const char *)data, size, key, ZONE_KEY_CAP(size));
    if (kl < 0 || (size_t)kl >= ZONE_KEY_CAP(size))
        abort();
    (void)zone_key_numeric(key, (size_t)kl);
    free(key);

    if (size > 16384 || tmpwrite(zp, data, zn) != 0)
        return 0;
    if (nul && tmpwrite(ap, nul + 1, size - zn - 1) != 0) {
        unlink(zp);
        return 0;
    }
    z = zones_load(zp, nul ? ap : NULL, &err);
    if (z) {
        size_t i, nz = zones_count(z);
        const char *p = (const char *)data, *end = p + size;

        for (i = 0; i < nz; i++)
            if (!zones_name(z, i))
                abort();
        while (p < end) {
            const char *e = memchr(p, '\n', (size_t)(end - p));
            size_t ln = e ? (size_t)(e - p) : (size_t)(end - p);
            const char *zone = NULL;

            (void)zones_lookup(z, p, ln, &zone);
            p += ln + 1;
        }
        zones_free(z);
    } else if (!err.msg[0]) {
        abort();                    /* an error without a message */
    }
    unlink(zp);
    if (nul)
        unlink(ap);
    return 0;
}
