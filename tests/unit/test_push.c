/* test_push.c — the push engine's decisions and ledger bookkeeping, with a
 * fake in-process OPSCOM (the real client and sandbox are tested end to
 * end in tests/e2e/t_push*.sh). */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "ledger.h"
#include "push.h"

#define T0 1795874400LL

static char dir[256], path[320], input[320];

static void setup(void)
{
    FILE *f;

    snprintf(dir, sizeof(dir), "/tmp/test_push.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ledger.db", dir);
    snprintf(input, sizeof(input), "%s/in.csv", dir);
    f = fopen(input, "w");
    ck_assert_ptr_nonnull(f);
    fputs("some,bytes\n", f);
    fclose(f);
}

static void teardown(void)
{
    char cmd[400];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* --- a fake OPSCOM, one request at a time ----------------------------------- */

#define FAKE_MAX 64

struct fake {
    struct json_object *live[FAKE_MAX];    /* by reference number */
    int  nrefs;
    int  calls[3];                         /* push, update, delete */
    char last_fields[3][512];
    int  doubt_every;     /* every Nth request: first attempt "breaks after sending" */
    int  fail_plate;      /* plate "BAD" -> permanent failure */
    int  abort_after;     /* after N requests the run aborts (0: never) */
    int  retry_later_plate; /* plate "SLOW" -> attempts run out */
    int  odd_plates;      /* plate "NOREF": success without a usable reference id;
                             "HTML": a 2xx that is not a well-formed success;
                             "DOWN": the API cannot be reached */
    int  fail_delete;     /* every delete -> permanent failure (400) */
    int  nreq;
};

static void fake_free(struct fake *f)
{
    int i;

    for (i = 0; i < f->nrefs; i++)
        json_object_put(f->live[i]);
}

static int fake_live(const struct fake *f)
{
    int i, n = 0;

    for (i = 0; i < f->nrefs; i++)
        n += f->live[i] != NULL;
    return n;
}

static const char *jstr(struct json_object *o, const char *k)
{
    struct json_object *v;

    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static int plate_is(struct json_object *o, const char *plate)
{
    const char *p = jstr(o, "LicencePlate");

    return p && !strcmp(p, plate);
}

static int fake_ref(const char *ref)
{
    return ref && ref[0] == 'R' ? (int)strtol(ref + 1, NULL, 10) - 1 : -1;
}

static int fake_run(void *t, const struct opscom_hooks *h, void *ctx, struct etl_err *err)
{
    struct fake *f = t;
    struct opscom_job job;

    while (h->next_job(ctx, &job)) {
        struct opscom_result r;
        struct buf b = BUF_INIT;
        struct json_object *o, *v;
        int idx;

        memset(&r, 0, sizeof(r));
        buf_addch(&b, '{');
        buf_add(&b, job.fields, job.fields_len);
        buf_addch(&b, '}');
        o = json_tokener_parse(b.ptr);
        ck_assert_ptr_nonnull(o);
        snprintf(f->last_fields[job.op], sizeof(f->last_fields[0]), "%s", b.ptr);
        buf_release(&b);
        f->nreq++;
        f->calls[job.op]++;
        if (f->abort_after && f->nreq > f->abort_after) {
            r.outcome = OC_ABORTED;
            ck_assert_int_eq(h->on_done(ctx, job.user, &r), 0);
            json_object_put(o);
            while (h->next_job(ctx, &job)) {
                ck_assert_int_eq(h->on_done(ctx, job.user, &r), 0);
            }
            return etl_fail(err, E_NET, "too many consecutive failures");
        }
        ck_assert_int_eq(h->on_send(ctx, job.user, 1, 0), 0);
        r.attempts = 1;
        if (f->doubt_every && f->nreq % f->doubt_every == 0) {
            /* applied, but the answer was lost: the client resends */
            ck_assert_int_eq(h->on_send(ctx, job.user, 2, 1), 0);
            r.attempts = 2;
            r.in_doubt = 1;
            if (job.op == OP_PUSH) {   /* the lost one is a duplicate on the server */
                f->live[f->nrefs++] = json_object_get(o);
            }
        }
        if (f->retry_later_plate && jstr(o, "LicencePlate") &&
            !strcmp(jstr(o, "LicencePlate"), "SLOW")) {
            r.outcome = OC_RETRY_LATER;
            snprintf(r.message, sizeof(r.message), "503 Service Unavailable");
        } else if (f->odd_plates && plate_is(o, "HTML")) {
            r.outcome = OC_FAILED;      /* maybe applied: nothing recorded live here */
            r.answer_doubt = 1;
            snprintf(r.message, sizeof(r.message), "<html>OK</html>");
        } else if (f->odd_plates && plate_is(o, "DOWN")) {
            r.outcome = OC_RETRY_LATER;
            r.unreachable = 1;
            snprintf(r.message, sizeof(r.message), "Couldn't connect to server");
        } else if (f->odd_plates && job.op == OP_PUSH && plate_is(o, "NOREF")) {
            f->live[f->nrefs++] = json_object_get(o);
            r.outcome = OC_OK;          /* live, but reference_id stays "" */
            snprintf(r.message, sizeof(r.message), "success with no reference_id");
        } else if (job.op == OP_PUSH) {
            if (f->fail_plate && !strcmp(jstr(o, "LicencePlate"), "BAD")) {
                r.outcome = OC_FAILED;
                r.http_status = 400;
                snprintf(r.message, sizeof(r.message), "Invalid plate");
            } else {
                ck_assert_int_lt(f->nrefs, FAKE_MAX);
                f->live[f->nrefs++] = json_object_get(o);
                r.outcome = OC_OK;
                snprintf(r.reference_id, sizeof(r.reference_id), "R%d", f->nrefs);
            }
        } else {
            idx = fake_ref(jstr(o, "reference_id"));
            if (f->fail_delete && job.op == OP_DELETE) {
                r.outcome = OC_FAILED;
                r.http_status = 400;
                snprintf(r.message, sizeof(r.message), "delete refused");
            } else if (idx < 0 || idx >= f->nrefs || !f->live[idx]) {
                r.outcome = OC_NOT_FOUND;
                r.error_code = 9009;
                snprintf(r.message, sizeof(r.message), "record not found");
            } else if (job.op == OP_DELETE) {
                json_object_put(f->live[idx]);
                f->live[idx] = NULL;
                r.outcome = OC_OK;
            } else {
                json_object_object_foreach(o, k, val) {
                    if (strcmp(k, "reference_id") != 0)
                        json_object_object_add(f->live[idx], k, json_object_get(val));
                }
                r.outcome = OC_OK;
            }
            if (r.outcome == OC_OK)
                snprintf(r.reference_id, sizeof(r.reference_id), "%s",
                         jstr(o, "reference_id"));
        }
        (void)v;
        json_object_put(o);
        ck_assert_int_eq(h->on_done(ctx, job.user, &r), 0);
    }
    return 0;
}

/* --- helpers ------------------------------------------------------------------ */

static void mk(struct permit *p, int n, const char *plate, long long cents, const char *zone)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "ps:%d", n);
    snprintf(p->plate, sizeof(p->plate), "%s", plate);
    p->cents = cents;
    p->currency = CUR_CAD;
    p->start = T0 + n * 60;
    p->end = p->start + 3600;
    snprintf(p->zone, sizeof(p->zone), "%s", zone);
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "%s", zone);
    p->zone_status = ZONE_MATCHED;
    p->source = input;
    p->line = n + 1;
}

