/* push.c — the push engine (see push.h). */
#include "push.h"

#include "config.h"
#include "interrupt.h"
#include "log.h"
#include "permit_json.h"
#include "utc.h"
#include "zones.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A job handed to the client; reused through the free list. */
struct slot {
    int64_t  id;
    enum ledger_action act;      /* the action of this request */
    int      resent;             /* this send is a resend after doubt */
    int      earlier;            /* neither a sale nor a void of this run */
    int      is_void;            /* the delete a void asked for */
    struct buf fields;
    struct slot *next;           /* free list or requeue list */
    struct slot *all_next;       /* every slot allocated, for push_free() */
};

struct push {
    struct ledger     *l;
    struct push_opts   o;
    struct push_counts c;
    /* causes judged outside the push (push_add_cause()) */
    struct run_cause   extra[PUSH_EXTRA_CAUSES];
    size_t             nextra;
    /* file staging */
    int                in_file;
    long               batch_n;
    struct ledger_file cur;
    char              *cur_path;     /* the file being staged, as the ledger names it */
    char             **done_files;   /* files read to their end this run */
    size_t             ndone, capdone;
    /* sending */
    int64_t            cursor;
    struct slot       *free, *requeue, *all;
    long               finished;
    double             t0;
    struct ledger_rec  rec;
    struct buf         src;
    struct etl_err     hook_err;
    int                grouped;      /* the runner calls hooks->flush */
    long               marked;       /* `sending` marks not committed yet */
    double             shown;        /* last progress line */
    char               unreach_msg[512]; /* last "could not reach the API" message */
    int64_t            run;          /* this run's id (ledger_set_run()) */
};

int push_interrupted(void)
{
    return interrupt_requested();
}

struct push *push_new(struct ledger *l, const struct push_opts *o, struct etl_err *err)
{
    struct push *p = calloc(1, sizeof(*p));

    if (!p) {
        etl_fail(err, E_NOMEM, "push: out of memory");
        return NULL;
    }
    p->l = l;
    p->o = *o;
    {
        struct timespec ts;

        /* microseconds: distinct for every run of one ledger (the lock
         * serializes them) */
        clock_gettime(CLOCK_REALTIME, &ts);
        p->run = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
    if (p->o.batch_size <= 0)
        p->o.batch_size = 500;
    /* records are claimed (several workers) no more than the in-flight
     * window at a time, for a lease of 2 x timeout_s */
    ledger_set_claim(l, p->o.window > 0 ? p->o.window : 8,
                     p->o.timeout_s > 0 ? (int)p->o.timeout_s : 30);
    if (!p->o.dry_out)
        p->o.dry_out = stdout;
    ledger_rec_init(&p->rec);
    return p;
}

void push_free(struct push *p)
{
    struct slot *s, *n;
    size_t i;

    if (!p)
        return;
    for (s = p->all; s; s = n) {
        n = s->all_next;
        buf_release(&s->fields);
        free(s);
    }
    for (i = 0; i < p->ndone; i++)
        free(p->done_files[i]);
    free(p->done_files);
    free(p->cur_path);
    ledger_rec_release(&p->rec);
    buf_release(&p->src);
    free(p);
}

const struct push_counts *push_counts(const struct push *p)
{
    return &p->c;
}

/* --- start of a run ---------------------------------------------------------- */

/* The hold rule: a sale whose zone is disconnected waits as `held` under
 * "disconnected": "hold" (config). */
static int must_hold(const struct push *p, const struct permit *q)
{
    return !q->voided && p->o.hold_disconnected && q->zone_status == ZONE_DISCONNECTED;
}

static int reresolve_held(void *ctx, struct ledger_rec *r, struct etl_err *err)
{
    struct push *p = ctx;
    struct permit q = r->p;
    enum ledger_stage_outcome oc;

    q.voided = 0;
    q.source = r->source.ptr ? r->source.ptr : "";
    memcpy(q.zone, q.vendor_zone, sizeof(q.zone));
    if (p->o.zones)
        zones_resolve(p->o.zones, &q);
    else
        q.zone_status = ZONE_UNCHECKED;
    return ledger_stage(p->l, &q, must_hold(p, &q), &oc, err);
}

int push_begin(struct push *p, struct etl_err *err)
{
    long n;

    n = ledger_recover_sending(p->l, err);
    if (n < 0)
        return -1;
    p->c.recovered = n;
    if (n > 0)
        log_warn("%ld record%s found in flight from an earlier run: resent after doubt",
                 n, n == 1 ? "" : "s");
    if (p->o.retry_failed && ledger_retry_failed(p->l, err) < 0)
        return -1;
    if (ledger_begin(p->l, err) < 0)
        return -1;
    /* held leftovers re-resolved here stay earlier runs' records */
    ledger_set_run(p->l, 0);
    if (ledger_each_held(p->l, reresolve_held, p, err) < 0) {
        ledger_rollback(p->l);
        return -1;
    }
    ledger_set_run(p->l, p->run);
    return ledger_commit(p->l, err);
}

int64_t push_run_id(const struct push *p)
{
    return p->run;
}

/* --- files ------------------------------------------------------------------ */

static int file_identity(const char *path, struct ledger_file *f, struct etl_err *err)
{
    struct stat sb;

    if (stat(path, &sb) < 0)
        return etl_fail_at(err, E_IO, path, 0, "_file", "cannot read: %s", strerror(errno));
    f->size = (long long)sb.st_size;
    f->mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    return 0;
}

/* Sets *skip when path was processed and is unchanged. */
static int file_unchanged(struct push *p, const char *path, int *skip, struct etl_err *err)
{
    struct ledger_file old, now;
    int rc;

    memset(&now, 0, sizeof(now));
    rc = ledger_file_get(p->l, path, &old, err);
    if (rc <= 0)
        return rc;
    if (!old.final || strcmp(old.ctx, p->o.ctx_hash ? p->o.ctx_hash : "") != 0)
        return 0;
    if (file_identity(path, &now, err) < 0)
        return -1;
    if (now.size != old.size || now.mtime != old.mtime)
        return 0;
    if (sha256_file_hex(path, now.sha256, err) < 0)
        return -1;
    if (strcmp(now.sha256, old.sha256) != 0)
        return 0;
    *skip = 1;
    p->c.files_skipped++;
    return 0;
}

int push_file_check(struct push *p, const char *path, int *skip, struct etl_err *err)
{
    int got, rc;

    *skip = 0;
    /* one worker stages a file at a time (several share a PostgreSQL
     * ledger): the lock is held until push_file_end() */
    if (ledger_file_lock(p->l, path, &got, err) < 0)
        return -1;
    if (!got) {
        *skip = 2;
        p->c.files_busy++;
        return 0;
    }
    rc = file_unchanged(p, path, skip, err);
    if (rc < 0 || *skip)
        ledger_file_unlock(p->l, path);
    return rc;
}

void push_file_same(struct push *p)
{
    p->c.files_skipped++;
}

int push_file_begin(struct push *p, const char *path, struct etl_err *err)
{
    memset(&p->cur, 0, sizeof(p->cur));
    if (file_identity(path, &p->cur, err) < 0 || sha256_file_hex(path, p->cur.sha256, err) < 0)
        return -1;
    snprintf(p->cur.ctx, sizeof(p->cur.ctx), "%s", p->o.ctx_hash ? p->o.ctx_hash : "");
    free(p->cur_path);
    p->cur_path = strdup(path);
    if (!p->cur_path)
        return etl_fail(err, E_NOMEM, "push: out of memory");
    if (ledger_tmp_clear(p->l, err) < 0 || ledger_begin(p->l, err) < 0)
        return -1;
    p->in_file = 1;
    p->batch_n = 0;
    p->c.files++;
    return 0;
}

/* Commits every batch_size records. */
static int batch_tick(struct push *p, struct etl_err *err)
{
    if (++p->batch_n < p->o.batch_size)
        return 0;
    p->batch_n = 0;
    if (ledger_commit(p->l, err) < 0)
        return -1;
    return ledger_begin(p->l, err);
}

int push_sink_record(void *ctx, const struct permit *rec, struct etl_err *err)
{
    struct push *p = ctx;

    if (!p->in_file)
        return etl_fail(err, E_INTERNAL, "push: record outside a file");
    if (!rec->voided) {
        if (rec->zone_status == ZONE_DISCONNECTED)
            p->c.zone_disconnected++;
        else if (rec->zone_status == ZONE_MISSING)
            p->c.zone_missing++;
    }
    if (rec->source != p->cur_path) {
        /* records name their file as the ledger's files table does */
        struct permit q = *rec;

        q.source = p->cur_path;
        if (ledger_tmp_add(p->l, &q, err) < 0)
            return -1;
    } else if (ledger_tmp_add(p->l, rec, err) < 0) {
        return -1;
    }
    return batch_tick(p, err);
}

void push_sink_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    (void)ctx;
    (void)raw;
    (void)rawlen;
    log_row_error(file, line, field, reason);
}

