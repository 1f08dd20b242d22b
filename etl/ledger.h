/*
 * ledger.h — the ledger: what was staged, what was sent, what the OPSCOM
 * server currently holds (docs/ARCHITECTURE.md "The ledger"). Two backends
 * behind this one interface (ledger_backend.h, docs/LEDGER.md): SQLite (a
 * file path, the embedded default) and PostgreSQL (a postgresql:// URI,
 * shared by several workers).
 *
 * One row per idempotency key (table `records`):
 *   - the record as staged: its struct permit fields as columns, the
 *     record line (`record`, the --json-out line: ledger_rec_record()) and
 *     the canonical push body (`body`, resolved zone, no token), both
 *     built by permit_json.h, and `hash` = lower-case hex sha256 of `body`.
 *     Stored once (docs/LEDGER.md): the texts are built from the columns
 *     when a row is read; the row stores '' for body, record, target and
 *     srv_body while they are what the columns give;
 *   - what the server has: `srv_body` (the canonical body of the live
 *     permit, NULL when the server has none) and `reference_id`;
 *   - what is to be done: `state` (pending, held, sending, pushed, failed,
 *     deleted), `action` (push, update, delete, repush = delete then push,
 *     none), `upd` (the update request's changed fields), `target` (the
 *     body the server holds once the action succeeded);
 *   - `doubt` (an attempt broke after it was sent and no later answer
 *     settled it, or a failed record's 2xx answer was not a well-formed
 *     success: the next send is a resend after doubt), `unlinked` (the
 *     server has the permit but gave no usable reference id: see
 *     ledger_rec_unlinked()),
 *     `resent_after_doubt`, `attempts`, `last_error`, `source`, `line`,
 *     `voided`, first/last seen, last sent (UTC, ISO 8601), `pruned` (a
 *     plate-free tombstone, ledger_prune()).
 * One row per input file (table `files`): path, size, mtime, sha256, the
 * fingerprint of the zone tables it was staged with (`ctx`), `final`.
 * Table `live_counts`: how many records the server holds per server-side
 * group (type, zone, zone_status; see ledger_live_counts()), kept by
 * triggers on `records` in the same transaction as every change of a row
 * (so always equal to a scan, kill -9 included), read without a scan.
 * (srv_body '' is the row's own body: its permit number and zone.)
 *
 * Final states are pushed, failed and deleted. The content hash changes
 * only when the staged content changes: admin update/delete
 * (ledger_admin_*) change state, reference and srv_body, never the hash,
 * so a rerun on the same file does not undo them.
 *
 * SQLite: WAL, synchronous=NORMAL, auto_vacuum=INCREMENTAL, busy_timeout,
 * schema versioned by PRAGMA user_version (migrations in ledger_sqlite.c, a
 * newer version than this tool knows is refused). Every statement is
 * prepared once at open and reused. Privacy: the ledger file, its
 * -wal/-shm and the lock are created with the private mode of fsutil.h
 * (and missing parent directories too); existing ones are only ever
 * narrowed. The lock: flock() on "<canonical ledger path>.lock"
 * (LEDGER_LOCK; ledger_canonical_path(), so a symlink or another spelling
 * of the path meets the same lock), the holder's pid written into it; a
 * second locker gets E_LOCKED naming that pid.
 *
 * PostgreSQL (ledger_pg.c): the same tables and states in the schema
 * `permit_etl`, versioned by its table schema_version (the same version
 * numbers). No run lock: several workers share the ledger. A worker claims
 * pending records (and `sending` ones whose lease expired: those are in
 * doubt) with FOR UPDATE SKIP LOCKED, `window` at a time, marking them
 * `sending` with its worker id and a lease of 2 x timeout_s by the
 * database's clock; the claim commits before any request leaves (with the
 * caller's next commit). Outcomes are written only while the worker still
 * holds the lease; a lost lease discards the outcome (the record stays in
 * doubt for whoever claims it next). Staging a file holds a session
 * advisory lock on its identity (ledger_file_lock()).
 *
 * Errors: E_DB (SQLite, PostgreSQL), E_NET (PostgreSQL unreachable), E_IO (lock file), E_LOCKED, E_NOMEM, E_USAGE
 * (unknown key/reference). Strings passed in are copied; ledger_rec owns
 * its buffers (ledger_rec_release()).
 */
