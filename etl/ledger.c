/* ledger.c — the ledger's storage-independent half (see ledger.h) and the
 * dispatch to its backends (ledger_backend.h). */
#include "ledger_backend.h"
#include "permit_json.h"
#include "utc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const state_names[LS_COUNT] = {
    "pending", "held", "sending", "pushed", "failed", "deleted", "cancelled", "voided"
};
static const char *const action_names[LA_COUNT] = {
    "none", "push", "update", "delete", "repush"
};

const char *ledger_state_name(enum ledger_state s)
{
    return (unsigned)s < LS_COUNT ? state_names[s] : "";
}
int ledger_state_parse(const char *s)
{
    int i;

    for (i = 0; i < LS_COUNT; i++)
        if (!strcmp(s, state_names[i]))
            return i;
    return -1;
}
const char *ledger_action_name(enum ledger_action a)
{
    return (unsigned)a < LA_COUNT ? action_names[a] : "";
}
int ledger_action_parse(const char *s)
{
    int i;

    for (i = 0; i < LA_COUNT; i++)
        if (!strcmp(s, action_names[i]))
            return i;
    return LA_NONE;
}
int ledger_state_final(enum ledger_state s)
{
    return s == LS_PUSHED || s == LS_FAILED || s == LS_DELETED || s == LS_CANCELLED;
}
void ledger_fmt_utc(long long t, char out[24])
{
    utc_format(t, out);
}
void ledger_now_iso(char out[24])
{
    ledger_fmt_utc((long long)time(NULL), out);
}
int ledger_canonical_path(const char *path, struct buf *out, struct etl_err *err)
{
    char *real = realpath(path, NULL), *dir = NULL;
    const char *base;
    int rc = 0;

    buf_reset(out);
    if (real) {
        rc = buf_addstr(out, real);
        free(real);
        return rc < 0 ? etl_fail(err, E_NOMEM, "ledger: out of memory") : 0;
    }
    if (errno != ENOENT)
        return etl_fail(err, E_IO, "ledger: cannot resolve '%s': %s", path, strerror(errno));
    /* not there yet: the canonical directory and the base name */
    base = strrchr(path, '/');
    if (base) {
        struct buf d = BUF_INIT;

        if (buf_add(&d, path, (size_t)(base - path)) < 0) {
            buf_release(&d);
            return etl_fail(err, E_NOMEM, "ledger: out of memory");
        }
        dir = realpath(base == path ? "/" : d.ptr, NULL);
        buf_release(&d);
        base++;
    } else {
        dir = realpath(".", NULL);
        base = path;
    }
    if (!dir)
        return etl_fail(err, E_IO, "ledger: cannot resolve the directory of '%s': %s", path,
                        strerror(errno));
    if (buf_addstr(out, dir) < 0 || (strcmp(dir, "/") != 0 && buf_addch(out, '/') < 0) ||
        buf_addstr(out, base) < 0)
        rc = etl_fail(err, E_NOMEM, "ledger: out of memory");
    free(dir);
    return rc;
}
enum currency ledger_currency_parse(const char *s)
{
    return currency_parse(s);
}
enum zone_status ledger_zone_status_parse(const char *s)
{
    static const enum zone_status all[] = { ZONE_MATCHED, ZONE_ALIAS, ZONE_DISCONNECTED,
                                            ZONE_MISSING };
    size_t i;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (!strcmp(s, zone_status_name(all[i])))
            return all[i];
    return ZONE_UNCHECKED;
}
/* --- decoding rows (the backends read, ledger.c decodes) ---------------- */

