/*
 * test_opscom.c — the OPSCOM client against the real sandbox
 * (build/opscom-sandbox, started here on a free port with its fault flags),
 * and the request-body builders.
 *
 * The sandbox binary is found through $OPSCOM_SANDBOX, then next to this
 * test binary's build dir, then build/opscom-sandbox; when it is absent the
 * sandbox tests say so and pass (make check always builds it first).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "interrupt.h"
#include "log.h"
#include "opscom.h"
#include "permit_json.h"
#include "permit.h"

#define TOKEN      "tok-UNIT-4242-secret"
#define WRONG      "tok-WRONG-9999-secret"
#define MAXJOBS    64

/* ---- the sandbox ---------------------------------------------------------- */

struct sandbox {
    pid_t pid;
    int   port;
    char  dir[64];
    char  log[128];
    char  state[128];
};

static int find_sandbox(char *out, size_t cap)
{
    const char *env = getenv("OPSCOM_SANDBOX");
    char self[PATH_MAX];
    ssize_t n;

    if (env && access(env, X_OK) == 0) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        char *slash;

        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';   /* BUILD/tests */
            if ((size_t)snprintf(out, cap, "%s/../opscom-sandbox", self) < cap &&
                access(out, X_OK) == 0)
                return 0;
            /* build/asan/tests -> build/opscom-sandbox */
            if ((size_t)snprintf(out, cap, "%s/../../opscom-sandbox", self) < cap &&
                access(out, X_OK) == 0)
                return 0;
        }
    }
    snprintf(out, cap, "build/opscom-sandbox");
    return access(out, X_OK) == 0 ? 0 : -1;
}

/* Starts the sandbox with flags; 0, or -1 when the binary is absent. */
static int sb_start(struct sandbox *s, const char *const *flags)
{
    char bin[PATH_MAX], line[128];
    const char *argv[24];
    int pfd[2], n = 0, i;
    size_t got = 0;

    memset(s, 0, sizeof(*s));
    if (find_sandbox(bin, sizeof(bin)) < 0) {
        fprintf(stderr, "test_opscom: SKIPPED: no opscom-sandbox binary (build it: make)\n");
        return -1;
    }
    snprintf(s->dir, sizeof(s->dir), "/tmp/test_opscom.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s->dir));
    snprintf(s->log, sizeof(s->log), "%s/sandbox.log", s->dir);
    snprintf(s->state, sizeof(s->state), "%s/state.json", s->dir);
    argv[n++] = bin;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--state";
    argv[n++] = s->state;
    for (i = 0; flags && flags[i] && n < 22; i++)
        argv[n++] = flags[i];
    argv[n] = NULL;
    ck_assert_int_eq(pipe(pfd), 0);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        int lfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(pfd[1], 1);
        if (lfd >= 0)
            dup2(lfd, 2);
        close(pfd[0]);
        setenv("OPSCOM_SANDBOX_TOKENS", TOKEN, 1);
        execv(bin, (char *const *)(void *)argv);
        _exit(127);
    }
    close(pfd[1]);
    while (got < sizeof(line) - 1) {
        struct pollfd p = { pfd[0], POLLIN, 0 };
        ssize_t r;

        ck_assert_msg(poll(&p, 1, 10000) == 1, "sandbox did not start");
        r = read(pfd[0], line + got, 1);
        ck_assert_msg(r == 1, "sandbox did not start (see %s)", s->log);
        if (line[got] == '\n')
            break;
        got++;
    }
    line[got] = '\0';
    close(pfd[0]);
    ck_assert_msg(strncmp(line, "listening on 127.0.0.1:", 23) == 0, "sandbox said '%s'", line);
    s->port = (int)strtol(line + 23, NULL, 10);
    ck_assert_int_gt(s->port, 0);
    return 0;
}

