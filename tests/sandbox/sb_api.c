/*
 * sb_api.c — request bodies of the four endpoints: parse, authenticate,
 * check every attribute against docs/OPSCOM-API.md, apply to the store.
 */
#include "sb_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

const char *const sb_ep_name[EP_COUNT] = { "push", "update", "delete", "stats" };

/* ErrorCodes of the spec. */
enum {
    EC_CLIENT = 9000, EC_TOKEN_MISSING = 9001, EC_TOKEN_PERMISSION = 9002,
    EC_PARSE = 9003, EC_END_REQUIRED = 9004, EC_END_INVALID = 9005,
    EC_PLATE = 9006, EC_START = 9007, EC_REF_REQUIRED = 9008, EC_NOT_FOUND = 9009
};

/* Attributes a body may carry (aliases fold into one). */
enum attr {
    A_TOKEN, A_PLATE, A_AMOUNT, A_CURRENCY, A_START, A_END, A_ZONE, A_PERMITNO,
    A_TICKET, A_PROMO, A_REF, A_ZONES, A_COUNT
};

static const struct { const char *key; enum attr a; } aliases[] = {
    { "apiToken", A_TOKEN },
    { "plate", A_PLATE }, { "LicencePlate", A_PLATE },
    { "amount", A_AMOUNT }, { "Amount", A_AMOUNT },
    { "currency", A_CURRENCY }, { "CurrencyID", A_CURRENCY },
    { "startTime", A_START }, { "StartDateUtc", A_START },
    { "endTime", A_END }, { "EndDateUtc", A_END },
    { "zone", A_ZONE }, { "ParkingZoneName", A_ZONE },
    { "permitNo", A_PERMITNO },
    { "TicketNumber", A_TICKET },
    { "promoCode", A_PROMO },
    { "referenceid", A_REF }, { "referenceID", A_REF }, { "reference_id", A_REF },
    { "zones", A_ZONES },
};

#define BIT(a) (1u << (a))
static const unsigned allowed[EP_COUNT] = {
    [EP_PUSH] = BIT(A_TOKEN) | BIT(A_PLATE) | BIT(A_AMOUNT) | BIT(A_CURRENCY) | BIT(A_START)
              | BIT(A_END) | BIT(A_ZONE) | BIT(A_PERMITNO) | BIT(A_TICKET) | BIT(A_PROMO),
    [EP_UPDATE] = BIT(A_TOKEN) | BIT(A_REF) | BIT(A_END) | BIT(A_PLATE) | BIT(A_AMOUNT)
                | BIT(A_CURRENCY),
    [EP_DELETE] = BIT(A_TOKEN) | BIT(A_REF),
    [EP_STATS] = BIT(A_TOKEN) | BIT(A_ZONES),
};

/* The store field of an attribute, or -1. */
static const int attr_field[A_COUNT] = {
    [A_TOKEN] = -1, [A_PLATE] = SBF_PLATE, [A_AMOUNT] = SBF_AMOUNT,
    [A_CURRENCY] = SBF_CURRENCY, [A_START] = SBF_START, [A_END] = SBF_END,
    [A_ZONE] = SBF_ZONE, [A_PERMITNO] = SBF_PERMITNO, [A_TICKET] = SBF_TICKET,
    [A_PROMO] = SBF_PROMO, [A_REF] = -1, [A_ZONES] = -1,
};

/* The ErrorCode for a bad value of an attribute. */
static int attr_code(enum attr a)
{
    switch (a) {
    case A_TOKEN: return EC_TOKEN_MISSING;
    case A_PLATE: return EC_PLATE;
    case A_START: return EC_START;
    case A_END:   return EC_END_INVALID;
    case A_REF:   return EC_REF_REQUIRED;
    default:      return EC_PARSE;
    }
}

/* --- validators -------------------------------------------------------- */

long sb_utf8_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    long count = 0;
    while (p < e) {
        unsigned c = *p;
        size_t k;
        unsigned cp;
        if (c == 0)
            return -1;
        if (c < 0x80) {
            p++;
            count++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) { k = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { k = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { k = 3; cp = c & 0x07; }
        else return -1;
        if ((size_t)(e - p) <= k)
            return -1;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff))
            || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += k + 1;
        count++;
    }
    return count;
}

int sb_token_format_ok(const char *s, size_t n)
{
    if (n < 1 || n > 50)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '-'))
            return 0;
    }
    return 1;
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int sb_time_ok(const char *s, size_t n)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, mo, d, h, mi, se;
    if (n != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return 0;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d)
        || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return 0;
    if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[mo - 1] + (mo == 2 && leap);
}

