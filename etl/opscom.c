/*
 * opscom.c — the OPSCOM Permits API client (docs/OPSCOM-API.md,
 * "Ledger, push, reruns"). See opscom.h for the contract.
 *
 * Structure: `concurrency` slots, each with one reused easy handle and its
 * request/response buffers, all in one multi handle (keep-alive, HTTP/2
 * multiplexing when offered). Jobs live in a fixed pool; a job waiting
 * for a retry sits in a min-heap by time, so delayed retries never block
 * other transfers. Nothing is allocated per request once the pool exists.
 */
#include "opscom.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "buf.h"
#include "config.h"
#include "interrupt.h"
#include "log.h"
#include "permit.h"
#include "utc.h"
#include "version.h"

#define BACKOFF_BASE_S   0.5
#define BACKOFF_CAP_S    30.0
#define RESP_MAX         ((size_t)64 * 1024)
#define STATS_RESP_MAX   ((size_t)32 * 1024 * 1024)
#define POLL_MAX_MS      200

static const char *const op_path[] = { "push", "update", "delete", "stats" };

struct ojob {
    struct opscom_job    job;
    struct opscom_result res;
    int    counted;       /* attempts counted against max_attempts */
    int    throttled;     /* 429 answers */
    int    doubt_pending; /* the last attempt was in doubt */
    double ready_at;
    struct ojob *next_free;
};

struct slot {
    CURL       *easy;
    struct ojob *j;       /* NULL: idle */
    struct buf  req;
    size_t      req_off;  /* request bytes handed to libcurl */
    struct buf  resp;
    size_t      resp_max;
    int         resp_cut;
    char        errbuf[CURL_ERROR_SIZE];
};

/* V_DOUBT: a 5xx but 503 (retry; the outcome is in doubt, the resend is
 * flagged); V_FAILED_DOUBT: a 2xx that is not a well-formed success (final,
 * failed with doubt set). */
enum verdict { V_OK, V_TRANSIENT, V_THROTTLED, V_FAILED, V_NOT_FOUND, V_AUTH, V_FATAL,
               V_DOUBT, V_FAILED_DOUBT };

struct opscom {
    CURLM  *multi;
    struct curl_slist *headers;
    char   *token;
    size_t  token_len;
    char   *url[4];
    int     concurrency, max_attempts;
    long    timeout_s;
    struct slot *slots;
    struct ojob *pool, *free_list;
    size_t  npool;
    struct ojob **heap;
    size_t  nheap;
    uint64_t rng;
    int     warmed;
    struct opscom_counters counters;

    /* per run */
    const struct opscom_hooks *h;
    void   *ctx;
    struct etl_err *err;
    int     in_flight;
    int     consecutive;
    double  hold_until;
    int     asked_empty;  /* next_job said "none" and nothing finished since */
    int     abort_code;   /* E_* once the run aborts */
    int     stopping;     /* interrupted */

    /* stats */
    void  (*stats_row)(void *ctx, const char *type, const char *zone, long total);
    void   *stats_ctx;
};

/* ---- small helpers ------------------------------------------------------ */

