/* fuzz_norm.c — each normalizer on arbitrary bytes. The first input byte
 * picks the function (low 4 bits) and the profile (high bits: paystation,
 * mobile, opscom, hotspot from formats/); the rest is the value. Outputs
 * are checked against their documented shapes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "permit.h"
#include "profile.h"

static struct profile *prof[4];

static void load(void)
{
    static const char *const names[] = { "formats/paystation.json", "formats/mobile.json",
                                         "formats/opscom.json", "formats/hotspot.json" };
    struct etl_err err;
    int i;

    if (prof[0])
        return;
    for (i = 0; i < 4; i++) {
        prof[i] = profile_load(names[i], &err);
        if (!prof[i]) {
            fprintf(stderr, "fuzz_norm: %s: %s\n", names[i], err.msg);
            abort();
        }
    }
}

static void check_why(const char *why)
{
    if (memchr(why, 0, NORM_REASON_MAX) == NULL)
        abort();                    /* reason not terminated in its buffer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct norm_profile *np;
    const char *s;
    char why[NORM_REASON_MAX];
    char out[KEY_BYTES_MAX * 4 + 64];
    struct norm_amount a;
    struct norm_civil c;
    struct norm_time t;
    enum currency cur;
    long long v;
    size_t n, cut;
    int op;

    if (size < 1)
        return 0;
    load();
    op = data[0] & 15;
    np = &prof[(data[0] >> 4) & 3]->norm;
    s = (const char *)data + 1;
    n = size - 1;
    memset(why, 0x55, sizeof why);
    why[NORM_REASON_MAX - 1] = 0;
    switch (op) {
    case 0:
        if (norm_plate(s, n, out, why) == 0) {
            size_t l = strlen(out);
            if (l < 1 || l > PLATE_MAX || strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != l)
                abort();
        }
        break;
    case 1: case 2: case 3: case 4:
        memset(&a, 0, sizeof a);
        if (norm_amount(np, s, n, op & 1, op >= 3, &a, why) == 0) {
            if (a.cents < 0)
                abort();
            if (norm_currency("", 0, &a, np->default_currency, &cur, why) == 0 &&
                cur != CUR_CAD && cur != CUR_USD)
                abort();
        }
        break;
    case 5:
        memset(&a, 0, sizeof a);
        if (norm_currency(s, n, &a, np->default_currency, &cur, why) == 0 &&
            cur != CUR_CAD && cur != CUR_USD)
            abort();
        break;
    case 6:
        if (norm_time(np, s, n, &t, why) == 0 && (t.n < 1 || t.n > 2))
            abort();
        break;
    case 7:
        if (norm_iso8601(s, n, &c) == 0)
            (void)norm_civil_check(&c, s, n, why);
        break;
    case 8: case 9:
        (void)norm_epoch(s, n, op & 1, &v, why);
        break;
    case 10:
        (void)norm_duration(s, n, &v, why);
        break;
    case 11: case 12:
        if (norm_text(s, n, 64, op & 1, out, why) == 0 && strlen(out) > 64 * 4)
            abort();
        break;
    case 13: {
        /* pattern '\n' value: the pattern checked first, as profiles are */
        const char *nl = memchr(s, '\n', n);
        char pat[NORM_PATTERN_LEN * 2];
        struct etl_err err;

        cut = nl ? (size_t)(nl - s) : n;
        if (cut >= sizeof pat)
            break;
        memcpy(pat, s, cut);
        pat[cut] = 0;
        if (norm_pattern_check(pat, &err) == 0 && nl &&
            norm_pattern_match(pat, nl + 1, n - cut - 1, &c) == 0)
            (void)norm_civil_check(&c, nl + 1, n - cut - 1, why);
        break;
    }
    default: {
        const char *cp = s;
        size_t cn = n;

        norm_trim(&cp, &cn);
        if (cp < s || cp + cn > s + n)
            abort();
        break;
    }
    }
    check_why(why);
    return 0;
}
