/* permit_json.c — the permit wire codec (see permit_json.h). */
#include "permit_json.h"

#include "normalize.h"
#include "tz.h"
#include "utc.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum kind { K_TEXT, K_CENTS, K_CURRENCY, K_TIME };

struct field {
    const char *name;
    size_t      nlen;
    size_t      off, size;     /* of the struct permit member */
    size_t      limit;         /* code points, text only */
    enum kind   kind;
    int         update;        /* the update call can change it */
};

#define MEMBER_SIZE(m) sizeof(((struct permit *)0)->m)
#define FIELD_ROW(id, name, member, limit, kind, update) \
    [PF_##id] = { name, sizeof(name) - 1, offsetof(struct permit, member), \
                  MEMBER_SIZE(member), limit, K_##kind, update },
static const struct field fields[PF_COUNT] = { PERMIT_FIELDS(FIELD_ROW) };

/* A member the table names must be of its kind's type and size. */
#define FIELD_CHECK(id, name, member, limit, kind, update) \
    _Static_assert(K_##kind == K_TEXT ? MEMBER_SIZE(member) > (limit) \
                   : K_##kind == K_CURRENCY ? MEMBER_SIZE(member) == sizeof(enum currency) \
                   : MEMBER_SIZE(member) == sizeof(long long), \
                   "permit." #member " does not fit its kind " #kind);
PERMIT_FIELDS(FIELD_CHECK)

/* Room a field's value may take once written, besides its text. */
#define VALUE_MAX 24

const char *permit_field_name(enum permit_field f)
{
    return (unsigned)f < PF_COUNT ? fields[f].name : "";
}

/* --- reading a member ------------------------------------------------------ */

static const char *text_of(const struct permit *p, const struct field *f)
{
    return (const char *)p + f->off;
}

static long long ll_of(const struct permit *p, const struct field *f)
{
    long long v;

    memcpy(&v, (const char *)p + f->off, sizeof(v));
    return v;
}

static enum currency cur_of(const struct permit *p, const struct field *f)
{
    enum currency c;

    memcpy(&c, (const char *)p + f->off, sizeof(c));
    return c;
}

/* Absent fields are not sent: empty text, a free session, no currency. */
static int present(const struct permit *p, const struct field *f)
{
    switch (f->kind) {
    case K_TEXT:
        return text_of(p, f)[0] != '\0';
    case K_CENTS:
        return ll_of(p, f) > 0;
    case K_CURRENCY:
        return cur_of(p, f) != CUR_NONE;
    default:
        return 1;
    }
}

/* --- the fast writer ------------------------------------------------------- *
 * `out` is grown once to the worst case (every text byte escaped as
 * \u00XX), then filled with plain stores; no printf on this path. */

static char *put_mem(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

static char *put_num(char *o, long long n)
{
    char t[24];
    int i = (int)sizeof(t);
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;

    do {
        t[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        t[--i] = '-';
    return put_mem(o, t + i, sizeof(t) - (size_t)i);
}

static char *put_2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* YYYY-MM-DDTHH:MM:SS of a UTC time: utc_format()'s text (at most
 * 19 bytes and a NUL, which the next store overwrites). */
static char *put_time(char *o, long long utc)
{
    utc_format(utc, o);
    return o[19] == '\0' ? o + 19 : o + strlen(o);
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero if a byte of w is < 0x20, '"', '\\', 0x7f or >= 0x80 (needs a look). */
static uint64_t needs_escape(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\'), d = w ^ (ONES * 0x7f);

    /* a byte >= 0x80 also goes the slow way: it may be invalid UTF-8 */
    return ((((w - ONES * 0x20) | (q - ONES) | (b - ONES) | (d - ONES)) & ~w) | w) & HIGHS;
}

/* The escaping copy: buf_json_unit(), the escaper of every JSON writer. */
static char *put_str_slow(char *o, const char *s, size_t n)
{
    size_t i, k;

    for (i = 0; i < n; i += k) {
        char esc[6];
        size_t elen;

        k = buf_json_unit(s + i, n - i, esc, &elen);
        o = elen ? put_mem(o, esc, elen) : put_mem(o, s + i, k);
    }
    return o;
}

/* A JSON string's content: plain text is checked and copied with word
 * loads (overlapping at the end; the output has room for the worst case),
 * anything to escape goes the slow way. */
static char *put_str(char *o, const char *s, size_t n)
{
    size_t i;
    uint64_t w;

    if (n >= 8) {
        for (i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            if (needs_escape(w))
                return put_str_slow(o + i, s + i, n - i);
            memcpy(o + i, &w, 8);
        }
        if (i < n) {
            memcpy(&w, s + n - 8, 8);
            if (needs_escape(w))
                return put_str_slow(o + i, s + i, n - i);
            memcpy(o + n - 8, &w, 8);
        }
        return o + n;
    }
    if (n >= 4) {
        uint32_t a, b;

        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        if (needs_escape((uint64_t)a | (uint64_t)b << 32))
            return put_str_slow(o, s, n);
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
        return o + n;
    }
    return put_str_slow(o, s, n);
}

/* ,"key":"value" (key plain ASCII; the comma unless first) */
static char *put_kv(char *o, int first, const char *key, size_t klen, const char *val,
                    size_t n)
{
    if (!first)
        *o++ = ',';
    *o++ = '"';
    o = put_mem(o, key, klen);
    o = put_mem(o, "\":\"", 3);
    o = put_str(o, val, n);
    *o++ = '"';
    return o;
}

#define KV(o, first, k, v, n) put_kv(o, first, k, sizeof(k) - 1, v, n)

/* The worst case of the fields of `mask` in p; len[] gets the text lengths. */
static size_t measure(const struct permit *p, unsigned mask, size_t len[PF_COUNT])
{
    size_t w = 0, i;

    for (i = 0; i < PF_COUNT; i++) {
        len[i] = 0;
        if (!(mask & PF_BIT(i)))
            continue;
        if (fields[i].kind == K_TEXT)
            len[i] = strnlen(text_of(p, &fields[i]), fields[i].size - 1);
        w += fields[i].nlen + 6 + 6 * len[i] + VALUE_MAX;
    }
    return w;
}

/* The present fields of `mask`, in table order. */
static char *put_fields(char *o, const struct permit *p, unsigned mask,
                        const size_t len[PF_COUNT], int first)
{
    size_t i;

    for (i = 0; i < PF_COUNT; i++) {
        const struct field *f = &fields[i];

        if (!(mask & PF_BIT(i)) || !present(p, f))
            continue;
        if (!first)
            *o++ = ',';
        first = 0;
        *o++ = '"';
        o = put_mem(o, f->name, f->nlen);
        o = put_mem(o, "\":\"", 3);
        switch (f->kind) {
        case K_TEXT:
            o = put_str(o, text_of(p, f), len[i]);
            break;
        case K_CENTS: {
            long long c = ll_of(p, f);    /* > 0: present */

            o = put_num(o, c / 100);
            *o++ = '.';
            o = put_2(o, (int)(c % 100));
            break;
        }
        case K_CURRENCY:                   /* "CAD" / "USD": nothing to escape */
            o = put_mem(o, currency_name(cur_of(p, f)), 3);
            break;
        case K_TIME:
            o = put_time(o, ll_of(p, f));
            break;
        }
        *o++ = '"';
    }
    return o;
}

/* Where to write n more bytes at most; NULL on out of memory. */
static char *room(struct buf *out, size_t n)
{
    return buf_grow(out, n) < 0 ? NULL : out->ptr + out->len;
}

static int done(struct buf *out, char *o)
{
    out->len = (size_t)(o - out->ptr);
    out->ptr[out->len] = '\0';
    return 0;
}

#define ALL_FIELDS (PF_BIT(PF_COUNT) - 1u)

/* --- builders ---------------------------------------------------------------- */

int permit_json_body(const struct permit *p, struct buf *out)
{
    size_t len[PF_COUNT];
    char *o = room(out, measure(p, ALL_FIELDS, len) + 2);

    if (!o)
        return -1;
    *o++ = '{';
    o = put_fields(o, p, ALL_FIELDS, len, 1);
    *o++ = '}';
    return done(out, o);
}

int permit_json_body_members(const char *body, size_t len, struct buf *out)
{
    if (len < 2 || body[0] != '{' || body[len - 1] != '}')
        return -1;
    return buf_add(out, body + 1, len - 2);
}

int permit_json_record(const struct permit *p, struct buf *out)
{
    const char *src = p->source ? p->source : "";
    const char *zs = zone_status_name(p->zone_status);   /* plain words */
    size_t len[PF_COUNT], lsrc = strlen(src), lkey = strnlen(p->key, sizeof(p->key) - 1),
           lzs = strlen(zs);
    char *o = room(out, measure(p, ALL_FIELDS, len) + 6 * (lsrc + lkey + lzs) + 80);

    if (!o)
        return -1;
    *o++ = '{';
    /* the times are always there: every member after them has its comma */
    o = put_fields(o, p, ALL_FIELDS, len, 1);
    if (lsrc)
        o = KV(o, 0, "_source", src, lsrc);
    o = put_mem(o, ",\"_line\":", 9);
    o = put_num(o, p->line);
    if (lkey)
        o = KV(o, 0, "_key", p->key, lkey);
    if (lzs)
        o = KV(o, 0, "_zone_status", zs, lzs);
    *o++ = '}';
    return done(out, o);
}

/* "reference_id":"<ref>" */
static char *put_ref(char *o, const char *ref, size_t n)
{
    return KV(o, 1, "reference_id", ref, n);
}

int permit_json_delete(const char *ref, struct buf *out)
{
    size_t n = ref ? strlen(ref) : 0;
    char *o;

    if (!n || !(o = room(out, 6 * n + 20)))
        return -1;
    return done(out, put_ref(o, ref, n));
}

int permit_json_update(const char *ref, const struct permit *p, unsigned changed,
                       struct buf *out)
{
    size_t len[PF_COUNT], n = ref ? strlen(ref) : 0, i;
    char *o;

    if (!n || (changed & ~ALL_FIELDS))
        return -1;
    for (i = 0; i < PF_COUNT; i++)
        if ((changed & PF_BIT(i)) &&
            (!fields[i].update || (fields[i].kind == K_CENTS && !present(p, &fields[i]))))
            return -1;
    o = room(out, measure(p, changed, len) + 6 * n + 20);
    if (!o)
        return -1;
    o = put_ref(o, ref, n);
    o = put_fields(o, p, changed, len, 0);
    return done(out, o);
}

/* --- comparing ----------------------------------------------------------------- */

static int differs(const struct permit *a, const struct permit *b, const struct field *f)
{
    switch (f->kind) {
    case K_TEXT:
        return strcmp(text_of(a, f), text_of(b, f)) != 0;
    case K_CURRENCY:
        return cur_of(a, f) != cur_of(b, f);
    default:
        return ll_of(a, f) != ll_of(b, f);
    }
}

enum permit_change permit_json_diff(const struct permit *from, const struct permit *to,
                                    unsigned *changed)
{
    unsigned mask = 0;
    int replace = 0;
    size_t i;

    for (i = 0; i < PF_COUNT; i++) {
        const struct field *f = &fields[i];

        if (!differs(from, to, f))
            continue;
        mask |= PF_BIT(i);
        /* an update cannot add or drop the Amount of a free session */
        if (!f->update || (f->kind == K_CENTS && present(from, f) != present(to, f)))
            replace = 1;
    }
    if (changed)
        *changed = mask;
    return !mask ? PERMIT_SAME : replace ? PERMIT_REPLACE : PERMIT_UPDATE;
}

/* --- parsing ---------------------------------------------------------------- */

static int digits(const char *s, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SS" (a calendar date, a time of day) -> UTC seconds. */
static int parse_time(const char *s, size_t n, long long *out)
{
    int y, mo, d, h, mi, se;

    if (n != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return -1;
    if (d < 1 || d > tz_days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
        return -1;
    *out = tz_civil_to_secs(y, mo, d, h, mi, se);
    return 0;
}

/* "D", "D.C" or "D.CC" (at most 15 digits before the point) -> cents. */
static int parse_cents(const char *s, size_t n, long long *out)
{
    long long v = 0;
    size_t i, units = 0, frac = 0;
    int point = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '.' && !point && units) {
            point = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || (point ? ++frac > 2 : ++units > 15))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (!units)
        return -1;
    for (; frac < 2; frac++)
        v *= 10;
    *out = v;
    return 0;
}

/* Code points of a UTF-8 text: the bytes that do not continue a sequence. */
static size_t code_points(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

int permit_json_parse(const char *body, struct permit *p)
{
    struct json_object *o = json_tokener_parse(body);
    struct permit q = *p;
    int ret = -1;
    size_t i;

    if (!o || !json_object_is_type(o, json_type_object))
        goto out;
    for (i = 0; i < PF_COUNT; i++) {
        const struct field *f = &fields[i];
        struct json_object *v;
        const char *s = "";
        size_t n = 0;
        char *dst = (char *)&q + f->off;

        if (json_object_object_get_ex(o, f->name, &v) &&
            json_object_is_type(v, json_type_string)) {
            s = json_object_get_string(v);
            n = (size_t)json_object_get_string_len(v);
        }
        switch (f->kind) {
        case K_TEXT:
            if (n >= f->size || memchr(s, '\0', n) || code_points(s, n) > f->limit)
                goto out;
            memcpy(dst, s, n);
            dst[n] = '\0';
            break;
        case K_CENTS: {
            long long c = 0;

            if (n && parse_cents(s, n, &c) < 0)
                goto out;
            memcpy(dst, &c, sizeof(c));
            break;
        }
        case K_CURRENCY: {
            enum currency c = currency_parse(s);

            memcpy(dst, &c, sizeof(c));
            break;
        }
        case K_TIME: {
            long long t;

            if (parse_time(s, n, &t) < 0)
                goto out;
            memcpy(dst, &t, sizeof(t));
            break;
        }
        }
    }
    *p = q;
    ret = 0;
out:
    json_object_put(o);
    return ret;
}
