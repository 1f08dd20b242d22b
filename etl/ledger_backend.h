/*
 * ledger_backend.h — what a ledger backend implements (private to the
 * ledger_*.c files; everyone else uses ledger.h).
 *
 * ledger.c holds what does not depend on the storage (state names, the
 * canonical body, its hash and diff, the void table, the summary buckets)
 * and dispatches every other ledger_* call through `ops`:
 *   ledger_sqlite.c — the embedded default (a file path);
 *   ledger_pg.c     — PostgreSQL (a postgresql:// or postgres:// URI).
 * ledger_open() picks the backend from the path (ledger_is_uri()).
 *
 * A backend's handle starts with `struct ledger` (so a `struct ledger *`
 * is a pointer to the backend's own struct) and fills `ops`. Every op has
 * the signature and the contract of the ledger.h function of that name.
 * An op a backend does not have is NULL: the call fails with E_DB naming
 * the function and the backend, never a crash.
 */
#ifndef ETL_LEDGER_BACKEND_H
#define ETL_LEDGER_BACKEND_H

#include "ledger.h"
#include "permit_json.h"

/* The writes of staging. ledger.c decides (ledger_stage(): the new key,
 * the unchanged one, the changed one, the void x sale table) and hands the
 * backend one of these with its arguments; the backend runs its statement
 * of that name. The row stores neither the body nor the record line
 * (ledger.h, "Stored once"): the body and record arguments are always ''.
 * The restage and the cancelled sale change the permit columns, so they
 * first store in srv_body (and, for the cancelled sale, target) the body
 * the row had when those hold '' (prev: the previous columns' body).
 * Arguments, by position ($n / ?n):
 *   INSERT        1 key, 2-12 permit (ledger_args_permit()), 13 source,
 *                 14 line, 15 body, 16 hash, 17 record, 18 state, 19 now,
 *                 20 run, 21 sale_stage
 *   TOUCH         1 id, 2 source, 3 line, 4 now, 5 run, 6 sale_stage
 *   TOUCH_RANGE   1 first id, 2 last id, 3 now, 4 run (not 0): every row of
 *                 the range seen again unchanged, same source and line
 *                 (last_seen, run, sale_stage 'unchanged')
 *   HELD_PENDING  1 id
 *   RESTAGE       1 id, 2-12 permit, 13 source, 14 line, 15 body, 16 hash,
 *                 17 record, 18 state, 19 action, 20 upd, 21 now, 22 run,
 *                 23 sale_stage, 24 prev
 *   VOID_INSERT   1 key, 2-12 permit, 13 source, 14 line, 15 body,
 *                 16 record, 17 now, 18 void_run
 *   VOID_SET      1 id, 2 state, 3 action, 4 last_error, 5 void_source,
 *                 6 void_line, 7 void_cents, 8 void_currency, 9 void_run,
 *                 10 void_stage, 11 now
 *   CANCEL_SALE   1 id, 2-12 permit, 13 source, 14 line, 15 body,
 *                 16 record, 17 state, 18 now, 19 run, 20 prev */
enum ledger_stage_write { LSW_INSERT, LSW_TOUCH, LSW_HELD_PENDING, LSW_RESTAGE,
                          LSW_VOID_INSERT, LSW_VOID_SET, LSW_CANCEL_SALE, LSW_TOUCH_RANGE,
                          LSW_COUNT };

/* What the write is, for its error message ("stage insert", ...). */
const char *ledger_stage_write_name(enum ledger_stage_write w);

#define LEDGER_ARGS_MAX 24
/* Statement arguments: a text (NULL: SQL NULL) or an integer each. */
struct ledger_args {
    int n;
    struct { const char *s; long long i; int is_int; } v[LEDGER_ARGS_MAX];
};

/* One row of a query result as the backend's driver gives it, read column
 * by column (c from 0): text() the bytes of a column (NULL: SQL NULL, *len
 * set otherwise), num() its integer (0 for NULL). */