static void d_copy(const struct ledger_row *w, int c, char *dst, size_t cap)
{
    size_t n = 0;
    const char *t = w->text(w->row, c, &n);

    if (!t)
        n = 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

static int d_buf(const struct ledger_row *w, int c, struct buf *b)
{
    size_t n = 0;
    const char *t = w->text(w->row, c, &n);

    buf_reset(b);
    return t ? buf_add(b, t, n) : 0;
}

static const char *d_text(const struct ledger_row *w, int c)
{
    size_t n;
    const char *t = w->text(w->row, c, &n);

    return t ? t : "";
}

void ledger_decode_permit(const struct ledger_row *w, int c, struct permit *p)
{
    d_copy(w, c, p->key, sizeof(p->key));
    d_copy(w, c + 1, p->plate, sizeof(p->plate));
    p->cents = w->num(w->row, c + 2);
    p->currency = ledger_currency_parse(d_text(w, c + 3));
    p->start = w->num(w->row, c + 4);
    p->end = w->num(w->row, c + 5);
    d_copy(w, c + 6, p->vendor_zone, sizeof(p->vendor_zone));
    d_copy(w, c + 7, p->zone, sizeof(p->zone));
    p->zone_status = ledger_zone_status_parse(d_text(w, c + 8));
    d_copy(w, c + 9, p->permit_no, sizeof(p->permit_no));
    d_copy(w, c + 10, p->ticket, sizeof(p->ticket));
    d_copy(w, c + 11, p->promo, sizeof(p->promo));
    p->voided = (int)w->num(w->row, c + 12);
    p->line = (long)w->num(w->row, c + 14);
}

/* Column c of w is the empty text (not NULL). */
static int is_empty(const struct ledger_row *w, int c)
{
    size_t n = 0;

    return w->text(w->row, c, &n) != NULL && n == 0;
}

/* The texts of a compact row still to build (ledger_rec.texts). */
enum { TX_BODY = 1, TX_TARGET = 2, TX_SRV = 4 };

/*
 * The compact row (ledger.h, "Stored once"): an empty `body` is built
 * from the row's permit columns (a tombstone keeps its empty one), an
 * empty `target` or `srv_body` is that body; the record line is built
 * only when asked for (ledger_rec_record()). Rows written before the
 * compact form carry their texts and are read as they are.
 */
static int derive_texts(struct ledger_rec *r)
{
    struct buf derived = BUF_INIT;
    unsigned t = r->texts;
    int ret = -1;

    if (!t)
        return 0;
    if (permit_json_body(&r->p, &derived) < 0 ||
        ((t & TX_BODY) && (buf_reset(&r->body), buf_add(&r->body, derived.ptr,
                                                         derived.len)) < 0) ||
        ((t & TX_TARGET) && (buf_reset(&r->target), buf_add(&r->target, derived.ptr,
                                                             derived.len)) < 0) ||
        ((t & TX_SRV) && (buf_reset(&r->srv_body), buf_add(&r->srv_body, derived.ptr,
                                                           derived.len)) < 0))
        goto out;
    r->texts = 0;
    ret = 0;
out:
    buf_release(&derived);
    return ret;
}

/* A row into r without building its texts (r->texts says which). */
static int decode_raw(const struct ledger_row *w, struct ledger_rec *r);

int ledger_decode_rec(const struct ledger_row *w, struct ledger_rec *r)
{
    return decode_raw(w, r) < 0 || derive_texts(r) < 0 ? -1 : 0;
}

static int decode_raw(const struct ledger_row *w, struct ledger_rec *r)
{
    ledger_decode_permit(w, 1, &r->p);
    r->id = w->num(w->row, 0);
    if (d_buf(w, 14, &r->source) < 0 || d_buf(w, 16, &r->body) < 0 ||
        d_buf(w, 18, &r->upd) < 0 || d_buf(w, 19, &r->target) < 0 ||
        d_buf(w, 20, &r->srv_body) < 0 || d_buf(w, 21, &r->record) < 0 ||
        d_buf(w, 28, &r->last_error) < 0 || d_buf(w, 37, &r->void_source) < 0)
        return -1;
    r->p.source = r->source.ptr ? r->source.ptr : "";
    d_copy(w, 17, r->hash, sizeof(r->hash));
    d_copy(w, 22, r->reference_id, sizeof(r->reference_id));
    r->state = (enum ledger_state)ledger_state_parse(d_text(w, 23));
    r->action = (enum ledger_action)ledger_action_parse(d_text(w, 24));
    r->doubt = (int)w->num(w->row, 25);
    r->resent_after_doubt = (int)w->num(w->row, 26);
    r->attempts = (int)w->num(w->row, 27);
    d_copy(w, 29, r->first_seen, sizeof(r->first_seen));
    d_copy(w, 30, r->last_seen, sizeof(r->last_seen));
    d_copy(w, 31, r->last_sent, sizeof(r->last_sent));
    r->unlinked = (int)w->num(w->row, 32);
    r->run = w->num(w->row, 33);
    d_copy(w, 34, r->sale_stage, sizeof(r->sale_stage));
    r->void_run = w->num(w->row, 35);
    d_copy(w, 36, r->void_stage, sizeof(r->void_stage));
    r->void_line = (long)w->num(w->row, 38);
    r->void_cents = w->num(w->row, 39);
    r->void_currency = ledger_currency_parse(d_text(w, 40));
    r->void_sent = (int)w->num(w->row, 41);
    r->pruned = (int)w->num(w->row, 42);
    r->texts = (is_empty(w, 16) && !r->pruned ? TX_BODY : 0) | (is_empty(w, 19) ? TX_TARGET : 0)
             | (is_empty(w, 20) ? TX_SRV : 0);
    return 0;
}

int ledger_rec_record(const struct ledger_rec *r, struct buf *out)
{
    buf_reset(out);
    if (r->record.len)
        return buf_add(out, r->record.ptr, r->record.len);
    return r->pruned ? 0 : permit_json_record(&r->p, out);
}

void ledger_rec_init(struct ledger_rec *r)
{
    memset(r, 0, sizeof(*r));
}
void ledger_rec_release(struct ledger_rec *r)
{
    buf_release(&r->source);
    buf_release(&r->body);
    buf_release(&r->upd);
    buf_release(&r->target);
    buf_release(&r->srv_body);
    buf_release(&r->record);
    buf_release(&r->last_error);
    buf_release(&r->void_source);
}
/*
 * Decides what the server needs to go from srv (its current body) to the
 * new body: LA_UPDATE with the changed fields in *upd, or LA_REPUSH
 * (permit_json_diff() judges).
 */
enum ledger_action ledger_diff_action(const char *srv_body, const char *ref,
                                      const struct permit *p, struct buf *upd)
{
    struct permit s;
    unsigned changed;

    memset(&s, 0, sizeof(s));
    if (permit_json_parse(srv_body, &s) < 0)
        return LA_REPUSH;
    switch (permit_json_diff(&s, p, &changed)) {
    case PERMIT_SAME:
        return LA_NONE;      /* the server has it already */
    case PERMIT_UPDATE:
        buf_reset(upd);
        return permit_json_update(ref, p, changed, upd) < 0 ? LA_REPUSH : LA_UPDATE;
    default:
        return LA_REPUSH;
    }
}
int ledger_rec_unlinked(const struct ledger_rec *rec)
{
    /* a live permit without a reference id is unlinked too (older rows) */
    return rec->unlinked || ((rec->srv_body.len > 0 || (rec->texts & TX_SRV)) &&
                             !rec->reference_id[0]);
}
/*
 * The void x sale-state table (docs/ARCHITECTURE.md "Voids"), in the
 * order the questions must be asked: a permit that is live and linked is
 * deleted (whatever its pending action); one that may be on the server
 * without a reference (in flight, or in doubt) or has no usable reference
 * id cannot be, and fails for a person to check; one never applied is
 * cancelled; deleted or cancelled ones stay so.
 */
void ledger_void_effect(const struct ledger_rec *rec, struct ledger_void_effect *out)
{
    out->action = LA_NONE;
    out->error = NULL;
    if (!rec) {
        out->outcome = LSO_VOID_UNMATCHED;
        out->state = LS_VOIDED;
        return;
    }
    out->state = rec->state;
    out->action = rec->action;
    switch (rec->state) {
    case LS_VOIDED:                      /* the same void again, sale still unseen */
        out->outcome = LSO_VOID_UNMATCHED;
        return;
    case LS_DELETED:
    case LS_CANCELLED:
        out->outcome = LSO_VOID_UNCHANGED;
        return;
    default:
        break;
    }
    if (rec->p.voided && rec->state == LS_PENDING && rec->action == LA_DELETE) {
        out->outcome = LSO_VOID_UNCHANGED;   /* its delete is still to be sent */
        return;
    }
    if (rec->p.voided && rec->state == LS_FAILED) {
        out->outcome = LSO_VOID_UNCHANGED;   /* failed by this void before */
        return;
    }
    out->action = LA_NONE;
    if (rec->srv_body.len && rec->reference_id[0] && !ledger_rec_unlinked(rec)) {
        out->outcome = LSO_VOID_DELETE;
        out->state = LS_PENDING;
        out->action = LA_DELETE;
    } else if (rec->state == LS_SENDING || rec->doubt) {
        out->outcome = LSO_VOID_FAILED;
        out->state = LS_FAILED;
        out->error = "voided while in doubt: check OPSCOM by hand";
    } else if (ledger_rec_unlinked(rec)) {
        out->outcome = LSO_VOID_FAILED;
        out->state = LS_FAILED;
        out->error = LEDGER_UNLINKED_MSG;
    } else {
        /* pending or held (never sent), failed (never applied) */
        out->outcome = LSO_VOID;
        out->state = LS_CANCELLED;
    }
}
int ledger_sale_bucket(const struct ledger_rec *r, int64_t run)
{
    if (!run || r->run != run || r->state == LS_VOIDED)
        return -1;
    if (r->p.voided || r->state == LS_CANCELLED)
        return LB_S_CANCELLED;
    switch (r->state) {
    case LS_HELD:
        return LB_S_HELD;
    case LS_FAILED:
        return LB_S_FAILED;
    case LS_PENDING:
    case LS_SENDING:
        return LB_S_PENDING;
    default:
        break;
    }
    if (!strcmp(r->sale_stage, "new") || !strcmp(r->sale_stage, "push"))
        return LB_S_PUSHED;
    if (!strcmp(r->sale_stage, "update"))
        return LB_S_UPDATED;
    if (!strcmp(r->sale_stage, "repush"))
        return LB_S_REPUSHED;
    return LB_S_UNCHANGED;
}
int ledger_void_bucket(const struct ledger_rec *r, int64_t run)
{
    int applied;

    if (!run || r->void_run != run || !r->p.voided)
        return -1;
    applied = strcmp(r->void_stage, "unchanged") != 0;
    switch (r->state) {
    case LS_VOIDED:
        return LB_V_UNMATCHED;
    case LS_PENDING:
    case LS_SENDING:
    case LS_HELD:
        return LB_V_PENDING;
    case LS_CANCELLED:
        return applied ? LB_V_CANCELLING : LB_V_UNCHANGED;
    case LS_DELETED:
        return applied ? LB_V_DELETED : LB_V_UNCHANGED;
    case LS_FAILED:
        return applied ? LB_V_FAILED : LB_V_UNCHANGED;
    default:
        return LB_V_UNCHANGED;
    }
}

/* --- dispatch to the backend ------------------------------------------------ */

/* An op the backend lacks: a clear error, never a crash. */
static int missing(const struct ledger *l, const char *fn, struct etl_err *err)
{
    return etl_fail(err, E_DB, "ledger: %s is not available on the %s ledger", fn,
                    l->ops->name);
}

int ledger_begin(struct ledger *l, struct etl_err *err)
{
    if (!l->ops->begin)
        return missing(l, "ledger_begin", err);
    return l->ops->begin(l, err);
}

/* The pending TOUCH_RANGE, written (ledger_backend.h): 0 or -1. */
static int touch_flush(struct ledger *l, struct etl_err *err);

int ledger_commit(struct ledger *l, struct etl_err *err)
{
    if (!l->ops->commit)
        return missing(l, "ledger_commit", err);
    if (touch_flush(l, err) < 0)
        return -1;
    return l->ops->commit(l, err);
}

/* --- staging: the decisions (the backends only write, ledger_backend.h) -- */

static void a_txt(struct ledger_args *a, int i, const char *s)
{
    a->v[i - 1].s = s;
    a->v[i - 1].is_int = 0;
    if (i > a->n)
        a->n = i;
}

static void a_int(struct ledger_args *a, int i, long long x)
{
    a->v[i - 1].i = x;
    a->v[i - 1].is_int = 1;
    if (i > a->n)
        a->n = i;
}

/* 2-12: plate, cents, currency, start, end, vendor zone, zone, zone
 * status, permit number, ticket, promo; 13 source, 14 line. */
static void a_permit(struct ledger_args *a, const struct permit *p)
{
    a_txt(a, 2, p->plate);
    a_int(a, 3, p->cents);
    a_txt(a, 4, currency_name(p->currency));
    a_int(a, 5, p->start);
    a_int(a, 6, p->end);
    a_txt(a, 7, p->vendor_zone);
    a_txt(a, 8, p->zone);
    a_txt(a, 9, zone_status_name(p->zone_status));
    a_txt(a, 10, p->permit_no);
    a_txt(a, 11, p->ticket);
    a_txt(a, 12, p->promo);
    a_txt(a, 13, p->source ? p->source : "");
    a_int(a, 14, p->line);
}

const char *ledger_stage_write_name(enum ledger_stage_write w)
{
    static const char *const names[LSW_COUNT] = {
        [LSW_INSERT] = "stage insert", [LSW_TOUCH] = "stage touch",
        [LSW_HELD_PENDING] = "stage", [LSW_RESTAGE] = "stage change",
        [LSW_VOID_INSERT] = "stage void", [LSW_VOID_SET] = "stage void",
        [LSW_CANCEL_SALE] = "stage cancelled sale", [LSW_TOUCH_RANGE] = "stage touch",
    };

    return (unsigned)w < LSW_COUNT ? names[w] : "stage";
}

static int write_st(struct ledger *l, enum ledger_stage_write w, const struct ledger_args *a,
                    struct etl_err *err)
{
    if (!l->ops->stage_write)
        return missing(l, "ledger_stage", err);
    return l->ops->stage_write(l, w, a, err);
}

/* p's body into l->body (for its hash: the row stores neither the body
 * nor the record line, ledger.h "Stored once"). */
static int body_of(struct ledger *l, const struct permit *p, struct etl_err *err)
{
    buf_reset(&l->body);
    if (permit_json_body(p, &l->body) < 0)
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    return 0;
}

/* The body the row of rec had, into l->prev: what an empty srv_body or
 * target of that row stands for until its permit columns change (the
 * writes that change them store it first). */
static const char *prev_body(struct ledger *l, const struct ledger_rec *rec)
{
    buf_reset(&l->prev);
    return permit_json_body(&rec->p, &l->prev) < 0 ? NULL : l->prev.ptr;
}

/* A void: the void x sale-state table (ledger_void_effect()) on the key's
 * row, or a new `voided` row when the sale was not seen yet. */
static int stage_void(struct ledger *l, const struct permit *p, int found,
                      enum ledger_stage_outcome *out, const char *now, struct etl_err *err)
{
    struct ledger_rec *rec = &l->rec;
    struct ledger_void_effect e;
    struct ledger_args a = { 0 };

    ledger_void_effect(found ? rec : NULL, &e);
    *out = e.outcome;
    if (!found) {
        a_txt(&a, 1, p->key);
        a_permit(&a, p);
        a_txt(&a, 15, "");
        a_txt(&a, 16, "");
        a_txt(&a, 17, now);
        a_int(&a, 18, l->run);
        return write_st(l, LSW_VOID_INSERT, &a, err);
    }
    a_int(&a, 1, rec->id);
    a_txt(&a, 2, ledger_state_name(e.state));
    a_txt(&a, 3, ledger_action_name(e.action));
    a_txt(&a, 4, e.error);
    a_txt(&a, 5, p->source ? p->source : "");
    a_int(&a, 6, p->line);
    a_int(&a, 7, p->cents);
    a_txt(&a, 8, currency_name(p->currency));
    a_int(&a, 9, l->run);
    a_txt(&a, 10, e.outcome == LSO_VOID_UNCHANGED ? "unchanged" : "applied");
    a_txt(&a, 11, now);
    return write_st(l, LSW_VOID_SET, &a, err);
}

/* A sale whose key has a void: cancelled, never sent. */
static int stage_cancelled(struct ledger *l, const struct permit *p,
                           enum ledger_stage_outcome *out, const char *now,
                           struct etl_err *err)
{
    struct ledger_rec *rec = &l->rec;
    struct ledger_args a = { 0 };
    const char *prev;

    a_int(&a, 1, rec->id);
    a_permit(&a, p);
    a_txt(&a, 15, "");
    a_txt(&a, 16, "");
    a_txt(&a, 17, ledger_state_name(rec->state == LS_VOIDED ? LS_CANCELLED : rec->state));
    a_txt(&a, 18, now);
    a_int(&a, 19, l->run);
    if (!(prev = prev_body(l, rec)))
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    a_txt(&a, 20, prev);
    *out = LSO_CANCELLED;
    return write_st(l, LSW_CANCEL_SALE, &a, err);
}

static int touch_flush(struct ledger *l, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    if (!l->touch_lo)
        return 0;
    a_int(&a, 1, l->touch_lo);
    a_int(&a, 2, l->touch_hi);
    a_txt(&a, 3, l->touch_now);
    a_int(&a, 4, l->run);
    l->touch_lo = 0;
    return write_st(l, LSW_TOUCH_RANGE, &a, err);
}

/* Row id seen again unchanged at the same source and line: joins the
 * pending range when it follows it, else starts the next one. */
static int touch_add(struct ledger *l, int64_t id, const char *now, struct etl_err *err)
{
    if (l->touch_lo && id == l->touch_hi + 1) {
        l->touch_hi = id;
        return 0;
    }
    if (touch_flush(l, err) < 0)
        return -1;
    l->touch_lo = l->touch_hi = id;
    snprintf(l->touch_now, sizeof(l->touch_now), "%s", now);
    return 0;
}

/* The same content again: only seen (source, line, run); a held record
 * whose zone now resolves becomes pending. */
static int stage_same(struct ledger *l, const struct permit *p, int hold,
                      enum ledger_stage_outcome *out, const char *now, struct etl_err *err)
{
    struct ledger_rec *rec = &l->rec;
    struct ledger_args a = { 0 };
    const char *stage = "unchanged";

    *out = LSO_UNCHANGED;
    if (rec->state == LS_HELD && !hold) {
        a_int(&a, 1, rec->id);
        if (write_st(l, LSW_HELD_PENDING, &a, err) < 0)
            return -1;
        *out = rec->action == LA_UPDATE ? LSO_UPDATE
             : rec->action == LA_REPUSH ? LSO_REPUSH : LSO_PUSH;
    }
    if (rec->state == LS_HELD || rec->state == LS_PENDING || rec->state == LS_SENDING)
        stage = rec->state == LS_HELD && hold ? "held"
              : rec->action == LA_UPDATE ? "update"
              : rec->action == LA_REPUSH ? "repush" : "push";
    else if (l->run && rec->p.line == p->line &&
             !strcmp(rec->p.source, p->source ? p->source : ""))
        return touch_add(l, rec->id, now, err);
    a_int(&a, 1, rec->id);
    a_txt(&a, 2, p->source ? p->source : "");
    a_int(&a, 3, p->line);
    a_txt(&a, 4, now);
    a_int(&a, 5, l->run);
    a_txt(&a, 6, stage);
    return write_st(l, LSW_TOUCH, &a, err);
}

static int stage_read(struct ledger *l, enum ledger_query q, const char *key,
                      struct ledger_rec *r, struct etl_err *err);

int ledger_stage(struct ledger *l, const struct permit *p, int hold, enum
                 ledger_stage_outcome *out, struct etl_err *err)
{
    struct ledger_rec *rec = &l->rec;
    struct ledger_args a = { 0 };
    char hash[65], now[24];
    const char *prev;
    int found;
    enum ledger_action act;
    enum ledger_stage_outcome oc;

    ledger_now_iso(now);
    /* an unchanged row is told from a brief read; any other needs it all */
    if ((found = stage_read(l, LQ_STAGE_BRIEF, p->key, rec, err)) < 0)
        return -1;
    hash[0] = '\0';
    if (!p->voided && !(found && rec->p.voided)) {
        if (body_of(l, p, err) < 0)
            return -1;
        sha256_hex(l->body.ptr, l->body.len, hash);
    }
    if (found && !l->ops->stage_get && (!hash[0] || strcmp(hash, rec->hash) != 0) &&
        (found = stage_read(l, LQ_GET_KEY, p->key, rec, err)) < 0)
        return -1;
    if (found && l->touch_lo && rec->id >= l->touch_lo && rec->id <= l->touch_hi &&
        touch_flush(l, err) < 0)
        return -1;
    if (p->voided)
        return derive_texts(rec) < 0 ? etl_fail(err, E_NOMEM, "ledger: out of memory")
                                     : stage_void(l, p, found, out, now, err);
    if (found && rec->p.voided)
        return stage_cancelled(l, p, out, now, err);
    if (!found) {
        a_txt(&a, 1, p->key);
        a_permit(&a, p);
        a_txt(&a, 15, "");
        a_txt(&a, 16, hash);
        a_txt(&a, 17, "");
        a_txt(&a, 18, hold ? "held" : "pending");
        a_txt(&a, 19, now);
        a_int(&a, 20, l->run);
        a_txt(&a, 21, hold ? "held" : "new");
        *out = LSO_NEW;
        return write_st(l, LSW_INSERT, &a, err);
    }
    if (!strcmp(hash, rec->hash))
        return stage_same(l, p, hold, out, now, err);
    /* Changed content: what does the server need? */
    if (derive_texts(rec) < 0)
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    buf_reset(&l->upd);
    if (ledger_rec_unlinked(rec) && strcmp(rec->srv_body.ptr, l->body.ptr) != 0) {
        /* the server has another content under an unusable reference: no
         * update, no second push; the new content is kept, the record
         * failed (a rerun with the same content changes nothing) */
        act = LA_NONE;
        oc = LSO_UNLINKED;
    } else if (ledger_rec_unlinked(rec)) {
        act = LA_NONE;          /* back to what the server has */
        oc = LSO_UNCHANGED;
    } else if (!rec->srv_body.len || !rec->reference_id[0]) {
        act = LA_PUSH;
        oc = LSO_PUSH;
    } else {
        act = ledger_diff_action(rec->srv_body.ptr, rec->reference_id, p, &l->upd);
        oc = act == LA_UPDATE ? LSO_UPDATE : act == LA_REPUSH ? LSO_REPUSH : LSO_UNCHANGED;
    }
    a_int(&a, 1, rec->id);
    a_permit(&a, p);
    a_txt(&a, 15, "");
    a_txt(&a, 16, hash);
    a_txt(&a, 17, "");
    a_txt(&a, 18, act == LA_NONE ? "pushed" : hold ? "held" : "pending");
    a_txt(&a, 19, ledger_action_name(act));
    a_txt(&a, 20, act == LA_UPDATE ? l->upd.ptr : NULL);
    a_txt(&a, 21, now);
    a_int(&a, 22, l->run);
    a_txt(&a, 23, act == LA_NONE ? "unchanged" : hold ? "held"
                  : act == LA_PUSH ? "push" : ledger_action_name(act));
    if (!(prev = prev_body(l, rec)))
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    a_txt(&a, 24, prev);
    *out = oc;
    if (write_st(l, LSW_RESTAGE, &a, err) < 0)
        return -1;
    return oc == LSO_UNLINKED ? ledger_fail_unlinked(l, rec->id, 0, err) : 0;
}

int ledger_tmp_add(struct ledger *l, const struct permit *p, struct etl_err *err)
{
    if (!l->ops->tmp_add)
        return missing(l, "ledger_tmp_add", err);
    return l->ops->tmp_add(l, p, err);
}

int ledger_tmp_next(struct ledger *l, int64_t *cursor, struct permit *p, struct buf *src,
                    struct etl_err *err)
{
    if (!l->ops->tmp_next)
        return missing(l, "ledger_tmp_next", err);
    return l->ops->tmp_next(l, cursor, p, src, err);
}

int ledger_tmp_clear(struct ledger *l, struct etl_err *err)
{
    if (!l->ops->tmp_clear)
        return missing(l, "ledger_tmp_clear", err);
    return l->ops->tmp_clear(l, err);
}

static int query(struct ledger *l, enum ledger_query q, const struct ledger_args *a,
                 const char *what, int (*fn)(void *ctx, const struct ledger_row *w),
                 void *ctx, struct etl_err *err);

struct rec_walk {
    ledger_rec_fn fn;
    void *ctx;
    struct ledger_rec *one;    /* a get: the record goes here, one row read */
    struct ledger_rec r;
    int found, nomem;
    int raw;                   /* texts left unbuilt (staging's own reads) */
};

static int rec_row(void *ctx, const struct ledger_row *w)
{
    struct rec_walk *rw = ctx;
    struct ledger_rec *r = rw->one ? rw->one : &rw->r;

    if ((rw->raw ? decode_raw(w, r) : ledger_decode_rec(w, r)) < 0) {
        rw->nomem = 1;
        return 1;
    }
    rw->found = 1;
    return rw->one ? 1 : rw->fn(rw->ctx, r) != 0;
}

/* Records of query q: to fn one by one (its non-zero stops; 0 or -1), or
 * the first into *one (1 found, 0 none, -1). */
static int recs(struct ledger *l, enum ledger_query q, const struct ledger_args *a,
                ledger_rec_fn fn, void *ctx, struct ledger_rec *one, struct etl_err *err)
{
    struct rec_walk rw = { fn, ctx, one, { 0 }, 0, 0, 0 };
    int rc;

    ledger_rec_init(&rw.r);
    rc = query(l, q, a, "read", rec_row, &rw, err);
    ledger_rec_release(&rw.r);
    if (rc == 0 && rw.nomem)
        rc = etl_fail(err, E_NOMEM, "ledger: out of memory");
    return rc < 0 ? -1 : one ? rw.found : 0;
}

/* A STAGE_BRIEF row into the staging record (ledger_backend.h). */
static int brief_row(void *ctx, const struct ledger_row *w)
{
    struct rec_walk *rw = ctx;
    struct ledger_rec *r = rw->one;

    r->id = w->num(w->row, 0);
    d_copy(w, 1, r->hash, sizeof(r->hash));
    r->state = (enum ledger_state)ledger_state_parse(d_text(w, 2));
    r->action = (enum ledger_action)ledger_action_parse(d_text(w, 3));
    if (d_buf(w, 4, &r->source) < 0) {
        rw->nomem = 1;
        return 1;
    }
    r->p.source = r->source.ptr ? r->source.ptr : "";
    r->p.line = (long)w->num(w->row, 5);
    r->p.voided = (int)w->num(w->row, 6);
    rw->found = 1;
    return 1;
}

/* Staging's own read of key's record through query q (GET_KEY, its texts
 * left unbuilt, or STAGE_BRIEF): 1/0/-1. A backend that reads records for
 * staging itself (stage_get) gives the whole record. Not query(): a
 * pending touch range stays pending (ledger_stage() flushes it when it
 * meets one of its rows). */
static int stage_read(struct ledger *l, enum ledger_query q, const char *key,
                      struct ledger_rec *r, struct etl_err *err)
{
    struct ledger_args a = { 0 };
    struct rec_walk rw = { NULL, NULL, r, { 0 }, 0, 0, 1 };
    int rc;

    if (l->ops->stage_get)
        return l->ops->stage_get(l, key, r, err);
    if (!l->ops->query)
        return missing(l, "ledger_stage", err);
    a_txt(&a, 1, key);
    rc = l->ops->query(l, q, &a, "read", q == LQ_STAGE_BRIEF ? brief_row : rec_row, &rw, err);
    if (rc == 0 && rw.nomem)
        rc = etl_fail(err, E_NOMEM, "ledger: out of memory");
    return rc < 0 ? -1 : rw.found;
}

static int count_row(void *ctx, const struct ledger_row *w)
{
    *(long *)ctx = (long)w->num(w->row, 0);
    return 1;
}

static long count(struct ledger *l, enum ledger_query q, const struct ledger_args *a,
                  struct etl_err *err)
{
    long n = -1;

    if (query(l, q, a, "count", count_row, &n, err) < 0)
        return -1;
    if (n < 0)
        return etl_fail(err, E_DB, "ledger: count: no answer");
    return n;
}

int ledger_get(struct ledger *l, const char *key, struct ledger_rec *r, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_txt(&a, 1, key);
    return recs(l, LQ_GET_KEY, &a, NULL, NULL, r, err);
}

int ledger_get_by_ref(struct ledger *l, const char *ref, struct ledger_rec *r, struct
                      etl_err *err)
{
    struct ledger_args a = { 0 };

    a_txt(&a, 1, ref);
    return recs(l, LQ_GET_REF, &a, NULL, NULL, r, err);
}

int ledger_get_by_id(struct ledger *l, int64_t id, struct ledger_rec *r, struct etl_err
                     *err)
{
    struct ledger_args a = { 0 };

    a_int(&a, 1, id);
    return recs(l, LQ_GET_ID, &a, NULL, NULL, r, err);
}

int ledger_next_pending(struct ledger *l, int64_t *cursor, struct ledger_rec *r, struct
                        etl_err *err)
{
    if (!l->ops->next_pending)
        return missing(l, "ledger_next_pending", err);
    return l->ops->next_pending(l, cursor, r, err);
}

long ledger_count_state(struct ledger *l, enum ledger_state s, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_txt(&a, 1, ledger_state_name(s));
    return count(l, LQ_COUNT_STATE, &a, err);
}

long ledger_recover_sending(struct ledger *l, struct etl_err *err)
{
    if (!l->ops->recover_sending)
        return missing(l, "ledger_recover_sending", err);
    return l->ops->recover_sending(l, err);
}

long ledger_retry_failed(struct ledger *l, struct etl_err *err)
{
    if (!l->ops->retry_failed)
        return missing(l, "ledger_retry_failed", err);
    return l->ops->retry_failed(l, err);
}

int ledger_each_held(struct ledger *l, int (*fn)(void *ctx, struct ledger_rec *rec, struct
                     etl_err *err), void *ctx, struct etl_err *err)
{
    if (!l->ops->each_held)
        return missing(l, "ledger_each_held", err);
    return l->ops->each_held(l, fn, ctx, err);
}

int ledger_mark_sending(struct ledger *l, int64_t id, int after_doubt, struct etl_err *err)
{
    if (!l->ops->mark_sending)
        return missing(l, "ledger_mark_sending", err);
    return l->ops->mark_sending(l, id, after_doubt, err);
}

int ledger_done_ok(struct ledger *l, int64_t id, enum ledger_action act, const char *ref,
                   int *more, struct etl_err *err)
{
    if (!l->ops->done_ok)
        return missing(l, "ledger_done_ok", err);
    return l->ops->done_ok(l, id, act, ref, more, err);
}

int ledger_done_not_found(struct ledger *l, int64_t id, enum ledger_action act, const char
                          *msg, int *more, struct etl_err *err)
{
    if (!l->ops->done_not_found)
        return missing(l, "ledger_done_not_found", err);
    return l->ops->done_not_found(l, id, act, msg, more, err);
}

int ledger_done_failed(struct ledger *l, int64_t id, const char *msg, int doubt,
                       struct etl_err *err)
{
    if (!l->ops->done_failed)
        return missing(l, "ledger_done_failed", err);
    return l->ops->done_failed(l, id, msg, doubt, err);
}

int ledger_fail_unlinked(struct ledger *l, int64_t id, int voided, struct etl_err *err)
{
    if (!l->ops->fail_unlinked)
        return missing(l, "ledger_fail_unlinked", err);
    return l->ops->fail_unlinked(l, id, voided, err);
}

int ledger_done_retry(struct ledger *l, int64_t id, int in_doubt, const char *msg, struct
                      etl_err *err)
{
    if (!l->ops->done_retry)
        return missing(l, "ledger_done_retry", err);
    return l->ops->done_retry(l, id, in_doubt, msg, err);
}

int ledger_admin_update(struct ledger *l, int64_t id, const char *upd, const char *target,
                        struct etl_err *err)
{
    if (!l->ops->admin_update)
        return missing(l, "ledger_admin_update", err);
    return l->ops->admin_update(l, id, upd, target, err);
}

int ledger_admin_delete(struct ledger *l, int64_t id, struct etl_err *err)
{
    if (!l->ops->admin_delete)
        return missing(l, "ledger_admin_delete", err);
    return l->ops->admin_delete(l, id, err);
}

int ledger_file_get(struct ledger *l, const char *path, struct ledger_file *f, struct
                    etl_err *err)
{
    if (!l->ops->file_get)
        return missing(l, "ledger_file_get", err);
    return l->ops->file_get(l, path, f, err);
}

int ledger_file_put(struct ledger *l, const char *path, const struct ledger_file *f, struct
                    etl_err *err)
{
    if (!l->ops->file_put)
        return missing(l, "ledger_file_put", err);
    return l->ops->file_put(l, path, f, err);
}

int ledger_file_update_final(struct ledger *l, const char *path, int *final, struct etl_err
                             *err)
{
    if (!l->ops->file_update_final)
        return missing(l, "ledger_file_update_final", err);
    return l->ops->file_update_final(l, path, final, err);
}

int ledger_list(struct ledger *l, const struct ledger_filter *f, ledger_rec_fn fn, void
                *ctx, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_txt(&a, 1, f->state >= 0 ? ledger_state_name((enum ledger_state)f->state) : NULL);
    a_txt(&a, 2, f->plate);
    a_txt(&a, 3, f->file);
    a_int(&a, 4, f->resent ? 1 : 0);
    return recs(l, LQ_LIST, &a, fn, ctx, NULL, err);
}

int ledger_each_run(struct ledger *l, int64_t run, ledger_rec_fn fn, void *ctx, struct
                    etl_err *err)
{
    struct ledger_args a = { 0 };

    struct rec_walk rw = { fn, ctx, NULL, { 0 }, 0, 0, 1 };
    int rc;

    /* the tallies and the report read fields and states only: the texts
     * are not built (ledger.h) */
    a_int(&a, 1, run);
    ledger_rec_init(&rw.r);
    rc = query(l, LQ_RUN_RECS, &a, "read", rec_row, &rw, err);
    ledger_rec_release(&rw.r);
    if (rc == 0 && rw.nomem)
        rc = etl_fail(err, E_NOMEM, "ledger: out of memory");
    return rc < 0 ? -1 : 0;
}

long ledger_count_earlier_attention(struct ledger *l, int64_t run, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_int(&a, 1, run);
    return count(l, LQ_EARLIER_ATTN, &a, err);
}

int ledger_each_in_range(struct ledger *l, long long from, long long to, ledger_rec_fn fn,
                         void *ctx, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_int(&a, 1, from);
    a_int(&a, 2, to);
    return recs(l, LQ_RANGE, &a, fn, ctx, NULL, err);
}

int ledger_prune(struct ledger *l, long long before, long *removed, struct etl_err *err)
{
    if (!l->ops->prune)
        return missing(l, "ledger_prune", err);
    return l->ops->prune(l, before, removed, err);
}

void ledger_rollback(struct ledger *l)
{
    l->touch_lo = 0;
    if (l->ops->rollback)
        l->ops->rollback(l);
}

void ledger_set_run(struct ledger *l, int64_t run)
{
    l->run = run;
}

void ledger_set_claim(struct ledger *l, int window, int timeout_s)
{
    l->window = window > 0 ? window : 1;
    l->timeout_s = timeout_s > 0 ? timeout_s : 1;
}

long ledger_lost_outcomes(const struct ledger *l)
{
    return l ? l->lost : 0;
}

const char *ledger_backend_name(const struct ledger *l)
{
    return l->ops->name;
}

int ledger_file_lock(struct ledger *l, const char *path, int *got, struct etl_err *err)
{
    *got = 1;          /* a backend without one: the run lock covers files */
    return l->ops->file_lock ? l->ops->file_lock(l, path, got, err) : 0;
}

void ledger_file_unlock(struct ledger *l, const char *path)
{
    if (l->ops->file_unlock)
        l->ops->file_unlock(l, path);
}

int ledger_keepalive(struct ledger *l, struct etl_err *err)
{
    return l->ops->keepalive ? l->ops->keepalive(l, err) : 0;
}

int ledger_wait_others(struct ledger *l, int *more, struct etl_err *err)
{
    *more = 0;
    return l->ops->wait_others ? l->ops->wait_others(l, more, err) : 0;
}

int ledger_is_uri(const char *path)
{
    return path && (!strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11));
}

