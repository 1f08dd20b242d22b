/* utc.c — see utc.h. */
#include "utc.h"

#include <stdio.h>
#include <string.h>

#include "tz.h"

static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* The "YYYY-MM-DDT" text of the last day formatted, per thread. */
static _Thread_local struct {
    long long days;
    int valid;
    char text[12];
} day_cache;

int utc_format(long long t, char out[UTC_TEXT_SIZE])
{
    long long days = t / 86400, rem = t % 86400;
    int y, m, d, h, mi;
    char *o = out;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    if (!day_cache.valid || day_cache.days != days) {
        tz_civil_from_days(days, &y, &m, &d);
        if (y < 0 || y > 9999) {
            snprintf(out, UTC_TEXT_SIZE, "%04d-%02d-%02dT00:00:00", y, m, d);
            return -1;
        }
        o = day_cache.text;
        o = put2(o, y / 100);
        o = put2(o, y % 100);
        *o++ = '-';
        o = put2(o, m);
        *o++ = '-';
        o = put2(o, d);
        *o = 'T';
        day_cache.days = days;
        day_cache.valid = 1;
        o = out;
    }
    memcpy(o, day_cache.text, 11);
    o += 11;
    h = (int)rem / 3600;
    mi = (int)rem / 60 - h * 60;
    o = put2(o, h);
    *o++ = ':';
    o = put2(o, mi);
    *o++ = ':';
    o = put2(o, (int)rem - h * 3600 - mi * 60);
    *o = '\0';
    return 0;
}

int utc_format_z(long long t, char out[UTC_Z_SIZE])
{
    if (utc_format(t, out) < 0) {
        out[0] = '\0';
        return -1;
    }
    out[19] = 'Z';
    out[20] = '\0';
    return 0;
}