void push_sink(struct push *p, struct ingest_sink *sink)
{
    sink->record = push_sink_record;
    sink->reject = push_sink_reject;
    sink->ctx = p;
}

static void log_entry(struct push *p, const struct ledger_rec *r, const char *action)
{
    struct push_log_entry e;

    if (!p->o.log)
        return;
    push_log_from_rec(&e, r, action);
    p->o.log(p->o.log_ctx, &e);
}

static int merge(struct push *p, struct etl_err *err)
{
    struct permit q;
    int64_t cursor = 0;
    enum ledger_stage_outcome oc;
    int rc, hold;

    p->batch_n = 0;
    while ((rc = ledger_tmp_next(p->l, &cursor, &q, &p->src, err)) == 1) {
        hold = must_hold(p, &q);
        if (ledger_stage(p->l, &q, hold, &oc, err) < 0)
            return -1;
        switch (oc) {
        case LSO_NEW:
            p->c.staged_new++;
            break;
        case LSO_UNCHANGED:
            p->c.unchanged++;
            break;
        case LSO_VOID:
        case LSO_VOID_UNMATCHED:
        case LSO_VOID_FAILED:
        case LSO_VOID_UNCHANGED:
        case LSO_CANCELLED:
        case LSO_VOID_DELETE:
            break;
        case LSO_UNLINKED:
            p->c.failed++;      /* a change or void that can never be sent */
            break;
        default:
            p->c.staged_changed++;
            break;
        }
        /* rows that need no request: logged now (a void's delete is logged
         * when it is sent) */
        if (p->o.log && oc != LSO_VOID_DELETE &&
            (oc == LSO_UNCHANGED || hold || oc >= LSO_VOID)) {
            if (ledger_get(p->l, q.key, &p->rec, err) < 0)
                return -1;
            log_entry(p, &p->rec, hold && oc != LSO_UNLINKED ? "held"
                                  : oc == LSO_UNCHANGED || oc == LSO_UNLINKED ? "none"
                                  : oc == LSO_CANCELLED ? "cancel" : "void");
        }
        if (batch_tick(p, err) < 0)
            return -1;
    }
    return rc;
}