struct ledger *ledger_open(const char *path, int flags, struct etl_err *err)
{
    struct ledger *l = ledger_is_uri(path) ? ledger_pg_open(path, flags, err)
                                           : ledger_sqlite_open(path, flags, err);

    if (l)
        ledger_set_claim(l, 8, 30);
    return l;
}

void ledger_close(struct ledger *l)
{
    if (!l)
        return;
    buf_release(&l->body);
    buf_release(&l->prev);
    buf_release(&l->upd);
    ledger_rec_release(&l->rec);
    l->ops->close(l);
}

int ledger_schema_version(const char *path, int *version, struct etl_err *err)
{
    return ledger_is_uri(path) ? ledger_pg_schema_version(path, version, err)
                               : ledger_sqlite_schema_version(path, version, err);
}

/* --- settlements, rejected rows, silent zones ------------------------------ */

static int query(struct ledger *l, enum ledger_query q, const struct ledger_args *a,
                 const char *what, int (*fn)(void *ctx, const struct ledger_row *w),
                 void *ctx, struct etl_err *err)
{
    if (!l->ops->query)
        return missing(l, what, err);
    /* what is read or written next sees the rows touched so far */
    if (touch_flush(l, err) < 0)
        return -1;
    return l->ops->query(l, q, a, what, fn, ctx, err);
}

