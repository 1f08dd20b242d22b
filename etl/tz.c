/* tz.c — see tz.h. TZif format: RFC 8536. */
#include "tz.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_FILE_MAX   (1 << 20)
#define TZ_NAME_MAX   255
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TWO_DAYS      (2 * 86400LL)

/* One rule date of a POSIX TZ string: Jn, n or Mm.w.d, plus the time of
 * day (seconds, may be negative or beyond 24h). */
struct rule_date {
    char kind;          /* 'J', 'N' or 'M' */
    int  n, m, w, d;
    long time;
};

struct posix_tz {
    long std_off, dst_off;          /* seconds east of UTC */
    int  has_dst;
    struct rule_date start, end;
};

struct tz {
    struct tz *next;
    unsigned long id;               /* unique per load (never reused) */
    char name[TZ_NAME_MAX + 1];
    long long *trans;               /* transition instants, ascending */
    unsigned char *trans_type;      /* type index of each transition */
    int ntrans;
    long *type_off;                 /* per type: UTC offset */
    unsigned char *type_dst;
    int ntypes;
    int has_rule;                   /* footer present: used after last transition */
    struct posix_tz rule;
};

static struct tz *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long next_id;

/* ---- calendar ----------------------------------------------------------- */

int tz_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int tz_days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m < 1 || m > 12)
        return 0;
    return m == 2 && tz_is_leap(y) ? 29 : days[m - 1];
}