#ifndef ETL_LEDGER_H
#define ETL_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "permit.h"
#include "sha256.h"

#define LEDGER_SCHEMA_VERSION 7

/* cancelled: a sale whose key has a void, never sent (or nothing left on the
 * server); voided: a void whose sale has not been seen yet (the row holds
 * the void's fields; the sale, when staged, becomes cancelled). */
enum ledger_state { LS_PENDING, LS_HELD, LS_SENDING, LS_PUSHED, LS_FAILED, LS_DELETED,
                    LS_CANCELLED, LS_VOIDED, LS_COUNT };
enum ledger_action { LA_NONE, LA_PUSH, LA_UPDATE, LA_DELETE, LA_REPUSH, LA_COUNT };

const char *ledger_state_name(enum ledger_state s);     /* "pending", ... */
int ledger_state_parse(const char *s);                  /* -1 if unknown */
const char *ledger_action_name(enum ledger_action a);   /* "push", ... "none" */
int ledger_state_final(enum ledger_state s);  /* pushed, failed, deleted, cancelled */

/* ledger_open() flags. */
enum {
    LEDGER_LOCK     = 1,  /* take the run lock (push, update, delete, prune) */
    LEDGER_READONLY = 2,  /* open read-only, no lock (list, show, reports) */
    LEDGER_DRY      = 4   /* copy the ledger (if any) into memory: nothing is
                             ever written to the file (push --dry-run) */
};

/* `path` is a SQLite file, or a postgresql:// (postgres://) URI: the
 * PostgreSQL backend (ledger_pg.c; several workers share it, see below).
 * A URI is never taken as a path. */
struct ledger *ledger_open(const char *path, int flags, struct etl_err *err); /* NULL on error */
int ledger_is_uri(const char *path);                    /* a PostgreSQL URI? */
const char *ledger_backend_name(const struct ledger *l); /* "sqlite", "postgresql" */
/* The ledger's canonical path into out: realpath(path), or when it does
 * not exist yet the realpath of its directory + its base name. The lock
 * is "<canonical>.lock". E_IO (the directory is missing), E_NOMEM. */
int ledger_canonical_path(const char *path, struct buf *out, struct etl_err *err);
/* The SQL of schema migration v (v -> v + 1), NULL past the last one:
 * for tests that build an old ledger. */
const char *ledger_migration_sql(int v);
void ledger_close(struct ledger *l);                    /* NULL-safe; releases the lock */

/* The schema version (PRAGMA user_version) of an existing ledger file,
 * opened read-only: never created, migrated or locked; the `records` table
 * must exist when the version is not 0. A postgresql:// URI: its server is
 * asked (0 when the schema does not exist yet; E_CONFIG for a password in
 * the URI). E_DB (not a database, unreadable). */
int ledger_schema_version(const char *path, int *version, struct etl_err *err);

/* Explicit transactions (staging batches). ledger_* writers outside one
 * commit on their own. */
int ledger_begin(struct ledger *l, struct etl_err *err);
int ledger_commit(struct ledger *l, struct etl_err *err);
void ledger_rollback(struct ledger *l);

/* --- staging ----------------------------------------------------------- */

enum ledger_stage_outcome {
    LSO_NEW,         /* new key: pending push (or held) */
    LSO_UNCHANGED,   /* same content hash: nothing to do */
    LSO_UPDATE,      /* changed plate/amount/currency/end: pending update */
    LSO_REPUSH,      /* other change: pending delete + push */
    LSO_PUSH,        /* changed, but the server has nothing: pending push */
    LSO_VOID_DELETE, /* a void for a linked pushed permit: pending delete */
    LSO_VOID,        /* a void that cancelled a sale never sent: cancelled */
    LSO_VOID_UNMATCHED, /* a void whose sale is not staged: kept as `voided` */
    LSO_VOID_FAILED, /* a void of a permit it cannot delete (in doubt, no usable
                        reference id): the sale failed, check OPSCOM by hand */
    LSO_VOID_UNCHANGED, /* the sale was deleted or cancelled already */
    LSO_CANCELLED,   /* a sale whose key has a void: cancelled, never sent */
    LSO_UNLINKED     /* a change of an unlinked record: failed
                        (LEDGER_UNLINKED_MSG), nothing will be sent */
};

struct ledger_rec;

