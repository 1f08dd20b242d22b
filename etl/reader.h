/*
 * reader.h — the interface between ingest and an input format.
 *
 * A reader turns the bytes of one file into rows of cells, and does
 * nothing more: it knows no profile column, no canonical field, no sink,
 * no count. Everything else — choosing the profile, mapping cells onto
 * columns, checking the cells it uses, joining ids, normalizing, the
 * duplicate index, counting rows — is ingest.c's, written once for every
 * format. Modeled on zsv's api.h (open -> next row -> cells -> close; cell
 * views borrowed until the next row) and redis's rio.h (one struct, one
 * table of functions per kind of source).
 *
 * The bytes come from an instream (instream.h: regular file, FIFO, stdin,
 * gzip decompressed); the reader reads it to its end and never seeks.
 * Whatever ingest peeked at to pick the format (instream_peek()) is read
 * again by the reader from the start.
 *
 * Lifecycle, for one file (`f` is one of the formats below):
 *
 *   f->open(&r, src, err)       reads what it needs to know the file's kind
 *                               (r->kind) and where its names are (r->line)
 *   f->peek(r, err)             only to detect a profile: 1 when names() has
 *                               something to name (JSON: the first record,
 *                               held for next()), 0 no rows at all
 *   f->names(r, delim, &h)      the names a profile is detected by, split
 *                               for that profile's delimiter
 *   f->start(r, &opts, err)     the chosen profile's settings; a format
 *                               with a header line (r->keyed 0) gives it in
 *                               r->header (cells valid until the first next())
 *   f->next(r, &row, err)       1 a row, 0 the end, -1 the file cannot be
 *                               read further
 *   f->close(r)                 NULL-safe; the instream stays the caller's
 *
 * Reading in blocks (optional: cut, block_reader and load all NULL for a
 * format read by next() only; CSV has them, JSON not). After start(),
 * instead of calling next() on r, ingest may take whole records off r in
 * blocks:
 *
 *   f->cut(r, &blk, err)        copies the next bytes of whole records
 *                               into blk (at most blk.cap bytes and
 *                               blk.max_lines lines; blk.first_line set):
 *                               1 a block; 0 no more blocks — whatever is
 *                               left (maybe nothing) is read with next()
 *                               on r, as if no block had been cut
 *   f->block_reader(r, &b, err) a reader for blocks with r's settings
 *                               (delimiter, header width); close it
 *   f->load(b, &blk)            b's next() then returns blk's rows, with
 *                               their lines, and 0 at its end
 *
 * A block's rows are exactly the rows next() on r would have returned for
 * those bytes, errors and broken rows included; cut() returns 0 rather
 * than cut where that could differ (a line or record too long, no record
 * end within blk.cap, gzip input — whose errors depend on read sizes —, a
 * read error: that one waits for next()). A block reader reads only its
 * block and may be used on another thread than r.
 *
 * Errors: every -1 fills err (code and message, no place) and leaves
 * r->line at the line it concerns (0: the file as a whole); ingest reports
 * it once as the file's "_file" error, except E_NOMEM, which is only passed
 * up. A row that cannot be split (a stray quote, a line over the limit) is
 * not an error of the file: next() returns it with row->error set, and
 * reading goes on with the next row.
 *
 * Adding a format: a new ingest_<name>.c that fills a struct
 * reader_format (ingest_json.c is the small example), its declaration at
 * the end of this header, and its line in ingest.c's formats[] table
 * (asked in order which claims a file by its first significant byte).
 * If profiles must be able to name it, a PK_ kind in profile.h with its
 * name in profile.c. Column mapping, ids, cell checks, counting and
 * rejects are ingest's and come with it.
 */
#ifndef ETL_READER_H
#define ETL_READER_H

#include <stddef.h>

#include "err.h"
#include "instream.h"
#include "profile.h"

#define READER_MAX_FIELD   (64 << 10)   /* bytes of one cell */
#define READER_MAX_LINE    (1 << 20)    /* bytes of one line / record */
#define READER_MAX_COLUMNS 256          /* cells of one CSV row */
/* a line over READER_MAX_LINE is skipped to its end, but no further than
 * this: an endless line (a stream of zeros) ends the file */