static void sb_stop(struct sandbox *s)
{
    char cmd[128];
    int st;

    if (s->pid > 0) {
        kill(s->pid, SIGKILL);   /* no need to wait for slow answers */
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    if (s->dir[0])
        ck_assert_int_eq(system(cmd), 0);
}

static int count_lines(const char *path, const char *prefix)
{
    FILE *f = fopen(path, "r");
    char l[512];
    int n = 0;

    if (!f)
        return 0;
    while (fgets(l, sizeof(l), f))
        if (strncmp(l, prefix, strlen(prefix)) == 0)
            n++;
    fclose(f);
    return n;
}

/* Makes the sandbox write its state; returns counters.<a>.<b> (b may be NULL). */
static long sb_counter(struct sandbox *s, const char *a, const char *b)
{
    int before = count_lines(s->log, "state written"), i;
    struct json_object *root, *v;
    long out;

    ck_assert_int_eq(kill(s->pid, SIGUSR1), 0);
    for (i = 0; i < 200 && count_lines(s->log, "state written") <= before; i++)
        usleep(20000);
    root = json_object_from_file(s->state);
    ck_assert_ptr_nonnull(root);
    ck_assert(json_object_object_get_ex(root, "counters", &v));
    ck_assert(json_object_object_get_ex(v, a, &v));
    if (b)
        ck_assert(json_object_object_get_ex(v, b, &v));
    out = (long)json_object_get_int64(v);
    json_object_put(root);
    return out;
}

/* ---- a client on that sandbox ---------------------------------------------- */

static struct config *cfg_for(int port, int concurrency, int max_attempts, long timeout_s)
{
    char path[] = "/tmp/test_opscom_cfg.XXXXXX";
    int fd = mkstemp(path);
    struct etl_err err;
    struct config *c;
    char text[256];
    int n;

    ck_assert_int_ge(fd, 0);
    n = snprintf(text, sizeof(text),
                 "{\"api_url\": \"http://127.0.0.1:%d\", \"concurrency\": %d, "
                 "\"max_attempts\": %d, \"timeout_s\": %ld, \"connect_timeout_s\": 2}",
                 port, concurrency, max_attempts, timeout_s);
    ck_assert_int_eq(write(fd, text, (size_t)n), n);
    close(fd);
    c = config_load(path, &err);
    unlink(path);
    ck_assert_msg(c != NULL, "%s", err.msg);
    return c;
}

struct drv {
    int njobs, next;
    enum opscom_op op[MAXJOBS];
    struct buf fields[MAXJOBS];
    struct opscom_result res[MAXJOBS];
    int done[MAXJOBS];
    int sends[MAXJOBS];
    int doubt_sends[MAXJOBS];
    double first_send[MAXJOBS], second_send[MAXJOBS];
    int stop_send_at;      /* on_send returns 1 on this send number (0: never) */
    int interrupt_at_done; /* interrupt_request() at this on_done number */
    int nsends, ndone;
    int max_outstanding;   /* sends - dones, the in-flight count when nothing retries */
    struct etl_err *err;
};

static void permit_fill(struct permit *p, int i)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->plate, sizeof(p->plate), "ABC%03d", i);
    p->cents = 1450 + i;
    p->currency = CUR_CAD;
    p->start = 1700000000LL + i * 60;
    p->end = p->start + 1800;
    snprintf(p->zone, sizeof(p->zone), "Lot %d", i % 3 + 1);
    snprintf(p->permit_no, sizeof(p->permit_no), "P-%d", i);
}

/* The push request's fields of p: its canonical body's members. */
static void push_fields(struct buf *out, const struct permit *p)
{
    struct buf body = BUF_INIT;

    ck_assert_int_eq(permit_json_body(p, &body), 0);
    ck_assert_int_eq(permit_json_body_members(body.ptr, body.len, out), 0);
    buf_release(&body);
}

static void drv_init(struct drv *d, int n)
{
    int i;

    memset(d, 0, sizeof(*d));
    d->njobs = n;
    for (i = 0; i < n; i++) {
        struct permit p;

        permit_fill(&p, i);
        d->op[i] = OP_PUSH;
        push_fields(&d->fields[i], &p);
    }
}

static void drv_free(struct drv *d)
{
    int i;

    for (i = 0; i < d->njobs; i++)
        buf_release(&d->fields[i]);
}

static int d_next(void *ctx, struct opscom_job *j)
{
    struct drv *d = ctx;
    int i;

    if (d->next >= d->njobs)
        return 0;
    i = d->next++;
    j->op = d->op[i];
    j->fields = d->fields[i].ptr;
    j->fields_len = d->fields[i].len;
    j->user = &d->res[i];
    return 1;
}

static int d_send(void *ctx, void *user, int attempt, int after_doubt)
{
    struct drv *d = ctx;
    int i = (int)((struct opscom_result *)user - d->res);

    ck_assert_int_eq(attempt, d->sends[i] + 1);
    if (d->sends[i] == 0)
        d->first_send[i] = log_now();
    else if (d->sends[i] == 1)
        d->second_send[i] = log_now();
    d->sends[i]++;
    d->doubt_sends[i] += after_doubt;
    d->nsends++;
    if (d->nsends - d->ndone > d->max_outstanding)
        d->max_outstanding = d->nsends - d->ndone;
    if (d->stop_send_at && d->nsends == d->stop_send_at) {
        etl_fail(d->err, E_DB, "ledger: disk on fire");
        return 1;
    }
    return 0;
}

static int d_done(void *ctx, void *user, const struct opscom_result *r)
{
    struct drv *d = ctx;
    int i = (int)((struct opscom_result *)user - d->res);

    ck_assert_int_eq(d->done[i], 0);   /* once per job */
    d->done[i] = 1;
    d->res[i] = *r;
    d->ndone++;
    if (d->interrupt_at_done && d->ndone == d->interrupt_at_done)
        interrupt_request();
    return 0;
}

static const struct opscom_hooks hooks = { d_next, d_send, d_done, NULL };

static int count_outcome(const struct drv *d, enum opscom_outcome oc)
{
    int i, n = 0;

    for (i = 0; i < d->njobs; i++)
        n += d->done[i] && d->res[i].outcome == oc;
    return n;
}

struct stats_sum { long total; int rows; char zones[256]; };

