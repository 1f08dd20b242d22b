/*
 * opscom_rate.c — requests/s of opscom_run() pushing N permits (not built
 * by make; a measuring aid for the client alone, without the ledger).
 *
 *   cc -O2 -Ietl $(pkg-config --cflags json-c libcurl) tests/perf/opscom_rate.c \
 *      build/libetl.a $(pkg-config --libs json-c libcurl libcrypto) -lm -o build/opscom_rate
 *   OPSCOM_API_TOKEN=... build/opscom_rate CONFIG N CONCURRENCY
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "opscom.h"
#include "permit.h"
#include "permit_json.h"

struct run { long n, next, ok, other, doubt; struct buf *bodies; };

static int next_job(void *ctx, struct opscom_job *j)
{
    struct run *r = ctx;

    if (r->next >= r->n)
        return 0;
    j->op = OP_PUSH;
    j->fields = r->bodies[r->next].ptr;
    j->fields_len = r->bodies[r->next].len;
    j->user = NULL;
    r->next++;
    return 1;
}

static int on_done(void *ctx, void *user, const struct opscom_result *res)
{
    struct run *r = ctx;

    (void)user;
    if (res->outcome == OC_OK)
        r->ok++;
    else
        r->other++;
    r->doubt += res->in_doubt;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct opscom_hooks h = { next_job, NULL, on_done, NULL };
    struct etl_err err;
    struct config *c;
    struct opscom *o;
    struct opscom_counters k;
    struct run r;
    struct buf body = BUF_INIT;
    char *tok;
    double t0, dt;
    long i;
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: opscom_rate CONFIG N CONCURRENCY\n");
        return 2;
    }
    c = config_load(argv[1], &err);
    if (!c) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    c->concurrency = (int)strtol(argv[3], NULL, 10);
    tok = config_read_token(c, &err);
    o = tok ? opscom_new(c, tok, &err) : NULL;
    if (!o) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    memset(&r, 0, sizeof(r));
    r.n = strtol(argv[2], NULL, 10);
    r.bodies = calloc((size_t)r.n, sizeof(*r.bodies));
    for (i = 0; i < r.n; i++) {
        struct permit p;

        memset(&p, 0, sizeof(p));
        snprintf(p.plate, sizeof(p.plate), "R%ld", i);
        p.cents = 100 + i % 5000;
        p.currency = CUR_CAD;
        p.start = 1700000000LL + i;
        p.end = p.start + 3600;
        snprintf(p.zone, sizeof(p.zone), "Lot %ld", i % 7);
        if (permit_json_body(&p, &body) < 0 ||
            permit_json_body_members(body.ptr, body.len, &r.bodies[i]) < 0)
            return 3;
        buf_reset(&body);
    }
    t0 = log_now();
    rc = opscom_run(o, &h, &r, &err);
    dt = log_now() - t0;
    opscom_counters(o, &k);
    printf("n=%ld concurrency=%s rc=%d ok=%ld other=%ld in_doubt=%ld requests=%ld "
           "%.2f s %.0f requests/s%s%s\n", r.n, argv[3], rc, r.ok, r.other, r.doubt,
           k.requests, dt, (double)k.requests / dt, rc ? " error: " : "", rc ? err.msg : "");
    buf_release(&body);
    for (i = 0; i < r.n; i++)
        buf_release(&r.bodies[i]);
    free(r.bodies);
    opscom_free(o);
    config_token_free(tok);
    config_free(c);
    return rc ? 3 : 0;
}
