/*
 * sb_store.c — permits in memory (hash by reference id + creation order),
 * stats, and the JSON state file. See sb_store.h.
 */
#include "sb_store.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

const char *const sb_field_name[SBF_COUNT] = {
    "LicencePlate", "Amount", "CurrencyID", "startTime", "endTime", "zone",
    "permitNo", "TicketNumber", "promoCode"
};

struct sb_permit {
    char   ref[SB_REF_LEN];
    char   owner[SB_OWNER_LEN];
    char   created[32];
    char  *f[SBF_COUNT];        /* NUL-terminated copies; NULL = absent */
    int    deleted, disconnected;
    struct buf hist;            /* history entries, JSON objects joined by ',' */
    struct sb_permit *hnext;
};

/* Live, connected permits counted per (owner, zone, type): stats read these
 * counts instead of scanning every permit. Keys borrow the owner and zone
 * of a permit (never freed before the store, and never changed). */
struct stat_row {
    const char *owner;
    const char *zone;
    int         temp;       /* 0 standard (non-empty permitNo), 1 temp */
    size_t      count;
};

struct agg {
    struct stat_row *slot;  /* open addressing, cap a power of two, <= half full */
    size_t           cap, n;
};

struct sb_store {
    pthread_mutex_t    lock;
    struct agg         live;
    struct sb_permit **all;     /* creation order */
    size_t             n, cap;
    struct sb_permit **bucket;  /* hash chains, nbucket a power of two */
    size_t             nbucket;
    int                numeric_refs;
};

void sb_store_numeric_refs(struct sb_store *s, int numeric)
{
    s->numeric_refs = numeric;
}

/* 24 decimal digits from a random UUID's hex digits, the first 1-9. */
static int numeric_ref(char *ref)
{
    char u[SB_REF_LEN];
    size_t i, k = 0;

    if (sb_uuid4(u) != 0)
        return -1;
    for (i = 0; u[i] && k < 24; i++) {
        int d;

        if (u[i] == '-')
            continue;
        d = u[i] <= '9' ? u[i] - '0' : u[i] - 'a' + 10;
        ref[k] = (char)('0' + (k == 0 ? 1 + d % 9 : d % 10));
        k++;
    }
    ref[k] = '\0';
    return 0;
}

struct sb_store *sb_store_new(void)
{
    struct sb_store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nbucket = 1024;
    s->bucket = calloc(s->nbucket, sizeof(struct sb_permit *));
    if (!s->bucket || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->bucket);
        free(s);
        return NULL;
    }
    return s;
}

static void permit_free(struct sb_permit *p)
{
    if (!p)
        return;
    for (int i = 0; i < SBF_COUNT; i++)
        free(p->f[i]);
    buf_release(&p->hist);
    free(p);
}

void sb_store_free(struct sb_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        permit_free(s->all[i]);
    free(s->all);
    free(s->bucket);
    free(s->live.slot);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static uint64_t hash_str(const char *p)
{
    uint64_t h = 1469598103934665603ULL;       /* FNV-1a */
    for (; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct sb_permit *find(const struct sb_store *s, const char *ref)
{
    struct sb_permit *p = s->bucket[hash_str(ref) & (s->nbucket - 1)];
    while (p && strcmp(p->ref, ref) != 0)
        p = p->hnext;
    return p;
}

static int rehash(struct sb_store *s)
{
    size_t nb = s->nbucket ? s->nbucket * 2 : 1024;
    struct sb_permit **b = calloc(nb, sizeof(struct sb_permit *));
    if (!b)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        struct sb_permit *p = s->all[i];
        size_t k = hash_str(p->ref) & (nb - 1);
        p->hnext = b[k];
        b[k] = p;
    }
    free(s->bucket);
    s->bucket = b;
    s->nbucket = nb;
    return 0;
}

/* Adds p (its ref set) to the index and the order; -1 out of memory. */
static int insert(struct sb_store *s, struct sb_permit *p)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        struct sb_permit **a = realloc(s->all, nc * sizeof(struct sb_permit *));
        if (!a)
            return -1;
        s->all = a;
        s->cap = nc;
    }
    if (s->n + 1 > s->nbucket && rehash(s) != 0)
        return -1;
    size_t k = hash_str(p->ref) & (s->nbucket - 1);
    p->hnext = s->bucket[k];
    s->bucket[k] = p;
    s->all[s->n++] = p;
    return 0;
}

static size_t row_hash(const char *owner, const char *zone, int temp)
{
    return (size_t)(hash_str(owner) ^ (hash_str(zone) * 31u)) * 2u + (size_t)temp;
}