/* What a void does to the row of its key (the void x sale-state table). */
struct ledger_void_effect {
    enum ledger_stage_outcome outcome;
    enum ledger_state state;        /* the row's new state */
    enum ledger_action action;      /* LA_DELETE or LA_NONE */
    const char *error;              /* last_error to set, NULL: kept */
};
/* The effect of a void on `rec` (NULL: the key has no row yet). Pure: the
 * one place the table lives (unit-tested row by row). */
void ledger_void_effect(const struct ledger_rec *rec, struct ledger_void_effect *out);
/* The reference id of a pushed record is unusable: `unlinked`, or a live
 * permit without a reference id. */
int ledger_rec_unlinked(const struct ledger_rec *rec);

/* The run staging marks records with (ledger_stage() sets `run` of a sale
 * and `void_run` of a void to it): 0 = none (staging leaves them as they
 * are: re-resolving held leftovers of earlier runs). */
void ledger_set_run(struct ledger *l, int64_t run);

/*
 * Stages one record (p->voided for a void row): decides the action per
 * key as docs/ARCHITECTURE.md says. `hold`: the record's zone is disconnected and the
 * config says "hold" — the record becomes `held` instead of `pending`
 * (with the action it will need). Returns 0 and *out, or -1.
 */
int ledger_stage(struct ledger *l, const struct permit *p, int hold,
                 enum ledger_stage_outcome *out, struct etl_err *err);

/* The file-level staging area (SQLite: a spill file, spill.h; PostgreSQL:
 * a TEMP table): records of one input file are parked there until its
 * reject ratio is known, then merged with ledger_stage() (through
 * ledger_tmp_next()) or dropped. */
int ledger_tmp_add(struct ledger *l, const struct permit *p, struct etl_err *err);
/* Reads the parked record after *cursor (0: from the first; the cursor
 * only moves forward) into *p (source points into `src`, which must
 * outlive the use of p); 1 found, 0 none, -1 error. */
int ledger_tmp_next(struct ledger *l, int64_t *cursor, struct permit *p,
                    struct buf *src, struct etl_err *err);
int ledger_tmp_clear(struct ledger *l, struct etl_err *err);

/* --- records ----------------------------------------------------------- */

struct ledger_rec {
    int64_t  id;
    struct permit p;          /* p.source points into `source` */
    struct buf source;
    struct buf body, upd, target, srv_body, record, last_error;
    char     hash[65];
    char     reference_id[64];
    enum ledger_state state;
    enum ledger_action action;
    int      doubt, resent_after_doubt, attempts;
    int      unlinked;        /* on the server, but its reference id is unusable */
    char     first_seen[24], last_seen[24], last_sent[24];
    /* voids: the run that last staged the sale (run) and the void
     * (void_run); what staging decided for the sale ("new", "push",
     * "update", "repush", "unchanged", "cancelled", "held") and the void
     * ("applied", "unchanged"); the void's source file, line and amount;
     * whether a delete request was sent for it. */
    int64_t  run, void_run;
    char     sale_stage[16], void_stage[16];
    struct buf void_source;
    long     void_line;
    long long void_cents;
    enum currency void_currency;
    int      void_sent;
    int      pruned;          /* a tombstone (ledger_prune()) */
    unsigned texts;           /* private to ledger.c: texts not built yet */
};

/* The record line of r into out (reset first): the stored one of a row
 * written before the compact form, else built from r->p; empty for a
 * tombstone. -1: out of memory. */
int ledger_rec_record(const struct ledger_rec *r, struct buf *out);

void ledger_rec_init(struct ledger_rec *r);
void ledger_rec_release(struct ledger_rec *r);          /* frees buffers, reusable */

/* 1 found, 0 not found, -1 error. */
int ledger_get(struct ledger *l, const char *key, struct ledger_rec *r, struct etl_err *err);
int ledger_get_by_ref(struct ledger *l, const char *ref, struct ledger_rec *r,
                      struct etl_err *err);
int ledger_get_by_id(struct ledger *l, int64_t id, struct ledger_rec *r, struct etl_err *err);

/* The next `pending` record after id *cursor (ascending id); 1/0/-1. */
int ledger_next_pending(struct ledger *l, int64_t *cursor, struct ledger_rec *r,
                        struct etl_err *err);
/* Records in state s (not LS_PUSHED: the SQLite state index leaves pushed
 * rows out; -1 with E_INTERNAL). */