static int clear_file(struct ledger *l, enum ledger_query q, const char *file,
                      struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_txt(&a, 1, file);
    return query(l, q, &a, "clear a file's lines", NULL, NULL, err);
}

static int money_add(struct ledger *l, enum ledger_query q, const struct ledger_money_line *m,
                     const char *what, struct etl_err *err)
{
    struct ledger_args a = { 0 };

    a_txt(&a, 1, m->file);
    a_int(&a, 2, m->line);
    a_txt(&a, 3, m->day);
    a_txt(&a, 4, m->vendor);
    a_txt(&a, 5, currency_name(m->currency));
    a_int(&a, 6, m->cents);
    if (q == LQ_REJROW_ADD)
        a_txt(&a, 7, m->reason ? m->reason : "");
    else if (m->count >= 0)
        a_int(&a, 7, m->count);
    else
        a_txt(&a, 7, NULL);
    a_int(&a, 8, m->run);
    return query(l, q, &a, what, NULL, NULL, err);
}

int ledger_settle_clear(struct ledger *l, const char *file, struct etl_err *err)
{
    return clear_file(l, LQ_SETTLE_CLEAR, file, err);
}

int ledger_settle_add(struct ledger *l, const struct ledger_money_line *m, struct etl_err *err)
{
    return money_add(l, LQ_SETTLE_ADD, m, "write a settlement line", err);
}