static void sum_row(void *ctx, const char *type, const char *zone, long total)
{
    struct stats_sum *s = ctx;
    size_t n = strlen(s->zones);

    ck_assert(strcmp(type, "standard") == 0 || strcmp(type, "temp") == 0);
    s->total += total;
    s->rows++;
    snprintf(s->zones + n, sizeof(s->zones) - n, "%s;", zone);
}

static long server_total(struct opscom *o, const char *zones)
{
    struct stats_sum s;
    struct etl_err err;

    memset(&s, 0, sizeof(s));
    ck_assert_msg(opscom_stats(o, zones, sum_row, &s, &err) == 0, "%s", err.msg);
    return s.total;
}

/* ---- tests: bodies ------------------------------------------------------------ */

START_TEST(test_clean_message)
{
    char in[700], out[512];
    size_t i;

    opscom_clean_message(out, sizeof(out), "abc\ndef\t ", 10, NULL);
    ck_assert_str_eq(out, "abc def");
    opscom_clean_message(out, sizeof(out), "bad " TOKEN " here " TOKEN, strlen("bad " TOKEN " here " TOKEN), TOKEN);
    ck_assert_str_eq(out, "bad [token] here [token]");
    for (i = 0; i < 600; i++)
        in[i] = 'a';
    opscom_clean_message(out, sizeof(out), in, 600, TOKEN);
    ck_assert_uint_eq(strlen(out), OPSCOM_MESSAGE_MAX);
    memcpy(in + 499, "\xc3\xa9xyz", 5);           /* a 2-byte character across the cut */
    opscom_clean_message(out, sizeof(out), in, 504, NULL);
    ck_assert_uint_eq(strlen(out), 499);
    memcpy(in + 498, "\xc3\xa9xyz", 5);           /* ends exactly at the cut */
    opscom_clean_message(out, sizeof(out), in, 503, NULL);
    ck_assert_uint_eq(strlen(out), 500);
    ck_assert_str_eq(out + 498, "\xc3\xa9");
    memcpy(in + 497, "\xe2\x82\xac\xe2\x82\xac", 6); /* euro signs: 3 bytes */
    opscom_clean_message(out, sizeof(out), in, 503, NULL);
    ck_assert_uint_eq(strlen(out), 500);
    opscom_clean_message(out, sizeof(out), in, 504, NULL);  /* no change: 497 + 3 */
    ck_assert_uint_eq(strlen(out), 500);
    memcpy(in + 496, "\xe2\x82\xac\xe2\x82\xac", 6);
    opscom_clean_message(out, sizeof(out), in, 503, NULL);
    ck_assert_uint_eq(strlen(out), 499);
    opscom_clean_message(out, 4, "abcdef", 6, NULL);
    ck_assert_str_eq(out, "abc");
    /* a token cut by the limit is not half-shown */
    memset(in, 'b', 495);
    memcpy(in + 495, TOKEN, strlen(TOKEN));
    opscom_clean_message(out, sizeof(out), in, 495 + strlen(TOKEN), TOKEN);
    ck_assert_ptr_null(strstr(out, "tok-"));
}
END_TEST

