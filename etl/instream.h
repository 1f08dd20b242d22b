/*
 * instream.h — the bytes of one input file, plain or gzip-compressed.
 *
 * The byte source under every reader (reader.h): the readers pull a file's
 * bytes through instream_read(); whether the file is gzip is decided by its
 * first two bytes (1f 8b), never by its name, so a `.gz` renamed `.csv` is
 * read, and format and profile detection see the decompressed bytes. Gzip
 * streams of several members (`cat a.gz b.gz`) are read as one. The fd may
 * be a regular file, a FIFO or a terminal: nothing here seeks. Instead,
 * instream_peek() reads ahead (at most INSTREAM_PEEK_MAX bytes, from the
 * start) and instream_read() hands those bytes out again first: ingest
 * looks at the first bytes to pick a reader, the reader reads them all.
 *
 * Limits against a gzip bomb: once more than INSTREAM_GZ_FLOOR bytes came
 * out, the output may not exceed INSTREAM_GZ_RATIO times the compressed
 * bytes read so far (real CSV/JSON exports compress 3-20x). Past it, or on
 * corrupt, truncated or trailing non-gzip data, instream_read() returns -1;
 * on any failure instream_error() says why ("read error: ..." for a failed
 * read(2), which also leaves errno).
 *
 * Lifecycle: instream_open() on an fd the caller owns (and closes after
 * instream_close()); instream_close() frees the zlib state. The struct is
 * caller storage, reusable after close.
 */
#ifndef ETL_INSTREAM_H
#define ETL_INSTREAM_H

#include <stddef.h>
#include <sys/types.h>
#include <zlib.h>

#define INSTREAM_GZ_FLOOR ((unsigned long long)64 << 20)  /* 64 MiB */
#define INSTREAM_GZ_RATIO 100ULL
#define INSTREAM_PEEK_MAX ((size_t)1 << 16)              /* 64 KiB */

struct instream {
    int fd;
    int gz;                         /* 1: gzip data, decompressed */
    int zinit;                      /* inflateInit2() done */
    int member_done;                /* the last member ended (Z_STREAM_END) */
    int in_eof;                     /* read() returned 0 */
    z_stream zs;
    unsigned char *zbuf;            /* compressed (gzip) or sniffed (plain) bytes */
    size_t zpos, zlen;              /* plain: bytes of zbuf not handed out yet */
    unsigned long long in_total, out_total;
    char *ahead;                    /* instream_peek()'s bytes (INSTREAM_PEEK_MAX) */
    size_t apos, alen;              /* bytes of ahead handed out / held */
    char msg[160];                  /* why the last call failed ("" = it did not) */
};

/* Reads up to two bytes to see whether fd holds gzip. -1: out of memory
 * or read error (instream_error()). */
int instream_open(struct instream *s, int fd);
/* Like read(2): bytes (> 0), 0 at the end, -1 on an error. Bytes peeked
 * come first. */
ssize_t instream_read(struct instream *s, char *buf, size_t cap);
/* Reads once more ahead, unless INSTREAM_PEEK_MAX bytes are held already,
 * and views what is held in *view (valid until the next call on s). Returns
 * how many bytes are held: as many as before at the end of the input or
 * when full; -1 on an error. Only before the first instream_read(). */
ssize_t instream_peek(struct instream *s, const char **view);
/* Why the last instream_open/read/peek failed, for the "_file" error:
 * "read error: <strerror>", or the gzip problem. */
const char *instream_error(const struct instream *s);
void instream_close(struct instream *s);     /* NULL-safe */

#endif