int ledger_rejrow_clear(struct ledger *l, const char *file, struct etl_err *err)
{
    return clear_file(l, LQ_REJROW_CLEAR, file, err);
}

int ledger_rejrow_add(struct ledger *l, const struct ledger_money_line *m, struct etl_err *err)
{
    return money_add(l, LQ_REJROW_ADD, m, "write a rejected row", err);
}

struct money_walk {
    ledger_money_fn fn;
    void *ctx;
    int rejrow;
};

/* A row of SETTLE_RANGE / REJROW_RANGE into a money line for the caller. */
static int money_row(void *ctx, const struct ledger_row *w)
{
    struct money_walk *mw = ctx;
    struct ledger_money_line m;
    size_t n;

    memset(&m, 0, sizeof(m));
    m.file = d_text(w, 0);
    m.line = (long)w->num(w->row, 1);
    m.day = w->text(w->row, 2, &n);
    m.vendor = d_text(w, 3);
    m.currency = ledger_currency_parse(d_text(w, 4));
    m.cents = w->num(w->row, 5);
    m.count = -1;
    if (mw->rejrow)
        m.reason = d_text(w, 6);
    else if (w->text(w->row, 6, &n))
        m.count = (long)w->num(w->row, 6);
    m.run = w->num(w->row, 7);
    return mw->fn(mw->ctx, &m);
}