struct run_opts {
    int force, dry, retry_failed, hold;
    long rows, rejected;
    FILE *dry_out;
};

/* One run of the engine on records recs[0..n) as the content of `input`. */
static struct push_counts run(struct fake *f, const struct permit *recs, int n,
                              const struct run_opts *ro, int *exit_code, int *send_rc)
{
    struct etl_err e;
    struct ledger *l = ledger_open(path, ro->dry ? LEDGER_DRY : LEDGER_LOCK, &e);
    struct push_opts o;
    struct push *p;
    struct ingest_stats st;
    struct push_counts c;
    int i;

    ck_assert_msg(l != NULL, "%s", e.msg);
    memset(&o, 0, sizeof(o));
    o.batch_size = 3;
    o.max_reject_ratio = 0.2;
    o.force = ro->force;
    o.dry_run = ro->dry;
    o.dry_out = ro->dry_out;
    o.dry_verbose = ro->dry;
    o.retry_failed = ro->retry_failed;
    o.hold_disconnected = ro->hold;
    p = push_new(l, &o, &e);
    ck_assert_ptr_nonnull(p);
    ck_assert_msg(push_begin(p, &e) == 0, "%s", e.msg);
    if (recs) {
        ck_assert_msg(push_file_begin(p, input, &e) == 0, "%s", e.msg);
        for (i = 0; i < n; i++)
            ck_assert_int_eq(push_sink_record(p, &recs[i], &e), 0);
        memset(&st, 0, sizeof(st));
        st.rows = ro->rows ? ro->rows : n;
        st.rejected = ro->rejected;
        st.accepted = n;
        ck_assert_msg(push_file_end(p, input, &st, 1, &e) == 0, "%s", e.msg);
    }
    *send_rc = push_send(p, fake_run, f, &e);
    ck_assert_msg(push_finish(p, &e) == 0, "%s", e.msg);
    ck_assert_msg(push_tally(p, NULL, NULL, &e) == 0, "%s", e.msg);
    c = *push_counts(p);
    *exit_code = push_exit_code(p);
    push_free(p);
    ledger_close(l);
    return c;
}

