/* normalize.c — STUB: replaced by the normalization-core work (issue 2). */
#include "normalize.h"

#include <stdio.h>

int normalize_record(const struct norm_profile *p, const struct raw_record *r,
                     struct permit *out, norm_reject_fn rej, void *ctx)
{
    (void)p;
    (void)r;
    (void)out;
    rej(ctx, "_row", "normalization not implemented yet", "", 0);
    return 1;
}

void norm_format_time(long long utc, char *out)
{
    snprintf(out, 20, "%lld", utc);
}

void norm_format_cents(long long cents, char *out)
{
    snprintf(out, 24, "%lld.%02lld", cents / 100, cents % 100);
}