long sb_amount_cents(const char *s, size_t n)
{
    int whole, cents;
    if (n < 4 || n > 9 || s[n - 3] != '.')
        return -1;
    if (digits(s, n - 3, &whole) || digits(s + n - 2, 2, &cents))
        return -1;
    long v = (long)whole * 100 + cents;
    return (v >= 1 && v <= 99999999L) ? v : -1;
}

/* --- replies ----------------------------------------------------------- */

static void reply_error(int *status, struct buf *out, int http, int code,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void reply_error(int *status, struct buf *out, int http, int code,
                        const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    *status = http;
    buf_reset(out);
    if (buf_addf(out, "{\"ErrorCode\":%d,\"ErrorMessage\":\"", code) != 0
        || buf_add_json_str(out, msg, strlen(msg)) != 0 || buf_addstr(out, "\"}") != 0)
        *status = 500;
}

static void reply_success(int *status, struct buf *out, const char *ref, int numeric)
{
    const char *q = numeric && strspn(ref, "0123456789") == strlen(ref) ? "" : "\"";

    *status = 200;
    buf_reset(out);
    if (buf_addf(out, "{\"status\":\"success\",\"reference_id\":%s%s%s,"
                 "\"InternalReferenceID\":\"%s\"}", q, ref, q, ref) != 0)
        *status = 500;
}

/* A key for a message: at most 60 bytes, cut at a code point boundary
 * (the body was checked as UTF-8 by the tokenizer). */
static void key_for_msg(const char *key, char *out, size_t cap)
{
    size_t n = strlen(key);
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
            n--;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, key, n);
    out[n] = '\0';
}

/* Number of members of the top-level object as written (json-c keeps only
 * the last of a repeated key): ':' at depth 1 outside strings. */
static size_t count_members(const char *s, size_t n)
{
    size_t count = 0;
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ':' && depth == 1) {
            count++;
        }
    }
    return count;
}

static int hex4(const char *s, size_t avail, unsigned *v)
{
    *v = 0;
    if (avail < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = (c >= '0' && c <= '9') ? (unsigned)(c - '0')
                   : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                   : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10) : 16u;
        if (d > 15)
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

/* What json-c lets through but a strict decoder (PHP's json_decode, the
 * RFC) refuses: NaN / Infinity and other bare words, and unpaired UTF-16
 * surrogate escapes (json-c turns them into U+FFFD). NULL if none. */
static const char *raw_json_problem(const char *s, size_t n)
{
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '"') {
                in_str = 0;
            } else if (c == '\\' && i + 1 < n) {
                unsigned u, lo;
                if (s[i + 1] != 'u') {
                    i++;
                    continue;
                }
                if (hex4(s + i + 2, n - i - 2, &u) != 0)
                    return NULL;            /* json-c reports it */
                i += 5;
                if (u >= 0xdc00 && u <= 0xdfff)
                    return "unpaired UTF-16 surrogate escape";
                if (u >= 0xd800 && u <= 0xdbff) {
                    if (i + 2 >= n || s[i + 1] != '\\' || s[i + 2] != 'u'
                        || hex4(s + i + 3, n - i - 3, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                        return "unpaired UTF-16 surrogate escape";
                    i += 6;
                }
            }
        } else if (c == '"') {
            in_str = 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t j = i;
            while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
                j++;
            size_t w = j - i;
            int exp = w == 1 && (c == 'e' || c == 'E') && i > 0
                      && ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.');
            if (!exp && !(w == 4 && memcmp(s + i, "true", 4) == 0)
                && !(w == 5 && memcmp(s + i, "false", 5) == 0)
                && !(w == 4 && memcmp(s + i, "null", 4) == 0))
                return "a bare word that is not true, false or null";
            i = j - 1;
        }
    }
    return NULL;
}

static const char *type_name(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:    return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double:
    case json_type_int:     return "a number";
    case json_type_object:  return "an object";
    case json_type_array:   return "an array";
    default:                return "a string";
    }
}

/* --- the endpoints ----------------------------------------------------- */

struct req {
    const char *key[A_COUNT];       /* as sent; NULL = absent */
    const char *val[A_COUNT];
    size_t      len[A_COUNT];
    long        cps[A_COUNT];       /* length in code points */
};