/* The slot of (owner, zone, temp), or the empty slot where it goes. */
static struct stat_row *agg_slot(struct agg *g, const char *owner, const char *zone, int temp)
{
    size_t k = row_hash(owner, zone, temp) & (g->cap - 1);
    while (g->slot[k].zone && (g->slot[k].temp != temp || strcmp(g->slot[k].zone, zone) != 0
                               || strcmp(g->slot[k].owner, owner) != 0))
        k = (k + 1) & (g->cap - 1);
    return &g->slot[k];
}

/* Makes room for one more row: after it, agg_count(+1) never allocates. */
static int agg_reserve(struct agg *g)
{
    if (2 * (g->n + 1) <= g->cap)
        return 0;
    struct agg ng = { NULL, g->cap ? g->cap * 2 : 64, 0 };
    ng.slot = calloc(ng.cap, sizeof(struct stat_row));
    if (!ng.slot)
        return -1;
    for (size_t i = 0; i < g->cap; i++) {
        if (g->slot[i].zone) {
            *agg_slot(&ng, g->slot[i].owner, g->slot[i].zone, g->slot[i].temp) = g->slot[i];
            ng.n++;
        }
    }
    free(g->slot);
    *g = ng;
    return 0;
}

/* Counts permit p in (+1, after agg_reserve) or out (-1) when it is live
 * and connected. Never allocates. */
static void agg_count(struct agg *g, const struct sb_permit *p, int delta)
{
    if (p->deleted || p->disconnected || !p->f[SBF_ZONE])
        return;
    int temp = !(p->f[SBF_PERMITNO] && p->f[SBF_PERMITNO][0]);
    if (!g->cap || (delta > 0 && 2 * (g->n + 1) > g->cap))
        return;                 /* not reserved: cannot happen */
    struct stat_row *r = agg_slot(g, p->owner, p->f[SBF_ZONE], temp);
    if (!r->zone) {
        if (delta < 0)
            return;
        r->owner = p->owner;
        r->zone = p->f[SBF_ZONE];
        r->temp = temp;
        g->n++;
    }
    if (delta > 0)
        r->count++;
    else if (r->count > 0)
        r->count--;
}

int sb_owner_of(const char *token, size_t len, char *owner)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 8)
        return -1;
    memcpy(owner, "sha256:", 7);
    for (int i = 0; i < 8; i++) {
        owner[7 + 2 * i] = hex[md[i] >> 4];
        owner[8 + 2 * i] = hex[md[i] & 15];
    }
    owner[23] = '\0';
    return 0;
}

int sb_uuid4(char *ref)
{
    unsigned char r[16];
    static const char hex[] = "0123456789abcdef";
    size_t got = 0;
    while (got < sizeof(r)) {
        ssize_t k = getrandom(r + got, sizeof(r) - got, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)k;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);     /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            ref[o++] = '-';
        ref[o++] = hex[r[i] >> 4];
        ref[o++] = hex[r[i] & 15];
    }
    ref[o] = '\0';
    return 0;
}

void sb_now(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000L);
}

/* Appends one history entry: {"seq":..,"op":..,"at":..,"dropped":..,
 * "keys":[..],"values":{..}}. */