static void rec_of(const char *key, struct ledger_rec *r)
{
    struct etl_err e;
    struct ledger *l = ledger_open(path, LEDGER_READONLY, &e);

    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(ledger_get(l, key, r, &e), 1);
    ledger_close(l);
}

static const struct run_opts plain = { 0, 0, 0, 0, 0, 0, NULL };

START_TEST(test_push_and_rerun)
{
    struct fake f;
    struct permit recs[5];
    struct push_counts c;
    struct ledger_rec r;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    ledger_rec_init(&r);
    for (i = 0; i < 5; i++)
        mk(&recs[i], i, "ABC1", 100 + i, "Lot 4");
    c = run(&f, recs, 5, &plain, &ex, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(ex, 0);
    ck_assert_int_eq(c.pushed, 5);
    ck_assert_int_eq(f.calls[OP_PUSH], 5);
    ck_assert_int_eq(fake_live(&f), 5);
    rec_of("ps:3", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.reference_id, "R4");
    ck_assert_int_eq(r.attempts, 1);
    /* the same records again: no request */
    c = run(&f, recs, 5, &plain, &ex, &rc);
    ck_assert_int_eq(f.nreq, 5);
    ck_assert_int_eq(c.unchanged, 5);
    ck_assert_int_eq(c.pushed, 0);
    ck_assert_int_eq(ex, 0);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

static long sum_of(const long *v, int n)
{
    long t = 0;

    while (n-- > 0)
        t += v[n];
    return t;
}

/* A void's delete that fails stays pending (voids: left pending, exit 1);
 * the next run sends it again as an earlier run's leftover. */
START_TEST(test_void_delete_fails)
{
    struct fake f;
    struct permit recs[3];
    struct push_counts c;
    struct ledger_rec r;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    ledger_rec_init(&r);
    for (i = 0; i < 3; i++)
        mk(&recs[i], i, "ABC1", 500, "Lot 4");
    c = run(&f, recs, 3, &plain, &ex, &rc);
    ck_assert_int_eq(c.sales[LB_S_PUSHED], 3);
    ck_assert_int_eq(ex, 0);
    /* run 2: the void of ps:1 (and the same sales again); deletes refused */
    recs[1].voided = 1;
    f.fail_delete = 1;
    c = run(&f, recs, 3, &plain, &ex, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(f.calls[OP_DELETE], 1);
    rec_of("ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.action, LA_DELETE);
    ck_assert_int_eq(r.void_sent, 1);
    ck_assert_str_eq(r.last_error.ptr, "delete refused");
    ck_assert_int_eq(c.voids_b[LB_V_PENDING], 1);
    ck_assert_int_eq(c.sales[LB_S_UNCHANGED], 2);
    ck_assert_int_eq(sum_of(c.voids_b, LB_V_COUNT), 1);
    ck_assert_int_eq(ex, 1);
    ck_assert_int_eq(fake_live(&f), 3);
    /* run 3: no input; the delete goes out again and succeeds */
    f.fail_delete = 0;
    c = run(&f, NULL, 0, &plain, &ex, &rc);
    ck_assert_int_eq(f.calls[OP_DELETE], 2);
    rec_of("ps:1", &r);
    ck_assert_int_eq(r.state, LS_DELETED);
    ck_assert_int_eq(c.earlier_deleted, 1);
    ck_assert_int_eq(sum_of(c.voids_b, LB_V_COUNT), 0);
    ck_assert_int_eq(sum_of(c.sales, LB_S_COUNT), 0);
    ck_assert_int_eq(ex, 0);
    ck_assert_int_eq(fake_live(&f), 2);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

START_TEST(test_changes_and_void)
{
    struct fake f;
    struct permit recs[5];
    struct push_counts c;
    struct ledger_rec r;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    ledger_rec_init(&r);
    for (i = 0; i < 5; i++)
        mk(&recs[i], i, "ABC1", 1000, "Lot 4");
    run(&f, recs, 5, &plain, &ex, &rc);
    recs[0].cents = 1250;                        /* update: Amount only */
    recs[1].end += 600;                          /* update: endTime only */
    snprintf(recs[2].zone, sizeof(recs[2].zone), "Lot 5");   /* delete + push */
    recs[3].cents = 0;                           /* to a free session: delete + push */
    recs[4].voided = 1;                          /* void: delete */
    c = run(&f, recs, 5, &plain, &ex, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(f.calls[OP_UPDATE], 2);
    ck_assert_int_eq(f.calls[OP_DELETE], 3);
    ck_assert_int_eq(f.calls[OP_PUSH], 5 + 2);
    ck_assert_int_eq(c.updated, 2);
    ck_assert_int_eq(c.deleted, 3);
    ck_assert_int_eq(c.pushed, 2);
    ck_assert_int_eq(fake_live(&f), 4);
    ck_assert_int_eq(ex, 0);
    rec_of("ps:1", &r);
    ck_assert_str_eq(r.reference_id, "R2");
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(f.live[1], "endTime")),
                     "2026-11-28T15:11:00");
    rec_of("ps:2", &r);
    ck_assert_str_eq(r.reference_id, "R6");
    ck_assert_ptr_nonnull(strstr(r.srv_body.ptr, "\"zone\":\"Lot 5\""));
    rec_of("ps:3", &r);
    ck_assert_ptr_null(strstr(r.srv_body.ptr, "Amount"));
    rec_of("ps:4", &r);
    ck_assert_int_eq(r.state, LS_DELETED);
    /* rerun: nothing */
    f.nreq = 0;
    run(&f, recs, 5, &plain, &ex, &rc);
    ck_assert_int_eq(f.nreq, 0);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

/* Unlinked records are never sent again; a 2xx non-success is failed in
 * doubt and --retry-failed resends it flagged; an unreachable API is an
 * error of the run (exit 3), however few records. */
START_TEST(test_unlinked_doubt_unreachable)
{
    struct fake f;
    struct permit recs[6];
    struct push_counts c;
    struct ledger_rec r;
    struct etl_err e;
    struct ledger *l;
    int ex, rc, i, pushes;
    static const char *const plates[5] = { "NOREF", "NOREF", "NOREF", "ABC1", "HTML" };

    memset(&f, 0, sizeof(f));
    f.odd_plates = 1;
    ledger_rec_init(&r);
    for (i = 0; i < 5; i++)
        mk(&recs[i], i, plates[i], 1000, "Lot 4");
    c = run(&f, recs, 5, &plain, &ex, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(ex, 1);
    ck_assert_int_eq(c.pushed, 4);
    ck_assert_int_eq(c.unlinked, 3);
    ck_assert_int_eq(c.failed, 1);
    ck_assert_int_eq(c.failed_doubt, 1);
    rec_of("ps:0", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_int_eq(r.unlinked, 1);
    rec_of("ps:4", &r);
    ck_assert_int_eq(r.state, LS_FAILED);
    ck_assert_int_eq(r.doubt, 1);
    /* change, repush-worthy change, void of unlinked records; a change of a
     * linked one */
    recs[0].cents = 1250;
    snprintf(recs[1].zone, sizeof(recs[1].zone), "Lot 5");
    recs[2].voided = 1;
    recs[3].cents = 1250;
    pushes = f.calls[OP_PUSH];
    c = run(&f, recs, 4, &plain, &ex, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(ex, 1);
    ck_assert_int_eq(f.calls[OP_PUSH], pushes);     /* never a second push */
    ck_assert_int_eq(f.calls[OP_DELETE], 0);
    ck_assert_int_eq(f.calls[OP_UPDATE], 1);        /* the linked one */
    ck_assert_int_eq(c.failed, 2);                  /* the changes; the void is a void */
    ck_assert_int_eq(fake_live(&f), 4);
    for (i = 0; i < 3; i++) {
        char key[16];

        snprintf(key, sizeof(key), "ps:%d", i);
        rec_of(key, &r);
        ck_assert_int_eq(r.state, LS_FAILED);
        ck_assert_int_eq(r.unlinked, 1);
        ck_assert_str_eq(r.last_error.ptr, LEDGER_UNLINKED_MSG);
    }
    /* --retry-failed: only the failure in doubt goes, flagged */
    f.odd_plates = 0;
    {
        struct run_opts ro = plain;

        ro.retry_failed = 1;
        c = run(&f, NULL, 0, &ro, &ex, &rc);
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(f.calls[OP_PUSH], pushes + 1);
    ck_assert_int_eq(c.resent_after_doubt, 1);
    ck_assert_int_eq(ex, 1);
    rec_of("ps:4", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_int_eq(r.resent_after_doubt, 1);
    rec_of("ps:0", &r);
    ck_assert_int_eq(r.state, LS_FAILED);
    /* an unusable-reference record left pending by an old ledger is not
     * pushed a second time either */
    l = ledger_open(path, LEDGER_LOCK, &e);
    ck_assert_ptr_nonnull(l);
    rec_of("ps:0", &r);
    ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);
    ledger_close(l);
    c = run(&f, NULL, 0, &plain, &ex, &rc);
    ck_assert_int_eq(f.calls[OP_PUSH], pushes + 1);
    ck_assert_int_eq(f.calls[OP_DELETE], 0);
    rec_of("ps:0", &r);
    ck_assert_int_eq(r.state, LS_FAILED);
    /* the API unreachable for one record: an error of the run */
    f.odd_plates = 1;
    mk(&recs[5], 5, "DOWN", 1000, "Lot 4");
    c = run(&f, &recs[5], 1, &plain, &ex, &rc);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(c.unreachable, 1);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

START_TEST(test_reject_ratio)
{
    struct fake f;
    struct permit recs[7];
    struct push_counts c;
    struct run_opts ro = plain;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    for (i = 0; i < 7; i++)
        mk(&recs[i], i, "ABC1", 1000, "Lot 4");
    ro.rows = 10;
    ro.rejected = 3;           /* 30% > 20% */
    c = run(&f, recs, 7, &ro, &ex, &rc);
    ck_assert_int_eq(ex, 1);
    ck_assert_int_eq(c.files_over_ratio, 1);
    ck_assert_int_eq(f.nreq, 0);
    ro.force = 1;
    c = run(&f, recs, 7, &ro, &ex, &rc);
    ck_assert_int_eq(ex, 1);   /* rows were still rejected */
    ck_assert_int_eq(c.files_over_ratio, 0);
    ck_assert_int_eq(c.pushed, 7);
    ro.force = 0;
    ro.rejected = 2;           /* exactly 20%: not over */
    ck_assert_int_eq(run(&f, recs, 7, &ro, &ex, &rc).files_over_ratio, 0);
    fake_free(&f);
}
END_TEST

START_TEST(test_doubt_and_failures)
{
    struct fake f;
    struct permit recs[6];
    struct push_counts c;
    struct ledger_rec r;
    struct run_opts ro = plain;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    ledger_rec_init(&r);
    for (i = 0; i < 6; i++)
        mk(&recs[i], i, i == 4 ? "BAD" : "ABC1", 1000, "Lot 4");
    f.doubt_every = 3;
    f.fail_plate = 1;
    c = run(&f, recs, 6, &plain, &ex, &rc);
    ck_assert_int_eq(ex, 1);
    ck_assert_int_eq(c.resent_after_doubt, 2);
    ck_assert_int_eq(c.failed, 1);
    rec_of("ps:2", &r);
    ck_assert_int_eq(r.resent_after_doubt, 1);
    ck_assert_int_eq(r.attempts, 2);
    ck_assert_int_eq(r.state, LS_PUSHED);
    rec_of("ps:4", &r);
    ck_assert_int_eq(r.state, LS_FAILED);
    ck_assert_str_eq(r.last_error.ptr, "Invalid plate");
    /* failed is not retried unchanged ... */
    f.doubt_every = 0;
    f.nreq = 0;
    run(&f, recs, 6, &plain, &ex, &rc);
    ck_assert_int_eq(f.nreq, 0);
    /* ... but with --retry-failed */
    ro.retry_failed = 1;
    f.fail_plate = 0;
    c = run(&f, NULL, 0, &ro, &ex, &rc);
    ck_assert_int_eq(f.nreq, 1);
    ck_assert_int_eq(c.pushed, 1);
    rec_of("ps:4", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

START_TEST(test_abort_and_leftovers)
{
    struct fake f;
    struct permit recs[8];
    struct push_counts c;
    struct ledger_rec r;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    ledger_rec_init(&r);
    for (i = 0; i < 8; i++)
        mk(&recs[i], i, i == 1 ? "SLOW" : "ABC1", 1000, "Lot 4");
    f.abort_after = 4;
    f.retry_later_plate = 1;
    c = run(&f, recs, 8, &plain, &ex, &rc);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(c.pushed, 3);
    ck_assert_int_eq(c.retry_later, 1);
    rec_of("ps:7", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    rec_of("ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_str_eq(r.last_error.ptr, "503 Service Unavailable");
    /* the next run, without files, pushes the leftovers */
    f.abort_after = 0;
    f.retry_later_plate = 0;
    c = run(&f, NULL, 0, &plain, &ex, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(c.pushed, 5);
    ck_assert_int_eq(fake_live(&f), 8);
    ck_assert_int_eq(ex, 0);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

START_TEST(test_killed_in_flight)
{
    struct fake f;
    struct permit recs[3];
    struct push_counts c;
    struct ledger_rec r;
    struct etl_err e;
    struct ledger *l;
    int ex, rc, i;

    memset(&f, 0, sizeof(f));
    ledger_rec_init(&r);
    for (i = 0; i < 3; i++)
        mk(&recs[i], i, "ABC1", 1000, "Lot 4");
    f.abort_after = 100;
    /* stage only (a run killed before sending one of them) */
    run(&f, recs, 3, &plain, &ex, &rc);
    l = ledger_open(path, LEDGER_LOCK, &e);
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(ledger_get(l, "ps:1", &r, &e), 1);
    ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);     /* pending again */
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);  /* killed here */
    ledger_close(l);
    c = run(&f, NULL, 0, &plain, &ex, &rc);
    ck_assert_int_eq(c.recovered, 1);
    ck_assert_int_eq(c.deleted, 1);
    ck_assert_int_eq(c.resent_after_doubt, 1);
    ck_assert_int_eq(ex, 1);
    rec_of("ps:1", &r);
    ck_assert_int_eq(r.resent_after_doubt, 1);
    ck_assert_int_eq(r.state, LS_DELETED);
    ledger_rec_release(&r);
    fake_free(&f);
}
END_TEST

START_TEST(test_dry_run)
{
    struct fake f;
    struct permit recs[2];
    struct push_counts c;
    struct run_opts ro = plain;
    char out[4096], plan[256];
    FILE *mem;
    int ex, rc, nreq;

    memset(&f, 0, sizeof(f));
    mk(&recs[0], 0, "ABC1", 1000, "Lot 4");
    mk(&recs[1], 1, "ABC2", 0, "Lot 4");
    memset(out, 0, sizeof(out));
    mem = fmemopen(out, sizeof(out), "w");
    ck_assert_ptr_nonnull(mem);
    ro.dry = 1;
    ro.dry_out = mem;
    c = run(&f, recs, 2, &ro, &ex, &rc);
    fclose(mem);
    ck_assert_int_eq(f.nreq, 0);
    ck_assert_int_eq(c.plan_push, 2);
    ck_assert_int_eq(c.pushed, 0);         /* nothing was pushed */
    ck_assert_msg(strstr(out, "would push   ps:0 plate ABC1 zone 'Lot 4' 10.00 CAD ") != NULL,
                  "%s", out);
    ck_assert_msg(strstr(out, "would push   ps:1 plate ABC2 zone 'Lot 4' 0.00 CAD ") != NULL,
                  "%s", out);
    ck_assert_int_ne(access(path, F_OK), 0);   /* no ledger written */

    /* pushed for real, then a changed amount and a void: the plan says
     * update (old -> new) and delete, and still sends nothing */
    c = run(&f, recs, 2, &plain, &ex, &rc);
    ck_assert_int_eq(c.pushed, 2);
    nreq = f.nreq;
    recs[0].cents = 1500;
    recs[1].voided = 1;
    memset(out, 0, sizeof(out));
    mem = fmemopen(out, sizeof(out), "w");
    ck_assert_ptr_nonnull(mem);
    ro.dry_out = mem;
    {
        struct etl_err e;
        struct ledger *l = ledger_open(path, LEDGER_DRY, &e);
        struct push_opts o;
        struct push *p;
        struct ingest_stats st;

        ck_assert_ptr_nonnull(l);
        memset(&o, 0, sizeof(o));
        o.max_reject_ratio = 0.2;
        o.dry_run = 1;
        o.dry_verbose = 1;
        o.dry_out = mem;
        p = push_new(l, &o, &e);
        ck_assert_int_eq(push_begin(p, &e), 0);
        ck_assert_int_eq(push_file_begin(p, input, &e), 0);
        ck_assert_int_eq(push_sink_record(p, &recs[0], &e), 0);
        ck_assert_int_eq(push_sink_record(p, &recs[1], &e), 0);
        memset(&st, 0, sizeof(st));
        st.rows = 2;
        st.accepted = 1;
        st.voids = 1;
        ck_assert_int_eq(push_file_end(p, input, &st, 1, &e), 0);
        ck_assert_int_eq(push_send(p, fake_run, &f, &e), 0);
        ck_assert_int_eq(push_finish(p, &e), 0);
        c = *push_counts(p);
        push_plan_text(p, plan, sizeof(plan));
        push_free(p);
        ledger_close(l);
    }
    fclose(mem);
    ck_assert_int_eq(f.nreq, nreq);
    ck_assert_int_eq(c.plan_update, 1);
    ck_assert_int_eq(c.plan_delete, 1);
    ck_assert_int_eq(c.plan_push, 0);
    ck_assert_str_eq(plan, "would push 0, update 1, delete 1, repush 0, hold 0");
    ck_assert_msg(strstr(out, "would update ps:0 ref ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, ": amount 10.00 -> 15.00\n") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "would delete ps:1 ref ") != NULL, "%s", out);
    /* the ledger file still says what the real run left */
    c = run(&f, NULL, 0, &plain, &ex, &rc);
    ck_assert_int_eq(c.updated + c.deleted + c.pushed, 0);
    fake_free(&f);
}
END_TEST

START_TEST(test_held)
{
    struct fake f;
    struct permit recs[2];
    struct push_counts c;
    struct run_opts ro = plain;
    int ex, rc;

    memset(&f, 0, sizeof(f));
    mk(&recs[0], 0, "ABC1", 1000, "Lot 4");
    mk(&recs[1], 1, "ABC2", 1000, "Lott 9");
    recs[1].zone_status = ZONE_DISCONNECTED;
    ro.hold = 1;
    c = run(&f, recs, 2, &ro, &ex, &rc);
    ck_assert_int_eq(c.pushed, 1);
    ck_assert_int_eq(c.held, 1);
    ck_assert_int_eq(ex, 1);
    /* config now says push: the held record goes (no zone table: unchecked) */
    c = run(&f, NULL, 0, &plain, &ex, &rc);
    ck_assert_int_eq(c.pushed, 1);
    ck_assert_int_eq(c.held, 0);
    ck_assert_int_eq(fake_live(&f), 2);
    fake_free(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("push");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_push_and_rerun);
    tcase_add_test(tc, test_changes_and_void);
    tcase_add_test(tc, test_void_delete_fails);
    tcase_add_test(tc, test_reject_ratio);
    tcase_add_test(tc, test_unlinked_doubt_unreachable);
    tcase_add_test(tc, test_doubt_and_failures);
    tcase_add_test(tc, test_abort_and_leftovers);
    tcase_add_test(tc, test_killed_in_flight);
    tcase_add_test(tc, test_dry_run);
    tcase_add_test(tc, test_held);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
