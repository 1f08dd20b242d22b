/*
 * tz.h — IANA time zones, loaded once from the system zoneinfo.
 *
 * tz_get("America/Toronto") reads /usr/share/zoneinfo/America/Toronto
 * (TZif version 2+ 64-bit data; a version-1 file uses its 32-bit data) the
 * first time the name is asked for, and caches it: the module owns every
 * loaded zone until tz_cache_free() (call once at exit, after the last
 * use). Times after the last transition follow the POSIX TZ footer string
 * of the file (e.g. "EST5EDT,M3.2.0,M11.1.0"). Leap-second data ("right/"
 * zones) is ignored. $TZDIR overrides the directory (tests).
 * tz_get() is thread-safe (a mutex); every other function only reads a
 * loaded zone and is safe from any number of threads. No setenv("TZ"), no
 * mktime/localtime, no allocation after the load.
 *
 * Time representation: `utc` is seconds since 1970-01-01T00:00:00Z;
 * `local` is the same count for a wall-clock time read as if it were UTC
 * (tz_civil_to_secs(y, m, d, h, mi, s)), so local = utc + offset.
 */
#ifndef ETL_TZ_H
#define ETL_TZ_H

#include "err.h"

struct tz;

/* The zone called `name` (IANA name such as "America/Toronto" or "UTC"):
 * cached, borrowed, valid until tz_cache_free(). NULL with E_CONFIG in
 * *err when the name is malformed or the file is missing or not TZif. */
const struct tz *tz_get(const char *name, struct etl_err *err);
/* Frees every cached zone. Pointers from tz_get() become invalid. */
void tz_cache_free(void);

const char *tz_name(const struct tz *z);      /* as passed to tz_get() */

/* UTC offset (seconds east of UTC) in effect at instant utc. */
long tz_offset(const struct tz *z, long long utc);

/*
 * Local wall-clock time -> UTC. Returns the number of instants that read
 * as `local` in zone z:
 *   1: utc[0] is it;
 *   2: DST overlap (fall back) — utc[0] is the earlier, utc[1] the later;
 *   0: DST gap (spring forward), the time does not exist — utc[0] is set to
 *      the first instant after the gap (the transition), useful for ranges.
 */
int tz_local_to_utc(const struct tz *z, long long local, long long utc[2]);

/* Broken-down time, like struct tm without its quirks: real year, month
 * 1-12, day 1-31, hour 0-23, wday 0 = Sunday; off = UTC offset in seconds,
 * isdst from the zone data. */
struct tz_tm {
    int year, mon, day, hour, min, sec, wday;
    long off;
    int isdst;
};

/* UTC instant -> local broken-down time in z. */
void tz_utc_to_local(const struct tz *z, long long utc, struct tz_tm *out);

/* The local calendar date (business day) of instant utc in z. Returns 0. */
int tz_local_date(const struct tz *z, long long utc, int *y, int *m, int *d);

/* The UTC range [*from, *to) of the local calendar day y-m-d in z (23, 24
 * or 25 hours around DST; a midnight inside a gap starts at the gap's
 * end). Returns 0, or -1 if the date is not a valid calendar date. */
int tz_day_range(const struct tz *z, int y, int m, int d, long long *from, long long *to);

/* Calendar helpers (proleptic Gregorian, any year). */
long long tz_days_from_civil(int y, int m, int d);      /* days since 1970-01-01 */
void tz_civil_from_days(long long days, int *y, int *m, int *d);
long long tz_civil_to_secs(int y, int m, int d, int h, int mi, int s);
int tz_is_leap(int y);
int tz_days_in_month(int y, int m);                     /* 0 if m is not 1-12 */

#endif