static int hist_add(struct sb_permit *p, const char *op, const struct sb_hist *h,
                    const struct sb_values *v)
{
    char at[40];
    size_t mark = p->hist.len;
    int rc = 0;
    sb_now(at, sizeof(at));
    if (p->hist.len)
        rc |= buf_addch(&p->hist, ',');
    rc |= buf_addf(&p->hist, "{\"seq\":%ld,\"op\":\"%s\",\"at\":\"%s\",\"dropped\":%s,"
                   "\"keys\":%s,\"values\":{", h->seq, op, at,
                   h->dropped ? "true" : "false", h->keys_json ? h->keys_json : "[]");
    int first = 1;
    for (int i = 0; v && i < SBF_COUNT; i++) {
        if (!v->v[i])
            continue;
        rc |= buf_addf(&p->hist, "%s\"%s\":\"", first ? "" : ",", sb_field_name[i]);
        rc |= buf_add_json_str(&p->hist, v->v[i], v->n[i]);
        rc |= buf_addch(&p->hist, '"');
        first = 0;
    }
    rc |= buf_addstr(&p->hist, "}}");
    if (rc != 0) {
        p->hist.len = mark;           /* keep the history well-formed */
        if (p->hist.ptr)
            p->hist.ptr[mark] = '\0';
        return -1;
    }
    return 0;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

enum sb_res sb_store_push(struct sb_store *s, const char *owner,
                          const struct sb_values *v, int disconnected,
                          const struct sb_hist *h, char *ref_out)
{
    struct sb_permit *p = calloc(1, sizeof(*p));
    if (!p)
        return SB_NOMEM;
    for (int i = 0; i < SBF_COUNT; i++) {
        if (v->v[i] && !(p->f[i] = dup_n(v->v[i], v->n[i]))) {
            permit_free(p);
            return SB_NOMEM;
        }
    }
    memcpy(p->owner, owner, SB_OWNER_LEN);
    p->disconnected = disconnected;
    sb_now(p->created, sizeof(p->created));
    if (hist_add(p, "push", h, v) != 0) {
        permit_free(p);
        return SB_NOMEM;
    }
    pthread_mutex_lock(&s->lock);
    do {
        if ((s->numeric_refs ? numeric_ref(p->ref) : sb_uuid4(p->ref)) != 0) {
            pthread_mutex_unlock(&s->lock);
            permit_free(p);
            return SB_NOMEM;
        }
    } while (find(s, p->ref));
    int rc = agg_reserve(&s->live);
    if (rc == 0)
        rc = insert(s, p);
    if (rc == 0) {
        agg_count(&s->live, p, +1);
        memcpy(ref_out, p->ref, SB_REF_LEN);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != 0) {
        permit_free(p);
        return SB_NOMEM;
    }
    return SB_OK;
}

static struct sb_permit *find_live(struct sb_store *s, const char *owner, const char *ref)
{
    struct sb_permit *p = find(s, ref);
    if (!p || p->deleted || strcmp(p->owner, owner) != 0)
        return NULL;
    return p;
}

enum sb_res sb_store_update(struct sb_store *s, const char *owner,
                            const char *ref, const struct sb_values *v,
                            const struct sb_hist *h)
{
    static const int changeable[] = { SBF_PLATE, SBF_AMOUNT, SBF_CURRENCY, SBF_END };
    char *nv[SBF_COUNT] = { 0 };
    enum sb_res res = SB_OK;
    for (size_t k = 0; k < sizeof(changeable) / sizeof(changeable[0]); k++) {
        int i = changeable[k];
        if (v->v[i] && !(nv[i] = dup_n(v->v[i], v->n[i]))) {
            res = SB_NOMEM;
            goto out;
        }
    }
    pthread_mutex_lock(&s->lock);
    struct sb_permit *p = find_live(s, owner, ref);
    if (!p) {
        res = SB_NOT_FOUND;
    } else if (nv[SBF_END] && (!p->f[SBF_START] || strcmp(nv[SBF_END], p->f[SBF_START]) <= 0)) {
        res = SB_END_NOT_AFTER_START;  /* same fixed format: byte order is time order */
    } else if (hist_add(p, "update", h, v) != 0) {
        res = SB_NOMEM;
    } else {
        for (int i = 0; i < SBF_COUNT; i++) {
            if (nv[i]) {
                free(p->f[i]);
                p->f[i] = nv[i];
                nv[i] = NULL;
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
out:
    for (int i = 0; i < SBF_COUNT; i++)
        free(nv[i]);
    return res;
}

enum sb_res sb_store_delete(struct sb_store *s, const char *owner,
                            const char *ref, const struct sb_hist *h)
{
    enum sb_res res = SB_OK;
    pthread_mutex_lock(&s->lock);
    struct sb_permit *p = find_live(s, owner, ref);
    if (!p)
        res = SB_NOT_FOUND;
    else if (hist_add(p, "delete", h, NULL) != 0)
        res = SB_NOMEM;
    else {
        agg_count(&s->live, p, -1);
        p->deleted = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return res;
}

/* 1 if zone is an item of the comma list [zones, zones+len). */
static int in_list(const char *zone, const char *zones, size_t len)
{
    size_t zl = strlen(zone);
    const char *p = zones, *end = zones + len;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *e = c ? c : end;
        if ((size_t)(e - p) == zl && memcmp(p, zone, zl) == 0)
            return 1;
        if (!c)
            return 0;
        p = c + 1;
    }
}

static int row_cmp(const void *a, const void *b)
{
    const struct stat_row *x = a, *y = b;
    int c = strcmp(x->zone, y->zone);
    return c ? c : x->temp - y->temp;
}

enum sb_res sb_store_stats(struct sb_store *s, const char *owner,
                           const char *zones, size_t zones_len, struct buf *out)
{
    enum sb_res res = SB_OK;
    struct stat_row *rows = NULL;
    size_t nrows = 0;
    int filter = zones && zones_len > 0;

    pthread_mutex_lock(&s->lock);
    rows = malloc((s->live.n ? s->live.n : 1) * sizeof(*rows));
    if (!rows) {
        res = SB_NOMEM;
        goto unlock;
    }
    for (size_t i = 0; i < s->live.cap; i++) {
        const struct stat_row *r = &s->live.slot[i];
        if (!r->zone || r->count == 0 || strcmp(r->owner, owner) != 0)
            continue;
        if (filter && !in_list(r->zone, zones, zones_len))
            continue;
        rows[nrows++] = *r;
    }
    if (nrows)
        qsort(rows, nrows, sizeof(*rows), row_cmp);
    int rc = buf_addstr(out, "{\"data\":[");
    for (size_t i = 0; i < nrows; i++) {
        rc |= buf_addf(out, "%s{\"type\":\"%s\",\"zone\":\"", i ? "," : "",
                       rows[i].temp ? "temp" : "standard");
        rc |= buf_add_json_str(out, rows[i].zone, strlen(rows[i].zone));
        rc |= buf_addf(out, "\",\"total\":\"%zu\"}", rows[i].count);
    }
    rc |= buf_addstr(out, "]}");
    if (rc != 0)
        res = SB_NOMEM;
unlock:
    pthread_mutex_unlock(&s->lock);
    free(rows);
    return res;
}

/* --- state file -------------------------------------------------------- */

static int add_str_member(struct buf *b, const char *key, const char *val, int comma)
{
    int rc = buf_addf(b, "%s\"%s\":\"", comma ? "," : "", key);
    rc |= buf_add_json_str(b, val, strlen(val));
    rc |= buf_addch(b, '"');
    return rc;
}

static int permit_json(struct buf *b, const struct sb_permit *p,
                       const char (*owners)[SB_OWNER_LEN], size_t nowners)
{
    size_t idx = 0;
    for (size_t i = 0; i < nowners; i++) {
        if (strcmp(owners[i], p->owner) == 0) {
            idx = i + 1;
            break;
        }
    }
    int rc = buf_addch(b, '{');
    rc |= add_str_member(b, "reference_id", p->ref, 0);
    rc |= add_str_member(b, "owner", p->owner, 1);
    rc |= buf_addf(b, ",\"token_index\":%zu,\"deleted\":%s,\"disconnected\":%s", idx,
                   p->deleted ? "true" : "false", p->disconnected ? "true" : "false");
    rc |= add_str_member(b, "created_at", p->created, 1);
    rc |= buf_addstr(b, ",\"fields\":{");
    int first = 1;
    for (int i = 0; i < SBF_COUNT; i++) {
        if (!p->f[i])
            continue;
        rc |= add_str_member(b, sb_field_name[i], p->f[i], !first);
        first = 0;
    }
    rc |= buf_addstr(b, "},\"history\":[");
    if (p->hist.len)
        rc |= buf_add(b, p->hist.ptr, p->hist.len);
    rc |= buf_addstr(b, "]}");
    return rc;
}

long sb_store_save(struct sb_store *s, const char *path, const char *counters_json,
                   const char (*owners)[SB_OWNER_LEN], size_t nowners,
                   char *msg, size_t cap)
{
    struct buf tmp = BUF_INIT, b = BUF_INIT;
    FILE *f = NULL;
    long ret = -1;
    char at[40];

    if (buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid()) != 0) {
        snprintf(msg, cap, "out of memory");
        return -1;
    }
    f = fopen(tmp.ptr, "w");
    if (!f) {
        snprintf(msg, cap, "%s: %s", tmp.ptr, strerror(errno));
        goto out;
    }
    sb_now(at, sizeof(at));
    pthread_mutex_lock(&s->lock);
    int rc = buf_addf(&b, "{\"version\":1,\"written_at\":\"%s\",\"counters\":%s,"
                      "\"permits\":[", at, counters_json);
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        if (i)
            rc |= buf_addstr(&b, ",\n");
        else
            rc |= buf_addch(&b, '\n');
        rc |= permit_json(&b, s->all[i], owners, nowners);
        if (b.len > (1u << 20)) {
            if (fwrite(b.ptr, 1, b.len, f) != b.len)
                rc = -1;
            buf_reset(&b);
        }
    }
    rc |= buf_addstr(&b, "\n]}\n");
    long n = (long)s->n;
    pthread_mutex_unlock(&s->lock);
    if (rc != 0) {
        snprintf(msg, cap, "%s: out of memory or write error", tmp.ptr);
        goto out;
    }
    if (fwrite(b.ptr, 1, b.len, f) != b.len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        snprintf(msg, cap, "%s: %s", tmp.ptr, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        snprintf(msg, cap, "%s: %s", tmp.ptr, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp.ptr, path) != 0) {
        snprintf(msg, cap, "rename to %s: %s", path, strerror(errno));
        goto out;
    }
    ret = n;
out:
    if (f)
        fclose(f);
    if (ret < 0 && tmp.ptr)
        unlink(tmp.ptr);
    buf_release(&tmp);
    buf_release(&b);
    return ret;
}

static const char *get_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int get_bool(struct json_object *o, const char *key, int *out)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
        return -1;
    *out = json_object_get_boolean(v);
    return 0;
}

static int ref_ok(const char *r)
{
    size_t n = strlen(r);
    if (n != SB_REF_LEN - 1)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= '0' && r[i] <= '9') || (r[i] >= 'a' && r[i] <= 'f') || r[i] == '-'))
            return 0;
    return 1;
}