int ledger_each_settlement(struct ledger *l, const char *day_from, const char *day_to,
                           ledger_money_fn fn, void *ctx, struct etl_err *err)
{
    struct money_walk mw = { fn, ctx, 0 };
    struct ledger_args a = { 0 };

    a_txt(&a, 1, day_from);
    a_txt(&a, 2, day_to);
    return query(l, LQ_SETTLE_RANGE, &a, "read lines", money_row, &mw, err);
}

int ledger_each_rejrow(struct ledger *l, const char *day_from, const char *day_to,
                       int64_t run, ledger_money_fn fn, void *ctx, struct etl_err *err)
{
    struct money_walk mw = { fn, ctx, 1 };
    struct ledger_args a = { 0 };

    a_txt(&a, 1, day_from);
    a_txt(&a, 2, day_to);
    a_int(&a, 3, run);
    return query(l, LQ_REJROW_RANGE, &a, "read lines", money_row, &mw, err);
}

struct count_walk {
    void (*sale)(void *ctx, const char *zone, long long quarter, long count);
    void (*first)(void *ctx, const char *zone, long long first);
    void (*live)(void *ctx, const char *type, const char *zone, const char *zone_status,
                 long count);
    void *ctx;
    long long last;
};

static int sale_row(void *ctx, const struct ledger_row *w)
{
    struct count_walk *cw = ctx;

    cw->sale(cw->ctx, d_text(w, 0), w->num(w->row, 1) * 900, (long)w->num(w->row, 2));
    return 0;
}