static const struct {
    enum opscom_op op;
    long status;
    const char *body;
    enum opscom_class want;
    int code;
    const char *msg;    /* expected message (NULL: not checked) */
    const char *ref;
} classes[] = {
    { OP_PUSH, 200, "{\"status\":\"success\",\"reference_id\":\"R-1\",\"InternalReferenceID\":\"R-1\"}",
      OPSCOM_CLASS_OK, 0, "", "R-1" },
    { OP_PUSH, 201, "{\"status\":\"success\",\"reference_id\":\"R-2\"}\n", OPSCOM_CLASS_OK, 0, "", "R-2" },
    { OP_PUSH, 200, "{\"status\":\"success\"}", OPSCOM_CLASS_OK, 0,
      "success with no reference_id", "" },
    /* a 2xx that is not a well-formed success: failed, in doubt */
    { OP_PUSH, 200, "{\"status\":\"error\",\"message\":\"nope\"}", OPSCOM_CLASS_FAILED_DOUBT, 0, "nope", "" },
    { OP_PUSH, 200, "{\"reference_id\":\"R-3\"}", OPSCOM_CLASS_FAILED_DOUBT, 0, NULL, "" },
    { OP_PUSH, 200, "OK", OPSCOM_CLASS_FAILED_DOUBT, 0, "OK", "" },
    { OP_PUSH, 200, "", OPSCOM_CLASS_FAILED_DOUBT, 0, "HTTP 200 with an empty body", "" },
    { OP_PUSH, 204, "", OPSCOM_CLASS_FAILED_DOUBT, 0, NULL, "" },
    { OP_UPDATE, 200, "<html>ok</html>", OPSCOM_CLASS_FAILED_DOUBT, 0, NULL, "" },
    { OP_DELETE, 202, "{\"status\":\"pending\"}", OPSCOM_CLASS_FAILED_DOUBT, 0, NULL, "" },
    /* a UTF-8 BOM before the body is skipped */
    { OP_PUSH, 200, "\xef\xbb\xbf{\"status\":\"success\",\"reference_id\":\"R-4\"}", OPSCOM_CLASS_OK, 0, "", "R-4" },
    { OP_PUSH, 200, "\xef\xbb\xbf{\"status\":\"success\",\"reference_id\":10001}", OPSCOM_CLASS_OK, 0, "", "10001" },
    { OP_UPDATE, 200, "\xef\xbb\xbf{\"status\":\"success\"}", OPSCOM_CLASS_OK, 0, "", "" },
    { OP_PUSH, 200, "\xef\xbb\xbf<html>OK</html>", OPSCOM_CLASS_FAILED_DOUBT, 0, "<html>OK</html>", "" },
    /* numbers: the literal text, never a C integer */
    { OP_PUSH, 200, "{\"status\":\"success\",\"reference_id\":123456789012345678901234567890}",
      OPSCOM_CLASS_OK, 0, "", "123456789012345678901234567890" },
    { OP_PUSH, 200, "{\"status\":\"success\",\"reference_id\":10001.5}", OPSCOM_CLASS_OK, 0,
      "success with a numeric reference_id that is not 1-50 digits", "" },
    { OP_PUSH, 200, "{\"status\":\"success\",\"reference_id\":\"R 1\"}", OPSCOM_CLASS_OK, 0,
      "success with a reference_id with characters other than A-Z a-z 0-9 -", "" },
    { OP_PUSH, 200, "{\"ErrorCode\":9001,\"ErrorMessage\":\"API Token is missing\"}",
      OPSCOM_CLASS_AUTH, 9001, "API Token is missing", "" },
    { OP_PUSH, 503, "{\"ErrorCode\":\"9002\",\"ErrorMessage\":\"no permission\"}", OPSCOM_CLASS_AUTH, 9002, NULL, "" },
    { OP_PUSH, 422, "{\"ErrorCode\":9000,\"ErrorMessage\":\"client code\"}", OPSCOM_CLASS_AUTH, 9000, NULL, "" },
    { OP_PUSH, 401, "Unauthorized", OPSCOM_CLASS_AUTH, 0, "Unauthorized", "" },
    { OP_PUSH, 403, "", OPSCOM_CLASS_AUTH, 0, NULL, "" },
    { OP_DELETE, 404, "{\"ErrorCode\":9009,\"ErrorMessage\":\"record not found\"}",
      OPSCOM_CLASS_NOT_FOUND, 9009, "record not found", "" },
    { OP_UPDATE, 422, "{\"ErrorCode\":9009,\"ErrorMessage\":\"gone\"}", OPSCOM_CLASS_NOT_FOUND, 9009, "gone", "" },
    { OP_DELETE, 404, "<html>Not Found</html>", OPSCOM_CLASS_NOT_FOUND, 0, "<html>Not Found</html>", "" },
    { OP_PUSH, 429, "{\"status\":\"error\",\"message\":\"slow down\"}", OPSCOM_CLASS_THROTTLED, 0, "slow down", "" },
    { OP_PUSH, 408, "", OPSCOM_CLASS_TRANSIENT, 0, NULL, "" },
    { OP_PUSH, 425, "", OPSCOM_CLASS_TRANSIENT, 0, NULL, "" },
    /* 5xx but 503: the backend may have applied it */
    { OP_PUSH, 500, "Internal Server Error", OPSCOM_CLASS_DOUBT, 0, "Internal Server Error", "" },
    { OP_PUSH, 502, "bad gateway\r\n", OPSCOM_CLASS_DOUBT, 0, "bad gateway", "" },
    { OP_PUSH, 503, "{\"status\":\"error\",\"message\":\"busy\"}", OPSCOM_CLASS_TRANSIENT, 0, "busy", "" },
    { OP_PUSH, 504, "", OPSCOM_CLASS_DOUBT, 0, NULL, "" },
    { OP_PUSH, 505, "", OPSCOM_CLASS_DOUBT, 0, NULL, "" },
    { OP_PUSH, 599, "", OPSCOM_CLASS_DOUBT, 0, NULL, "" },
    { OP_UPDATE, 502, "", OPSCOM_CLASS_DOUBT, 0, NULL, "" },
    { OP_DELETE, 504, "", OPSCOM_CLASS_DOUBT, 0, NULL, "" },
    { OP_STATS, 502, "", OPSCOM_CLASS_TRANSIENT, 0, NULL, "" },   /* stats only reads */
    { OP_PUSH, 422, "{\"ErrorCode\":9006,\"ErrorMessage\":\"plate required\",\"message\":\"other\"}",
      OPSCOM_CLASS_FAILED, 9006, "plate required", "" },
    { OP_PUSH, 400, "{\"ErrorCode\":9003}", OPSCOM_CLASS_FAILED, 9003, "{\"ErrorCode\":9003}", "" },
    { OP_PUSH, 409, "conflict", OPSCOM_CLASS_FAILED, 0, "conflict", "" },
    { OP_PUSH, 413, "", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_PUSH, 501, "", OPSCOM_CLASS_DOUBT, 0, NULL, "" },
    { OP_PUSH, 301, "", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_STATS, 200, "{\"data\":[{\"type\":\"temp\",\"zone\":\"z\",\"total\":\"4\"}]}", OPSCOM_CLASS_OK, 0, "", "" },
    { OP_STATS, 200, "{\"data\":[]}", OPSCOM_CLASS_OK, 0, "", "" },
    { OP_STATS, 200, "{\"status\":\"success\",\"data\":[]}", OPSCOM_CLASS_OK, 0, "", "" },
    { OP_STATS, 200, "{\"status\":\"error\",\"data\":[]}", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_STATS, 200, "{\"data\":[{\"type\":\"temp\",\"zone\":\"z\",\"total\":\"4a\"}]}", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_STATS, 200, "{\"data\":[{\"type\":\"temp\",\"zone\":\"z\",\"total\":\"-1\"}]}", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_STATS, 200, "{\"data\":[{\"type\":\"temp\",\"zone\":\"z\",\"total\":\"\"}]}", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_STATS, 200, "{\"data\":[{\"type\":\"temp\",\"zone\":\"z\"}]}", OPSCOM_CLASS_FAILED, 0, NULL, "" },
    { OP_STATS, 200, "{\"data\":{}}", OPSCOM_CLASS_FAILED, 0, NULL, "" },
};