static double rand01(struct opscom *o)
{
    /* xorshift64*: jitter only, not security */
    o->rng ^= o->rng >> 12;
    o->rng ^= o->rng << 25;
    o->rng ^= o->rng >> 27;
    return (double)((o->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

void opscom_clean_message(char *out, size_t cap, const char *s, size_t n, const char *token)
{
    size_t i = 0, w = 0, lim, tlen = token ? strlen(token) : 0;
    static const char mask[] = "[token]";

    if (cap == 0)
        return;
    lim = cap - 1 < OPSCOM_MESSAGE_MAX ? cap - 1 : OPSCOM_MESSAGE_MAX;
    while (i < n && w < lim) {
        if (tlen && n - i >= tlen && memcmp(s + i, token, tlen) == 0) {
            if (w + sizeof(mask) - 1 > lim)
                break;
            memcpy(out + w, mask, sizeof(mask) - 1);
            w += sizeof(mask) - 1;
            i += tlen;
            continue;
        }
        out[w++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
        i++;
    }
    /* cut inside a UTF-8 sequence: drop its first bytes too */
    if (i < n)
        while (w > 0 && i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80 &&
               (unsigned char)out[w - 1] >= 0x80) {
            w--;
            i--;
        }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
}

static void set_message(const struct opscom *o, char *out, size_t cap, const char *s, size_t n)
{
    opscom_clean_message(out, cap, s, n, o->token);
}

/* ---- heap of waiting retries --------------------------------------------- */

static void heap_push(struct opscom *o, struct ojob *j)
{
    size_t i = o->nheap++;

    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (o->heap[p]->ready_at <= j->ready_at)
            break;
        o->heap[i] = o->heap[p];
        i = p;
    }
    o->heap[i] = j;
}

static struct ojob *heap_pop(struct opscom *o)
{
    struct ojob *top = o->heap[0], *last = o->heap[--o->nheap];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= o->nheap)
            break;
        if (c + 1 < o->nheap && o->heap[c + 1]->ready_at < o->heap[c]->ready_at)
            c++;
        if (last->ready_at <= o->heap[c]->ready_at)
            break;
        o->heap[i] = o->heap[c];
        i = c;
    }
    if (o->nheap)
        o->heap[i] = last;
    return top;
}

/* ---- libcurl callbacks --------------------------------------------------- */

static size_t read_cb(char *dst, size_t size, size_t n, void *ud)
{
    struct slot *s = ud;
    size_t room = size * n, left = s->req.len - s->req_off;

    if (room > left)
        room = left;
    memcpy(dst, s->req.ptr + s->req_off, room);
    s->req_off += room;
    return room;
}

/* A rewind after bytes were handed over means libcurl wants to resend the
 * request on its own (dead reused connection): refused, so that the
 * possible duplicate is seen and flagged as in doubt. */
static int seek_cb(void *ud, curl_off_t off, int origin)
{
    struct slot *s = ud;

    if (origin == SEEK_SET && off == 0 && s->req_off == 0)
        return CURL_SEEKFUNC_OK;
    return CURL_SEEKFUNC_FAIL;
}

static size_t write_cb(char *p, size_t size, size_t n, void *ud)
{
    struct slot *s = ud;
    size_t total = size * n, take = total;

    if (s->resp_cut)
        return total;
    if (s->resp.len + take > s->resp_max) {
        take = s->resp_max - s->resp.len;
        s->resp_cut = 1;
    }
    if (take && buf_add(&s->resp, p, take) < 0)
        s->resp_cut = 1;
    return total;
}

/* ---- construction ------------------------------------------------------- */

static int setup_easy(struct opscom *o, const struct config *cfg, struct slot *s,
                      struct etl_err *err)
{
    CURL *e = curl_easy_init();
    int https = strncmp(cfg->api_url, "https:", 6) == 0;
    CURLcode rc = CURLE_OK;

    if (!e)
        return etl_fail(err, E_NOMEM, "opscom: cannot create a curl handle");
    s->easy = e;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_PRIVATE, s);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_READFUNCTION, read_cb);
    SET(CURLOPT_READDATA, s);
    SET(CURLOPT_SEEKFUNCTION, seek_cb);
    SET(CURLOPT_SEEKDATA, s);
    SET(CURLOPT_WRITEFUNCTION, write_cb);
    SET(CURLOPT_WRITEDATA, s);
    SET(CURLOPT_HTTPHEADER, o->headers);
    SET(CURLOPT_ERRORBUFFER, s->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout_s);
    SET(CURLOPT_TIMEOUT, cfg->timeout_s);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_USERAGENT, "permit-etl/" PERMIT_ETL_VERSION);
    if (https) {
        SET(CURLOPT_PIPEWAIT, 1L);
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    }
    if (cfg->ca_file)
        SET(CURLOPT_CAINFO, cfg->ca_file);
#undef SET
    if (rc != CURLE_OK)
        return etl_fail(err, E_INTERNAL, "opscom: curl option: %s", curl_easy_strerror(rc));
    return 0;
}

static int token_ok(const char *t)
{
    size_t n = 0;

    for (; t[n]; n++)
        if (!((t[n] >= 'A' && t[n] <= 'Z') || (t[n] >= 'a' && t[n] <= 'z') ||
              (t[n] >= '0' && t[n] <= '9') || t[n] == '-'))
            return 0;
    return n >= 1 && n <= 50;
}

struct opscom *opscom_new(const struct config *cfg, const char *token, struct etl_err *err)
{
    static int global_done;
    struct opscom *o;
    size_t i, waitcap;

    if (!cfg || !token || !token_ok(token)) {
        etl_fail(err, E_CONFIG, "opscom: the API token is not valid "
                 "(1-50 characters A-Z, a-z, 0-9, '-')");
        return NULL;
    }
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            etl_fail(err, E_INTERNAL, "opscom: curl_global_init failed");
            return NULL;
        }
        global_done = 1;
    }
    o = calloc(1, sizeof(*o));
    if (!o) {
        etl_fail(err, E_NOMEM, "opscom: out of memory");
        return NULL;
    }
    o->concurrency = cfg->concurrency > 0 ? cfg->concurrency : 1;
    o->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 1;
    o->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 30;
    o->token = strdup(token);
    o->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)o;
    if (!o->rng)
        o->rng = 88172645463325252ULL;
    if (!o->token)
        goto nomem;
    o->token_len = strlen(token);
    for (i = 0; i < 4; i++) {
        struct buf u = BUF_INIT;

        if (buf_addf(&u, "%s/api/OC-TOMA/v1/permits/%s", cfg->api_url, op_path[i]) < 0) {
            buf_release(&u);
            goto nomem;
        }
        o->url[i] = buf_detach(&u, NULL);
    }
    {
        static const char *const hdrs[] = {
            "Content-Type: application/json", "Accept: application/json", "Expect:",
        };
        for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
            struct curl_slist *l = curl_slist_append(o->headers, hdrs[i]);
            if (!l)
                goto nomem;
            o->headers = l;
        }
    }
    o->multi = curl_multi_init();
    if (!o->multi)
        goto nomem;
    if (curl_multi_setopt(o->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->concurrency) != CURLM_OK ||
        curl_multi_setopt(o->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o->concurrency) != CURLM_OK ||
        curl_multi_setopt(o->multi, CURLMOPT_MAXCONNECTS, (long)o->concurrency) != CURLM_OK ||
        curl_multi_setopt(o->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK) {
        etl_fail(err, E_INTERNAL, "opscom: cannot configure curl");
        opscom_free(o);
        return NULL;
    }
    o->slots = calloc((size_t)o->concurrency, sizeof(*o->slots));
    if (!o->slots)
        goto nomem;
    for (i = 0; i < (size_t)o->concurrency; i++) {
        buf_init(&o->slots[i].req, 0);
        buf_init(&o->slots[i].resp, 0);
        if (setup_easy(o, cfg, &o->slots[i], err) < 0) {
            opscom_free(o);
            return NULL;
        }
    }
    waitcap = (size_t)o->concurrency * 16;
    if (waitcap < 256)
        waitcap = 256;
    o->npool = (size_t)o->concurrency + waitcap;
    o->pool = calloc(o->npool, sizeof(*o->pool));
    o->heap = calloc(o->npool, sizeof(struct ojob *));
    if (!o->pool || !o->heap)
        goto nomem;
    for (i = 0; i < o->npool; i++) {
        o->pool[i].next_free = o->free_list;
        o->free_list = &o->pool[i];
    }
    return o;
nomem:
    etl_fail(err, E_NOMEM, "opscom: out of memory");
    opscom_free(o);
    return NULL;
}