/* Authenticates; 0 with *owner set, or -1 with the reply written. */
static int check_token(const struct sb_api *a, struct json_object *obj, const char **owner,
                       int *status, struct buf *out)
{
    struct json_object *t;
    if (!json_object_object_get_ex(obj, "apiToken", &t))
        goto missing;
    if (!json_object_is_type(t, json_type_string)) {
        reply_error(status, out, 401, EC_TOKEN_MISSING, "apiToken must be a string, not %s",
                    type_name(t));
        return -1;
    }
    const char *s = json_object_get_string(t);
    size_t n = (size_t)json_object_get_string_len(t);
    if (n == 0)
        goto missing;
    if (!sb_token_format_ok(s, n)) {
        reply_error(status, out, 401, EC_TOKEN_MISSING,
                    "apiToken is malformed (1 to 50 characters A-Z a-z 0-9 -)");
        return -1;
    }
    for (size_t i = 0; i < a->ntokens; i++) {
        if (strlen(a->tokens[i]) == n && memcmp(a->tokens[i], s, n) == 0) {
            *owner = a->owners[i];
            return 0;
        }
    }
    reply_error(status, out, 403, EC_TOKEN_PERMISSION,
                "API Token does not have permission to use this API.");
    return -1;
missing:
    reply_error(status, out, 401, EC_TOKEN_MISSING, "API Token is missing from the request.");
    return -1;
}

/* Collects attributes into r and the keys as sent into keys (JSON array);
 * -1 with the reply written. */
static int collect(enum sb_ep ep, struct json_object *obj, struct req *r, struct buf *keys,
                   int *status, struct buf *out)
{
    char kmsg[64], kmsg2[64];
    int first = 1;
    if (buf_addch(keys, '[') != 0)
        goto nomem;
    json_object_object_foreach(obj, key, val) {
        size_t i = 0;
        while (i < sizeof(aliases) / sizeof(aliases[0]) && strcmp(aliases[i].key, key) != 0)
            i++;
        key_for_msg(key, kmsg, sizeof(kmsg));
        if (i == sizeof(aliases) / sizeof(aliases[0]) || !(allowed[ep] & BIT(aliases[i].a))) {
            reply_error(status, out, 422, EC_PARSE, "unknown attribute '%s' for %s", kmsg,
                        sb_ep_name[ep]);
            return -1;
        }
        enum attr at = aliases[i].a;
        if (r->key[at]) {
            key_for_msg(r->key[at], kmsg2, sizeof(kmsg2));
            reply_error(status, out, 422, EC_PARSE, "two aliases of one attribute: '%s' and '%s'",
                        kmsg2, kmsg);
            return -1;
        }
        r->key[at] = key;
        if (!json_object_is_type(val, json_type_string)) {
            reply_error(status, out, 422, attr_code(at), "%s must be a string, not %s", kmsg,
                        type_name(val));
            return -1;
        }
        r->val[at] = json_object_get_string(val);
        r->len[at] = (size_t)json_object_get_string_len(val);
        r->cps[at] = sb_utf8_len(r->val[at], r->len[at]);
        if (r->cps[at] < 0) {
            reply_error(status, out, 422, attr_code(at),
                        "%s is not valid UTF-8 or contains a NUL character", kmsg);
            return -1;
        }
        if ((!first && buf_addch(keys, ',') != 0) || buf_addch(keys, '"') != 0
            || buf_add_json_str(keys, key, strlen(key)) != 0 || buf_addch(keys, '"') != 0)
            goto nomem;
        first = 0;
    }
    if (buf_addch(keys, ']') != 0)
        goto nomem;
    return 0;
nomem:
    reply_error(status, out, 500, EC_PARSE, "out of memory");
    return -1;
}

/* Checks a string attribute against a maximum length in code points. */
static int check_max(const struct req *r, enum attr at, long max, int *status, struct buf *out)
{
    char kmsg[64];
    if (!r->key[at] || r->cps[at] <= max)
        return 0;
    key_for_msg(r->key[at], kmsg, sizeof(kmsg));
    reply_error(status, out, 422, attr_code(at), "%s is longer than %ld characters (%ld)",
                kmsg, max, r->cps[at]);
    return -1;
}