static int file_end(struct push *p, const char *path, const struct ingest_stats *st,
                    int read_ok, int over, double ratio, struct etl_err *err);

int push_file_end(struct push *p, const char *path, const struct ingest_stats *st,
                  int read_ok, struct etl_err *err)
{
    double ratio = st->rows > 0 ? (double)st->rejected / (double)st->rows : 0.0;
    int over = ratio > p->o.max_reject_ratio, rc;

    if (!p->in_file)
        return etl_fail(err, E_INTERNAL, "push: no file begun");
    p->in_file = 0;
    if (ledger_commit(p->l, err) < 0)
        return -1;
    rc = file_end(p, path, st, read_ok, over, ratio, err);
    /* the file's lock (several workers share a PostgreSQL ledger) stays
     * held until the ledger is closed: until then its records are being
     * sent by this worker, and another worker must not stage it again */
    return rc;
}

static int file_end(struct push *p, const char *path, const struct ingest_stats *st,
                    int read_ok, int over, double ratio, struct etl_err *err)
{
    p->c.rows += st->rows;
    p->c.accepted += st->accepted;
    p->c.rejected += st->rejected;
    p->c.duplicates += st->duplicates;
    p->c.voids += st->voids;
    if (!read_ok && !p->o.partial)
        p->c.files_failed++;
    if (over && !p->o.force) {
        struct permit q;
        int64_t cursor = 0;
        int rc;

        p->c.files_over_ratio++;
        /* its records are not staged: counted (not pushed / voids left
         * pending) and shown to the caller (the report) */
        while ((rc = ledger_tmp_next(p->l, &cursor, &q, &p->src, err)) == 1) {
            push_count_unstaged(p, &q);
            if (p->o.unstaged)
                p->o.unstaged(p->o.log_ctx, &q);
        }
        if (rc < 0)
            return -1;
        log_warn("%s: %ld of %ld rows rejected (%.0f%%, over max_reject_ratio %.2f): "
                 "its records are not pushed (--force pushes them)", path, st->rejected,
                 st->rows, ratio * 100.0, p->o.max_reject_ratio);
        p->cur.final = 0;
        if (ledger_tmp_clear(p->l, err) < 0 || ledger_file_put(p->l, path, &p->cur, err) < 0)
            return -1;
        return 0;
    }
    if (ledger_begin(p->l, err) < 0)
        return -1;
    if (merge(p, err) < 0 || ledger_tmp_clear(p->l, err) < 0) {
        ledger_rollback(p->l);
        return -1;
    }
    p->cur.final = 0;
    if (ledger_file_put(p->l, path, &p->cur, err) < 0) {
        ledger_rollback(p->l);
        return -1;
    }
    if (ledger_commit(p->l, err) < 0)
        return -1;
    if (read_ok && !p->o.partial) {
        if (p->ndone == p->capdone) {
            size_t cap = p->capdone ? p->capdone * 2 : 8;
            char **n = realloc(p->done_files, cap * sizeof(*n));

            if (!n)
                return etl_fail(err, E_NOMEM, "push: out of memory");
            p->done_files = n;
            p->capdone = cap;
        }
        p->done_files[p->ndone] = strdup(path);
        if (!p->done_files[p->ndone])
            return etl_fail(err, E_NOMEM, "push: out of memory");
        p->ndone++;
    }
    {
        char rows[32], acc[32], rej[32];
        const char *kv[] = { "file", path, "rows", rows, "accepted", acc, "rejected", rej,
                             NULL };

        snprintf(rows, sizeof(rows), "#%ld", st->rows);
        snprintf(acc, sizeof(acc), "#%ld", st->accepted);
        snprintf(rej, sizeof(rej), "#%ld", st->rejected);
        log_json_line("info", "stage", kv);
    }
    return 0;
}

/* --- sending ----------------------------------------------------------------- */

static struct slot *slot_get(struct push *p)
{
    struct slot *s = p->free;

    if (s) {
        p->free = s->next;
        s->next = NULL;
        return s;
    }
    s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->all_next = p->all;
    p->all = s;
    return s;
}

static void slot_put(struct push *p, struct slot *s)
{
    s->next = p->free;
    p->free = s;
}

/* Fills s->fields with the request of s->act for record r. */
static int job_fields(struct slot *s, const struct ledger_rec *r)
{
    buf_reset(&s->fields);
    switch (s->act) {
    case LA_UPDATE:
        return buf_add(&s->fields, r->upd.ptr ? r->upd.ptr : "", r->upd.len);
    case LA_DELETE:
    case LA_REPUSH:
        return permit_json_delete(r->reference_id, &s->fields);
    default:
        return permit_json_body_members(r->body.ptr, r->body.len, &s->fields);
    }
}

static enum opscom_op op_of(enum ledger_action a)
{
    return a == LA_UPDATE ? OP_UPDATE : (a == LA_DELETE || a == LA_REPUSH) ? OP_DELETE : OP_PUSH;
}

/* The action a pending record needs now. */
static enum ledger_action pending_action(const struct ledger_rec *r)
{
    if ((r->action == LA_DELETE || r->action == LA_REPUSH || r->action == LA_UPDATE) &&
        !r->reference_id[0])
        return r->action == LA_DELETE ? LA_NONE : LA_PUSH;   /* nothing to address */
    if (r->action == LA_NONE)
        return r->srv_body.len ? LA_NONE : LA_PUSH;
    return r->action;
}