void opscom_free(struct opscom *o)
{
    size_t i;

    if (!o)
        return;
    if (o->slots) {
        for (i = 0; i < (size_t)o->concurrency; i++) {
            struct slot *s = &o->slots[i];
            if (s->easy) {
                if (s->j && o->multi)
                    curl_multi_remove_handle(o->multi, s->easy);
                curl_easy_cleanup(s->easy);
            }
            if (s->req.ptr)
                explicit_bzero(s->req.ptr, s->req.cap);
            buf_release(&s->req);
            buf_release(&s->resp);
        }
        free(o->slots);
    }
    if (o->multi)
        curl_multi_cleanup(o->multi);
    curl_slist_free_all(o->headers);
    for (i = 0; i < 4; i++)
        free(o->url[i]);
    if (o->token) {
        explicit_bzero(o->token, o->token_len);
        free(o->token);
    }
    free(o->pool);
    free(o->heap);
    free(o);
}

void opscom_counters(const struct opscom *o, struct opscom_counters *out)
{
    if (o)
        *out = o->counters;
    else
        memset(out, 0, sizeof(*out));
}

/* ---- response classification -------------------------------------------- */

static int json_code(struct json_object *v)
{
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_int)) {
        int64_t n = json_object_get_int64(v);
        return n > 0 && n < 1000000 ? (int)n : 0;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        long n;

        errno = 0;
        n = strtol(s, &end, 10);
        if (errno == 0 && end != s && *end == '\0' && n > 0 && n < 1000000)
            return (int)n;
    }
    return 0;
}

/* Skips a JSON string token at b[i] (the opening quote); returns the
 * index after its closing quote, or n. */
static size_t skip_string(const char *b, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (b[i] == '\\')
            i++;
        else if (b[i] == '"')
            return i + 1;
    }
    return n;
}

/* The raw text of the top-level member `key` of the JSON object in b (the
 * last one if repeated), or NULL. Keys are compared as written (a key
 * spelled with escapes does not match). b must be well-formed JSON. */
static const char *top_member(const char *b, size_t n, const char *key, size_t *vlen)
{
    size_t i = 0, klen = strlen(key), ks = 0, ke = 0;
    const char *val = NULL;
    int depth = 0, want_key = 0, in_val = 0;
    size_t vs = 0;

    while (i < n) {
        char c = b[i];

        if (c == '"') {
            size_t e = skip_string(b, n, i);

            if (depth == 1 && want_key) {
                ks = i + 1;
                ke = e - 1;
                want_key = 0;
            }
            i = e;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
            if (depth == 1)
                want_key = 1;
        } else if (depth == 1 && c == ':') {
            in_val = ke - ks == klen && memcmp(b + ks, key, klen) == 0;
            vs = i + 1;
        } else if ((c == ',' || c == '}') && depth == 1) {
            if (in_val) {
                val = b + vs;
                *vlen = i - vs;
            }
            in_val = 0;
            want_key = c == ',';
        }
        if (c == '}' || c == ']')
            depth--;
        i++;
    }
    if (val) {      /* trim the whitespace around the value */
        while (*vlen && strchr(" \t\r\n", val[0])) {
            val++;
            (*vlen)--;
        }
        while (*vlen && strchr(" \t\r\n", val[*vlen - 1]))
            (*vlen)--;
    }
    return val;
}

static int ref_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-';
}

