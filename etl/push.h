/*
 * push.h — the push engine: stages input files in the ledger, then sends
 * everything pending to OPSCOM and records each outcome as it arrives
 * (docs/ARCHITECTURE.md "The ledger").
 *
 * A run, driven by the caller (cmd_push.c, cmd_run.c):
 *
 *   p = push_new(ledger, &opts, err);
 *   push_begin(p, err);             // `sending` leftovers -> pending + doubt,
 *                                   // --retry-failed, held records re-resolved
 *   for each file:
 *     push_file_check(p, path, &skip, err);   // unchanged and processed: skip
 *     push_file_begin(p, path, err);
 *     ingest_file(in, path, &sink, &st, err); // sink from push_sink(); its
 *                                             // callbacks may be teed
 *     push_file_end(p, path, &st, err);       // reject ratio; merge or drop
 *   push_send(p, runner, transport, err);     // runner = opscom_run
 *   push_finish(p, err);                      // files' final flags
 *   push_counts(p), push_exit_code(p, ...)
 *   push_free(p);
 *
 * Staging: accepted records of a file are parked (ledger_tmp_add(): a
 * spill file on SQLite, a TEMP table on PostgreSQL) while the file is
 * read; when it ends, the
 * file's reject ratio (rejected / rows) is checked: over max_reject_ratio
 * (and not --force) its records are dropped ("not pushed", exit 1); else
 * each is merged into the ledger with ledger_stage() (batch_size per
 * transaction), which decides push / nothing / update / delete+push /
 * delete (void) / held per key.
 *
 * Sending: pull model on the opscom.h hooks; every `pending` record of the
 * ledger (leftovers of earlier runs included) becomes a job: push (body),
 * update (changed fields + reference id), delete (reference id), or
 * delete then push (the push is queued again in the same run after the
 * delete succeeded or found nothing). `sending` is committed in on_send
 * before each attempt leaves; each outcome is committed in on_done as it
 * arrives. A record sent again after doubt (the client's after_doubt, or
 * found `sending`/in doubt at start) is flagged resent_after_doubt.
 * Dry run: the ledger is an in-memory copy (LEDGER_DRY); push_send() sends
 * nothing and counts the plan (plan_* counts, push_plan_text()); with
 * opts.dry_verbose it prints one line per record on opts.dry_out:
 *   would push   KEY plate P zone 'Z' 12.00 CAD START -> END
 *   would update KEY ref REF: plate A -> B, amount 1.00 -> 2.00, end T1 -> T2
 *   would delete KEY ref REF
 *   would repush KEY ... (delete, then push the new content)
 *   would hold   KEY ... (its zone is not known; "disconnected": "hold")
 *
 * The report hooks: opts.log is called once per record this run touched —
 * each record sent (after its final outcome) and each staged record that
 * needed no request (action "none" / "held") — with the "Push Log" fields.
 * Ledger-wide queries for the report are in ledger.h
 * (ledger_live_counts(), ledger_each_in_range()).
 *
 * Errors: E_DB, E_IO, E_NOMEM from the ledger and files; push_send()
 * returns the runner's error (E_AUTH, E_NET) when the run aborted.
 */
#ifndef ETL_PUSH_H
#define ETL_PUSH_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "ingest.h"
#include "ledger.h"
#include "opscom.h"
#include "push_log.h"
#include "run_cause.h"

struct zones;

/* One line of the "Push Log" sheet (push_log.h); the engine gives "" for
 * no reference id or error. */
typedef void (*push_log_fn)(void *ctx, const struct push_log_entry *e);
/* A record of a file over the reject ratio: read, never staged. */
typedef void (*push_unstaged_fn)(void *ctx, const struct permit *p);

struct push_opts {
    int          batch_size;          /* records per staging transaction (config) */
    double       max_reject_ratio;    /* config */
    int          hold_disconnected;   /* config "disconnected": "hold" */
    int          force;               /* --force: ignore the reject ratio */
    int          retry_failed;        /* --retry-failed */
    int          dry_run;             /* plan instead of sending */
    FILE        *dry_out;             /* where the plan's lines go (stdout) */
    int          dry_verbose;         /* -v: one plan line per record */
    const struct zones *zones;        /* to re-resolve held records; may be NULL */
    const char  *ctx_hash;            /* fingerprint of the zone tables and mode
                                         (a changed one re-reads processed files) */
    push_log_fn  log;                 /* may be NULL */
    void        *log_ctx;
    int          partial;             /* run --date: files are read for one day only,
                                         so none is marked processed (not a failure) */
    int64_t      only_id;             /* > 0: send only this record (admin
                                         update/delete); others stay pending */
    push_unstaged_fn unstaged;        /* may be NULL; ctx: log_ctx */
    int          window;              /* config concurrency: records claimed at once */
    long         timeout_s;           /* config: a claim's lease is 2 x timeout_s */
};

