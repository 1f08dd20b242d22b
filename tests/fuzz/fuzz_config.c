/* fuzz_config.c — config_load() on a file made of the input (first byte
 * odd) or profile_load() on it (even): a config or profile, or an error
 * with a message; never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz_config.XXXXXX";
    struct etl_err err;
    int fd;

    if (size < 1)
        return 0;
    fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    memset(&err, 0, sizeof err);
    if (data[0] & 1) {
        struct config *c = config_load(path, &err);

        if (c) {
            if (!c->api_url || !c->business_tz || c->concurrency < 1 || c->batch_size < 1)
                abort();
            config_free(c);
        } else if (!err.msg[0]) {
            abort();
        }
    } else {
        struct profile *p = profile_load(path, &err);

        if (p) {
            if (!p->norm.name[0] || p->ncols < 0 || p->ncols > PROFILE_MAX_COLUMNS)
                abort();
            profile_free(p);
        } else if (!err.msg[0]) {
            abort();
        }
    }
    unlink(path);
    return 0;
}