int opscom_parse_ref(const char *body, size_t len, char out[OPSCOM_REF_MAX + 1],
                     const char **why)
{
    size_t vlen = 0, i, n;
    const char *v;
    static const char *const bad[] = {
        "no reference_id", "an empty reference_id",
        "a reference_id that is neither a string nor an integer",
        "a reference_id over 50 characters",
        "a reference_id with characters other than A-Z a-z 0-9 -",
        "a numeric reference_id that is not 1-50 digits"
    };
    int w;

    out[0] = '\0';
    if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
        body += 3;
        len -= 3;
    }
    v = top_member(body, len, "reference_id", &vlen);
    if (!v || !vlen) {
        w = 0;
    } else if (v[0] == '"') {
        /* unescape through json-c: the token alone is valid JSON */
        struct json_tokener *t = json_tokener_new();
        struct json_object *o = t ? json_tokener_parse_ex(t, v, (int)vlen) : NULL;
        const char *sv = o && json_object_is_type(o, json_type_string)
                         ? json_object_get_string(o) : NULL;

        n = sv ? (size_t)json_object_get_string_len(o) : 0;
        w = -1;
        if (!sv)
            w = 2;
        else if (n == 0)
            w = 1;
        else if (n > OPSCOM_REF_MAX)
            w = 3;
        for (i = 0; w < 0 && i < n; i++)
            if (!ref_char((unsigned char)sv[i]))
                w = 4;
        if (w < 0)
            memcpy(out, sv, n + 1);
        json_object_put(o);
        if (t)
            json_tokener_free(t);
    } else if (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
        /* a JSON number: its literal text, never through a C integer */
        w = vlen > OPSCOM_REF_MAX ? 5 : -1;
        for (i = 0; w < 0 && i < vlen; i++)
            if (v[i] < '0' || v[i] > '9')
                w = 5;
        if (w < 0) {
            memcpy(out, v, vlen);
            out[vlen] = '\0';
        }
    } else {
        w = 2;      /* null, true, false, an object, an array */
    }
    if (w >= 0) {
        if (why)
            *why = bad[w];
        return 0;
    }
    if (why)
        *why = "";
    return 1;
}

static int stats_parse(struct opscom *o, struct json_object *root, int emit, char *why,
                       size_t cap);

/*
 * Classifies one HTTP answer (docs/OPSCOM-API.md "What we assume"): fills
 * r->error_code, r->message and, on success, r->reference_id. `cut`: the
 * body was too large and is incomplete. *rootp gets the parsed body (the
 * caller puts it) when rootp is not NULL.
 */
static enum verdict classify_core(const char *token, enum opscom_op op, long status,
                                  const char *body, size_t blen, int cut,
                                  struct opscom_result *r, struct json_object **rootp)
{
    struct json_object *root = NULL, *v = NULL;
    const char *bstatus = NULL, *msg = NULL;
    enum verdict vd;

    r->error_code = 0;
    r->message[0] = '\0';
    r->reference_id[0] = '\0';
    if (!body)
        body = "";
    if (blen >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
        body += 3;   /* a byte-order mark (PHP front ends) is not part of the JSON */
        blen -= 3;
    }
    if (blen && !cut) {
        struct json_tokener *t = json_tokener_new();

        if (t) {
            root = json_tokener_parse_ex(t, body, (int)blen);
            if (json_tokener_get_error(t) != json_tokener_success ||
                json_tokener_get_parse_end(t) != blen) {
                /* allow trailing whitespace only */
                size_t i = json_tokener_get_parse_end(t);
                while (root && i < blen && strchr(" \t\r\n", body[i]))
                    i++;
                if (!root || i != blen) {
                    json_object_put(root);
                    root = NULL;
                }
            }
            json_tokener_free(t);
        }
    }
    if (root && json_object_is_type(root, json_type_object)) {
        if (json_object_object_get_ex(root, "ErrorCode", &v))
            r->error_code = json_code(v);
        if (json_object_object_get_ex(root, "status", &v) && json_object_is_type(v, json_type_string))
            bstatus = json_object_get_string(v);
        if (!json_object_object_get_ex(root, "ErrorMessage", &v) ||
            !json_object_is_type(v, json_type_string))
            (void)json_object_object_get_ex(root, "message", &v);
        if (v && json_object_is_type(v, json_type_string))
            msg = json_object_get_string(v);
    }
    if (msg)
        opscom_clean_message(r->message, sizeof(r->message), msg, strlen(msg), token);
    else if (blen)
        opscom_clean_message(r->message, sizeof(r->message), body, blen, token);
    else
        snprintf(r->message, sizeof(r->message), "HTTP %ld with an empty body", status);

    if (status == 401 || status == 403 || (r->error_code >= 9000 && r->error_code <= 9002)) {
        vd = V_AUTH;
    } else if (status >= 200 && status < 300 &&
               ((bstatus && strcmp(bstatus, "success") == 0) ||
                (!bstatus && op == OP_STATS && root &&
                 json_object_object_get_ex(root, "data", NULL)))) {
        /* stats answers {"data":[...]} without a status (spec) */
        vd = V_OK;
        r->message[0] = '\0';
        if (op == OP_STATS) {
            char why[200];

            if (stats_parse(NULL, root, 0, why, sizeof(why)) < 0) {
                snprintf(r->message, sizeof(r->message), "malformed stats response: %s", why);
                vd = V_FAILED;
            }
        } else {
            const char *why = "";

            /* only a push's answer sets the ledger's reference id */
            if (!opscom_parse_ref(body, blen, r->reference_id, &why) && op == OP_PUSH)
                snprintf(r->message, sizeof(r->message), "success with %s", why);
        }
    } else if (status == 404 || r->error_code == 9009) {
        vd = V_NOT_FOUND;
    } else if (status == 429) {
        vd = V_THROTTLED;
    } else if (status == 408 || status == 425 || status == 503) {
        vd = V_TRANSIENT;   /* not applied */
    } else if (status >= 500 && status <= 599) {
        /* a gateway or a crashing application may answer so after the
         * backend applied the request: in doubt (stats only reads) */
        vd = op == OP_STATS ? V_TRANSIENT : V_DOUBT;
    } else if (status >= 200 && status < 300 && op != OP_STATS) {
        vd = V_FAILED_DOUBT; /* accepted, maybe applied, but not a well-formed success */
    } else {
        vd = V_FAILED; /* other 4xx/3xx, a malformed stats answer */
    }
    if (rootp)
        *rootp = root;
    else
        json_object_put(root);
    return vd;
}