/*
 * An unlinked record (on the server, no usable reference id) that is
 * pending for anything but "the server has it already" is never sent: no
 * update or delete can address it, and a push would make a second live
 * permit. It becomes failed (LEDGER_UNLINKED_MSG). 1 when r was so
 * handled, 0 when it may be sent, -1 on error.
 */
static int never_send(struct push *p, const struct ledger_rec *r, struct etl_err *err)
{
    enum ledger_action act = r->action;
    int64_t id = r->id;

    if (!ledger_rec_unlinked(r) || (act == LA_NONE && r->srv_body.len))
        return 0;
    if (ledger_fail_unlinked(p->l, id, 0, err) < 0)
        return -1;
    p->c.failed++;
    p->finished++;
    if (p->o.log) {     /* r may be p->rec: read after the copies above */
        if (ledger_get_by_id(p->l, id, &p->rec, err) < 0)
            return -1;
        log_entry(p, &p->rec, ledger_action_name(act));
    }
    return 1;
}

void push_count_unstaged(struct push *p, const struct permit *rec)
{
    if (rec->voided)
        p->c.voids_b[LB_V_PENDING]++;
    else
        p->c.not_pushed++;
}

static int hook_next(void *ctx, struct opscom_job *job)
{
    struct push *p = ctx;
    struct slot *s;
    int rc;

    if (interrupt_requested() || p->hook_err.code)
        return 0;   /* stop sending; a queued push stays pending for the next run */
    /* grouped: read inside the transaction the next flush commits (one
     * lock and snapshot per group instead of one per read) */
    if (p->grouped && ledger_begin(p->l, &p->hook_err) < 0)
        return 0;
    if (p->requeue) {
        s = p->requeue;
        p->requeue = s->next;
        s->next = NULL;
    } else {
        for (;;) {
            if (p->o.only_id > 0) {
                if (p->cursor >= p->o.only_id)
                    return 0;
                p->cursor = p->o.only_id;
                rc = ledger_get_by_id(p->l, p->o.only_id, &p->rec, &p->hook_err);
                if (rc > 0 && p->rec.state != LS_PENDING)
                    return 0;
            } else {
                rc = ledger_next_pending(p->l, &p->cursor, &p->rec, &p->hook_err);
            }
            if (rc <= 0)
                return 0;    /* a read error stops handing out jobs */
            rc = never_send(p, &p->rec, &p->hook_err);
            if (rc < 0)
                return 0;
            if (rc > 0)
                continue;
            if (pending_action(&p->rec) != LA_NONE)
                break;
            /* nothing to send: a delete with no permit to address, or the
             * server has the content already */
            if (ledger_done_ok(p->l, p->rec.id,
                               p->rec.action == LA_DELETE ? LA_DELETE : LA_PUSH,
                               p->rec.reference_id, &rc, &p->hook_err) < 0)
                return 0;
        }
        s = slot_get(p);
        if (!s) {
            etl_fail(&p->hook_err, E_NOMEM, "push: out of memory");
            return 0;
        }
        s->id = p->rec.id;
        s->act = pending_action(&p->rec);
        s->resent = p->rec.doubt;
        s->earlier = p->rec.run != p->run && p->rec.void_run != p->run;
        s->is_void = p->rec.p.voided && s->act == LA_DELETE;
        if (job_fields(s, &p->rec) < 0) {
            slot_put(p, s);
            etl_fail(&p->hook_err, E_NOMEM, "push: out of memory");
            return 0;
        }
    }
    job->op = op_of(s->act);
    job->fields = s->fields.ptr;
    job->fields_len = s->fields.len;
    job->user = s;
    return 1;
}

static int hook_send(void *ctx, void *user, int attempt, int after_doubt)
{
    struct push *p = ctx;
    struct slot *s = user;

    if (attempt > 1)
        p->c.retries++;
    if (after_doubt) {
        s->resent = 1;
        p->c.in_doubt++;
    }
    /* `sending` is committed before the attempt leaves, together with the
     * outcomes recorded since the last commit (at most the in-flight
     * window): here, or by hook_flush() when the runner calls it (the
     * client calls it before it lets the announced attempts leave) */
    if (ledger_begin(p->l, &p->hook_err) < 0 ||
        ledger_mark_sending(p->l, s->id, after_doubt || s->resent, &p->hook_err) < 0 ||
        (!p->grouped && ledger_commit(p->l, &p->hook_err) < 0))
        return 1;
    p->marked++;
    return 0;
}

/*
 * The client calls this before it lets the attempts announced by on_send
 * leave (and before it waits). One transaction then holds their `sending`
 * marks and the outcomes that arrived since the last commit. Outcomes are
 * committed only together with the next marks: an outcome frees a slot of
 * the in-flight window and no new attempt leaves before that commit, so
 * uncommitted outcomes plus requests in flight never exceed the window —
 * kill -9 loses at most that many outcomes.
 */
static int hook_flush(void *ctx)
{
    struct push *p = ctx;

    p->grouped = 1;
    /* leases of records in flight (several workers) */
    if (ledger_keepalive(p->l, &p->hook_err) < 0)
        return 1;
    if (!p->marked)
        return 0;
    p->marked = 0;
    return ledger_commit(p->l, &p->hook_err) < 0 ? 1 : 0;
}