long ledger_count_state(struct ledger *l, enum ledger_state s, struct etl_err *err);

/* Start of a run: every `sending` record (the process died while it was in
 * flight) becomes pending with doubt=1; returns how many, -1 on error. */
long ledger_recover_sending(struct ledger *l, struct etl_err *err);
/* --retry-failed: failed -> pending (action kept; doubt kept, so a failure
 * in doubt is resent flagged), never an unlinked record; returns how many. */
long ledger_retry_failed(struct ledger *l, struct etl_err *err);

/* Held records, one by one (ascending id), to re-resolve their zone:
 * `fn` may call ledger_stage() on an updated copy of rec->p. */
int ledger_each_held(struct ledger *l,
                     int (*fn)(void *ctx, struct ledger_rec *rec, struct etl_err *err),
                     void *ctx, struct etl_err *err);

/* --- push transitions (each commits unless inside ledger_begin) --------- */

/* Before an attempt leaves: state sending, attempts+1, last_sent=now;
 * resent_after_doubt set when `after_doubt` or the record's doubt flag. */
int ledger_mark_sending(struct ledger *l, int64_t id, int after_doubt, struct etl_err *err);
/* 2xx success of the record's current action. For a repush's delete phase
 * the record goes back to pending with action push (*more = 1); on
 * PostgreSQL it stays `sending`, claimed by this worker for its push.
 * On PostgreSQL every outcome needs this worker's lease on the record
 * (ledger_mark_sending() takes or renews it): without it nothing is
 * written (the outcome is discarded, *more = 0). */
int ledger_done_ok(struct ledger *l, int64_t id, enum ledger_action act, const char *ref,
                   int *more, struct etl_err *err);
/* 404/9009: a delete is already gone (deleted; a repush goes on with its
 * push, *more = 1); an update fails with msg. */
int ledger_done_not_found(struct ledger *l, int64_t id, enum ledger_action act,
                          const char *msg, int *more, struct etl_err *err);
/* Permanent failure: failed with msg; `doubt` set when the answer leaves
 * the outcome in doubt (a 2xx that is not a well-formed success): then
 * --retry-failed resends it flagged resent_after_doubt. */
int ledger_done_failed(struct ledger *l, int64_t id, const char *msg, int doubt,
                       struct etl_err *err);

/* Unlinked records: the permit is on the server but its reference id is
 * unusable (or missing), so it can never be updated or deleted through
 * the API. Nothing ever sends such a record again (not --retry-failed):
 * a change, delete or void of it becomes `failed` with this message. */
#define LEDGER_UNLINKED_MSG "no usable reference id: change it in OPSCOM by hand"
/* Makes record id `failed` with LEDGER_UNLINKED_MSG (voided: also marks
 * it voided), action none; it stays unlinked. */
int ledger_fail_unlinked(struct ledger *l, int64_t id, int voided, struct etl_err *err);
/* No final answer (attempts ran out, run aborted): pending again; doubt
 * kept set when `in_doubt` (the next send is flagged). */
int ledger_done_retry(struct ledger *l, int64_t id, int in_doubt, const char *msg,
                      struct etl_err *err);

/* --- admin ------------------------------------------------------------- */

/* Prepares an admin update of a pushed record: `upd` = the changed fields
 * (JSON members, canonical keys, reference_id included), `target` = the
 * server's body once applied. State pending, action update; hash kept. */
int ledger_admin_update(struct ledger *l, int64_t id, const char *upd, const char *target,
                        struct etl_err *err);
/* Prepares an admin delete: pending, action delete; hash kept. */
int ledger_admin_delete(struct ledger *l, int64_t id, struct etl_err *err);

/* --- files ------------------------------------------------------------- */

struct ledger_file {
    long long size, mtime;
    char sha256[65];
    char ctx[65];
    int  final;
};
/* 1 found, 0 not, -1 error. */
int ledger_file_get(struct ledger *l, const char *path, struct ledger_file *f,
                    struct etl_err *err);
int ledger_file_put(struct ledger *l, const char *path, const struct ledger_file *f,
                    struct etl_err *err);
/* Sets `final` = no record staged from path is in a non-final state;
 * *final receives it. */
int ledger_file_update_final(struct ledger *l, const char *path, int *final,
                             struct etl_err *err);

