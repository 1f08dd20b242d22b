/* ledger.c — the ledger's storage-independent half (see ledger.h) and the
 * dispatch to its backends (ledger_backend.h). */
#include "ledger_backend.h"
#include "utc.h"

#include <errno.h>
#include <json-c/json.h>
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
/* "YYYY-MM-DDTHH:MM:SS" -> epoch seconds; -1 if malformed. */
static int parse_utc(const char *s, long long *out)
{
    struct tm tm;
    int y, mo, d, h, mi, se;

    if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (long long)timegm(&tm);
    return 0;
}
static int add_member(struct buf *b, int *first, const char *key, const char *val)
{
    if (!val || !*val)
        return 0;
    if (buf_addstr(b, *first ? "\"" : ",\"") < 0 || buf_addstr(b, key) < 0 ||
        buf_addstr(b, "\":\"") < 0 || buf_add_json_str(b, val, strlen(val)) < 0 ||
        buf_addch(b, '"') < 0)
        return -1;
    *first = 0;
    return 0;
}
static void fmt_cents(long long c, char out[24])
{
    snprintf(out, 24, "%lld.%02lld", c / 100, c % 100);
}
static int add_canonical(const struct permit *p, struct buf *out, int *first)
{
    char amount[24], st[24], en[24];

    amount[0] = '\0';
    if (p->cents > 0)
        fmt_cents(p->cents, amount);
    ledger_fmt_utc(p->start, st);
    ledger_fmt_utc(p->end, en);
    if (add_member(out, first, "LicencePlate", p->plate) < 0 ||
        add_member(out, first, "Amount", amount) < 0 ||
        add_member(out, first, "CurrencyID", currency_name(p->currency)) < 0 ||
        add_member(out, first, "startTime", st) < 0 ||
        add_member(out, first, "endTime", en) < 0 ||
        add_member(out, first, "zone", p->zone) < 0 ||
        add_member(out, first, "permitNo", p->permit_no) < 0 ||
        add_member(out, first, "TicketNumber", p->ticket) < 0 ||
        add_member(out, first, "promoCode", p->promo) < 0)
        return -1;
    return 0;
}
int ledger_body(const struct permit *p, struct buf *out)
{
    int first = 1;

    if (buf_addch(out, '{') < 0 || add_canonical(p, out, &first) < 0)
        return -1;
    return buf_addch(out, '}');
}
/* The members the record JSON has after the canonical ones. */
static int add_record_tail(const struct permit *p, struct buf *out, int *first)
{
    const char *zs = zone_status_name(p->zone_status);

    if (add_member(out, first, "_source", p->source ? p->source : "") < 0 ||
        buf_addf(out, ",\"_line\":%ld", p->line) < 0 ||
        add_member(out, first, "_key", p->key) < 0 ||
        add_member(out, first, "_zone_status", zs) < 0)
        return -1;
    return buf_addch(out, '}');
}
/* The record JSON of p from its canonical body (the same leading members):
 * the body without its closing brace, then the tail. */