static void progress(struct push *p)
{
    double now = log_now(), el = now - p->t0, rate = el > 0 ? (double)p->finished / el : 0;
    long left = p->c.to_send - p->finished;
    char eta[32];

    if (now - p->shown < 0.1 && left > 0)
        return;        /* log_progress() draws at most 10 times a second */
    p->shown = now;

    if (rate > 0 && left > 0)
        snprintf(eta, sizeof(eta), "%lds", (long)((double)left / rate + 0.5));
    else
        snprintf(eta, sizeof(eta), "-");
    log_progress("push: %ld/%ld done, %.0f/s, %ld retries, %ld failed, %ld in doubt, ETA %s",
                 p->finished, p->c.to_send, rate, p->c.retries, p->c.failed, p->c.in_doubt,
                 eta);
}

static int hook_done(void *ctx, void *user, const struct opscom_result *r)
{
    struct push *p = ctx;
    struct slot *s = user;
    struct etl_err *err = &p->hook_err;
    int more = 0, rc = 0;
    enum ledger_action act = s->act;

    /* committed by the next on_send, or at the end of the run */
    if (ledger_begin(p->l, err) < 0)
        return 1;
    switch (r->outcome) {
    case OC_OK:
        rc = ledger_done_ok(p->l, s->id, act, r->reference_id, &more, err);
        if (act == LA_PUSH)
            p->c.pushed++;
        else if (act == LA_UPDATE)
            p->c.updated++;
        else
            p->c.deleted++;
        break;
    case OC_NOT_FOUND:
        rc = ledger_done_not_found(p->l, s->id, act, r->message, &more, err);
        if (act == LA_DELETE || act == LA_REPUSH)
            p->c.deleted++;
        else
            p->c.failed++;
        break;
    case OC_FAILED:
        if (s->is_void) {
            /* a void's delete that failed stays pending (next run) */
            rc = ledger_done_retry(p->l, s->id, 0, r->message, err);
            p->c.retry_later++;
            break;
        }
        rc = ledger_done_failed(p->l, s->id, r->message, r->answer_doubt, err);
        p->c.failed++;
        if (r->answer_doubt)
            p->c.failed_doubt++;
        break;
    case OC_RETRY_LATER:
        rc = ledger_done_retry(p->l, s->id, r->in_doubt, r->message, err);
        p->c.retry_later++;
        if (r->unreachable) {
            p->c.unreachable++;
            snprintf(p->unreach_msg, sizeof(p->unreach_msg), "%s", r->message);
        }
        break;
    default:   /* OC_AUTH, OC_ABORTED: left pending for the next run */
        rc = ledger_done_retry(p->l, s->id, r->in_doubt, r->message, err);
        p->c.aborted++;
        if (r->unreachable) {
            p->c.unreachable++;
            snprintf(p->unreach_msg, sizeof(p->unreach_msg), "%s", r->message);
        }
        break;
    }
    if (rc < 0)
        return 1;
    if (s->earlier && !more) {
        if (r->outcome == OC_OK || r->outcome == OC_NOT_FOUND) {
            if (act == LA_DELETE || act == LA_REPUSH)
                p->c.earlier_deleted++;
            else if (act == LA_UPDATE && r->outcome == OC_OK)
                p->c.earlier_updated++;
            else if (r->outcome == OC_OK)
                p->c.earlier_pushed++;
            else
                p->c.earlier_failed++;
        } else if (r->outcome == OC_FAILED && !s->is_void) {
            p->c.earlier_failed++;
        } else {
            p->c.earlier_pending++;
        }
    }
    if (s->resent && r->attempts > 0 && r->outcome != OC_ABORTED && r->outcome != OC_AUTH &&
        r->outcome != OC_RETRY_LATER) {
        p->c.resent_after_doubt++;
    }
    if (more) {
        /* delete + push: the push goes out in this run */
        if (ledger_get_by_id(p->l, s->id, &p->rec, err) <= 0)
            return 1;
        s->act = LA_PUSH;
        s->resent = 0;     /* counted once per record */
        if (job_fields(s, &p->rec) < 0) {
            etl_fail(err, E_NOMEM, "push: out of memory");
            return 1;
        }
        s->next = p->requeue;
        p->requeue = s;
        p->c.to_send++;
    } else {
        if (p->o.log) {
            if (ledger_get_by_id(p->l, s->id, &p->rec, err) < 0)
                return 1;
            log_entry(p, &p->rec, ledger_action_name(act));
        }
        slot_put(p, s);
    }
    p->finished++;
    progress(p);
    return 0;
}

/* --- the dry run: a plan ------------------------------------------------------ */

/* Data reaches the plan lines (keys, zones): control characters become '?'
 * so that a hostile input cannot rewrite the terminal. */
