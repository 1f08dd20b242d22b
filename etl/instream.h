/*
 * instream.h — the bytes of one input file, plain or gzip-compressed.
 *
 * The ingest readers pull a file's bytes through instream_read(); whether
 * the file is gzip is decided by its first two bytes (1f 8b), never by its
 * name, so a `.gz` renamed `.csv` is read, and profile detection sees the
 * decompressed header. Gzip streams of several members (`cat a.gz b.gz`)
 * are read as one. The fd may be a regular file, a FIFO or a terminal:
 * nothing here seeks.
 *
 * Limits against a gzip bomb: once more than INSTREAM_GZ_FLOOR bytes came
 * out, the output may not exceed INSTREAM_GZ_RATIO times the compressed
 * bytes read so far (real CSV/JSON exports compress 3-20x). Past it, or on
 * corrupt, truncated or trailing non-gzip data, instream_read() returns -1
 * with instream_error() saying why; plain read errors leave errno.
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
    char msg[160];                  /* why instream_read() failed ("" = errno) */
};

/* Reads up to two bytes to see whether fd holds gzip. -1: out of memory
 * or read error (errno, or the message in instream_error()). */
int instream_open(struct instream *s, int fd);
/* Like read(2): bytes (> 0), 0 at the end, -1 on an error. */
ssize_t instream_read(struct instream *s, char *buf, size_t cap);
/* Why the last instream_read() failed, for the "_file" error. */
const char *instream_error(const struct instream *s, int saved_errno);
void instream_close(struct instream *s);     /* NULL-safe */

#endif