#define READER_MAX_SKIP    (64ULL << 20)

enum reader_cell_type {
    READER_TEXT = 0,     /* text (CSV cells always; JSON strings, true, false) */
    READER_NUMBER,       /* a JSON number: ptr is its text as written */
    READER_NULL,         /* JSON null: the value is absent */
    READER_OBJECT,       /* a JSON object where a value belongs: ptr is its raw text */
    READER_ARRAY         /* a JSON array, likewise */
};

struct reader_cell {
    const char *ptr;               /* the value, not NUL-terminated */
    size_t      len;
    const char *key;               /* keyed formats (JSON): the cell's name; else NULL */
    unsigned    keylen;            /* within a record (<= READER_MAX_LINE): 32 bytes a cell */
    enum reader_cell_type type;
};

/* What ingest still has to check in each cell it uses (the reader did not
 * look): bits of reader_row.check. */
enum {
    READER_CHECK_LEN  = 1,   /* a cell may be longer than READER_MAX_FIELD */
    READER_CHECK_NUL  = 2,   /* a cell may hold a NUL byte */
    READER_CHECK_UTF8 = 4    /* a cell may be invalid UTF-8 */
};

/* One row; every view borrowed until the next call to next() or close(). */
struct reader_row {
    const struct reader_cell *cell;
    int         n;
    long        line;              /* 1-based line where the row starts */
    const char *raw;               /* the row's text, for reject messages */
    size_t      rawlen;
    unsigned    check;             /* READER_CHECK_* */
    /* A broken row: why (a complete reason), else NULL. Without error_key
     * the row as a whole is broken (its cells, if any, are what could be
     * read); with it, the cell of that name is, and the error counts only
     * when that name is a column in use — or always with error_always (a
     * duplicate key makes the whole row ambiguous). */
    const char *error;
    const char *error_key;
    size_t      error_keylen;
    int         error_always;
};

/* A block of whole records (see "Reading in blocks"); the caller owns ptr. */
struct reader_block {
    char  *ptr;                    /* cap bytes */
    size_t len, cap;
    long   max_lines;              /* cut(): at most this many lines (> 0) */
    long   first_line;             /* the line number of its first line */
};

/* What the reader is told once the profile is chosen. */
struct reader_opts {
    char delimiter;                /* CSV */
    int  multiline;                /* CSV: a quoted cell may span lines */
};

/* The part of every reader that ingest reads; a format's own state
 * follows it (struct csv_reader { struct reader r; ... }). */
struct reader {
    const struct reader_format *fmt;
    unsigned kind;                 /* one PK_ bit, known after open() */
    int      keyed;                /* 1: each cell carries its name (JSON);
                                      0: cells are positional under `header` */
    long     line;                 /* position for messages (see Errors) */
    struct reader_row header;      /* keyed 0: the header's cells, after start() */
};

struct reader_format {
    const char *name;                                   /* "CSV", "JSON" */
    /* 1 if this format reads a file whose first byte (after a BOM and
     * white space) is c. */
    int  (*claims)(unsigned char c);
    /* *rp is set whenever it could be allocated (close it, even after -1). */
    int  (*open)(struct reader **rp, struct instream *src, struct etl_err *err);
    int  (*peek)(struct reader *r, struct etl_err *err);
    /* a profile_header_fn (ctx is the reader): -1 when the names cannot be
     * split for that delimiter */
    int  (*names)(void *r, char delimiter, struct profile_header *h);
    int  (*start)(struct reader *r, const struct reader_opts *o, struct etl_err *err);
    int  (*next)(struct reader *r, struct reader_row *row, struct etl_err *err);
    void (*close)(struct reader *r);
    /* reading in blocks: all three, or all NULL */
    int  (*cut)(struct reader *r, struct reader_block *b, struct etl_err *err);
    int  (*block_reader)(const struct reader *r, struct reader **rp, struct etl_err *err);
    void (*load)(struct reader *r, const struct reader_block *b);
};

extern const struct reader_format ingest_csv_format;   /* ingest_csv.c */
extern const struct reader_format ingest_json_format;  /* ingest_json.c */

#endif