static void put_safe(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void put_time(FILE *f, long long t)
{
    char b[UTC_Z_SIZE];

    if (utc_format_z(t, b) == 0)
        fputs(b, f);
    else
        fprintf(f, "%lld", t);
}

static void put_money(FILE *f, long long cents, enum currency cur)
{
    fprintf(f, "%lld.%02lld %s", cents / 100, cents % 100, currency_name(cur));
}

/* "push KEY PLATE ZONE AMOUNT CUR START -> END" */
static void plan_record(FILE *f, const char *verb, const struct ledger_rec *r)
{
    fprintf(f, "would %-6s ", verb);
    put_safe(f, r->p.key);
    fprintf(f, " plate %s zone '", r->p.plate);
    put_safe(f, r->p.zone);
    fputs("' ", f);
    put_money(f, r->p.cents, r->p.currency);
    fputc(' ', f);
    put_time(f, r->p.start);
    fputs(" -> ", f);
    put_time(f, r->p.end);
    fputc('\n', f);
}

/* "update KEY ref REF: plate A -> B, amount ..., currency ..., end ..." from
 * what the server has (srv_body) to what it will have (target). */
static void plan_update(FILE *f, const struct ledger_rec *r)
{
    struct permit o, n;
    unsigned m = 0;
    int k = 0;

    memset(&o, 0, sizeof(o));
    memset(&n, 0, sizeof(n));
    fputs("would update ", f);
    put_safe(f, r->p.key);
    fputs(" ref ", f);
    put_safe(f, r->reference_id);
    fputc(':', f);
    if (!r->srv_body.ptr || !r->target.ptr || permit_json_parse(r->srv_body.ptr, &o) < 0 ||
        permit_json_parse(r->target.ptr, &n) < 0) {
        fputs(" {", f);
        put_safe(f, r->upd.ptr ? r->upd.ptr : "");
        fputs("}\n", f);
        return;
    }
    permit_json_diff(&o, &n, &m);
    if (m & PF_BIT(PF_PLATE))
        fprintf(f, "%s plate %s -> %s", k++ ? "," : "", o.plate, n.plate);
    if (m & PF_BIT(PF_AMOUNT)) {
        fprintf(f, "%s amount %lld.%02lld -> %lld.%02lld", k++ ? "," : "", o.cents / 100,
                o.cents % 100, n.cents / 100, n.cents % 100);
    }
    if (m & PF_BIT(PF_CURRENCY))
        fprintf(f, "%s currency %s -> %s", k++ ? "," : "", currency_name(o.currency),
                currency_name(n.currency));
    if (m & PF_BIT(PF_END)) {
        fprintf(f, "%s end ", k++ ? "," : "");
        put_time(f, o.end);
        fputs(" -> ", f);
        put_time(f, n.end);
    }
    if (!k)
        fputs(" (no field differs)", f);
    fputc('\n', f);
}

static int plan_held(void *ctx, struct ledger_rec *r, struct etl_err *err)
{
    struct push *p = ctx;

    (void)err;
    if (p->o.dry_verbose)
        plan_record(p->o.dry_out, "hold", r);
    return 0;
}

static int dry_send(struct push *p, struct etl_err *err)
{
    struct ledger_rec *r = &p->rec;
    FILE *f = p->o.dry_out;
    int rc, v = p->o.dry_verbose;

    p->cursor = 0;
    while ((rc = ledger_next_pending(p->l, &p->cursor, r, err)) == 1) {
        enum ledger_action a;
        int64_t id = r->id;
        int ns = never_send(p, r, err);

        if (ns < 0)
            return -1;
        if (ns > 0) {
            fprintf(f, "failed %s (%s)\n", r->p.key, LEDGER_UNLINKED_MSG);
            p->cursor = id;
            continue;
        }
        a = pending_action(r);

        switch (a) {
        case LA_NONE:
            continue;
        case LA_UPDATE:
            if (v)
                plan_update(f, r);
            p->c.plan_update++;
            break;
        case LA_DELETE:
            if (v) {
                fputs("would delete ", f);
                put_safe(f, r->p.key);
                fputs(" ref ", f);
                put_safe(f, r->reference_id);
                fputc('\n', f);
            }
            p->c.plan_delete++;
            break;
        case LA_REPUSH:
            if (v)
                plan_record(f, "repush", r);
            p->c.plan_repush++;
            p->c.to_send++;
            break;
        default:
            if (v)
                plan_record(f, "push", r);
            p->c.plan_push++;
            break;
        }
        p->c.to_send++;
        if (r->doubt)
            p->c.resent_after_doubt++;
    }
    if (rc < 0)
        return rc;
    if (ledger_each_held(p->l, plan_held, p, err) < 0)
        return -1;
    if (fflush(f) != 0 || ferror(f))
        return etl_fail(err, E_IO, "cannot write the dry-run output: %s", strerror(errno));
    return 0;
}

void push_plan_text(const struct push *p, char *out, size_t cap)
{
    const struct push_counts *c = &p->c;

    snprintf(out, cap, "would push %ld, update %ld, delete %ld, repush %ld, hold %ld",
             c->plan_push, c->plan_update, c->plan_delete, c->plan_repush, c->held);
}

int push_send(struct push *p, push_runner_fn run, void *transport, struct etl_err *err)
{
    static const struct opscom_hooks hooks = { hook_next, hook_send, hook_done, hook_flush };
    long n;
    int rc;

    if (p->o.dry_run)
        return dry_send(p, err);
    n = p->o.only_id > 0 ? 1 : ledger_count_state(p->l, LS_PENDING, err);
    if (n < 0)
        return -1;
    p->c.to_send += n;
    p->cursor = 0;
    p->t0 = log_now();
    p->grouped = 0;
    p->marked = 0;
    etl_err_clear(&p->hook_err);
    {
        char todo[32];
        const char *kv[] = { "records", todo, NULL };

        snprintf(todo, sizeof(todo), "#%ld", n);
        log_json_line("info", "push", kv);
    }
    rc = n > 0 ? run(transport, &hooks, p, err) : 0;
    /* a shared ledger: records leased by other workers may come back to
     * be sent (their worker died); wait for them, at most one lease */
    while (rc == 0 && !p->hook_err.code && !interrupt_requested() && p->o.only_id <= 0) {
        int more;

        if (ledger_commit(p->l, &p->hook_err) < 0 ||
            ledger_wait_others(p->l, &more, &p->hook_err) < 0 || !more)
            break;
        n = ledger_count_state(p->l, LS_PENDING, &p->hook_err) +
            ledger_count_state(p->l, LS_SENDING, &p->hook_err);
        if (p->hook_err.code)
            break;
        p->c.to_send += n;
        p->grouped = 0;
        p->marked = 0;
        rc = run(transport, &hooks, p, err);
    }
    log_progress_done();
    if (ledger_commit(p->l, p->hook_err.code ? NULL : &p->hook_err) < 0 && rc == 0)
        rc = -1;
    n = ledger_lost_outcomes(p->l);
    if (n > 0)   /* a shared ledger: this worker stalled longer than a lease */
        log_warn("%ld outcome%s dropped: this worker lost its lease on %s (stalled "
                 "longer than 2 x timeout_s); the worker that claims %s resends %s "
                 "flagged resent_after_doubt", n, n == 1 ? "" : "s",
                 n == 1 ? "the record" : "the records", n == 1 ? "it" : "them",
                 n == 1 ? "it" : "them");
    if (p->hook_err.code) {
        *err = p->hook_err;
        return -1;
    }
    /* records left pending because the last attempts could not reach the
     * API: an outage, not a data problem (exit 3), however few they were */
    if (p->c.unreachable > 0 && !interrupt_requested() && (rc == 0 || err->code == E_NET)) {
        char m[sizeof(err->msg)];

        if (rc == 0)
            snprintf(m, sizeof(m), "%ld record%s left pending; last: %s", p->c.unreachable,
                     p->c.unreachable == 1 ? "" : "s", p->unreach_msg);
        else
            snprintf(m, sizeof(m), "%s", err->msg);
        if (!strstr(m, "API unreachable"))
            etl_fail(err, E_NET, "API unreachable: %s", m);
        return -1;
    }
    return rc;
}

int push_finish(struct push *p, struct etl_err *err)
{
    size_t i;
    int final;
    long held;

    if (p->o.dry_run) {
        held = ledger_count_state(p->l, LS_HELD, err);
        if (held < 0)
            return -1;
        p->c.held = held;
        return 0;
    }
    for (i = 0; i < p->ndone; i++)
        if (ledger_file_update_final(p->l, p->done_files[i], &final, err) < 0)
            return -1;
    held = ledger_count_state(p->l, LS_HELD, err);
    if (held < 0)
        return -1;
    p->c.held = held;
    held = ledger_count_state(p->l, LS_PENDING, err);
    if (held < 0)
        return -1;
    p->c.left_pending = held;
    held = ledger_count_state(p->l, LS_SENDING, err);
    if (held < 0)
        return -1;
    p->c.left_pending += held;
    return 0;
}

struct tally {
    struct push *p;
    ledger_rec_fn fn;
    void *ctx;
};

static int tally_one(void *ctx, const struct ledger_rec *r)
{
    struct tally *t = ctx;
    struct push_counts *c = &t->p->c;
    int b = ledger_sale_bucket(r, t->p->run);

    if (b >= 0) {
        c->sales[b]++;
        if (b == LB_S_PUSHED && ledger_rec_unlinked(r))
            c->unlinked++;
    }
    b = ledger_void_bucket(r, t->p->run);
    if (b >= 0)
        c->voids_b[b]++;
    return t->fn ? t->fn(t->ctx, r) : 0;
}

int push_tally(struct push *p, ledger_rec_fn fn, void *ctx, struct etl_err *err)
{
    struct tally t = { p, fn, ctx };
    long n;

    if (ledger_each_run(p->l, p->run, tally_one, &t, err) < 0)
        return -1;
    n = ledger_count_earlier_attention(p->l, p->run, err);
    if (n < 0)
        return -1;
    p->c.earlier_attention = n;
    p->c.tallied = 1;
    return 0;
}

size_t push_causes(const struct push *p, struct run_cause *out, size_t cap)
{
    const struct push_counts *c = &p->c;
    const struct run_cause all[] = {
        { "rows rejected", c->rejected, "Rejected" },
        { "duplicate rows", c->duplicates, "Rejected" },
        { "files not read to the end", c->files_failed, "Rejected" },
        { "files skipped for their reject ratio", c->files_over_ratio, "Summary" },
        { "records with a disconnected zone", c->zone_disconnected, "Zone Audit" },
        { "records without a zone", c->zone_missing, "Zone Audit" },
        { "records held", c->tallied ? c->sales[LB_S_HELD] : c->held, "Push Log" },
        { "records failed", c->tallied ? c->sales[LB_S_FAILED] : c->failed, "Push Log" },
        { "records without a usable reference id", c->unlinked, "Push Log" },
        /* a resend happens in this run, whoever staged the record: a
         * possible duplicate on the server now */
        { "records resent after doubt", c->resent_after_doubt, "Push Log" },
        { "sales left pending", c->tallied ? c->sales[LB_S_PENDING] : c->left_pending,
          "Push Log" },
        { "voids failed (check OPSCOM by hand)", c->voids_b[LB_V_FAILED], "Voids" },
        { "voids left pending", c->voids_b[LB_V_PENDING], "Voids" },
    };
    size_t i, n = 0;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (all[i].count <= 0)
            continue;
        if (p->o.dry_run && strstr(all[i].what, "left pending"))
            continue;   /* a dry run leaves everything pending by design */
        if (n < cap)
            out[n] = all[i];
        n++;
    }
    for (i = 0; i < p->nextra; i++)
        if (n < cap)
            out[n++] = p->extra[i];
    return n < cap ? n : cap;
}