START_TEST(test_classify)
{
    struct opscom_result r;
    enum opscom_class c;

    memset(&r, 0, sizeof(r));
    c = opscom_classify(classes[_i].op, classes[_i].status, classes[_i].body,
                        strlen(classes[_i].body), &r);
    ck_assert_msg(c == classes[_i].want, "case %d (HTTP %ld %s): class %d, wanted %d", _i,
                  classes[_i].status, classes[_i].body, c, classes[_i].want);
    ck_assert_int_eq(r.error_code, classes[_i].code);
    if (classes[_i].msg)
        ck_assert_str_eq(r.message, classes[_i].msg);
    if (c != OPSCOM_CLASS_OK && !classes[_i].msg)
        ck_assert_uint_gt(strlen(r.message), 0);
    ck_assert_str_eq(r.reference_id, classes[_i].ref);
}
END_TEST

/* opscom_parse_ref(): usable = a string of 1-50 [A-Za-z0-9-] or a number
 * whose text is 1-50 digits; everything else unusable. */
static const struct {
    const char *body;
    int usable;
    const char *ref;     /* the text kept when usable */
} refs[] = {
    { "{\"reference_id\":\"R-1\"}", 1, "R-1" },
    { "{\"reference_id\":\"0bacd700-d773-4e84-9047-1c271eca51a5\"}", 1,
      "0bacd700-d773-4e84-9047-1c271eca51a5" },
    { "{\"reference_id\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx\"}", 1,
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx" },                 /* 50 */
    { "{\"reference_id\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy\"}", 0, "" }, /* 51 */
    { "{\"reference_id\":10001}", 1, "10001" },
    { "{\"reference_id\":0}", 1, "0" },
    { "{ \"reference_id\" :  18446744073709551617 }", 1, "18446744073709551617" }, /* > 2^64 */
    { "{\"reference_id\":12345678901234567890123456789012345678901234567890}", 1,
      "12345678901234567890123456789012345678901234567890" },                 /* 50 digits */
    { "{\"reference_id\":123456789012345678901234567890123456789012345678901}", 0, "" },
    { "{\"reference_id\":-5}", 0, "" },
    { "{\"reference_id\":10001.5}", 0, "" },
    { "{\"reference_id\":1e5}", 0, "" },
    { "{\"reference_id\":\"\"}", 0, "" },
    { "{\"reference_id\":\"R 1\"}", 0, "" },
    { "{\"reference_id\":\"R_1\"}", 0, "" },
    { "{\"reference_id\":\"caf\u00e9\"}", 0, "" },
    { "{\"reference_id\":\"R\\u002d1\"}", 1, "R-1" },                    /* escapes read */
    { "{\"reference_id\":null}", 0, "" },
    { "{\"reference_id\":true}", 0, "" },
    { "{\"reference_id\":[\"R-1\"]}", 0, "" },
    { "{\"reference_id\":{\"id\":\"R-1\"}}", 0, "" },
    { "{\"status\":\"success\"}", 0, "" },
    { "{\"data\":{\"reference_id\":\"R-9\"}}", 0, "" },                  /* not top level */
    { "{\"x\":\"\\\"reference_id\\\":1\",\"reference_id\":\"R-2\"}", 1, "R-2" },
    { "\xef\xbb\xbf{\"reference_id\":\"R-3\"}", 1, "R-3" },
};

START_TEST(test_parse_ref)
{
    char out[OPSCOM_REF_MAX + 1];
    const char *why = NULL;
    int u = opscom_parse_ref(refs[_i].body, strlen(refs[_i].body), out, &why);

    ck_assert_msg(u == refs[_i].usable, "case %d (%s): usable %d", _i, refs[_i].body, u);
    ck_assert_str_eq(out, refs[_i].ref);
    ck_assert_ptr_nonnull(why);
    if (!u)
        ck_assert_uint_gt(strlen(why), 0);
}
END_TEST

START_TEST(test_new_refuses_bad_token)
{
    struct config *c = cfg_for(1, 1, 1, 5);
    struct etl_err err;

    ck_assert_ptr_null(opscom_new(c, "bad token", &err));
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_ptr_null(strstr(err.msg, "bad token"));
    ck_assert_ptr_null(opscom_new(c, "", &err));
    config_free(c);
}
END_TEST

/* ---- tests: the sandbox -------------------------------------------------------- */

START_TEST(test_push_update_delete)
{
    static struct drv d;
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    struct permit p;
    int i, j;

    if (sb_start(&sb, NULL) < 0)
        return;
    c = cfg_for(sb.port, 8, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    ck_assert_ptr_nonnull(o);
    drv_init(&d, 40);
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), 0);
    ck_assert_int_eq(d.ndone, 40);
    ck_assert_int_eq(count_outcome(&d, OC_OK), 40);
    for (i = 0; i < 40; i++) {
        ck_assert_int_eq(d.res[i].http_status, 200);
        ck_assert_int_eq(d.res[i].attempts, 1);
        ck_assert_int_eq(d.res[i].in_doubt, 0);
        ck_assert_uint_gt(strlen(d.res[i].reference_id), 0);
        for (j = 0; j < i; j++)
            ck_assert_str_ne(d.res[i].reference_id, d.res[j].reference_id);
    }
    ck_assert_int_eq(sb_counter(&sb, "requests", "total"), 40);
    /* keep-alive: no more connections than requests in flight */
    ck_assert_int_le(sb_counter(&sb, "connections", NULL), 9);
    ck_assert_int_eq(server_total(o, NULL), 40);

    /* update, delete, delete again (not found), update of a deleted one */
    {
        static struct drv u;
        char ref0[64], ref1[64];

        memset(&u, 0, sizeof(u));
        snprintf(ref0, sizeof(ref0), "%s", d.res[0].reference_id);
        snprintf(ref1, sizeof(ref1), "%s", d.res[1].reference_id);
        u.njobs = 5;
        permit_fill(&p, 0);
        snprintf(p.plate, sizeof(p.plate), "NEW001");
        p.end += 600;
        u.op[0] = OP_UPDATE;
        ck_assert_int_eq(permit_json_update(ref0, &p, PF_BIT(PF_PLATE) | PF_BIT(PF_END),
                                            &u.fields[0]), 0);
        u.op[1] = OP_DELETE;
        ck_assert_int_eq(permit_json_delete(ref1, &u.fields[1]), 0);
        u.op[2] = OP_DELETE;
        ck_assert_int_eq(permit_json_delete("no-such-ref", &u.fields[2]), 0);
        u.op[3] = OP_UPDATE;
        ck_assert_int_eq(permit_json_update("no-such-ref", &p, PF_BIT(PF_END), &u.fields[3]), 0);
        /* permanent 4xx: an attribute the API does not know */
        u.op[4] = OP_PUSH;
        push_fields(&u.fields[4], &p);
        ck_assert_int_eq(buf_addstr(&u.fields[4], ",\"colour\":\"red\""), 0);
        ck_assert_int_eq(opscom_run(o, &hooks, &u, &err), 0);
        ck_assert_int_eq(u.res[0].outcome, OC_OK);
        ck_assert_str_eq(u.res[0].reference_id, ref0);
        ck_assert_int_eq(u.res[1].outcome, OC_OK);
        ck_assert_int_eq(u.res[2].outcome, OC_NOT_FOUND);
        ck_assert_int_eq(u.res[2].http_status, 404);
        ck_assert_int_eq(u.res[3].outcome, OC_NOT_FOUND);
        ck_assert_int_eq(u.res[4].outcome, OC_FAILED);
        ck_assert_int_eq(u.res[4].http_status, 422);
        ck_assert_int_eq(u.res[4].attempts, 1);
        ck_assert_int_gt(u.res[4].error_code, 0);
        ck_assert_msg(strstr(u.res[4].message, "colour") != NULL, "message: %s", u.res[4].message);
        ck_assert_ptr_null(strstr(u.res[4].message, TOKEN));
        ck_assert_int_eq(server_total(o, NULL), 39);
        drv_free(&u);
    }
    /* the stats filter is sent as the API's comma string */
    ck_assert_int_eq(server_total(o, "Lot 1,Lot 2"), 26);  /* i%3 == 0 or 1, minus #1 */
    ck_assert_int_eq(server_total(o, "Lot 3"), 13);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_concurrency_overlaps)
{
    static struct drv d;
    static const char *const flags[] = { "--slow-ms", "300", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    double t0, dt;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 8, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 17);
    t0 = log_now();
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), 0);
    dt = log_now() - t0;
    ck_assert_int_eq(count_outcome(&d, OC_OK), 17);
    /* 1 alone (slow start), then 16 in two waves of 8: ~0.9 s; serial: 5.1 s
       (the upper bound is loose: the test machine may be loaded) */
    ck_assert_int_eq(d.max_outstanding, 8);
    ck_assert_msg(dt >= 0.85 && dt < 3.5, "17 requests of 300 ms at concurrency 8 took %.2f s", dt);
    ck_assert_int_le(sb_counter(&sb, "connections", NULL), 9);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_transient_retry_after)
{
    static struct drv d;
    static const char *const flags[] = { "--fail-every", "2", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    struct opscom_counters k;
    int i, retried = 0;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 4, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 6);
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), 0);
    ck_assert_int_eq(count_outcome(&d, OC_OK), 6);
    for (i = 0; i < 6; i++) {
        ck_assert_int_eq(d.res[i].in_doubt, 0);
        if (d.sends[i] > 1) {
            retried++;
            /* Retry-After: 1 honoured */
            ck_assert_msg(d.second_send[i] - d.first_send[i] >= 0.99,
                          "retried after %.3f s", d.second_send[i] - d.first_send[i]);
            ck_assert_int_eq(d.res[i].attempts, d.sends[i]);
        }
    }
    ck_assert_int_ge(retried, 2);
    /* every second request failed and was not applied: exactly 6 permits */
    ck_assert_int_eq(server_total(o, NULL), 6);
    opscom_counters(o, &k);
    ck_assert_int_eq(sb_counter(&sb, "requests", "total"), k.requests);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_rate_limited)
{
    static struct drv d;
    static const char *const flags[] = { "--rate-limit", "20", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    struct opscom_counters k;
    double t0, dt;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 8, 2, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 25);
    t0 = log_now();
    ck_assert_msg(opscom_run(o, &hooks, &d, &err) == 0, "%s", err.msg);
    dt = log_now() - t0;
    /* max_attempts 2 is not used up by 429s */
    ck_assert_int_eq(count_outcome(&d, OC_OK), 25);
    opscom_counters(o, &k);
    ck_assert_int_gt(k.throttled, 0);
    ck_assert_msg(dt >= 0.9, "25 requests at 20/s took %.2f s", dt);
    ck_assert_int_eq(server_total(o, NULL), 25);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_in_doubt_drop)
{
    static struct drv d;
    static const char *const flags[] = { "--drop-every", "3", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    struct opscom_counters k;
    int i, flagged = 0, doubt_sends = 0;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 4, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 12);
    ck_assert_msg(opscom_run(o, &hooks, &d, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(count_outcome(&d, OC_OK), 12);
    for (i = 0; i < 12; i++) {
        flagged += d.res[i].in_doubt;
        doubt_sends += d.doubt_sends[i];
        /* a resend after doubt is flagged to on_send and in the result */
        ck_assert_int_eq(d.doubt_sends[i] > 0, d.res[i].in_doubt);
    }
    opscom_counters(o, &k);
    ck_assert_int_gt(flagged, 0);
    ck_assert_int_eq(doubt_sends, k.in_doubt);
    /* every dropped push was applied: the server holds the 12 plus one
       duplicate per in-doubt attempt, and no other duplicate */
    ck_assert_int_eq(server_total(o, NULL), 12 + k.in_doubt);
    opscom_counters(o, &k);
    ck_assert_int_eq(sb_counter(&sb, "requests", "total"), k.requests);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_timeout_in_doubt_then_retry_later)
{
    static struct drv d;
    static const char *const flags[] = { "--slow-ms", "1600", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 2, 2, 1);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 1);
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), 0);
    ck_assert_int_eq(d.res[0].outcome, OC_RETRY_LATER);
    ck_assert_int_eq(d.res[0].attempts, 2);
    ck_assert_int_eq(d.res[0].in_doubt, 1);
    ck_assert_int_eq(d.doubt_sends[0], 1);
    ck_assert_int_eq(d.res[0].http_status, 0);
    ck_assert_uint_gt(strlen(d.res[0].message), 0);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_auth_refused)
{
    static struct drv d;
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    char all[2048];

    if (sb_start(&sb, NULL) < 0)
        return;
    c = cfg_for(sb.port, 8, 5, 10);
    o = opscom_new(c, WRONG, &err);
    drv_init(&d, 10);
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), -1);
    ck_assert_int_eq(err.code, E_AUTH);
    ck_assert_int_eq(etl_exit_for(err.code), 3);
    etl_err_format(&err, all, sizeof(all));
    ck_assert_ptr_null(strstr(all, WRONG));
    ck_assert_ptr_null(strstr(all, TOKEN));
    /* exactly one request reached the server, nothing retried */
    ck_assert_int_eq(sb_counter(&sb, "requests", "total"), 1);
    ck_assert_int_eq(d.nsends, 1);
    ck_assert_int_eq(count_outcome(&d, OC_AUTH), 1);
    ck_assert_int_eq(d.ndone, 1);
    ck_assert(d.res[0].http_status == 401 || d.res[0].http_status == 403);
    ck_assert_ptr_null(strstr(d.res[0].message, WRONG));
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_server_down)
{
    static struct drv d;
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    struct stats_sum s;
    double t0;
    int port, i;

    if (sb_start(&sb, NULL) < 0)
        return;
    port = sb.port;
    sb_stop(&sb);            /* nothing listens there now */
    c = cfg_for(port, 8, 5, 5);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 30);
    t0 = log_now();
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), -1);
    ck_assert_int_eq(err.code, E_NET);
    ck_assert_msg(strstr(err.msg, "consecutive") != NULL, "%s", err.msg);
    ck_assert_msg(log_now() - t0 < 5.0, "took %.1f s", log_now() - t0);
    /* every job pulled got its on_done, none is in doubt */
    for (i = 0; i < d.next; i++) {
        ck_assert_int_eq(d.done[i], 1);
        ck_assert_int_eq(d.res[i].in_doubt, 0);
        ck_assert_int_ne(d.res[i].outcome, OC_OK);
    }
    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(opscom_stats(o, NULL, sum_row, &s, &err), -1);
    ck_assert_int_eq(etl_exit_for(err.code), 3);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
}
END_TEST