struct ledger_row {
    const char *(*text)(const void *row, int c, size_t *len);
    long long   (*num)(const void *row, int c);
    const void  *row;
};
/* Plain queries both backends have, with the same arguments and result
 * columns; ledger.c binds and reads them (struct ledger_ops.query):
 *   SETTLE_CLEAR, REJROW_CLEAR  1 file
 *   SETTLE_ADD, REJROW_ADD      1 file, 2 line, 3 day, 4 vendor, 5 currency,
 *                               6 cents, 7 count (NULL: unknown) / reason, 8 run
 *   SETTLE_RANGE                1 day from, 2 day to   -> the 8 columns above
 *   REJROW_RANGE                1 day from, 2 day to, 3 run -> the same
 *   SALE_COUNTS                 1 from, 2 to -> zone, quarter (start / 900), count
 *   ZONE_LAST                   1 zone -> max start (NULL: none)
 *   ZONE_FIRSTS                 -> zone, min start
 *   LIVE                        -> type, zone, zone status, count (the
 *                                  table live_counts, never a scan)
 *   STAGE_BRIEF                 1 key -> id, hash, state, action, source,
 *                               line, voided (what staging needs to see a
 *                               row unchanged)
 * and the record reads (-> LEDGER_REC_COLS, ascending id) and counts:
 *   GET_KEY 1 key; GET_REF 1 reference id (the live one first); GET_ID 1 id
 *   LIST     1 state, 2 plate, 3 source (NULL: any), 4 only resent_after_doubt
 *   RUN_RECS 1 run (its sales and voids); RANGE 1 from, 2 to (start time)
 *   COUNT_STATE 1 state -> count; EARLIER_ATTN 1 run -> count */
enum ledger_query { LQ_SETTLE_CLEAR, LQ_SETTLE_ADD, LQ_REJROW_CLEAR, LQ_REJROW_ADD,
                    LQ_SETTLE_RANGE, LQ_REJROW_RANGE, LQ_SALE_COUNTS, LQ_ZONE_LAST,
                    LQ_ZONE_FIRSTS, LQ_LIVE, LQ_GET_KEY, LQ_GET_REF, LQ_GET_ID, LQ_LIST,
                    LQ_RUN_RECS, LQ_RANGE, LQ_COUNT_STATE, LQ_EARLIER_ATTN, LQ_STAGE_BRIEF,
                    LQ_COUNT };

struct ledger_ops {
    const char *name;                     /* "sqlite", "postgresql" */
    void (*close)(struct ledger *l);
    int  (*begin)(struct ledger *l, struct etl_err *err);
    int  (*commit)(struct ledger *l, struct etl_err *err);
    void (*rollback)(struct ledger *l);
    /* runs staging write w: 0 or -1 */
    int  (*stage_write)(struct ledger *l, enum ledger_stage_write w,
                        const struct ledger_args *a, struct etl_err *err);
    /* optional: the record of a key being staged (NULL: get) */
    int  (*stage_get)(struct ledger *l, const char *key, struct ledger_rec *r,
                      struct etl_err *err);
    int  (*tmp_add)(struct ledger *l, const struct permit *p, struct etl_err *err);
    int  (*tmp_next)(struct ledger *l, int64_t *cursor, struct permit *p, struct buf *src,
                     struct etl_err *err);
    int  (*tmp_clear)(struct ledger *l, struct etl_err *err);
    int  (*next_pending)(struct ledger *l, int64_t *cursor, struct ledger_rec *r,
                         struct etl_err *err);
    long (*recover_sending)(struct ledger *l, struct etl_err *err);
    long (*retry_failed)(struct ledger *l, struct etl_err *err);
    int  (*each_held)(struct ledger *l,
                      int (*fn)(void *ctx, struct ledger_rec *rec, struct etl_err *err),
                      void *ctx, struct etl_err *err);
    int  (*mark_sending)(struct ledger *l, int64_t id, int after_doubt, struct etl_err *err);
    int  (*done_ok)(struct ledger *l, int64_t id, enum ledger_action act, const char *ref,
                    int *more, struct etl_err *err);
    int  (*done_not_found)(struct ledger *l, int64_t id, enum ledger_action act,
                           const char *msg, int *more, struct etl_err *err);
    int  (*done_failed)(struct ledger *l, int64_t id, const char *msg, int doubt,
                        struct etl_err *err);
    int  (*fail_unlinked)(struct ledger *l, int64_t id, int voided, struct etl_err *err);
    int  (*done_retry)(struct ledger *l, int64_t id, int in_doubt, const char *msg,
                       struct etl_err *err);
    int  (*admin_update)(struct ledger *l, int64_t id, const char *upd, const char *target,
                         struct etl_err *err);
    int  (*admin_delete)(struct ledger *l, int64_t id, struct etl_err *err);
    int  (*file_get)(struct ledger *l, const char *path, struct ledger_file *f,
                     struct etl_err *err);
    int  (*file_put)(struct ledger *l, const char *path, const struct ledger_file *f,
                     struct etl_err *err);
    int  (*file_update_final)(struct ledger *l, const char *path, int *final,
                              struct etl_err *err);
    int  (*file_lock)(struct ledger *l, const char *path, int *got, struct etl_err *err);
    void (*file_unlock)(struct ledger *l, const char *path);
    /* runs plain query q (fn per result row, its non-zero stops; fn NULL:
     * a write); errors name `what`. 0 or -1. */
    int  (*query)(struct ledger *l, enum ledger_query q, const struct ledger_args *a,
                  const char *what, int (*fn)(void *ctx, const struct ledger_row *w),
                  void *ctx, struct etl_err *err);
    int  (*prune)(struct ledger *l, long long before, long *removed, struct etl_err *err);
    int  (*keepalive)(struct ledger *l, struct etl_err *err);
    int  (*wait_others)(struct ledger *l, int *more, struct etl_err *err);
};