void push_add_cause(struct push *p, const char *what, long count, const char *sheet)
{
    if (count <= 0 || p->nextra == PUSH_EXTRA_CAUSES)
        return;
    p->extra[p->nextra].what = what;
    p->extra[p->nextra].count = count;
    p->extra[p->nextra].sheet = sheet;
    p->nextra++;
}

int push_exit_code(const struct push *p)
{
    struct run_cause causes[RUN_CAUSES_MAX];

    return push_causes(p, causes, RUN_CAUSES_MAX) ? EXIT_ATTENTION : EXIT_GOOD;
}

static long sum(const long *v, int n)
{
    long t = 0;
    int i;

    for (i = 0; i < n; i++)
        t += v[i];
    return t;
}

void push_summary_text(const struct push *p, char *out, size_t cap)
{
    const struct push_counts *c = &p->c;
    const long *s = c->sales, *v = c->voids_b;
    long sales = sum(s, LB_S_COUNT) + c->not_pushed, voids = sum(v, LB_V_COUNT);
    int n;

    n = snprintf(out, cap,
                 "%ld file%s (%ld skipped unchanged, %ld over the reject ratio): "
                 "rows %ld = %ld sales + %ld rejected + %ld duplicates + %ld voids; ",
                 c->files + c->files_skipped, c->files + c->files_skipped == 1 ? "" : "s",
                 c->files_skipped, c->files_over_ratio, c->rows, sales, c->rejected,
                 c->duplicates, voids);
    if (n < 0 || (size_t)n >= cap)
        return;
    if (!c->tallied) {
        snprintf(out + n, cap - (size_t)n,
                 "%ld pushed, %ld updated, %ld deleted, %ld failed, %ld held, "
                 "%ld resent after doubt, %ld unlinked, %ld left pending",
                 c->pushed, c->updated, c->deleted, c->failed, c->held,
                 c->resent_after_doubt, c->unlinked, c->left_pending);
        return;
    }
    snprintf(out + n, cap - (size_t)n,
             "sales %ld = %ld pushed + %ld updated + %ld repushed + %ld unchanged + "
             "%ld cancelled + %ld held + %ld failed + %ld left pending + %ld not pushed; "
             "voids %ld = %ld cancelling + %ld deleted + %ld unmatched + %ld failed + "
             "%ld left pending + %ld unchanged; %ld resent after doubt, %ld unlinked; "
             "earlier: %ld pushed, %ld updated, %ld deleted, %ld failed, %ld left pending, "
             "%ld earlier records still held/failed",
             sales, s[LB_S_PUSHED], s[LB_S_UPDATED], s[LB_S_REPUSHED], s[LB_S_UNCHANGED],
             s[LB_S_CANCELLED], s[LB_S_HELD], s[LB_S_FAILED], s[LB_S_PENDING], c->not_pushed,
             voids, v[LB_V_CANCELLING], v[LB_V_DELETED], v[LB_V_UNMATCHED], v[LB_V_FAILED],
             v[LB_V_PENDING], v[LB_V_UNCHANGED], c->resent_after_doubt, c->unlinked,
             c->earlier_pushed,
             c->earlier_updated, c->earlier_deleted, c->earlier_failed, c->earlier_pending,
             c->earlier_attention);
}