struct push_counts {
    long files, files_skipped, files_over_ratio, files_failed;
    long files_busy;            /* another worker was staging it: skipped this run */
    long rows, accepted, rejected, duplicates, voids;      /* from ingest, this run */
    long zone_disconnected, zone_missing;                 /* accepted, this run */
    long staged_new, staged_changed, unchanged, held;     /* staging outcomes */
    long to_send;                                          /* jobs planned */
    long pushed, updated, deleted, failed, retry_later, aborted;
    long resent_after_doubt, in_doubt, retries;
    long failed_doubt;      /* of `failed`: the answer left the outcome in doubt */
    long unreachable;       /* left pending: the last attempt could not reach the API */
    long recovered;                                        /* found `sending` at start */
    long left_pending;                                     /* pending/sending after the run */
    /* The summary buckets, this run's rows only (push_tally()): every sale
     * in one of sales[], or not_pushed (its file was over the reject ratio,
     * or run --date left its day out); every void in one of voids_b[] (a
     * void not staged counts as left pending). */
    long sales[LB_S_COUNT], not_pushed;
    long voids_b[LB_V_COUNT];
    long unlinked;                                         /* this run's sales */
    /* Leftovers of earlier runs sent by this one, and those still held or
     * failed after it ("earlier: ..."; never a cause of exit 1). */
    long earlier_pushed, earlier_updated, earlier_deleted, earlier_failed,
         earlier_pending, earlier_attention;
    int  tallied;
    /* dry run: what a real run would send now (a repush is a delete then a
     * push: a real run counts it in both deleted and pushed) */
    long plan_push, plan_update, plan_delete, plan_repush;
};

/* The client's run function (opscom_run), or a fake in tests. */
typedef int (*push_runner_fn)(void *transport, const struct opscom_hooks *h, void *ctx,
                              struct etl_err *err);

struct push *push_new(struct ledger *l, const struct push_opts *o, struct etl_err *err);
void push_free(struct push *p);                             /* NULL-safe */

int push_begin(struct push *p, struct etl_err *err);

/* Sets *skip = 1 when path was processed (all final), and its size, mtime
 * and sha256 (and the zone fingerprint) are unchanged; *skip = 2 when
 * another worker is staging it now (a shared ledger). Otherwise the file's
 * lock (ledger_file_lock()) is held until push_file_end(). */
int push_file_check(struct push *p, const char *path, int *skip, struct etl_err *err);
/* `path` names the file in the ledger (the caller's canonical path): the
 * files table and every staged record's source; ingest may name it
 * otherwise (the path as given). */
int push_file_begin(struct push *p, const char *path, struct etl_err *err);
/* Counts a file skipped because the run already has it under another name. */
void push_file_same(struct push *p);
/* The ingest sink that parks records in the staging area. */
void push_sink(struct push *p, struct ingest_sink *sink);
/* Sink callbacks, to call from a caller's own (teeing) sink. */
int  push_sink_record(void *p, const struct permit *rec, struct etl_err *err);
void push_sink_reject(void *p, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen);
/* `st` from ingest_file(); `read_ok` 0 when ingest failed on the file
 * (its records are merged but the file is not marked processed). */
int push_file_end(struct push *p, const char *path, const struct ingest_stats *st,
                  int read_ok, struct etl_err *err);

int push_send(struct push *p, push_runner_fn run, void *transport, struct etl_err *err);
int push_finish(struct push *p, struct etl_err *err);
/* After push_finish(): reads this run's records once (ascending id), fills
 * the summary buckets and calls fn (may be NULL) on each record (the
 * report's money and Permits/Voids rows). */
int push_tally(struct push *p, ledger_rec_fn fn, void *ctx, struct etl_err *err);
/* The run id staging marked records with (ledger_set_run()). */
int64_t push_run_id(const struct push *p);
/* A record the caller read but did not stage (run --date: another day). */
void push_count_unstaged(struct push *p, const struct permit *rec);
/* The causes of exit 1 (this run only), at most cap; returns how many. */
size_t push_causes(const struct push *p, struct run_cause *out, size_t cap);
/* A cause of exit 1 judged by the caller about this run (settlement lines
 * rejected, unexplained settlement differences, silent zones): listed after
 * the push's own by push_causes() (so also in push_exit_code(), the summary
 * JSON and the Summary sheet). Strings must be static; count <= 0 ignored;
 * at most PUSH_EXTRA_CAUSES. */
#define PUSH_EXTRA_CAUSES 4
void push_add_cause(struct push *p, const char *what, long count, const char *sheet);

const struct push_counts *push_counts(const struct push *p);
/* 0 all good, 1 something needs attention (README.md, exit codes). Aborts are the
 * caller's (exit 3). */
int push_exit_code(const struct push *p);
/* "rows N = ...; sales N = N pushed, ...; voids N = ...; earlier: ..." */
void push_summary_text(const struct push *p, char *out, size_t cap);
/* Dry run: "would push N, update M, delete K, repush R, hold H". */
void push_plan_text(const struct push *p, char *out, size_t cap);

/* Admin update/delete: sends the action prepared on record `id`
 * (ledger_admin_update()/ledger_admin_delete()) alone, then reads the
 * record back into *r. -1 when the run aborted (err: E_AUTH, E_NET...). */
int push_admin_send(struct ledger *l, int64_t id, push_runner_fn run, void *transport,
                    struct ledger_rec *r, struct etl_err *err);

/* The ledger's path: the config's `ledger`, else "<config dir>/ledger.db". */
struct config;
int push_ledger_path(const struct config *cfg, struct buf *out, struct etl_err *err);

/* The fingerprint of what staging depends on besides the file: the zone
 * and alias files' contents (paths may be NULL), the hold mode and the
 * profile forced with -f (NULL: detected). out: 65 bytes. */
int push_context_hash(const char *zones, const char *aliases, int hold, const char *profile,
                      char out[65], struct etl_err *err);

/* 1 once SIGINT/SIGTERM asked the pass to stop (interrupt.h): no job
 * is handed out after it. */
int  push_interrupted(void);

#endif