/* The common head of every backend's handle (zeroed by the backend's
 * open; ledger_close() releases what ledger.c keeps here). */
struct ledger {
    const struct ledger_ops *ops;
    int64_t run;            /* ledger_set_run() */
    int     window;         /* ledger_set_claim(): records claimed at once */
    int     timeout_s;      /* ledger_set_claim(): a lease is 2 x timeout_s */
    long    lost;           /* ledger_lost_outcomes() */
    /* scratch of ledger_stage(), reused */
    struct buf body, prev, upd;   /* prev: the body a row had (prev_body()) */
    struct ledger_rec rec;
    /* unchanged rows of consecutive ids seen again, written as one
     * TOUCH_RANGE before the next commit or read (touch_flush()) */
    int64_t touch_lo, touch_hi;   /* touch_lo 0: none */
    char    touch_now[24];
};

struct ledger *ledger_sqlite_open(const char *path, int flags, struct etl_err *err);
struct ledger *ledger_pg_open(const char *uri, int flags, struct etl_err *err);
/* The schema version of an existing SQLite ledger file (ledger.h's
 * ledger_schema_version()). */
int ledger_sqlite_schema_version(const char *path, int *version, struct etl_err *err);
/* The schema version of the PostgreSQL ledger at uri (0: no schema yet). */
int ledger_pg_schema_version(const char *uri, int *version, struct etl_err *err);

/* Columns of a full record read, in this order (ledger_decode_rec()). */
#define LEDGER_REC_COLS                                                       \
    "id, key, plate, cents, currency, start_time, end_time, vendor_zone, "   \
    "zone, zone_status, permit_no, ticket, promo, voided, source, line, "    \
    "body, hash, upd, target, srv_body, record, reference_id, state, "       \
    "action, doubt, resent_after_doubt, attempts, last_error, first_seen, "  \
    "last_seen, last_sent, unlinked, run, sale_stage, void_run, void_stage, " \
    "void_source, void_line, void_cents, void_currency, void_sent, pruned"

/* The permit columns of a row from column c on (key, plate, cents,
 * currency, start, end, vendor zone, zone, zone status, permit number,
 * ticket, promo, voided, source (skipped), line). */
void ledger_decode_permit(const struct ledger_row *w, int c, struct permit *p);
/* A row of LEDGER_REC_COLS into r (r->p.source points into r->source);
 * -1: out of memory. */
int ledger_decode_rec(const struct ledger_row *w, struct ledger_rec *r);

/* Shared helpers of the backends (ledger.c). */
void ledger_fmt_utc(long long t, char out[24]);          /* "YYYY-MM-DDTHH:MM:SS" */
void ledger_now_iso(char out[24]);
int  ledger_action_parse(const char *s);                 /* LA_NONE if unknown */
enum currency ledger_currency_parse(const char *s);
enum zone_status ledger_zone_status_parse(const char *s);
/* What the server needs to go from srv_body to p: LA_UPDATE (changed
 * fields in *upd), LA_REPUSH, or LA_NONE (it has it already). */
enum ledger_action ledger_diff_action(const char *srv_body, const char *ref,
                                      const struct permit *p, struct buf *upd);

#endif