/* --- queries (ledger list, reports) ----------------------------------- */

struct ledger_filter {
    int         state;   /* -1: any */
    const char *plate;   /* NULL: any */
    const char *file;    /* source path; NULL: any */
    int         resent;  /* 1: only resent_after_doubt */
};
typedef int (*ledger_rec_fn)(void *ctx, const struct ledger_rec *r);

/* Calls fn per matching record (ascending id); fn's non-zero stops. */
int ledger_list(struct ledger *l, const struct ledger_filter *f, ledger_rec_fn fn,
                void *ctx, struct etl_err *err);
/* Records of run `run` (its sales and its voids), ascending id; their
 * body, target and srv_body are not built (fields, states and
 * ledger_rec_unlinked() only). */
int ledger_each_run(struct ledger *l, int64_t run, ledger_rec_fn fn, void *ctx,
                    struct etl_err *err);

/* The summary buckets (one per row of the run): what became of each sale
 * and each void staged by `run`, judged from its record after the run. */
enum ledger_sale_bucket { LB_S_PUSHED, LB_S_UPDATED, LB_S_REPUSHED, LB_S_UNCHANGED,
                          LB_S_CANCELLED, LB_S_HELD, LB_S_FAILED, LB_S_PENDING,
                          LB_S_COUNT };
enum ledger_void_bucket { LB_V_CANCELLING, LB_V_DELETED, LB_V_UNMATCHED, LB_V_FAILED,
                          LB_V_PENDING, LB_V_UNCHANGED, LB_V_COUNT };
/* -1 when r holds no sale (void bucket: no void) of run `run`. */
int ledger_sale_bucket(const struct ledger_rec *r, int64_t run);
int ledger_void_bucket(const struct ledger_rec *r, int64_t run);
/* Records held or failed that no sale or void of `run` touched. */
long ledger_count_earlier_attention(struct ledger *l, int64_t run, struct etl_err *err);

/* Records whose start time is in [from, to) (UTC epoch seconds). */
int ledger_each_in_range(struct ledger *l, long long from, long long to, ledger_rec_fn fn,
                         void *ctx, struct etl_err *err);
/* Live (on the server: srv_body not NULL) permits per (type, zone,
 * zone_status): type "standard" (sent with a permitNo) or "temp"; zone as
 * the server has it; zone_status the record's when the server's zone is
 * the record's zone, else "". Ordered by the three; no group of 0. For the
 * "OPSCOM Stats" sheet and `stats`. Read from the table `live_counts`:
 * O(groups), whatever the ledger's size (PostgreSQL: plus the delta rows
 * written since the last fold, docs/LEDGER.md). */
int ledger_live_counts(struct ledger *l,
                       void (*fn)(void *ctx, const char *type, const char *zone,
                                  const char *zone_status, long count),
                       void *ctx, struct etl_err *err);

/* --- settlements, rejected rows, silent zones --------------------------
 * Table `settlements`: one row per (file, line) of a settlement file (what
 * a processor says it settled for a business day, vendor and currency).
 * Table `rejected_rows`: one row per (file, line) of a rejected sale row
 * whose amount and currency could be read, without its plate (the
 * reconciliation explains differences with them). Both are replaced per
 * file: *_clear(file) then *_add() for each line (inside ledger_begin or
 * each committing on its own). Plain SQL, no backend-specific functions. */
struct ledger_money_line {
    const char   *file;
    long          line;
    const char   *day;       /* business day YYYY-MM-DD; NULL: unknown (rejected rows) */
    const char   *vendor;    /* record profile name */
    enum currency currency;  /* CUR_CAD or CUR_USD */
    long long     cents;     /* settlements may be negative */
    long          count;     /* settlements: the settled count, -1 not given */
    const char   *reason;    /* rejected rows: the first rejected field and reason */
    int64_t       run;       /* the run that read it (0: none) */
};
/* fn's non-zero stops the walk (not an error); strings valid for the call. */
typedef int (*ledger_money_fn)(void *ctx, const struct ledger_money_line *m);

int ledger_settle_clear(struct ledger *l, const char *file, struct etl_err *err);
int ledger_settle_add(struct ledger *l, const struct ledger_money_line *m, struct etl_err *err);
/* Settlement lines with day in [day_from, day_to] (YYYY-MM-DD, text
 * order), ordered by day, vendor, currency, file, line. */