static enum verdict classify_response(struct opscom *o, const struct slot *s, struct ojob *j,
                                      long status)
{
    struct json_object *root = NULL;
    enum verdict vd = classify_core(o->token, j->job.op, status, s->resp.ptr, s->resp.len,
                                    s->resp_cut, &j->res, &root);

    if (vd == V_OK && j->job.op == OP_STATS && o->stats_row) {
        char why[8];

        stats_parse(o, root, 1, why, sizeof(why));
    }
    json_object_put(root);
    return vd;
}

enum opscom_class opscom_classify(enum opscom_op op, long status, const char *body,
                                  size_t len, struct opscom_result *r)
{
    switch (classify_core(NULL, op, status, body, len, 0, r, NULL)) {
    case V_OK:
        return OPSCOM_CLASS_OK;
    case V_TRANSIENT:
        return OPSCOM_CLASS_TRANSIENT;
    case V_DOUBT:
        return OPSCOM_CLASS_DOUBT;
    case V_FAILED_DOUBT:
        return OPSCOM_CLASS_FAILED_DOUBT;
    case V_THROTTLED:
        return OPSCOM_CLASS_THROTTLED;
    case V_NOT_FOUND:
        return OPSCOM_CLASS_NOT_FOUND;
    case V_AUTH:
        return OPSCOM_CLASS_AUTH;
    default:
        return OPSCOM_CLASS_FAILED;
    }
}

/* Curl errors where nothing was sent: the connection never came up. */
static int not_sent_error(CURLcode rc)
{
    return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
           rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR;
}

/* Curl errors that no retry can fix: the configuration is wrong. */
static int fatal_error(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_UNSUPPORTED_PROTOCOL ||
           rc == CURLE_URL_MALFORMAT || rc == CURLE_SSL_CIPHER ||
           rc == CURLE_SSL_ENGINE_NOTFOUND || rc == CURLE_SSL_ENGINE_SETFAILED ||
           rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
           rc == CURLE_SSL_CRL_BADFILE || rc == CURLE_NOT_BUILT_IN;
}

/* ---- the run ------------------------------------------------------------ */

static void abort_run(struct opscom *o, int code, const char *prefix, const char *msg)
{
    if (o->abort_code)
        return;
    o->abort_code = code;
    if (o->err && o->err->code == E_OK)
        etl_fail(o->err, code, "%s%s", prefix, msg);
}

/* Reports the final outcome of j and returns it to the pool. */
static void finish(struct opscom *o, struct ojob *j, enum opscom_outcome oc)
{
    j->res.outcome = oc;
    if (o->h->on_done && o->h->on_done(o->ctx, j->job.user, &j->res) != 0 && !o->abort_code)
        abort_run(o, E_INTERNAL, "", "opscom: the caller stopped the run (on_done)");
    j->next_free = o->free_list;
    o->free_list = j;
    o->asked_empty = 0;
}

static void drain_waiting(struct opscom *o)
{
    while (o->nheap)
        finish(o, heap_pop(o), OC_ABORTED);
}

static int start_attempt(struct opscom *o, struct ojob *j)
{
    struct slot *s = NULL;
    size_t i;
    CURLMcode mc;

    for (i = 0; i < (size_t)o->concurrency; i++)
        if (!o->slots[i].j) {
            s = &o->slots[i];
            break;
        }
    if (!s) { /* cannot happen: in_flight < concurrency */
        heap_push(o, j);
        return 0;
    }
    if (o->h->on_send && o->h->on_send(o->ctx, j->job.user, j->res.attempts + 1,
                                       j->doubt_pending) != 0) {
        abort_run(o, E_INTERNAL, "", "opscom: the caller stopped the run (on_send)");
        finish(o, j, OC_ABORTED);
        return -1;
    }
    j->doubt_pending = 0;
    buf_reset(&s->req);
    buf_reset(&s->resp);
    s->req_off = 0;
    s->resp_cut = 0;
    s->resp_max = j->job.op == OP_STATS ? STATS_RESP_MAX : RESP_MAX;
    s->errbuf[0] = '\0';
    if (buf_addstr(&s->req, "{\"apiToken\":\"") < 0 ||
        buf_add(&s->req, o->token, o->token_len) < 0 || buf_addch(&s->req, '"') < 0 ||
        (j->job.fields_len && (buf_addch(&s->req, ',') < 0 ||
                               buf_add(&s->req, j->job.fields, j->job.fields_len) < 0)) ||
        buf_addch(&s->req, '}') < 0) {
        abort_run(o, E_NOMEM, "", "opscom: out of memory");
        finish(o, j, OC_ABORTED);
        return -1;
    }
    if (curl_easy_setopt(s->easy, CURLOPT_URL, o->url[j->job.op]) != CURLE_OK ||
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->req.len) != CURLE_OK) {
        abort_run(o, E_INTERNAL, "", "opscom: cannot set up a request");
        finish(o, j, OC_ABORTED);
        return -1;
    }
    mc = curl_multi_add_handle(o->multi, s->easy);
    if (mc != CURLM_OK) {
        abort_run(o, E_INTERNAL, "opscom: ", curl_multi_strerror(mc));
        finish(o, j, OC_ABORTED);
        return -1;
    }
    s->j = j;
    j->res.attempts++;
    o->in_flight++;
    o->counters.requests++;
    return 0;
}

