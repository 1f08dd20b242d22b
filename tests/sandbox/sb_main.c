/*
 * sb_main.c — opscom-sandbox: a local stand-in for the OPSCOM Permits API
 * (docs/OPSCOM-API.md) over HTTP on 127.0.0.1, for demos and tests.
 *
 * libmicrohttpd, one thread per connection (so --slow-ms never blocks
 * other connections), keep-alive. Flags, statuses and the state file are
 * documented in tests/sandbox/README.md and --help.
 *
 * Signals are blocked in every thread and taken by the main thread with
 * sigwaitinfo(): SIGUSR1 writes the state file, SIGTERM/SIGINT stop
 * accepting, wait for in-flight requests, write the state and exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "sb_api.h"
#include "sb_store.h"

#define PROG "opscom-sandbox"
#define API_PREFIX "/api/OC-TOMA/v1/permits/"
#define POOL_THREADS 4

static const char usage[] =
    "usage: " PROG " [OPTIONS]\n"
    "\n"
    "A local OPSCOM Permits API (docs/OPSCOM-API.md) on 127.0.0.1 for demos and\n"
    "tests: POST " API_PREFIX "{push,update,delete,stats}.\n"
    "API tokens come from --token-file and/or OPSCOM_SANDBOX_TOKENS (a comma\n"
    "list in the environment); they are never printed.\n"
    "\n"
    "Options:\n"
    "  --port N          TCP port on 127.0.0.1 (default 0: a free port). The first\n"
    "                    stdout line is 'listening on 127.0.0.1:PORT'\n"
    "  --token-file F    accepted API tokens, one per line (blank and # lines skipped)\n"
    "  --state F         load permits from F at start (if it exists); write the state\n"
    "                    (permits, history, counters) to F at exit and on SIGUSR1\n"
    "  --zones F         configured zone names, one per line (trimmed; blank and #\n"
    "                    lines skipped); a push whose zone is not listed is stored\n"
    "                    as disconnected and left out of stats\n"
    "  --strict-plates   also refuse plates that are not [A-Z0-9]{1,25} (the spec\n"
    "                    itself only limits plates to 25 characters)\n"
    "  --fail-every N    every Nth request: 503 + Retry-After: 1, not applied\n"
    "  --rate-limit R    more than R requests in one second: 429 + Retry-After: 1\n"
    "  --drop-every N    every Nth request is applied, then the connection is closed\n"
    "                    without any response (the in-doubt case)\n"
    "  --error-after-apply-every N\n"
    "                    every Nth request is applied, then answered with\n"
    "                    --error-status (a gateway timing out in front of a slow\n"
    "                    backend: the in-doubt case)\n"
    "  --error-status S  the status of --error-after-apply-every: 500, 502 or 504\n"
    "                    (default 502)\n"
    "  --bom-every N     every Nth success body starts with a UTF-8 byte-order mark\n"
    "  --numeric-refs    reference ids are 24 decimal digits, answered as a JSON\n"
    "                    number (update/delete take them back as strings)\n"
    "  --bad-ref-every N every Nth successful push is applied but answered with an\n"
    "                    unusable reference id, in turn: missing, empty, with a\n"
    "                    space, a number with a fraction, 51 characters\n"
    "  --slow-ms MS      delay every response by MS milliseconds (other connections\n"
    "                    are not blocked)\n"
    "  --max-body BYTES  largest request body (default 65536); larger: 413\n"
    "  --quiet           no access log\n"
    "  --help            this help\n"
    "\n"
    "Access log on stderr: TIME METHOD PATH STATUS LATENCYms (status '-' when the\n"
    "connection was dropped); 'state written to F (N permits)' after each write.\n"
    "SIGUSR1: write the state now. SIGTERM/SIGINT: finish in-flight requests,\n"
    "write the state, exit 0. Exit 2: usage or configuration error; 1: cannot start.\n";

/* Process-wide settings and counters. */
static struct {
    struct sb_api api;
    long          fail_every, drop_every, rate_limit, slow_ms;
    long          error_every, error_status, bom_every, bad_ref_every;
    size_t        max_body;
    int           quiet;
    atomic_long   seq, inflight, connections;
    atomic_long   req_ep[EP_COUNT + 1];     /* [EP_COUNT] = other paths */
    atomic_long   status[600];
    atomic_long   failed, limited, dropped;
    atomic_long   errored, successes, boms, pushes_ok, bad_refs;
    atomic_int    stopping;
    pthread_mutex_t rl_lock;
    long          rl_second, rl_count;
} g = { .max_body = 65536, .error_status = 502, .rl_lock = PTHREAD_MUTEX_INITIALIZER, .rl_second = -1 };