START_TEST(test_too_many_failures)
{
    static struct drv d;
    static const char *const flags[] = { "--fail-every", "1", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 8, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 40);
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), -1);
    ck_assert_int_eq(err.code, E_NET);
    ck_assert_msg(strstr(err.msg, "consecutive") != NULL, "%s", err.msg);
    {
        long n = sb_counter(&sb, "requests", "total");

        /* the 20th failure stops it; at most the other 7 in flight also reached it */
        ck_assert_int_ge(n, OPSCOM_CONSECUTIVE_FAILURES_MAX);
        ck_assert_int_le(n, OPSCOM_CONSECUTIVE_FAILURES_MAX + 7);
    }
    ck_assert_int_eq(count_outcome(&d, OC_OK), 0);
    ck_assert_int_eq(d.ndone, d.next);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_interrupt)
{
    static struct drv d;
    static const char *const flags[] = { "--slow-ms", "400", NULL };
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;
    double t0, dt;
    int i;

    if (sb_start(&sb, flags) < 0)
        return;
    c = cfg_for(sb.port, 4, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 30);
    d.interrupt_at_done = 2;   /* during the first full wave */
    interrupt_clear();
    t0 = log_now();
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), -1);
    dt = log_now() - t0;
    ck_assert(interrupt_requested());
    ck_assert_msg(strstr(err.msg, "interrupted") != NULL, "%s", err.msg);
    ck_assert_msg(dt < 2.0, "took %.2f s", dt);
    /* nothing new started, what was in flight got its real answer */
    ck_assert_int_le(d.nsends, 5);
    ck_assert_int_eq(d.ndone, d.next);
    for (i = 0; i < d.next; i++)
        ck_assert_int_eq(d.res[i].outcome, OC_OK);
    interrupt_clear();
    ck_assert_int_eq(server_total(o, NULL), d.next);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