/* Starts what may start now. */
static void start_ready(struct opscom *o, double now)
{
    int limit = o->warmed ? o->concurrency : 1;

    while (!o->abort_code && !o->stopping && o->in_flight < limit && now >= o->hold_until) {
        struct ojob *j;

        if (o->nheap && o->heap[0]->ready_at <= now) {
            j = heap_pop(o);
        } else if (!o->asked_empty && o->free_list) {
            j = o->free_list;
            o->free_list = j->next_free;
            memset(j, 0, sizeof(*j));
            if (!o->h->next_job || !o->h->next_job(o->ctx, &j->job)) {
                j->next_free = o->free_list;
                o->free_list = j;
                o->asked_empty = 1;
                break;
            }
            if ((unsigned)j->job.op > OP_STATS || (j->job.fields_len && !j->job.fields)) {
                abort_run(o, E_INTERNAL, "", "opscom: invalid job");
                finish(o, j, OC_ABORTED);
                break;
            }
        } else {
            break;
        }
        if (start_attempt(o, j) < 0)
            break;
    }
}

/* Aborts the run (E_NET) once OPSCOM_CONSECUTIVE_FAILURES_MAX attempts in
 * a row failed, j's being the last; 1 then. */
static int too_many_failures(struct opscom *o, struct ojob *j)
{
    char m[600];

    if (o->consecutive < OPSCOM_CONSECUTIVE_FAILURES_MAX)
        return 0;
    snprintf(m, sizeof(m), "too many consecutive failed requests (%d); last: %s",
             o->consecutive, j->res.message);
    abort_run(o, E_NET, "", m);
    return 1;
}

/* Schedules a retry of j, or ends it. */
static void retry_or_end(struct opscom *o, struct ojob *j, enum verdict vd, double now,
                         long retry_after)
{
    double d, cap;
    int n;

    if (vd == V_TRANSIENT)
        o->consecutive++;
    if (vd == V_TRANSIENT && retry_after <= 0) {
        j->counted++;
    } else {
        /* 429, or the server said when to come back: the larger allowance */
        j->throttled++;
        o->counters.throttled++;
    }
    if (o->abort_code || o->stopping) {
        finish(o, j, OC_ABORTED);
        return;
    }
    if (too_many_failures(o, j)) {
        finish(o, j, OC_ABORTED);
        return;
    }
    if (j->counted >= o->max_attempts || j->throttled >= 4 * o->max_attempts ||
        retry_after > OPSCOM_RETRY_AFTER_MAX) {
        finish(o, j, OC_RETRY_LATER);
        return;
    }
    n = j->counted + j->throttled;
    cap = BACKOFF_BASE_S;
    while (--n > 0 && cap < BACKOFF_CAP_S)
        cap *= 2;
    if (cap > BACKOFF_CAP_S)
        cap = BACKOFF_CAP_S;
    if (retry_after > 0)
        /* what the server asked, spread over BACKOFF_BASE_S so that the
           jobs it paced do not all come back at the same instant */
        d = (double)retry_after + rand01(o) * BACKOFF_BASE_S;
    else
        d = rand01(o) * cap; /* full jitter */
    if (vd == V_THROTTLED && now + d > o->hold_until)
        o->hold_until = now + d;
    j->ready_at = now + d;
    heap_push(o, j);
    o->counters.retries++;
}

static void on_transfer_done(struct opscom *o, struct slot *s, CURLcode rc, double now)
{
    struct ojob *j = s->j;
    long status = 0;
    curl_off_t ra = 0;
    enum verdict vd;
    int sent;

    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra < 0)
        ra = 0;
    curl_multi_remove_handle(o->multi, s->easy);
    s->j = NULL;
    o->in_flight--;
    j->res.http_status = 0;
    j->res.error_code = 0;
    j->res.message[0] = '\0';
    j->res.reference_id[0] = '\0';
    sent = s->req.len > 0 && s->req_off == s->req.len;

    if (rc != CURLE_OK) {
        char m[CURL_ERROR_SIZE + 64];

        snprintf(m, sizeof(m), "%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
        set_message(o, j->res.message, sizeof(j->res.message), m, strlen(m));
        if (fatal_error(rc)) {
            abort_run(o, E_NET, "opscom: ", j->res.message);
            finish(o, j, OC_ABORTED);
            return;
        }
        if (sent && !not_sent_error(rc)) {
            j->res.in_doubt = 1;
            j->doubt_pending = 1;
            o->counters.in_doubt++;
        }
        /* nothing reached the server: the API could not be reached */
        j->res.unreachable = !sent || not_sent_error(rc);
        if (status > 0) /* a status line arrived, then the rest broke */
            j->res.http_status = (int)status;
        retry_or_end(o, j, V_TRANSIENT, now, 0);
        return;
    }
    j->res.http_status = (int)status;
    j->res.unreachable = 0;
    vd = classify_response(o, s, j, status);
    if (vd != V_AUTH)
        o->warmed = 1;
    switch (vd) {
    case V_OK:
        o->consecutive = 0;
        finish(o, j, OC_OK);
        break;
    case V_FAILED:
        finish(o, j, OC_FAILED);
        break;
    case V_FAILED_DOUBT:
        /* counts as a failed attempt (the 20-failure abort) */
        j->res.answer_doubt = 1;
        o->consecutive++;
        too_many_failures(o, j);
        finish(o, j, OC_FAILED);
        break;
    case V_DOUBT:
        j->res.in_doubt = 1;
        j->doubt_pending = 1;
        o->counters.in_doubt++;
        retry_or_end(o, j, V_TRANSIENT, now, (long)ra);
        break;
    case V_NOT_FOUND:
        finish(o, j, OC_NOT_FOUND);
        break;
    case V_AUTH: {
        char m[600];

        snprintf(m, sizeof(m), "auth refused by the API (HTTP %ld): %s", status, j->res.message);
        abort_run(o, E_AUTH, "", m);
        finish(o, j, OC_AUTH);
        break;
    }
    case V_TRANSIENT:
    case V_THROTTLED:
        retry_or_end(o, j, vd, now, (long)ra);
        break;
    case V_FATAL:
        abort_run(o, E_NET, "opscom: ", j->res.message);
        finish(o, j, OC_ABORTED);
        break;
    }
}