/* H. Hinnant's days_from_civil. */
long long tz_days_from_civil(int y, int m, int d)
{
    long long yy = (long long)y - (m <= 2);
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long mp = (m + 9) % 12;
    long long doy = (153 * mp + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void tz_civil_from_days(long long z, int *y, int *m, int *d)
{
    long long era, doe, yoe, doy, mp, yy;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

long long tz_civil_to_secs(int y, int m, int d, int h, int mi, int s)
{
    return tz_days_from_civil(y, m, d) * 86400LL + h * 3600LL + mi * 60LL + s;
}

static long long floor_div(long long a, long long b)
{
    long long q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* ---- POSIX TZ rule ------------------------------------------------------ */

/* Parses [+-]hh[:mm[:ss]] into seconds; hours up to 167. */
static const char *parse_hms(const char *s, long *out)
{
    int neg = 0;
    long h = 0, mi = 0, se = 0;
    int nd = 0;

    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    while (*s >= '0' && *s <= '9' && nd < 3) {
        h = h * 10 + (*s++ - '0');
        nd++;
    }
    if (nd == 0 || h > 167)
        return NULL;
    if (*s == ':') {
        s++;
        if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
            return NULL;
        mi = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
        if (*s == ':') {
            s++;
            if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
                return NULL;
            se = (s[0] - '0') * 10 + (s[1] - '0');
            s += 2;
        }
    }
    if (mi > 59 || se > 59)
        return NULL;
    *out = (h * 3600 + mi * 60 + se) * (neg ? -1 : 1);
    return s;
}

static const char *parse_tzname(const char *s)
{
    const char *b = s;

    if (*s == '<') {
        s++;
        while (*s && *s != '>')
            s++;
        if (*s != '>' || s - b < 4)
            return NULL;
        return s + 1;
    }
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    return s - b >= 3 ? s : NULL;
}

static const char *parse_num(const char *s, int lo, int hi, int *out)
{
    long v = 0;
    int nd = 0;

    while (*s >= '0' && *s <= '9' && nd < 4) {
        v = v * 10 + (*s++ - '0');
        nd++;
    }
    if (nd == 0 || v < lo || v > hi)
        return NULL;
    *out = (int)v;
    return s;
}

static const char *parse_rule_date(const char *s, struct rule_date *r)
{
    r->time = 7200;
    if (*s == 'J') {
        r->kind = 'J';
        s = parse_num(s + 1, 1, 365, &r->n);
    } else if (*s == 'M') {
        r->kind = 'M';
        s = parse_num(s + 1, 1, 12, &r->m);
        if (s && *s == '.')
            s = parse_num(s + 1, 1, 5, &r->w);
        else
            s = NULL;
        if (s && *s == '.')
            s = parse_num(s + 1, 0, 6, &r->d);
        else
            s = NULL;
    } else {
        r->kind = 'N';
        s = parse_num(s, 0, 365, &r->n);
    }
    if (s && *s == '/')
        s = parse_hms(s + 1, &r->time);
    return s;
}

/* Parses a POSIX TZ string such as "EST5EDT,M3.2.0,M11.1.0". 0 or -1. */
static int parse_posix(const char *s, struct posix_tz *p)
{
    long off;

    memset(p, 0, sizeof(*p));
    s = parse_tzname(s);
    if (!s || !(s = parse_hms(s, &off)))
        return -1;
    p->std_off = -off;
    if (*s == '\0')
        return 0;
    s = parse_tzname(s);
    if (!s)
        return -1;
    p->has_dst = 1;
    p->dst_off = p->std_off + 3600;
    if (*s && *s != ',') {
        s = parse_hms(s, &off);
        if (!s)
            return -1;
        p->dst_off = -off;
    }
    if (*s == '\0') {                       /* no rule: the US default */
        s = "M3.2.0,M11.1.0";
    } else if (*s == ',') {
        s++;
    } else {
        return -1;
    }
    s = parse_rule_date(s, &p->start);
    if (!s || *s != ',')
        return -1;
    s = parse_rule_date(s + 1, &p->end);
    if (!s || *s != '\0')
        return -1;
    return 0;
}

/* Local (wall-clock, read as UTC) seconds of a rule date in year y. */
static long long rule_local(const struct rule_date *r, int y)
{
    long long day;

    if (r->kind == 'J') {
        day = tz_days_from_civil(y, 1, 1) + r->n - 1;
        if (tz_is_leap(y) && r->n >= 60)
            day++;
    } else if (r->kind == 'N') {
        day = tz_days_from_civil(y, 1, 1) + r->n;
    } else {
        long long first = tz_days_from_civil(y, r->m, 1);
        int wd = (int)((first % 7 + 7 + 4) % 7);     /* 1970-01-01 was a Thursday */
        int md = 1 + (r->d - wd + 7) % 7 + (r->w - 1) * 7;

        while (md > tz_days_in_month(y, r->m))
            md -= 7;
        day = first + md - 1;
    }
    return day * 86400 + r->time;
}

static long rule_offset(const struct posix_tz *p, long long utc, int *isdst)
{
    int y, mo, d;
    long long start, end;
    int in;

    *isdst = 0;
    if (!p->has_dst)
        return p->std_off;
    tz_civil_from_days(floor_div(utc + p->std_off, 86400), &y, &mo, &d);
    start = rule_local(&p->start, y) - p->std_off;   /* start: in standard time */
    end = rule_local(&p->end, y) - p->dst_off;       /* end: in daylight time */
    if (start < end)
        in = utc >= start && utc < end;
    else
        in = !(utc >= end && utc < start);
    *isdst = in;
    return in ? p->dst_off : p->std_off;
}

/* ---- lookup ------------------------------------------------------------- */

static int trans_index(const struct tz *z, long long utc);

static long offset_at(const struct tz *z, long long utc, int *isdst)
{
    int t;

    if (z->ntrans == 0 || utc < z->trans[0]) {
        if (z->ntrans == 0 && z->has_rule)
            return rule_offset(&z->rule, utc, isdst);
        *isdst = z->type_dst[0];
        return z->type_off[0];
    }
    if (utc >= z->trans[z->ntrans - 1] && z->has_rule)
        return rule_offset(&z->rule, utc, isdst);
    t = z->trans_type[trans_index(z, utc)];
    *isdst = z->type_dst[t];
    return z->type_off[t];
}

long tz_offset(const struct tz *z, long long utc)
{
    int isdst;

    return offset_at(z, utc, &isdst);
}

const char *tz_name(const struct tz *z)
{
    return z->name;
}

/* Index of the last transition <= utc; -1 before the first. */
static int trans_index(const struct tz *z, long long utc)
{
    int lo = 0, hi = z->ntrans - 1;

    if (z->ntrans == 0 || utc < z->trans[0])
        return -1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;

        if (z->trans[mid] <= utc)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* See tz_local_to_utc(). Keyed by the zone's id, not its address: a
 * zone loaded after tz_cache_free() may get a freed one's address. */
static _Thread_local struct {
    unsigned long id;
    long long lo, hi;
    long off;
} last_fast;

int tz_local_to_utc(const struct tz *z, long long local, long long utc[2])
{
    long cand[6];
    int ncand = 0, n = 0, i, j;
    long lo_off, hi_off;
    long long a, b;
    static const long probe[2] = { -2 * 86400L, 2 * 86400L };

    /* The last fast-path answer's range (this thread): local times of a
     * batch mostly fall between the same two transitions. */
    if (last_fast.id == z->id && local >= last_fast.lo && local < last_fast.hi) {
        utc[0] = local - last_fast.off;
        return 1;
    }
    /* Fast path: no transition within a day either side of the instant
     * (offsets are within +-26 h), inside the transition table. */
    if (z->ntrans > 0 && local - TWO_DAYS >= z->trans[0] &&
        (local + TWO_DAYS < z->trans[z->ntrans - 1] || !z->has_rule)) {
        int ia = trans_index(z, local - TWO_DAYS), ib = trans_index(z, local + TWO_DAYS);

        if (ia == ib) {
            /* the same answer for every local in [lo, hi) */
            last_fast.id = z->id;
            last_fast.off = z->type_off[z->trans_type[ia]];
            last_fast.lo = z->trans[ia] + TWO_DAYS;
            last_fast.hi = ia + 1 < z->ntrans ? z->trans[ia + 1] - TWO_DAYS
                         : z->has_rule ? last_fast.lo : LLONG_MAX;
            utc[0] = local - last_fast.off;
            return 1;
        }
    }
    /* Candidate offsets: those in effect around the instant. Real zones
     * never change offset twice within two days. */
    for (i = 0; i < 2; i++) {
        long o = tz_offset(z, local + probe[i]);

        cand[ncand++] = o;
        cand[ncand++] = tz_offset(z, local - o);
    }
    for (i = 0; i < ncand; i++) {
        long long t = local - cand[i];
        int dup = 0;

        if (tz_offset(z, t) != cand[i])
            continue;
        for (j = 0; j < n; j++)
            dup |= utc[j] == t;
        if (dup || n == 2)
            continue;
        utc[n++] = t;
    }
    if (n == 2 && utc[0] > utc[1]) {
        long long x = utc[0];

        utc[0] = utc[1];
        utc[1] = x;
    }
    if (n > 0)
        return n;
    /* Gap: find the transition, the first instant whose local time is
     * past `local`. f(t) = t + off(t) is increasing across a gap. */
    lo_off = cand[0];
    hi_off = cand[0];
    for (i = 1; i < ncand; i++) {
        if (cand[i] < lo_off)
            lo_off = cand[i];
        if (cand[i] > hi_off)
            hi_off = cand[i];
    }
    a = local - hi_off;                     /* local time there < local */
    b = local - lo_off;                     /* local time there >= local */
    while (a + 1 < b) {
        long long mid = a + (b - a) / 2;

        if (mid + tz_offset(z, mid) >= local)
            b = mid;
        else
            a = mid;
    }
    utc[0] = b;
    return 0;
}

void tz_utc_to_local(const struct tz *z, long long utc, struct tz_tm *out)
{
    int isdst;
    long off = offset_at(z, utc, &isdst);
    long long local = utc + off;
    long long days = floor_div(local, 86400);
    long long rem = local - days * 86400;

    tz_civil_from_days(days, &out->year, &out->mon, &out->day);
    out->hour = (int)(rem / 3600);
    out->min = (int)(rem / 60 % 60);
    out->sec = (int)(rem % 60);
    out->wday = (int)((days % 7 + 7 + 4) % 7);
    out->off = off;
    out->isdst = isdst;
}

int tz_local_date(const struct tz *z, long long utc, int *y, int *m, int *d)
{
    long long local = utc + tz_offset(z, utc);

    tz_civil_from_days(floor_div(local, 86400), y, m, d);
    return 0;
}

static long long day_start(const struct tz *z, long long days)
{
    long long u[2];

    tz_local_to_utc(z, days * 86400, u);
    return u[0];                            /* earliest, or the gap's end */
}

int tz_day_range(const struct tz *z, int y, int m, int d, long long *from, long long *to)
{
    long long days;

    if (d < 1 || d > tz_days_in_month(y, m))
        return -1;
    days = tz_days_from_civil(y, m, d);
    *from = day_start(z, days);
    *to = day_start(z, days + 1);
    return 0;
}

/* ---- loading ------------------------------------------------------------ */

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
           (unsigned long)p[2] << 8 | p[3];
}

static long long be64(const unsigned char *p)
{
    unsigned long long v = (unsigned long long)be32(p) << 32 | be32(p + 4);

    return (long long)v;
}

struct tzif_hdr {
    unsigned long isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_hdr(const unsigned char *p, size_t n, struct tzif_hdr *h)
{
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > 100000 ||
        h->leapcnt > 100000 || h->charcnt > 100000 ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
        return -1;
    return 0;
}

static size_t block_len(const struct tzif_hdr *h, size_t tsize)
{
    return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
           h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static void tz_free_one(struct tz *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->trans_type);
    free(z->type_off);
    free(z->type_dst);
    free(z);
}

/* Parses TZif data p[0..n) into z. 0 or -1 (msg set). */
static int parse_tzif(struct tz *z, const unsigned char *p, size_t n, const char **msg)
{
    struct tzif_hdr h;
    size_t tsize = 4, len;
    const unsigned char *d;
    unsigned long i;

    *msg = "not a TZif file";
    if (read_hdr(p, n, &h) != 0)
        return -1;
    len = block_len(&h, 4);
    if (p[4] >= '2') {                      /* skip the v1 block */
        if (44 + len > n || read_hdr(p + 44 + len, n - 44 - len, &h) != 0)
            return -1;
        p += 44 + len;
        n -= 44 + len;
        tsize = 8;
        len = block_len(&h, 8);
    }
    if (44 + len > n)
        return -1;
    d = p + 44;
    z->ntrans = (int)h.timecnt;
    z->ntypes = (int)h.typecnt;
    *msg = "out of memory";
    z->trans = calloc(h.timecnt + 1, sizeof(*z->trans));
    z->trans_type = calloc(h.timecnt + 1, 1);
    z->type_off = calloc(h.typecnt, sizeof(*z->type_off));
    z->type_dst = calloc(h.typecnt, 1);
    if (!z->trans || !z->trans_type || !z->type_off || !z->type_dst)
        return -1;
    *msg = "corrupt TZif data";
    for (i = 0; i < h.timecnt; i++) {
        z->trans[i] = tsize == 8 ? be64(d + i * 8) : (long long)(int)be32(d + i * 4);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return -1;
    }
    d += h.timecnt * tsize;
    for (i = 0; i < h.timecnt; i++) {
        if (d[i] >= h.typecnt)
            return -1;
        z->trans_type[i] = d[i];
    }
    d += h.timecnt;
    for (i = 0; i < h.typecnt; i++) {
        long off = (long)(int)be32(d + i * 6);

        if (off < -25 * 3600L || off > 26 * 3600L)
            return -1;
        z->type_off[i] = off;
        z->type_dst[i] = d[i * 6 + 4] != 0;
    }
    d += h.typecnt * 6 + h.charcnt + h.leapcnt * (tsize + 4) + h.isstdcnt + h.isutcnt;
    /* Footer: "\n<POSIX TZ>\n" (v2+). */
    if (tsize == 8 && d < p + n && *d == '\n') {
        const unsigned char *e = memchr(d + 1, '\n', (size_t)(p + n - d - 1));
        char tzs[128];
        size_t fl;

        if (e && (fl = (size_t)(e - d - 1)) > 0 && fl < sizeof(tzs)) {
            memcpy(tzs, d + 1, fl);
            tzs[fl] = '\0';
            if (parse_posix(tzs, &z->rule) != 0) {
                *msg = "unsupported POSIX TZ footer";
                return -1;
            }
            z->has_rule = 1;
        }
    }
    return 0;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name), i;

    if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[0] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        char c = name[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+' ||
              c == '/' || c == '.'))
            return 0;
        if (c == '.' && i + 1 < n && name[i + 1] == '.')
            return 0;
        if (c == '/' && i + 1 < n && name[i + 1] == '.')
            return 0;
    }
    return 1;
}

static struct tz *load(const char *name, struct etl_err *err)
{
    const char *dir = getenv("TZDIR");
    char path[PATH_MAX];
    unsigned char *data = NULL;
    size_t n = 0;
    FILE *f = NULL;
    struct tz *z = NULL;
    const char *msg;
    int r;

    if (!dir || !*dir)
        dir = TZ_DEFAULT_DIR;
    r = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (r < 0 || (size_t)r >= sizeof(path)) {
        etl_fail(err, E_CONFIG, "time zone '%s': name too long", name);
        return NULL;
    }
    f = fopen(path, "rb");
    if (!f) {
        etl_fail(err, E_CONFIG, "time zone '%s': %s (%s)", name, strerror(errno), path);
        return NULL;
    }
    data = malloc(TZ_FILE_MAX);
    z = calloc(1, sizeof(*z));
    if (!data || !z) {
        etl_fail(err, E_NOMEM, "time zone '%s': out of memory", name);
        goto fail;
    }
    n = fread(data, 1, TZ_FILE_MAX, f);
    if (ferror(f) || n == TZ_FILE_MAX) {
        etl_fail(err, E_CONFIG, "time zone '%s': cannot read %s", name, path);
        goto fail;
    }
    if (parse_tzif(z, data, n, &msg) != 0) {
        etl_fail(err, strcmp(msg, "out of memory") ? E_CONFIG : E_NOMEM,
                 "time zone '%s': %s (%s)", name, msg, path);
        goto fail;
    }
    snprintf(z->name, sizeof(z->name), "%s", name);
    fclose(f);
    free(data);
    return z;
fail:
    if (f)
        fclose(f);
    free(data);
    tz_free_one(z);
    return NULL;
}

const struct tz *tz_get(const char *name, struct etl_err *err)
{
    struct tz *z;

    if (!name || !valid_name(name)) {
        etl_fail(err, E_CONFIG, "time zone '%s': not a valid IANA zone name",
                 name ? name : "");
        return NULL;
    }
    if (pthread_mutex_lock(&cache_lock) != 0) {
        etl_fail(err, E_INTERNAL, "time zone '%s': cannot lock the zone cache", name);
        return NULL;
    }
    for (z = cache; z; z = z->next)
        if (strcmp(z->name, name) == 0)
            break;
    if (!z) {
        z = load(name, err);
        if (z) {
            z->id = ++next_id;      /* under cache_lock */
            z->next = cache;
            cache = z;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return z;
}

void tz_cache_free(void)
{
    pthread_mutex_lock(&cache_lock);
    while (cache) {
        struct tz *z = cache;

        cache = z->next;
        tz_free_one(z);
    }
    pthread_mutex_unlock(&cache_lock);
}