START_TEST(test_hook_stops_run)
{
    static struct drv d;
    struct sandbox sb;
    struct config *c;
    struct opscom *o;
    struct etl_err err;

    if (sb_start(&sb, NULL) < 0)
        return;
    c = cfg_for(sb.port, 2, 5, 10);
    o = opscom_new(c, TOKEN, &err);
    drv_init(&d, 10);
    d.stop_send_at = 3;
    d.err = &err;
    ck_assert_int_eq(opscom_run(o, &hooks, &d, &err), -1);
    ck_assert_int_eq(err.code, E_DB);               /* the hook's own error kept */
    ck_assert_str_eq(err.msg, "ledger: disk on fire");
    ck_assert_int_eq(d.ndone, d.next);
    ck_assert_int_eq(count_outcome(&d, OC_ABORTED), 1);
    ck_assert_int_eq(sb_counter(&sb, "requests", "total"), 2);
    opscom_free(o);
    config_free(c);
    drv_free(&d);
    sb_stop(&sb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("opscom");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_clean_message);
    tcase_add_loop_test(tc, test_classify, 0, sizeof(classes) / sizeof(classes[0]));
    tcase_add_loop_test(tc, test_parse_ref, 0, sizeof(refs) / sizeof(refs[0]));
    tcase_add_test(tc, test_new_refuses_bad_token);
    tcase_add_test(tc, test_push_update_delete);
    tcase_add_test(tc, test_concurrency_overlaps);
    tcase_add_test(tc, test_transient_retry_after);
    tcase_add_test(tc, test_rate_limited);
    tcase_add_test(tc, test_in_doubt_drop);
    tcase_add_test(tc, test_timeout_in_doubt_then_retry_later);
    tcase_add_test(tc, test_auth_refused);
    tcase_add_test(tc, test_server_down);
    tcase_add_test(tc, test_too_many_failures);
    tcase_add_test(tc, test_interrupt);
    tcase_add_test(tc, test_hook_stops_run);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