/* Plate, amount and currency, as optional or (plate) required. */
static int check_common(const struct sb_api *a, const struct req *r, int plate_required,
                        int *status, struct buf *out)
{
    char kmsg[64];
    if (!r->key[A_PLATE] && plate_required) {
        reply_error(status, out, 422, EC_PLATE, "LicencePlate is required");
        return -1;
    }
    if (r->key[A_PLATE]) {
        key_for_msg(r->key[A_PLATE], kmsg, sizeof(kmsg));
        if (r->len[A_PLATE] == 0) {
            reply_error(status, out, 422, EC_PLATE, "%s is empty", kmsg);
            return -1;
        }
        if (check_max(r, A_PLATE, 25, status, out) != 0)
            return -1;
        for (size_t i = 0; a->strict_plates && i < r->len[A_PLATE]; i++) {
            char c = r->val[A_PLATE][i];
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                reply_error(status, out, 422, EC_PLATE,
                            "%s must be upper-case letters and digits (--strict-plates)", kmsg);
                return -1;
            }
        }
    }
    if (r->key[A_AMOUNT]) {
        key_for_msg(r->key[A_AMOUNT], kmsg, sizeof(kmsg));
        if (r->len[A_AMOUNT] > 9) {
            reply_error(status, out, 422, EC_PARSE, "%s is longer than 9 characters", kmsg);
            return -1;
        }
        if (sb_amount_cents(r->val[A_AMOUNT], r->len[A_AMOUNT]) < 0) {
            reply_error(status, out, 422, EC_PARSE,
                        "%s must be a decimal string with 2 decimals from 0.01 to 999999.99",
                        kmsg);
            return -1;
        }
    }
    if (r->key[A_CURRENCY]) {
        key_for_msg(r->key[A_CURRENCY], kmsg, sizeof(kmsg));
        if (check_max(r, A_CURRENCY, 10, status, out) != 0)
            return -1;
        if (!(r->len[A_CURRENCY] == 3 && (memcmp(r->val[A_CURRENCY], "CAD", 3) == 0
                                          || memcmp(r->val[A_CURRENCY], "USD", 3) == 0))) {
            reply_error(status, out, 422, EC_PARSE, "%s must be CAD or USD", kmsg);
            return -1;
        }
    }
    return 0;
}

static int check_time(const struct req *r, enum attr at, int *status, struct buf *out)
{
    char kmsg[64];
    if (!r->key[at] || sb_time_ok(r->val[at], r->len[at]))
        return 0;
    key_for_msg(r->key[at], kmsg, sizeof(kmsg));
    reply_error(status, out, 422, attr_code(at),
                "%s must be a UTC time YYYY-MM-DDTHH:MM:SS (Y-m-d\\TH:i:s)", kmsg);
    return -1;
}

static int check_ref(const struct req *r, int *status, struct buf *out)
{
    char kmsg[64];
    if (!r->key[A_REF] || r->len[A_REF] == 0) {
        reply_error(status, out, 422, EC_REF_REQUIRED, "reference id is required");
        return -1;
    }
    if (!sb_token_format_ok(r->val[A_REF], r->len[A_REF])) {
        key_for_msg(r->key[A_REF], kmsg, sizeof(kmsg));
        reply_error(status, out, 422, EC_REF_REQUIRED,
                    "%s must be 1 to 50 characters A-Z a-z 0-9 -", kmsg);
        return -1;
    }
    return 0;
}

static void to_values(const struct req *r, struct sb_values *v)
{
    memset(v, 0, sizeof(*v));
    for (int at = 0; at < A_COUNT; at++) {
        int f = attr_field[at];
        if (f >= 0 && r->key[at]) {
            v->v[f] = r->val[at];
            v->n[f] = r->len[at];
        }
    }
}

static int zone_cmp(const void *k, const void *e)
{
    return strcmp(k, *(const char *const *)e);
}

static void do_push(const struct sb_api *a, const struct req *r, const char *owner,
                    const struct sb_hist *h, int *status, struct buf *out)
{
    if (check_common(a, r, 1, status, out) != 0)
        return;
    if (!r->key[A_START]) {
        reply_error(status, out, 422, EC_START, "startTime is required");
        return;
    }
    if (check_time(r, A_START, status, out) != 0)
        return;
    if (!r->key[A_END]) {
        reply_error(status, out, 422, EC_END_REQUIRED, "endTime is required");
        return;
    }
    if (check_time(r, A_END, status, out) != 0)
        return;
    if (strcmp(r->val[A_END], r->val[A_START]) <= 0) {
        reply_error(status, out, 422, EC_END_INVALID, "endTime must be after startTime");
        return;
    }
    if (check_max(r, A_PERMITNO, 50, status, out) || check_max(r, A_TICKET, 50, status, out)
        || check_max(r, A_ZONE, 200, status, out) || check_max(r, A_PROMO, 50, status, out))
        return;
    int disconnected = !r->key[A_ZONE] || r->len[A_ZONE] == 0;
    if (!disconnected && a->zones)
        disconnected = !bsearch(r->val[A_ZONE], a->zones, a->nzones, sizeof(*a->zones), zone_cmp);
    struct sb_values v;
    char ref[SB_REF_LEN];
    to_values(r, &v);
    if (sb_store_push(a->store, owner, &v, disconnected, h, ref) != SB_OK)
        reply_error(status, out, 500, EC_PARSE, "out of memory");
    else
        reply_success(status, out, ref, a->numeric_refs);
}