int push_ledger_path(const struct config *cfg, struct buf *out, struct etl_err *err)
{
    int rc;

    buf_reset(out);
    if (cfg->ledger)
        rc = buf_addstr(out, cfg->ledger);
    else
        rc = buf_addf(out, "%s/ledger.db", cfg->dir && cfg->dir[0] ? cfg->dir : ".");
    return rc < 0 ? etl_fail(err, E_NOMEM, "out of memory") : 0;
}

int push_context_hash(const char *zones, const char *aliases, int hold, const char *profile,
                      char out[65], struct etl_err *err)
{
    char hz[65] = "-", ha[65] = "-";
    struct buf b = BUF_INIT;

    if (zones && sha256_file_hex(zones, hz, err) < 0)
        return -1;
    if (aliases && sha256_file_hex(aliases, ha, err) < 0)
        return -1;
    if (buf_addf(&b, "zones=%s\naliases=%s\nhold=%d\nprofile=%s\n", hz, ha, hold,
                 profile ? profile : "") < 0) {
        buf_release(&b);
        return etl_fail(err, E_NOMEM, "out of memory");
    }
    sha256_hex(b.ptr, b.len, out);
    buf_release(&b);
    return 0;
}

int push_admin_send(struct ledger *l, int64_t id, push_runner_fn run, void *transport,
                    struct ledger_rec *r, struct etl_err *err)
{
    struct push_opts o;
    struct push *p;
    int rc;

    memset(&o, 0, sizeof(o));
    o.only_id = id;
    p = push_new(l, &o, err);
    if (!p)
        return -1;
    rc = push_send(p, run, transport, err);
    push_free(p);
    if (ledger_get_by_id(l, id, r, rc < 0 ? NULL : err) <= 0 && rc == 0)
        return etl_fail(err, E_DB, "ledger: record vanished");
    return rc;
}