static int first_row(void *ctx, const struct ledger_row *w)
{
    struct count_walk *cw = ctx;

    cw->first(cw->ctx, d_text(w, 0), w->num(w->row, 1));
    return 0;
}

static int live_row(void *ctx, const struct ledger_row *w)
{
    struct count_walk *cw = ctx;

    cw->live(cw->ctx, d_text(w, 0), d_text(w, 1), d_text(w, 2), (long)w->num(w->row, 3));
    return 0;
}

static int last_row(void *ctx, const struct ledger_row *w)
{
    ((struct count_walk *)ctx)->last = w->num(w->row, 0);
    return 1;
}

int ledger_sale_counts(struct ledger *l, long long from, long long to,
                       void (*fn)(void *ctx, const char *zone, long long quarter, long count),
                       void *ctx, struct etl_err *err)
{
    struct count_walk cw = { .sale = fn, .ctx = ctx };
    struct ledger_args a = { 0 };

    a_int(&a, 1, from);
    a_int(&a, 2, to);
    return query(l, LQ_SALE_COUNTS, &a, "sale counts", sale_row, &cw, err);
}

int ledger_zone_last_start(struct ledger *l, const char *zone, long long *out,
                           struct etl_err *err)
{
    struct count_walk cw = { .last = 0 };
    struct ledger_args a = { 0 };
    int rc;

    a_txt(&a, 1, zone);
    rc = query(l, LQ_ZONE_LAST, &a, "zone's last start", last_row, &cw, err);
    *out = rc == 0 ? cw.last : 0;
    return rc;
}

int ledger_zone_firsts(struct ledger *l,
                       void (*fn)(void *ctx, const char *zone, long long first),
                       void *ctx, struct etl_err *err)
{
    struct count_walk cw = { .first = fn, .ctx = ctx };

    return query(l, LQ_ZONE_FIRSTS, NULL, "zones' first starts", first_row, &cw, err);
}

int ledger_live_counts(struct ledger *l, void (*fn)(void *ctx, const char *type, const char
                       *zone, const char *zone_status, long count), void *ctx, struct
                       etl_err *err)
{
    struct count_walk cw = { .live = fn, .ctx = ctx };

    return query(l, LQ_LIVE, NULL, "live counts", live_row, &cw, err);
}