static void do_update(const struct sb_api *a, const struct req *r, const char *owner,
                      const struct sb_hist *h, int *status, struct buf *out)
{
    if (check_ref(r, status, out) != 0 || check_common(a, r, 0, status, out) != 0
        || check_time(r, A_END, status, out) != 0)
        return;
    struct sb_values v;
    to_values(r, &v);
    switch (sb_store_update(a->store, owner, r->val[A_REF], &v, h)) {
    case SB_OK:
        reply_success(status, out, r->val[A_REF], a->numeric_refs);
        break;
    case SB_NOT_FOUND:
        reply_error(status, out, 404, EC_NOT_FOUND, "record not found");
        break;
    case SB_END_NOT_AFTER_START:
        reply_error(status, out, 422, EC_END_INVALID, "endTime must be after the stored startTime");
        break;
    default:
        reply_error(status, out, 500, EC_PARSE, "out of memory");
    }
}

static void do_delete(const struct sb_api *a, const struct req *r, const char *owner,
                      const struct sb_hist *h, int *status, struct buf *out)
{
    if (check_ref(r, status, out) != 0)
        return;
    switch (sb_store_delete(a->store, owner, r->val[A_REF], h)) {
    case SB_OK:
        reply_success(status, out, r->val[A_REF], a->numeric_refs);
        break;
    case SB_NOT_FOUND:
        reply_error(status, out, 404, EC_NOT_FOUND, "record not found");
        break;
    default:
        reply_error(status, out, 500, EC_PARSE, "out of memory");
    }
}

static void do_stats(const struct sb_api *a, const struct req *r, const char *owner,
                     int *status, struct buf *out)
{
    buf_reset(out);
    if (sb_store_stats(a->store, owner, r->val[A_ZONES], r->len[A_ZONES], out) != SB_OK)
        reply_error(status, out, 500, EC_PARSE, "out of memory");
    else
        *status = 200;
}

void sb_api_handle(const struct sb_api *a, enum sb_ep ep, const char *body, size_t len,
                   long seq, int dropped, int *status, struct buf *out)
{
    struct json_tokener *tok = NULL;
    struct json_object *obj = NULL;
    struct buf keys = BUF_INIT;
    struct req r;
    const char *owner = NULL;

    memset(&r, 0, sizeof(r));
    if (len == 0) {
        reply_error(status, out, 400, EC_PARSE, "request could not be parsed: empty body");
        goto out;
    }
    if (sb_utf8_len(body, len) < 0) {
        reply_error(status, out, 400, EC_PARSE,
                    "request could not be parsed: not UTF-8 text (or a NUL byte)");
        goto out;
    }
    tok = json_tokener_new_ex(16);
    if (!tok) {
        reply_error(status, out, 500, EC_PARSE, "out of memory");
        goto out;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (!obj || jerr != json_tokener_success) {
        reply_error(status, out, 400, EC_PARSE, "request could not be parsed: %s",
                    jerr == json_tokener_continue ? "unexpected end of body"
                                                  : json_tokener_error_desc(jerr));
        goto out;
    }
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
        if (!strchr(" \t\r\n", body[i])) {
            reply_error(status, out, 400, EC_PARSE,
                        "request could not be parsed: data after the JSON object");
            goto out;
        }
    }
    const char *problem = raw_json_problem(body, len);
    if (problem) {
        reply_error(status, out, 400, EC_PARSE, "request could not be parsed: %s", problem);
        goto out;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        reply_error(status, out, 400, EC_PARSE,
                    "request could not be parsed: body must be a JSON object, not %s",
                    type_name(obj));
        goto out;
    }
    if (check_token(a, obj, &owner, status, out) != 0)
        goto out;
    if (count_members(body, len) != (size_t)json_object_object_length(obj)) {
        reply_error(status, out, 422, EC_PARSE, "an attribute appears more than once");
        goto out;
    }
    if (collect(ep, obj, &r, &keys, status, out) != 0)
        goto out;
    struct sb_hist h = { seq, dropped, keys.ptr };
    switch (ep) {
    case EP_PUSH:   do_push(a, &r, owner, &h, status, out); break;
    case EP_UPDATE: do_update(a, &r, owner, &h, status, out); break;
    case EP_DELETE: do_delete(a, &r, owner, &h, status, out); break;
    default:        do_stats(a, &r, owner, status, out); break;
    }
out:
    buf_release(&keys);
    if (obj)
        json_object_put(obj);
    if (tok)
        json_tokener_free(tok);
}
