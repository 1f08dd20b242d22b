/*
 * ingest.h — streams vendor files into normalized records.
 *
 * One struct ingest per run: it owns the loaded profiles and the
 * duplicate-key index shared by every file of the run. ingest_file() reads
 * one file once, front to back, in bounded memory: its bytes come through
 * instream.h, a reader (reader.h: CSV or JSON, picked by the first byte)
 * turns them into rows of cells, and ingest maps each row onto the
 * profile's columns; each row is then normalized (normalize.h),
 * zone-resolved (zones.h, when a table is given), checked against the
 * duplicate-key index, and handed to the sink, then forgotten. The struct
 * permit passed to sink->record is borrowed for the call only.
 *
 * Every rejected field goes to sink->reject (field = canonical API key,
 * "_row" for a broken line, "_key" for a duplicate with reason
 * "duplicate of FILE:LINE", "_file" for a file-level error). A voided row
 * (profile's void indicator) is passed to sink->record with p->voided set.
 *
 * Inputs: gzip data (magic bytes 1f 8b, whatever the name) is read through
 * zlib (instream.h: multi-member streams, bomb limit); a directory or a
 * socket is never read; a FIFO or device only with opts.streams. A device
 * that never ends (/dev/zero) stops at the line-length limits.
 *
 * Threads (opts.threads 2; `validate` only): a CSV file is cut into blocks
 * of whole records (at most ~1 MiB and 2048 lines, 8 in flight) on the
 * calling thread; the rows of every block are split, mapped and
 * normalized on whichever of two threads is free, and re-sequenced: the
 * zones, the duplicate index and every sink call stay on the calling
 * thread in file order, so the sink sees exactly what one thread gives
 * (rejects, records, "duplicate of FILE:LINE", stats, errors). Read on one
 * thread: JSON files, gzip data, a file once a record outgrows a block
 * (from there on), and with ingest_on_rejected_row() set. Environment, for
 * tests and comparisons: PERMIT_ETL_THREADS=1 forces one thread;
 * PERMIT_ETL_BLOCK=N cuts blocks of at most N bytes (1..1044480), so that
 * small files have many block boundaries. The sink's callbacks are never
 * called from another thread.
 */
#ifndef ETL_INGEST_H
#define ETL_INGEST_H

#include <stddef.h>

#include "err.h"
#include "permit.h"

struct zones;
struct buf;

struct ingest_opts {
    const char *profile;          /* -f: a profile name or path; NULL = detect per file */
    const struct zones *zones;    /* NULL: no zone list, records are ZONE_UNCHECKED */
    int streams;                  /* 1: FIFOs, terminals and character devices are read
                                     too (validate, zones, report: `/dev/stdin`,
                                     `<(zcat x.gz)`); 0: regular files only (push and
                                     run hash and re-read their inputs) */
    int threads;                  /* 2: read a CSV file on two threads (validate; see
                                     "Threads" above); 0 or 1: on the caller's */
};

struct ingest_stats {
    long rows;          /* data rows read (blank lines not counted) */
    long accepted;      /* passed to sink->record, voids excluded */
    long rejected;      /* rows with at least one rejected field */
    long duplicates;    /* rows whose key repeated an earlier accepted row */
    long voids;         /* voided rows */
    long free_sessions; /* accepted with amount 0 */
    long blocks;        /* blocks read on two threads (0: all on one; see Threads) */
    char profile[64];   /* the profile used */
};

struct ingest_sink {
    /* Accepted record (or void). Non-zero return aborts the file with *err. */
    int  (*record)(void *ctx, const struct permit *p, struct etl_err *err);
    /* A rejected field; all strings borrowed for the call. */
    void (*reject)(void *ctx, const char *file, long line, const char *field,
                   const char *reason, const char *raw, size_t rawlen);
    void *ctx;
};

struct ingest *ingest_new(const struct ingest_opts *o, struct etl_err *err);
void ingest_free(struct ingest *in);                       /* NULL-safe */
/* Releases the duplicate-key indexes (the largest memory of a long day):
 * a file read afterwards is checked for duplicates among its own rows
 * and later files only. `push`/`run` call it once every input is read. */
void ingest_forget_keys(struct ingest *in);

/*
 * Reads `path`. Returns 0 when the file was read to its end (rows may have
 * been rejected: see *st), -1 on a fatal error for this file (unreadable,
 * undetectable profile, missing required column, I/O error; E_IO/E_CONFIG/...
 * in *err, also reported as a "_file" reject) or when the sink aborted.
 */
int ingest_file(struct ingest *in, const char *path, const struct ingest_sink *sink,
                struct ingest_stats *st, struct etl_err *err);

/* ingest_file() with the file's profile given by name or path (the
 * config's per-input profile); NULL = as ingest_file(). The duplicate-key
 * index is the run's, as for ingest_file(). */
int ingest_file_as(struct ingest *in, const char *path, const char *profile,
                   const struct ingest_sink *sink, struct ingest_stats *st,
                   struct etl_err *err);

/* A rejected sale row whose amount and currency could be read (void rows,
 * broken lines and duplicates are never passed): money the vendor
 * collected that we did not count, kept by the reconciliation without its
 * plate. start_ok 0: the start time could not be read (start is 0).
 * reason: the first rejected field and its reason. Borrowed for the call. */
struct ingest_rejected_row {
    const char   *file;
    long          line;
    const char   *vendor;        /* the record profile's name */
    long long     cents;
    enum currency currency;
    long long     start;
    int           start_ok;
    const char   *reason;
};
typedef void (*ingest_rejected_row_fn)(void *ctx, const struct ingest_rejected_row *r);
/* Sets (fn NULL: clears) the hook called once per such row. */
void ingest_on_rejected_row(struct ingest *in, ingest_rejected_row_fn fn, void *ctx);

/* Records written as text (validate's --json-out lines): fmt(fctx, p, out)
 * appends the text of record p (zones resolved; voids too) to out; it may
 * run on another thread than the caller's, ahead of the duplicate index,
 * so it reads p and fctx's fixed settings only, and returns -1 only when
 * out of memory. Every record then goes to rec(ctx, p, text, len, err) —
 * instead of sink->record, in file order, on the caller's thread — with
 * the text fmt made for it. fmt NULL: sink->record again. */
typedef int (*ingest_format_fn)(const void *fctx, const struct permit *p, struct buf *out);
typedef int (*ingest_record_text_fn)(void *ctx, const struct permit *p, const char *text,
                                     size_t len, struct etl_err *err);
void ingest_on_formatted(struct ingest *in, ingest_format_fn fmt, const void *fctx,
                         ingest_record_text_fn rec, void *ctx);

#endif