/* Stop waiting: removes what is still in flight (after a signal, once
 * timeout_s has passed). */
static void cut_in_flight(struct opscom *o)
{
    size_t i;

    for (i = 0; i < (size_t)o->concurrency; i++) {
        struct slot *s = &o->slots[i];
        struct ojob *j = s->j;

        if (!j)
            continue;
        curl_multi_remove_handle(o->multi, s->easy);
        s->j = NULL;
        o->in_flight--;
        if (s->req_off == s->req.len)
            j->res.in_doubt = 1;
        snprintf(j->res.message, sizeof(j->res.message), "no answer before the run stopped");
        finish(o, j, OC_ABORTED);
    }
}

/* Ends the attempts that have not handed a byte to the connection yet. */
static void cut_unsent(struct opscom *o)
{
    size_t i;

    for (i = 0; i < (size_t)o->concurrency; i++) {
        struct slot *s = &o->slots[i];
        struct ojob *j = s->j;

        if (!j || s->req_off != 0)
            continue;
        curl_multi_remove_handle(o->multi, s->easy);
        s->j = NULL;
        o->in_flight--;
        snprintf(j->res.message, sizeof(j->res.message), "not sent: the run stopped");
        finish(o, j, OC_ABORTED);
    }
}

/* hooks->flush: the caller makes what it recorded durable. */
static void flush_hook(struct opscom *o)
{
    if (!o->h->flush || o->h->flush(o->ctx) == 0)
        return;
    if (!o->abort_code)
        abort_run(o, E_INTERNAL, "", "opscom: the caller stopped the run (flush)");
    cut_unsent(o);
}

int opscom_run(struct opscom *o, const struct opscom_hooks *h, void *ctx, struct etl_err *err)
{
    double stop_deadline = 0;

    if (!o || !h)
        return etl_fail(err, E_INTERNAL, "opscom_run: no client or hooks");
    o->h = h;
    o->ctx = ctx;
    o->err = err;
    if (err)
        etl_err_clear(err);
    o->in_flight = 0;
    o->consecutive = 0;
    o->hold_until = 0;
    o->asked_empty = 0;
    o->abort_code = 0;
    o->stopping = 0;
    flush_hook(o);

    for (;;) {
        double now = log_now();
        int running = 0, left;
        CURLMsg *m;
        CURLMcode mc;

        if (interrupt_requested() && !o->stopping) {
            o->stopping = 1;
            stop_deadline = now + (double)o->timeout_s + 1.0;
            abort_run(o, E_NET, "",
                      "interrupted by a signal: stopped sending, requests in flight were waited for");
        }
        if (o->abort_code)
            drain_waiting(o);
        start_ready(o, now);
        if (o->abort_code)
            drain_waiting(o);
        flush_hook(o);     /* `sending` durable before the attempts leave */
        mc = curl_multi_perform(o->multi, &running);
        if (mc != CURLM_OK) {
            abort_run(o, E_INTERNAL, "opscom: ", curl_multi_strerror(mc));
            cut_in_flight(o);
        }
        while ((m = curl_multi_info_read(o->multi, &left)) != NULL) {
            struct slot *s;
            char *pv = NULL;

            if (m->msg != CURLMSG_DONE)
                continue;
            if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &pv) != CURLE_OK || !pv)
                continue;
            s = (struct slot *)(void *)pv;
            if (!s->j)
                continue;
            on_transfer_done(o, s, m->data.result, log_now());
        }
        if (o->abort_code)
            drain_waiting(o);
        if (o->in_flight == 0 && o->nheap == 0 &&
            (o->abort_code || o->stopping || o->asked_empty)) {
            /* asked_empty may have been cleared by a finish(): ask again */
            if (o->abort_code || o->stopping)
                break;
            start_ready(o, log_now());
            if (o->in_flight == 0 && o->nheap == 0 && o->asked_empty)
                break;
            continue;
        }
        if (o->stopping && o->in_flight && log_now() > stop_deadline) {
            cut_in_flight(o);
            continue;
        }
        {
            double wake = now + POLL_MAX_MS / 1000.0;
            int ms;

            if (o->nheap && o->heap[0]->ready_at < wake)
                wake = o->heap[0]->ready_at;
            if (o->hold_until > now && o->hold_until < wake)
                wake = o->hold_until;
            if (!o->asked_empty && o->in_flight < (o->warmed ? o->concurrency : 1) &&
                now >= o->hold_until && !o->abort_code && !o->stopping && o->free_list)
                wake = now; /* more can start right away */
            ms = (int)((wake - log_now()) * 1000.0 + 0.999);
            if (ms < 0)
                ms = 0;
            if (ms > 0)
                flush_hook(o);  /* outcomes durable before waiting */
            if (ms > 0 || o->in_flight) {
                mc = curl_multi_poll(o->multi, NULL, 0, ms, NULL);
                if (mc != CURLM_OK && mc != CURLM_UNRECOVERABLE_POLL) {
                    abort_run(o, E_INTERNAL, "opscom: ", curl_multi_strerror(mc));
                    cut_in_flight(o);
                }
            }
        }
    }
    o->h = NULL;
    o->ctx = NULL;
    o->err = NULL;
    if (o->abort_code) {
        if (err && err->code == E_OK)
            etl_fail(err, o->abort_code, "opscom: the run aborted");
        return -1;
    }
    return 0;
}

