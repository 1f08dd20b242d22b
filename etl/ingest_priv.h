/*
 * ingest_priv.h — what ingest.c shares with ingest_csv.c and
 * ingest_json.c. Not a public interface.
 *
 * One struct ingest per run. Per file, ingest.c sets `prof`, `path`,
 * `sink`, `st`; the readers map each row onto `raw` (borrowed views into
 * their own reusable buffers) and call ingest_row(), or report a broken
 * row with ingest_row_reject() (which also counts it).
 */
#ifndef ETL_INGEST_PRIV_H
#define ETL_INGEST_PRIV_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "ingest.h"
#include "instream.h"
#include "normalize.h"
#include "profile.h"

#define INGEST_MAX_FIELD   (64 << 10)   /* bytes of one field */
#define INGEST_MAX_LINE    (1 << 20)    /* bytes of one line / record */
#define INGEST_MAX_COLUMNS 256
/* a line over INGEST_MAX_LINE is skipped to its end, but no further than
 * this: an endless line (a stream of zeros) ends the file */
#define INGEST_MAX_SKIP    (64ULL << 20)

struct dup_entry {
    uint64_t hash;
    uint32_t off;      /* into the arena: u32 file index, u16 length, key bytes */
    uint32_t line;
};

struct dup_index {
    uint64_t *slots;   /* 0 empty, else hash tag (high 32 bits) | entry index + 1 */
    size_t    nslots;
    struct dup_entry *ents;
    size_t    n, cap;
    struct buf arena;
};

struct ingest {
    struct ingest_opts opts;
    struct profile_set profiles;
    struct profile_set extra;           /* profiles named by ingest_file_as() */
    struct dup_index dup;
    struct dup_index vdup;              /* the void rows' keys */
    char   **files;          /* paths seen, for "duplicate of FILE:LINE" */
    size_t   nfiles, capfiles;

    /* the current file */
    const struct profile *prof;
    const char *path;
    uint32_t    file_index;
    const struct ingest_sink *sink;
    struct ingest_stats *st;
    int         fd;
    struct instream src;      /* fd's bytes, plain or gunzipped */
    char        rderr[200];   /* ingest_read_error()'s text */
    struct raw_record raw;
    struct permit permit;
    int         row_rejects;
    int         row_money_bad;   /* the row's Amount or CurrencyID was rejected */
    int         row_start_bad;   /* its startTime was rejected */
    char        row_reason[256]; /* its first rejected field and reason */
    ingest_rejected_row_fn rejected_row;
    void       *rejected_ctx;
    struct buf  idbuf;        /* joined ids */

    /* read buffer, shared by both readers */
    char   *rbuf;
    size_t  rcap;
};

/* Normalizes and hands on the row in in->raw (line in in->raw.line).
 * Returns -1 only when the sink aborted (err filled). */
int ingest_row(struct ingest *in, struct etl_err *err);
/* Reports a rejected field of the current row (counts the row once). */
void ingest_reject(struct ingest *in, long line, const char *field, const char *reason,
                   const char *raw, size_t rawlen);
/* Ends a row that ingest_reject()ed without normalizing it. */
void ingest_row_rejected(struct ingest *in);
/* Reports a file-level error as a "_file" reject and fills err. Returns -1. */
int ingest_file_error(struct ingest *in, struct etl_err *err, int code, long line,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));


/* Readers: 0 read to the end, -1 fatal for the file (reported). */
int ingest_csv_run(struct ingest *in, const char *head, size_t headlen, struct etl_err *err);
int ingest_json_run(struct ingest *in, const char *head, size_t headlen, struct etl_err *err);

/* Reads more of the current file, decompressed (retrying EINTR); -1 with
 * errno or a gzip message: ingest_read_error() says which. */
ssize_t ingest_read(struct ingest *in, char *buf, size_t cap);
/* "read error: ..." or the gzip problem, for the "_file" error. */
const char *ingest_read_error(struct ingest *in, int saved_errno);

#endif