struct req_ctx {
    struct timespec t0;
    int        ep;              /* enum sb_ep, or -1 */
    long       seq;
    int        fault;           /* 0, 429 or 503 */
    int        drop;
    int        error_after;     /* apply, then answer g.error_status */
    int        status;          /* as answered; 0 = no answer */
    int        too_large;
    struct buf body;
    char       method[16];
    char       path[160];
};

static void copy_printable(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s && *s && i + 1 < cap; s++)
        out[i++] = (*s > 32 && *s < 127) ? *s : '?';
    out[i] = '\0';
}

static int endpoint_of(const char *url)
{
    size_t n = strlen(API_PREFIX);
    if (strncmp(url, API_PREFIX, n) != 0)
        return -1;
    for (int e = 0; e < EP_COUNT; e++)
        if (strcmp(url + n, sb_ep_name[e]) == 0)
            return e;
    return -1;
}

/* 1 when the rate limit is exceeded in the current second. */
static int over_rate(void)
{
    struct timespec ts;
    int over;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&g.rl_lock);
    if (ts.tv_sec != g.rl_second) {
        g.rl_second = ts.tv_sec;
        g.rl_count = 0;
    }
    over = ++g.rl_count > g.rate_limit;
    pthread_mutex_unlock(&g.rl_lock);
    return over;
}

/* Case-insensitive compare of [s, s+n) trimmed of spaces with word. */
static int token_is(const char *s, size_t n, const char *word)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/* Content-Type: application/json, optional parameters; a charset must be utf-8. */
static int content_type_ok(const char *v)
{
    if (!v)
        return 0;
    const char *semi = strchr(v, ';');
    if (!token_is(v, semi ? (size_t)(semi - v) : strlen(v), "application/json"))
        return 0;
    while (semi) {
        const char *p = semi + 1, *next = strchr(p, ';');
        size_t n = next ? (size_t)(next - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq && token_is(p, (size_t)(eq - p), "charset")) {
            const char *cv = eq + 1;
            size_t cn = n - (size_t)(cv - p);
            if (!token_is(cv, cn, "utf-8") && !token_is(cv, cn, "\"utf-8\""))
                return 0;
        }
        semi = next;
    }
    return 1;
}

/* Accept lists application/json (parameters allowed, q not 0). Wildcards
 * alone are not enough: the spec requires the header on every request. */
static int accept_ok(const char *v)
{
    while (v && *v) {
        const char *comma = strchr(v, ',');
        size_t n = comma ? (size_t)(comma - v) : strlen(v);
        const char *semi = memchr(v, ';', n);
        if (token_is(v, semi ? (size_t)(semi - v) : n, "application/json")) {
            int zero = 0;
            for (const char *p = semi; p && p < v + n;) {
                const char *q = p + 1;
                while (q < v + n && (*q == ' ' || *q == '\t'))
                    q++;
                if (v + n - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                    zero = 1;
                    for (const char *d = q + 2; d < v + n && *d != ';'; d++)
                        if (*d >= '1' && *d <= '9')
                            zero = 0;
                }
                p = memchr(q, ';', (size_t)(v + n - q));
            }
            if (!zero)
                return 1;
        }
        v = comma ? comma + 1 : NULL;
    }
    return 0;
}

static void error_body(struct buf *out, int code, const char *msg)
{
    buf_reset(out);
    if (buf_addf(out, "{\"ErrorCode\":%d,\"ErrorMessage\":\"", code) == 0
        && buf_add_json_str(out, msg, strlen(msg)) == 0)
        buf_addstr(out, "\"}");
}