int ledger_each_settlement(struct ledger *l, const char *day_from, const char *day_to,
                           ledger_money_fn fn, void *ctx, struct etl_err *err);
int ledger_rejrow_clear(struct ledger *l, const char *file, struct etl_err *err);
int ledger_rejrow_add(struct ledger *l, const struct ledger_money_line *m, struct etl_err *err);
/* Rejected rows with day in [day_from, day_to], plus those of unknown day
 * read by run `run` (run 0: none), ordered by day (unknown first). */
int ledger_each_rejrow(struct ledger *l, const char *day_from, const char *day_to,
                       int64_t run, ledger_money_fn fn, void *ctx, struct etl_err *err);
/* Sales (records in any state but `voided`) whose start time is in [from,
 * to) (UTC seconds), counted per (zone, quarter hour): fn gets the zone as
 * pushed, the quarter hour's UTC start (a multiple of 900) and the count.
 * One grouped query (GROUP BY zone, start_time / 900). */
int ledger_sale_counts(struct ledger *l, long long from, long long to,
                       void (*fn)(void *ctx, const char *zone, long long quarter, long count),
                       void *ctx, struct etl_err *err);
/* Per zone (as pushed), the earliest start time of its records in the
 * ledger (any state): one grouped query (GROUP BY zone, index-only). */
int ledger_zone_firsts(struct ledger *l,
                       void (*fn)(void *ctx, const char *zone, long long first),
                       void *ctx, struct etl_err *err);
/* The latest start time of the zone's sales in the ledger; 0 when none. */
int ledger_zone_last_start(struct ledger *l, const char *zone, long long *out,
                           struct etl_err *err);

/*
 * Prunes final records (pushed, failed, deleted, cancelled; never pending,
 * sending, held or voided) whose end time is before `before` (UTC epoch
 * seconds); *removed receives how many. A pruned record becomes a plate-free tombstone: the
 * plate, the record JSON, the body, upd and last_error are dropped, the
 * plate is removed from srv_body, target is dropped; the key, hash, state,
 * reference id, zone (type, as srv_body's permitNo says), amount, currency,
 * start and end times (so the business day), source and line stay, and
 * `pruned` is set. So:
 *   - an unchanged old record staged again has the same hash: nothing;
 *   - a changed one is restaged like any record (it becomes a full record
 *     again): the kept reference id and server body make it an update or a
 *     delete-then-push of the one live permit, never a second push;
 *   - `stats` live counts and period reports (ledger_each_in_range(): the
 *     tombstone's plate is "") still count it; --retry-failed skips it.
 * Works in short transactions (ids in batches) and then gives the freed
 * pages back with incremental_vacuum steps and a WAL checkpoint. Must not
 * be called inside ledger_begin(). 0 or -1.
 */
int ledger_prune(struct ledger *l, long long before, long *removed, struct etl_err *err);

/* --- several workers (PostgreSQL; on SQLite the run lock makes a worker
 * alone, and these are no-ops) -------------------------------------------- */

/* The claim: records are claimed `window` at a time (the in-flight
 * window), for a lease of 2 x timeout_s by the database's clock. Default 8
 * and 30. */
void ledger_set_claim(struct ledger *l, int window, int timeout_s);
/* Takes the lock on a file's identity (its canonical path) for staging it;
 * *got = 0: another worker is staging it now (skip it this run). Held
 * until ledger_file_unlock() or the end of the session. */
int ledger_file_lock(struct ledger *l, const char *path, int *got, struct etl_err *err);
void ledger_file_unlock(struct ledger *l, const char *path);
/* Renews this worker's leases when half a lease has passed since the last
 * renewal (call it often while requests are in flight). */
int ledger_keepalive(struct ledger *l, struct etl_err *err);
/* This worker found nothing to claim: waits (at most one lease) while
 * records are leased by other workers; *more = 1 when some became
 * claimable (their worker died or gave them back). */
int ledger_wait_others(struct ledger *l, int *more, struct etl_err *err);
/* Outcomes this worker discarded since the open because its lease on the
 * record was lost (it stalled longer than a lease and another worker may
 * hold the record now): nothing was written for them, the record is in
 * doubt and whoever claims it resends it flagged resent_after_doubt.
 * Always 0 on SQLite. */
long ledger_lost_outcomes(const struct ledger *l);

#endif