/* One permit of the state file into a new struct; NULL with msg. */
static struct sb_permit *permit_from_json(struct json_object *o, size_t i,
                                          char *msg, size_t cap)
{
    struct sb_permit *p = calloc(1, sizeof(*p));
    struct json_object *fields, *hist;
    const char *ref = get_str(o, "reference_id"), *owner = get_str(o, "owner");
    const char *created = get_str(o, "created_at");
    if (!p) {
        snprintf(msg, cap, "out of memory");
        return NULL;
    }
    if (!ref || !ref_ok(ref) || !owner || strlen(owner) != SB_OWNER_LEN - 1 || !created
        || strlen(created) >= sizeof(p->created)
        || get_bool(o, "deleted", &p->deleted) != 0
        || get_bool(o, "disconnected", &p->disconnected) != 0
        || !json_object_object_get_ex(o, "fields", &fields)
        || !json_object_is_type(fields, json_type_object)
        || !json_object_object_get_ex(o, "history", &hist)
        || !json_object_is_type(hist, json_type_array)) {
        snprintf(msg, cap, "permit %zu: missing or malformed member", i);
        goto fail;
    }
    memcpy(p->ref, ref, SB_REF_LEN);
    memcpy(p->owner, owner, SB_OWNER_LEN);
    memcpy(p->created, created, strlen(created) + 1);
    json_object_object_foreach(fields, key, val) {
        int k = 0;
        while (k < SBF_COUNT && strcmp(sb_field_name[k], key) != 0)
            k++;
        if (k == SBF_COUNT || !json_object_is_type(val, json_type_string)) {
            snprintf(msg, cap, "permit %zu: bad field '%s'", i, key);
            goto fail;
        }
        free(p->f[k]);
        p->f[k] = dup_n(json_object_get_string(val), (size_t)json_object_get_string_len(val));
        if (!p->f[k]) {
            snprintf(msg, cap, "out of memory");
            goto fail;
        }
    }
    for (size_t h = 0; h < json_object_array_length(hist); h++) {
        const char *t = json_object_to_json_string_ext(json_object_array_get_idx(hist, h),
                                                       JSON_C_TO_STRING_PLAIN);
        if (!t || (h && buf_addch(&p->hist, ',') != 0) || buf_addstr(&p->hist, t) != 0) {
            snprintf(msg, cap, "out of memory");
            goto fail;
        }
    }
    return p;
fail:
    permit_free(p);
    return NULL;
}

int sb_store_load(struct sb_store *s, const char *path, char *msg, size_t cap)
{
    struct json_object *root, *permits;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 0;
    root = json_object_from_file(path);
    if (!root) {
        snprintf(msg, cap, "%s: not a readable JSON file", path);
        return -1;
    }
    int ret = -1;
    if (!json_object_is_type(root, json_type_object)
        || !json_object_object_get_ex(root, "permits", &permits)
        || !json_object_is_type(permits, json_type_array)) {
        snprintf(msg, cap, "%s: no \"permits\" array", path);
        goto out;
    }
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < json_object_array_length(permits); i++) {
        char m[200] = "";
        struct sb_permit *p = permit_from_json(json_object_array_get_idx(permits, i), i, m,
                                               sizeof(m));
        if (!p || find(s, p->ref) || agg_reserve(&s->live) != 0 || insert(s, p) != 0) {
            snprintf(msg, cap, "%s: %s", path, p ? "duplicate reference_id or out of memory" : m);
            permit_free(p);
            pthread_mutex_unlock(&s->lock);
            goto out;
        }
        agg_count(&s->live, p, +1);
    }
    pthread_mutex_unlock(&s->lock);
    ret = 0;
out:
    json_object_put(root);
    return ret;
}