/* Errors a proxy in front of the API would give: {"status":"error",...}. */
static void proxy_body(struct buf *out, const char *msg)
{
    buf_reset(out);
    if (buf_addstr(out, "{\"status\":\"error\",\"message\":\"") == 0
        && buf_add_json_str(out, msg, strlen(msg)) == 0)
        buf_addstr(out, "\"}");
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The faults that act on an answer once the request was applied:
 * --bad-ref-every, --error-after-apply-every, --bom-every. */
static void after_apply(struct req_ctx *r, int *status, struct buf *out)
{
    static const char *const bad[] = {
        "{\"status\":\"success\"}",
        "{\"status\":\"success\",\"reference_id\":\"\"}",
        "{\"status\":\"success\",\"reference_id\":\"R 1\"}",
        "{\"status\":\"success\",\"reference_id\":10001.5}",
        "{\"status\":\"success\",\"reference_id\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXY\"}",
    };

    if (r->ep == EP_PUSH && *status == 200 && g.bad_ref_every > 0) {
        long n = atomic_fetch_add(&g.pushes_ok, 1) + 1;

        if (n % g.bad_ref_every == 0) {
            long k = atomic_fetch_add(&g.bad_refs, 1);

            buf_reset(out);
            buf_addstr(out, bad[k % (long)(sizeof(bad) / sizeof(bad[0]))]);
        }
    }
    if (r->error_after) {
        char html[160];

        atomic_fetch_add(&g.errored, 1);
        *status = (int)g.error_status;
        snprintf(html, sizeof(html), "<html><body><h1>%ld Gateway error</h1>"
                 "(injected by --error-after-apply-every)</body></html>", g.error_status);
        buf_reset(out);
        buf_addstr(out, html);
        return;
    }
    if (*status >= 200 && *status < 300 && g.bom_every > 0 &&
        (atomic_fetch_add(&g.successes, 1) + 1) % g.bom_every == 0) {
        struct buf b = BUF_INIT;

        atomic_fetch_add(&g.boms, 1);
        if (buf_addstr(&b, "\xef\xbb\xbf") == 0 && buf_add(&b, out->ptr, out->len) == 0) {
            buf_release(out);
            *out = b;
        } else {
            buf_release(&b);
        }
    }
}

static enum MHD_Result answer(struct req_ctx *r, struct MHD_Connection *c, const char *method)
{
    struct buf out = BUF_INIT;
    int status;
    const char *allow = NULL;
    int retry = 0;

    if (r->fault == 429) {
        status = 429;
        retry = 1;
        proxy_body(&out, "rate limit exceeded");
    } else if (r->fault == 503) {
        status = 503;
        retry = 1;
        proxy_body(&out, "service unavailable (injected by --fail-every)");
    } else if (atomic_load(&g.stopping)) {
        status = 503;
        retry = 1;
        proxy_body(&out, "shutting down");
    } else if (r->ep < 0) {
        status = 404;
        error_body(&out, 9003, "no such endpoint");
    } else if (strcmp(method, "POST") != 0) {
        status = 405;
        allow = "POST";
        error_body(&out, 9003, "method not allowed: use POST");
    } else if (r->too_large) {
        status = 413;
        error_body(&out, 9003, "request body too large");
    } else if (!content_type_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                            MHD_HTTP_HEADER_CONTENT_TYPE))) {
        status = 415;
        error_body(&out, 9003, "Content-Type must be application/json");
    } else if (!accept_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_ACCEPT))) {
        status = 406;
        error_body(&out, 9003, "Accept must include application/json");
    } else {
        sb_api_handle(&g.api, (enum sb_ep)r->ep, r->body.ptr ? r->body.ptr : "", r->body.len,
                      r->seq, r->drop, &status, &out);
    }
    buf_release(&r->body);
    if (!r->fault && !r->drop)
        after_apply(r, &status, &out);
    if (g.slow_ms > 0)
        sleep_ms(g.slow_ms);
    if (r->drop) {
        atomic_fetch_add(&g.dropped, 1);
        buf_release(&out);
        return MHD_NO;              /* MHD closes the connection, no response */
    }
    if (status == 500 && out.len == 0)
        error_body(&out, 9003, "internal error");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(out.len, out.ptr ? out.ptr : (void *)"",
                                        MHD_RESPMEM_MUST_COPY);
    buf_release(&out);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (retry)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (atomic_load(&g.stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (ok == MHD_YES) {
        r->status = status;
        if (status >= 100 && status < 600)
            atomic_fetch_add(&g.status[status], 1);
    }
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct req_ctx *r = *con_cls;
    (void)cls;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        copy_printable(r->method, sizeof(r->method), method);
        copy_printable(r->path, sizeof(r->path), url);
        r->seq = atomic_fetch_add(&g.seq, 1) + 1;
        r->ep = endpoint_of(url);
        atomic_fetch_add(&g.req_ep[r->ep < 0 ? EP_COUNT : r->ep], 1);
        if (g.rate_limit > 0 && over_rate()) {
            r->fault = 429;
            atomic_fetch_add(&g.limited, 1);
        } else if (g.fail_every > 0 && r->seq % g.fail_every == 0) {
            r->fault = 503;
            atomic_fetch_add(&g.failed, 1);
        } else if (g.drop_every > 0 && r->seq % g.drop_every == 0) {
            r->drop = 1;
        } else if (g.error_every > 0 && r->seq % g.error_every == 0) {
            r->error_after = 1;
        }
        buf_init(&r->body, g.max_body);
        atomic_fetch_add(&g.inflight, 1);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_large && !r->fault
            && buf_add(&r->body, upload_data, *upload_data_size) != 0) {
            r->too_large = 1;
            buf_release(&r->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(r, c, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req_ctx *r = *con_cls;
    struct timespec t1;
    (void)cls;
    (void)c;
    (void)toe;
    if (!r)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!g.quiet) {
        char line[400], at[40], st[8];
        double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3
                    + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
        sb_now(at, sizeof(at));
        if (r->status)
            snprintf(st, sizeof(st), "%d", r->status);
        else
            snprintf(st, sizeof(st), "-");
        int n = snprintf(line, sizeof(line), "%s %s %s %s %.2fms\n", at, r->method, r->path,
                         st, ms);
        if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n
                                                                      : sizeof(line) - 1) < 0) {
            /* nothing to do: the log is best effort */
        }
    }
    buf_release(&r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&g.inflight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&g.connections, 1);
}

