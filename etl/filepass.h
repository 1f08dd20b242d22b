/*
 * filepass.h — the one per-file ingest loop of validate, zones, report,
 * push and run: each input read through ingest_file(), its stats added to
 * the totals, and one verdict on a file that could not be read to its end.
 *
 * The verdict: a file-level error (unreadable, not a vendor file, a
 * required column missing: ingest reports it as a "_file" reject) fails
 * that file only: it is printed (log_failures) and counted (failed,
 * exit_code), and the pass goes on. Anything else stops the pass — the
 * command's own sink failed (its output, the report, the ledger) or the
 * error is out of memory, a database or an internal one — and is returned
 * to the caller, who prints it.
 *
 * Per file the loop calls, when set: begin() (skip the file, fail it before
 * reading, or name its profile), then reads it with the command's sink
 * (the progress line names the command), then end() with the file's stats
 * and outcome (also for a file that stops the pass: `fatal` set). The
 * filepass_file passed to the hooks is borrowed for the call.
 */
#ifndef ETL_FILEPASS_H
#define ETL_FILEPASS_H

#include <stddef.h>

#include "err.h"
#include "ingest.h"

struct filepass_file {
    const char *path;
    size_t index;                /* 0-based */
    const char *profile;         /* begin() may name the file's profile; NULL: -f or detect */
    struct ingest_stats st;      /* this file's (zero until read) */
    int failed;                  /* not read to its end: err says why */
    int fatal;                   /* ... and that stops the pass */
    struct etl_err err;
};

/* begin()'s answers. */
enum { FILEPASS_READ = 0, FILEPASS_SKIP = 1, FILEPASS_FAILED = 2 };

typedef void (*filepass_reject_fn)(void *ctx, const char *file, long line, const char *field,
                                   const char *reason, const char *raw, size_t rawlen);

struct filepass {
    /* set by the caller (zero what it does not use) */
    const char *command;         /* names the progress line */
    struct ingest *in;
    struct ingest_sink sink;     /* records and rejected fields */
    filepass_reject_fn file_reject;  /* a file-level reject; NULL: sink.reject */
    int log_failures;            /* log_err() each file that failed (not a fatal one) */
    /* FILEPASS_READ, _SKIP (nothing counted), _FAILED (f->err set: counted
     * and printed like a file-level error), or -1 (stop: f->err). */
    int (*begin)(void *ctx, struct filepass_file *f);
    /* After reading (or failing) the file; -1 stops the pass (f->err). */
    int (*end)(void *ctx, struct filepass_file *f);
    void *ctx;
    /* results, added to by filepass_run() */
    struct ingest_stats total;   /* profile[] unused */
    long failed;                 /* files that failed */
    int  exit_code;              /* the worst exit code of a failed file, else EXIT_GOOD */
    int  stopped;                /* 1: the pass stopped early (interrupted() or fatal) */
    int (*interrupted)(void);    /* checked before each file; NULL: never */
};

/* Zeroes fp and sets what every caller sets: the command (the progress
 * line), the reader and the sink (record, row-level reject, their ctx). */
void filepass_init(struct filepass *fp, const char *command, struct ingest *in,
                   int (*record)(void *ctx, const struct permit *p, struct etl_err *err),
                   filepass_reject_fn reject, void *ctx);

/*
 * Reads paths[0..n). 0 when every file was handled (some may have failed:
 * see failed, exit_code), -1 when the pass stopped on a fatal error (err,
 * not printed). The progress line is finished (log_progress_done()).
 */
int filepass_run(struct filepass *fp, const char *const *paths, size_t n,
                 struct etl_err *err);

#endif