/* ---- stats -------------------------------------------------------------- */

/* Parses a total: digits only (a string, or a non-negative JSON integer). */
static int parse_total(struct json_object *v, long *out)
{
    const char *s;
    long n = 0;

    if (json_object_is_type(v, json_type_int)) {
        int64_t x = json_object_get_int64(v);
        if (x < 0 || x > 1000000000000L)
            return -1;
        *out = (long)x;
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return -1;
    s = json_object_get_string(v);
    if (!*s || strlen(s) > 15)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (*s - '0');
    }
    *out = n;
    return 0;
}

static int stats_parse(struct opscom *o, struct json_object *root, int emit, char *why, size_t cap)
{
    struct json_object *data;
    size_t i, n;

    if (!root || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "data", &data) || !json_object_is_type(data, json_type_array)) {
        snprintf(why, cap, "no \"data\" list");
        return -1;
    }
    n = json_object_array_length(data);
    for (i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(data, i), *t, *z, *tot;
        const char *zone = "";
        long total;

        if (!json_object_is_type(e, json_type_object) ||
            !json_object_object_get_ex(e, "type", &t) || !json_object_is_type(t, json_type_string) ||
            !json_object_object_get_ex(e, "total", &tot)) {
            snprintf(why, cap, "row %zu: needs \"type\" and \"total\"", i + 1);
            return -1;
        }
        if (json_object_object_get_ex(e, "zone", &z) && z) {
            if (!json_object_is_type(z, json_type_string)) {
                snprintf(why, cap, "row %zu: \"zone\" is not a string", i + 1);
                return -1;
            }
            zone = json_object_get_string(z);
        }
        if (parse_total(tot, &total) < 0) {
            snprintf(why, cap, "row %zu: \"total\" is not a count: %.40s", i + 1,
                     json_object_to_json_string(tot));
            return -1;
        }
        if (emit && o->stats_row)
            o->stats_row(o->stats_ctx, json_object_get_string(t), zone, total);
    }
    return 0;
}

struct stats_run {
    struct opscom_job job;
    int given;
    struct opscom_result res;
};

static int stats_next(void *ctx, struct opscom_job *job)
{
    struct stats_run *sr = ctx;

    if (sr->given)
        return 0;
    sr->given = 1;
    *job = sr->job;
    return 1;
}

static int stats_done(void *ctx, void *user, const struct opscom_result *r)
{
    struct stats_run *sr = ctx;

    (void)user;
    sr->res = *r;
    return 0;
}

int opscom_stats(struct opscom *o, const char *zones,
                 void (*row)(void *ctx, const char *type, const char *zone, long total),
                 void *ctx, struct etl_err *err)
{
    static const struct opscom_hooks hooks = { stats_next, NULL, stats_done, NULL };
    struct stats_run sr;
    struct buf f = BUF_INIT;
    int ret = -1;

    memset(&sr, 0, sizeof(sr));
    if (zones && *zones) {
        if (buf_addstr(&f, "\"zones\":\"") < 0 || buf_add_json_str(&f, zones, strlen(zones)) < 0 ||
            buf_addch(&f, '"') < 0) {
            buf_release(&f);
            return etl_fail(err, E_NOMEM, "stats: out of memory");
        }
    }
    sr.job.op = OP_STATS;
    sr.job.fields = f.ptr;
    sr.job.fields_len = f.len;
    sr.res.outcome = OC_ABORTED;
    o->stats_row = row;
    o->stats_ctx = ctx;
    if (opscom_run(o, &hooks, &sr, err) < 0)
        goto out;
    switch (sr.res.outcome) {
    case OC_OK:
        ret = 0;
        break;
    case OC_RETRY_LATER:
        etl_fail(err, E_NET, "stats: no answer from the API after %d attempts: %s",
                 sr.res.attempts, sr.res.message);
        break;
    default:
        if (sr.res.http_status)
            etl_fail(err, E_NET, "stats: the API refused the request (HTTP %d): %s",
                     sr.res.http_status, sr.res.message);
        else
            etl_fail(err, E_NET, "stats: %s", sr.res.message);
        break;
    }
out:
    o->stats_row = NULL;
    o->stats_ctx = NULL;
    buf_release(&f);
    return ret;
}