int ledger_record_from_body(const struct permit *p, const struct buf *body, struct buf *out)
{
    int first = body->len <= 2;

    if (body->len < 2 || buf_add(out, body->ptr, body->len - 1) < 0)
        return -1;
    return add_record_tail(p, out, &first);
}
int ledger_record_json(const struct permit *p, struct buf *out)
{
    int first = 1;

    if (buf_addch(out, '{') < 0 || add_canonical(p, out, &first) < 0)
        return -1;
    return add_record_tail(p, out, &first);
}
/* Copies a JSON string member into dst (cap bytes); "" if absent. */
static void json_str(struct json_object *o, const char *key, char *dst, size_t cap)
{
    struct json_object *v;

    dst[0] = '\0';
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        snprintf(dst, cap, "%s", json_object_get_string(v));
}
static long long parse_cents(const char *s)
{
    long long v = 0;
    int frac = -1;

    for (; *s; s++) {
        if (*s == '.') {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (frac >= 0)
            frac++;
    }
    while (frac >= 0 && frac < 2) {
        v *= 10;
        frac++;
    }
    return v;
}
int ledger_body_parse(const char *body, struct permit *p)
{
    struct json_object *o = json_tokener_parse(body);
    char tmp[64] = { 0 };
    int ret = -1;

    if (!o || !json_object_is_type(o, json_type_object))
        goto out;
    json_str(o, "LicencePlate", p->plate, sizeof(p->plate));
    json_str(o, "Amount", tmp, sizeof(tmp));
    p->cents = tmp[0] ? parse_cents(tmp) : 0;
    json_str(o, "CurrencyID", tmp, sizeof(tmp));
    p->currency = !strcmp(tmp, "CAD") ? CUR_CAD : !strcmp(tmp, "USD") ? CUR_USD : CUR_NONE;
    json_str(o, "startTime", tmp, sizeof(tmp));
    if (parse_utc(tmp, &p->start) < 0)
        goto out;
    json_str(o, "endTime", tmp, sizeof(tmp));
    if (parse_utc(tmp, &p->end) < 0)
        goto out;
    json_str(o, "zone", p->zone, sizeof(p->zone));
    json_str(o, "permitNo", p->permit_no, sizeof(p->permit_no));
    json_str(o, "TicketNumber", p->ticket, sizeof(p->ticket));
    json_str(o, "promoCode", p->promo, sizeof(p->promo));
    ret = p->cents < 0 ? -1 : 0;
out:
    json_object_put(o);
    return ret;
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
    return !strcmp(s, "CAD") ? CUR_CAD : !strcmp(s, "USD") ? CUR_USD : CUR_NONE;
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
 * new body: LA_UPDATE with the changed fields in *upd, or LA_REPUSH.
 */
enum ledger_action ledger_diff_action(const char *srv_body, const char *ref,
                                      const struct permit *p, struct buf *upd)
{
    struct permit s;
    char a[24], b[24];
    int first = 0, changed = 0;

    memset(&s, 0, sizeof(s));
    if (ledger_body_parse(srv_body, &s) < 0)
        return LA_REPUSH;
    if (s.start != p->start || strcmp(s.zone, p->zone) != 0 ||
        strcmp(s.permit_no, p->permit_no) != 0 || strcmp(s.ticket, p->ticket) != 0 ||
        strcmp(s.promo, p->promo) != 0 ||
        (s.cents == 0) != (p->cents == 0))
        return LA_REPUSH;
    buf_reset(upd);
    if (buf_addstr(upd, "\"reference_id\":\"") < 0 ||
        buf_add_json_str(upd, ref, strlen(ref)) < 0 || buf_addch(upd, '"') < 0)
        return LA_REPUSH;
    if (strcmp(s.plate, p->plate) != 0) {
        changed++;
        if (add_member(upd, &first, "LicencePlate", p->plate) < 0)
            return LA_REPUSH;
    }
    if (s.cents != p->cents) {
        changed++;
        fmt_cents(p->cents, a);
        if (add_member(upd, &first, "Amount", a) < 0)
            return LA_REPUSH;
    }
    if (s.currency != p->currency) {
        changed++;
        if (add_member(upd, &first, "CurrencyID", currency_name(p->currency)) < 0)
            return LA_REPUSH;
    }
    if (s.end != p->end) {
        changed++;
        ledger_fmt_utc(p->end, b);
        if (add_member(upd, &first, "endTime", b) < 0)
            return LA_REPUSH;
    }
    return changed ? LA_UPDATE : LA_NONE;   /* LA_NONE: the server has it already */
}
int ledger_rec_unlinked(const struct ledger_rec *rec)
{
    /* a live permit without a reference id is unlinked too (older rows) */
    return rec->unlinked || (rec->srv_body.len > 0 && !rec->reference_id[0]);
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

int ledger_commit(struct ledger *l, struct etl_err *err)
{
    if (!l->ops->commit)
        return missing(l, "ledger_commit", err);
    return l->ops->commit(l, err);
}

int ledger_stage(struct ledger *l, const struct permit *p, int hold, enum
                 ledger_stage_outcome *out, struct etl_err *err)
{
    if (!l->ops->stage)
        return missing(l, "ledger_stage", err);
    return l->ops->stage(l, p, hold, out, err);
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

int ledger_get(struct ledger *l, const char *key, struct ledger_rec *r, struct etl_err *err)
{
    if (!l->ops->get)
        return missing(l, "ledger_get", err);
    return l->ops->get(l, key, r, err);
}

int ledger_get_by_ref(struct ledger *l, const char *ref, struct ledger_rec *r, struct
                      etl_err *err)
{
    if (!l->ops->get_by_ref)
        return missing(l, "ledger_get_by_ref", err);
    return l->ops->get_by_ref(l, ref, r, err);
}

int ledger_get_by_id(struct ledger *l, int64_t id, struct ledger_rec *r, struct etl_err
                     *err)
{
    if (!l->ops->get_by_id)
        return missing(l, "ledger_get_by_id", err);
    return l->ops->get_by_id(l, id, r, err);
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
    if (!l->ops->count_state)
        return missing(l, "ledger_count_state", err);
    return l->ops->count_state(l, s, err);
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
    if (!l->ops->list)
        return missing(l, "ledger_list", err);
    return l->ops->list(l, f, fn, ctx, err);
}

int ledger_each_run(struct ledger *l, int64_t run, ledger_rec_fn fn, void *ctx, struct
                    etl_err *err)
{
    if (!l->ops->each_run)
        return missing(l, "ledger_each_run", err);
    return l->ops->each_run(l, run, fn, ctx, err);
}

long ledger_count_earlier_attention(struct ledger *l, int64_t run, struct etl_err *err)
{
    if (!l->ops->count_earlier_attention)
        return missing(l, "ledger_count_earlier_attention", err);
    return l->ops->count_earlier_attention(l, run, err);
}

int ledger_each_in_range(struct ledger *l, long long from, long long to, ledger_rec_fn fn,
                         void *ctx, struct etl_err *err)
{
    if (!l->ops->each_in_range)
        return missing(l, "ledger_each_in_range", err);
    return l->ops->each_in_range(l, from, to, fn, ctx, err);
}

int ledger_live_counts(struct ledger *l, void (*fn)(void *ctx, const char *type, const char
                       *zone, const char *zone_status, long count), void *ctx, struct
                       etl_err *err)
{
    if (!l->ops->live_counts)
        return missing(l, "ledger_live_counts", err);
    return l->ops->live_counts(l, fn, ctx, err);
}

int ledger_prune(struct ledger *l, long long before, long *removed, struct etl_err *err)
{
    if (!l->ops->prune)
        return missing(l, "ledger_prune", err);
    return l->ops->prune(l, before, removed, err);
}

void ledger_rollback(struct ledger *l)
{
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
    if (l)
        l->ops->close(l);
}

int ledger_schema_version(const char *path, int *version, struct etl_err *err)
{
    return ledger_is_uri(path) ? ledger_pg_schema_version(path, version, err)
                               : ledger_sqlite_schema_version(path, version, err);
}

/* --- settlements, rejected rows, silent zones ------------------------------ */

int ledger_settle_clear(struct ledger *l, const char *file, struct etl_err *err)
{
    if (!l->ops->settle_clear)
        return missing(l, "ledger_settle_clear", err);
    return l->ops->settle_clear(l, file, err);
}

int ledger_settle_add(struct ledger *l, const struct ledger_money_line *m, struct etl_err *err)
{
    if (!l->ops->settle_add)
        return missing(l, "ledger_settle_add", err);
    return l->ops->settle_add(l, m, err);
}

int ledger_rejrow_clear(struct ledger *l, const char *file, struct etl_err *err)
{
    if (!l->ops->rejrow_clear)
        return missing(l, "ledger_rejrow_clear", err);
    return l->ops->rejrow_clear(l, file, err);
}

int ledger_rejrow_add(struct ledger *l, const struct ledger_money_line *m, struct etl_err *err)
{
    if (!l->ops->rejrow_add)
        return missing(l, "ledger_rejrow_add", err);
    return l->ops->rejrow_add(l, m, err);
}

int ledger_each_settlement(struct ledger *l, const char *day_from, const char *day_to,
                           ledger_money_fn fn, void *ctx, struct etl_err *err)
{
    if (!l->ops->each_settlement)
        return missing(l, "ledger_each_settlement", err);
    return l->ops->each_settlement(l, day_from, day_to, fn, ctx, err);
}

int ledger_each_rejrow(struct ledger *l, const char *day_from, const char *day_to,
                       int64_t run, ledger_money_fn fn, void *ctx, struct etl_err *err)
{
    if (!l->ops->each_rejrow)
        return missing(l, "ledger_each_rejrow", err);
    return l->ops->each_rejrow(l, day_from, day_to, run, fn, ctx, err);
}

int ledger_sale_counts(struct ledger *l, long long from, long long to,
                       void (*fn)(void *ctx, const char *zone, long long quarter, long count),
                       void *ctx, struct etl_err *err)
{
    if (!l->ops->sale_counts)
        return missing(l, "ledger_sale_counts", err);
    return l->ops->sale_counts(l, from, to, fn, ctx, err);
}

int ledger_zone_last_start(struct ledger *l, const char *zone, long long *out,
                           struct etl_err *err)
{
    if (!l->ops->zone_last_start)
        return missing(l, "ledger_zone_last_start", err);
    return l->ops->zone_last_start(l, zone, out, err);
}

int ledger_zone_firsts(struct ledger *l,
                       void (*fn)(void *ctx, const char *zone, long long first),
                       void *ctx, struct etl_err *err)
{
    if (!l->ops->zone_firsts)
        return missing(l, "ledger_zone_firsts", err);
    return l->ops->zone_firsts(l, fn, ctx, err);
}