/* --- configuration ----------------------------------------------------- */

struct strlist {
    char  **v;
    size_t  n, cap;
};

static int strlist_add(struct strlist *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, nc * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = nc;
    }
    char *d = malloc(n + 1);
    if (!d)
        return -1;
    memcpy(d, s, n);
    d[n] = '\0';
    l->v[l->n++] = d;
    return 0;
}

static void strlist_free(struct strlist *l, int wipe)
{
    for (size_t i = 0; i < l->n; i++) {
        if (wipe)
            explicit_bzero(l->v[i], strlen(l->v[i]));
        free(l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Trims ASCII whitespace of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && strchr(" \t\r\n", **s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && strchr(" \t\r\n", (*s)[*n - 1]))
        (*n)--;
}

/* Reads non-blank, non-# lines of a file, trimmed. -1 with a message printed. */
static int read_lines(const char *path, const char *what, struct strlist *l)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int ret = 0;
    if (!f) {
        fprintf(stderr, PROG ": %s: %s: %s\n", what, path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        const char *s = line;
        size_t n = (size_t)len;
        trim(&s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        if (strlist_add(l, s, n) != 0) {
            fprintf(stderr, PROG ": out of memory\n");
            ret = -1;
            break;
        }
    }
    if (ret == 0 && ferror(f)) {
        fprintf(stderr, PROG ": %s: %s: read error\n", what, path);
        ret = -1;
    }
    if (line)
        explicit_bzero(line, cap);
    free(line);
    fclose(f);
    return ret;
}

static int load_tokens(const char *file, struct strlist *l)
{
    const char *env = getenv("OPSCOM_SANDBOX_TOKENS");
    if (file && read_lines(file, "--token-file", l) != 0)
        return -1;
    while (env && *env) {
        const char *comma = strchr(env, ',');
        const char *s = env;
        size_t n = comma ? (size_t)(comma - env) : strlen(env);
        trim(&s, &n);
        if (n && strlist_add(l, s, n) != 0) {
            fprintf(stderr, PROG ": out of memory\n");
            return -1;
        }
        env = comma ? comma + 1 : NULL;
    }
    if (l->n == 0) {
        fprintf(stderr, PROG ": no API tokens: give --token-file F or OPSCOM_SANDBOX_TOKENS\n");
        return -1;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (!sb_token_format_ok(l->v[i], strlen(l->v[i]))) {
            fprintf(stderr, PROG ": token %zu (of --token-file, then OPSCOM_SANDBOX_TOKENS) "
                    "is not 1 to 50 characters A-Z a-z 0-9 -\n", i + 1);
            return -1;
        }
    }
    return 0;
}

static int zone_sort(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int parse_num(const char *flag, const char *v, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max) {
        fprintf(stderr, PROG ": %s: '%s' is not a number from %ld to %ld\nTry '" PROG
                " --help'.\n", flag, v, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

static long counters_json(struct buf *b)
{
    int rc = buf_addf(b, "{\"requests\":{\"total\":%ld", atomic_load(&g.seq));
    for (int e = 0; e < EP_COUNT; e++)
        rc |= buf_addf(b, ",\"%s\":%ld", sb_ep_name[e], atomic_load(&g.req_ep[e]));
    rc |= buf_addf(b, ",\"other\":%ld},\"responses\":{", atomic_load(&g.req_ep[EP_COUNT]));
    int first = 1;
    for (int s = 100; s < 600; s++) {
        long n = atomic_load(&g.status[s]);
        if (!n)
            continue;
        rc |= buf_addf(b, "%s\"%d\":%ld", first ? "" : ",", s, n);
        first = 0;
    }
    rc |= buf_addf(b, "},\"connections\":%ld,\"faults\":{\"failed\":%ld,\"rate_limited\":%ld,"
                   "\"dropped\":%ld,\"error_after_apply\":%ld,\"bom\":%ld,\"bad_ref\":%ld}}",
                   atomic_load(&g.connections), atomic_load(&g.failed),
                   atomic_load(&g.limited), atomic_load(&g.dropped), atomic_load(&g.errored),
                   atomic_load(&g.boms), atomic_load(&g.bad_refs));
    return rc;
}

static int write_state(const char *path)
{
    struct buf c = BUF_INIT;
    char msg[600];
    if (!path)
        return 0;
    if (counters_json(&c) != 0) {
        fprintf(stderr, PROG ": state: out of memory\n");
        buf_release(&c);
        return -1;
    }
    long n = sb_store_save(g.api.store, path, c.ptr, g.api.owners, g.api.ntokens, msg,
                           sizeof(msg));
    buf_release(&c);
    if (n < 0) {
        fprintf(stderr, PROG ": state: %s\n", msg);
        return -1;
    }
    fprintf(stderr, "state written to %s (%ld permits)\n", path, n);
    return 0;
}

enum { O_PORT = 1, O_TOKEN_FILE, O_STATE, O_ZONES, O_STRICT, O_FAIL, O_RATE, O_DROP,
       O_SLOW, O_MAXBODY, O_QUIET, O_HELP, O_ERR_EVERY, O_ERR_STATUS, O_BOM, O_NUMREF,
       O_BADREF };

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, O_PORT },
        { "token-file", required_argument, NULL, O_TOKEN_FILE },
        { "state", required_argument, NULL, O_STATE },
        { "zones", required_argument, NULL, O_ZONES },
        { "strict-plates", no_argument, NULL, O_STRICT },
        { "fail-every", required_argument, NULL, O_FAIL },
        { "rate-limit", required_argument, NULL, O_RATE },
        { "drop-every", required_argument, NULL, O_DROP },
        { "slow-ms", required_argument, NULL, O_SLOW },
        { "error-after-apply-every", required_argument, NULL, O_ERR_EVERY },
        { "error-status", required_argument, NULL, O_ERR_STATUS },
        { "bom-every", required_argument, NULL, O_BOM },
        { "numeric-refs", no_argument, NULL, O_NUMREF },
        { "bad-ref-every", required_argument, NULL, O_BADREF },
        { "max-body", required_argument, NULL, O_MAXBODY },
        { "quiet", no_argument, NULL, O_QUIET },
        { "help", no_argument, NULL, O_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *token_file = NULL, *state = NULL, *zones_file = NULL;
    long port = 0, num;
    struct strlist tokens = { 0 }, zones = { 0 };
    char (*owners)[SB_OWNER_LEN] = NULL;
    struct MHD_Daemon *d = NULL;
    int ret = 2, c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_PORT:
            if (parse_num("--port", optarg, 0, 65535, &port) != 0)
                return 2;
            break;
        case O_TOKEN_FILE: token_file = optarg; break;
        case O_STATE:      state = optarg; break;
        case O_ZONES:      zones_file = optarg; break;
        case O_STRICT:     g.api.strict_plates = 1; break;
        case O_QUIET:      g.quiet = 1; break;
        case O_FAIL:
            if (parse_num("--fail-every", optarg, 1, 1000000000L, &g.fail_every) != 0)
                return 2;
            break;
        case O_RATE:
            if (parse_num("--rate-limit", optarg, 1, 1000000000L, &g.rate_limit) != 0)
                return 2;
            break;
        case O_DROP:
            if (parse_num("--drop-every", optarg, 1, 1000000000L, &g.drop_every) != 0)
                return 2;
            break;
        case O_ERR_EVERY:
            if (parse_num("--error-after-apply-every", optarg, 1, 1000000000L,
                          &g.error_every) != 0)
                return 2;
            break;
        case O_ERR_STATUS:
            if (parse_num("--error-status", optarg, 500, 599, &g.error_status) != 0)
                return 2;
            if (g.error_status == 503) {
                fprintf(stderr, PROG ": --error-status: 503 means not applied; use "
                        "--fail-every\n");
                return 2;
            }
            break;
        case O_BOM:
            if (parse_num("--bom-every", optarg, 1, 1000000000L, &g.bom_every) != 0)
                return 2;
            break;
        case O_NUMREF:
            g.api.numeric_refs = 1;
            break;
        case O_BADREF:
            if (parse_num("--bad-ref-every", optarg, 1, 1000000000L, &g.bad_ref_every) != 0)
                return 2;
            break;
        case O_SLOW:
            if (parse_num("--slow-ms", optarg, 0, 600000L, &g.slow_ms) != 0)
                return 2;
            break;
        case O_MAXBODY:
            if (parse_num("--max-body", optarg, 1, 1L << 30, &num) != 0)
                return 2;
            g.max_body = (size_t)num;
            break;
        case O_HELP:
            fputs(usage, stdout);
            return 0;
        case ':':
            fprintf(stderr, PROG ": option '%s' needs a value\nTry '" PROG " --help'.\n",
                    argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, PROG ": unknown option '%s'\nTry '" PROG " --help'.\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\nTry '" PROG " --help'.\n",
                argv[optind]);
        return 2;
    }
    if (load_tokens(token_file, &tokens) != 0)
        goto out;
    owners = calloc(tokens.n, sizeof(*owners));
    if (!owners)
        goto out;
    for (size_t i = 0; i < tokens.n; i++) {
        if (sb_owner_of(tokens.v[i], strlen(tokens.v[i]), owners[i]) != 0) {
            fprintf(stderr, PROG ": sha256 failed\n");
            goto out;
        }
    }
    if (zones_file) {
        if (read_lines(zones_file, "--zones", &zones) != 0)
            goto out;
        if (zones.n)
            qsort(zones.v, zones.n, sizeof(*zones.v), zone_sort);
    }
    g.api.tokens = (const char *const *)tokens.v;
    g.api.owners = (const char (*)[SB_OWNER_LEN])owners;
    g.api.ntokens = tokens.n;
    static const char *const no_zones[1] = { "" };
    if (zones_file)
        g.api.zones = zones.n ? (const char *const *)zones.v : no_zones;
    g.api.nzones = zones.n;
    g.api.store = sb_store_new();
    if (!g.api.store) {
        fprintf(stderr, PROG ": out of memory\n");
        goto out;
    }
    sb_store_numeric_refs(g.api.store, g.api.numeric_refs);
    if (state) {
        char msg[600];
        if (sb_store_load(g.api.store, state, msg, sizeof(msg)) != 0) {
            fprintf(stderr, PROG ": --state: %s\n", msg);
            goto out;
        }
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Without --slow-ms: a pool of epoll threads (no thread per client).
     * With it: one thread per connection, so a sleeping response never
     * holds up another connection. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC
                     | (g.slow_ms > 0 ? MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL
                                      : MHD_USE_EPOLL);
    d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                         MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(g.slow_ms > 0 ? 0 : POOL_THREADS),
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, PROG ": cannot listen on 127.0.0.1:%ld\n", port);
        ret = 1;
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on 127.0.0.1:%u\n", info ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);

    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0)
            continue;
        if (sig == SIGUSR1) {
            write_state(state);
            continue;
        }
        break;
    }
    atomic_store(&g.stopping, 1);
    MHD_socket lsock = MHD_quiesce_daemon(d);
    for (int i = 0; i < 3000 && atomic_load(&g.inflight) > 0; i++)
        sleep_ms(10);
    MHD_stop_daemon(d);
    d = NULL;
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    ret = write_state(state) == 0 ? 0 : 1;
out:
    if (d)
        MHD_stop_daemon(d);
    sb_store_free(g.api.store);
    strlist_free(&tokens, 1);
    strlist_free(&zones, 0);
    if (owners)
        explicit_bzero(owners, 1);
    free(owners);
    return ret;
}
