/* instream.c — plain or gzip input bytes (see instream.h). */
#include "instream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZCAP ((size_t)1 << 16)

static ssize_t raw_read(int fd, void *buf, size_t cap)
{
    ssize_t n;

    do
        n = read(fd, buf, cap);
    while (n < 0 && errno == EINTR);
    return n;
}

static int fail(struct instream *s, const char *what, const char *detail)
{
    snprintf(s->msg, sizeof(s->msg), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    errno = EIO;
    return -1;
}

/* A failed read(2) or allocation: "read error: ...", errno kept. */
static int io_fail(struct instream *s, int e)
{
    snprintf(s->msg, sizeof(s->msg), "read error: %s", strerror(e));
    errno = e;
    return -1;
}

int instream_open(struct instream *s, int fd)
{
    ssize_t n;

    memset(s, 0, sizeof(*s));
    s->fd = fd;
    /* one block: the compressed (or sniffed) bytes, then the peeked ones */
    s->zbuf = calloc(1, ZCAP + INSTREAM_PEEK_MAX);
    if (!s->zbuf)
        return io_fail(s, ENOMEM);
    s->ahead = (char *)s->zbuf + ZCAP;
    while (s->zlen < 2) {
        n = raw_read(fd, s->zbuf + s->zlen, ZCAP - s->zlen);
        if (n < 0)
            return io_fail(s, errno);
        if (n == 0) {
            s->in_eof = 1;
            break;
        }
        s->zlen += (size_t)n;
    }
    if (s->zlen >= 2 && s->zbuf[0] == 0x1f && s->zbuf[1] == 0x8b) {
        s->gz = 1;
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK)
            return io_fail(s, ENOMEM);
        s->zinit = 1;
        s->zs.next_in = s->zbuf;
        s->zs.avail_in = (uInt)s->zlen;
        s->in_total = s->zlen;
    }
    return 0;
}

/* Keeps the unread compressed bytes, reads more after them. -1 on error. */
static int refill(struct instream *s)
{
    size_t keep = s->zs.avail_in;
    ssize_t n;

    if (keep && s->zs.next_in != s->zbuf)
        memmove(s->zbuf, s->zs.next_in, keep);
    s->zs.next_in = s->zbuf;
    n = raw_read(s->fd, s->zbuf + keep, ZCAP - keep);
    if (n < 0)
        return -1;
    if (n == 0)
        s->in_eof = 1;
    s->zs.avail_in = (uInt)(keep + (size_t)n);
    s->in_total += (unsigned long long)n;
    return 0;
}

/* After a member ended: the end of the input, or the next member. 1 more
 * data follows (inflate reset), 0 the end, -1 error. */
static int next_member(struct instream *s)
{
    while (s->zs.avail_in < 2 && !s->in_eof)
        if (refill(s) < 0)
            return -1;
    if (s->zs.avail_in == 0)
        return 0;
    if (s->zs.avail_in < 2 || s->zs.next_in[0] != 0x1f || s->zs.next_in[1] != 0x8b)
        return fail(s, "corrupt gzip data", "trailing bytes after the gzip stream");
    if (inflateReset(&s->zs) != Z_OK)
        return fail(s, "corrupt gzip data", "cannot reset the decompressor");
    s->member_done = 0;
    return 1;
}

static ssize_t gz_read(struct instream *s, char *buf, size_t cap)
{
    for (;;) {
        size_t produced;
        int rc;

        if (s->member_done) {
            rc = next_member(s);
            if (rc <= 0)
                return rc;
        }
        if (s->zs.avail_in == 0) {
            if (s->in_eof)
                return fail(s, "truncated gzip data", "the stream ends early");
            if (refill(s) < 0)
                return -1;
            if (s->zs.avail_in == 0)
                continue;        /* end of input: reported above */
        }
        s->zs.next_out = (Bytef *)buf;
        s->zs.avail_out = cap > 0x40000000u ? 0x40000000u : (uInt)cap;
        produced = s->zs.avail_out;
        rc = inflate(&s->zs, Z_NO_FLUSH);
        produced -= s->zs.avail_out;
        if (rc == Z_STREAM_END)
            s->member_done = 1;
        else if (rc == Z_MEM_ERROR)
            return fail(s, "gzip: out of memory", NULL);
        else if (rc != Z_OK && rc != Z_BUF_ERROR)   /* Z_DATA_ERROR, Z_NEED_DICT */
            return fail(s, "corrupt gzip data", s->zs.msg ? s->zs.msg : "invalid data");
        s->out_total += produced;
        if (s->out_total > INSTREAM_GZ_FLOOR &&
            s->out_total > INSTREAM_GZ_RATIO * s->in_total) {
            char d[96];

            snprintf(d, sizeof(d), "over %llu MiB and %llux its compressed size",
                     (unsigned long long)(INSTREAM_GZ_FLOOR >> 20),
                     (unsigned long long)INSTREAM_GZ_RATIO);
            return fail(s, "gzip data expands too much (a gzip bomb?)", d);
        }
        if (produced)
            return (ssize_t)produced;
    }
}

/* Hands out up to cap of the held bytes held[*pos..len). */
static ssize_t hand_out(char *buf, size_t cap, const void *held, size_t *pos, size_t len)
{
    size_t n = len - *pos;

    if (n > cap)
        n = cap;
    memcpy(buf, (const char *)held + *pos, n);
    *pos += n;
    return (ssize_t)n;
}

/* The next bytes of the file, plain or inflated. */
static ssize_t fetch(struct instream *s, char *buf, size_t cap)
{
    if (s->gz)
        return gz_read(s, buf, cap);
    if (s->zpos < s->zlen)
        return hand_out(buf, cap, s->zbuf, &s->zpos, s->zlen);
    if (s->in_eof)
        return 0;
    return raw_read(s->fd, buf, cap);
}

/* fetch(), with the message of a failure in s->msg. */
static ssize_t fetch_said(struct instream *s, char *buf, size_t cap)
{
    ssize_t n;

    s->msg[0] = '\0';
    n = fetch(s, buf, cap);
    if (n < 0 && !s->msg[0])
        io_fail(s, errno);
    return n;
}

ssize_t instream_read(struct instream *s, char *buf, size_t cap)
{
    s->msg[0] = '\0';
    if (cap == 0)
        return 0;            /* as read(2) */
    if (s->apos < s->alen)
        return hand_out(buf, cap, s->ahead, &s->apos, s->alen);
    return fetch_said(s, buf, cap);
}

ssize_t instream_peek(struct instream *s, const char **view)
{
    if (s->alen < INSTREAM_PEEK_MAX) {
        ssize_t n = fetch_said(s, s->ahead + s->alen, INSTREAM_PEEK_MAX - s->alen);

        if (n < 0)
            return -1;
        s->alen += (size_t)n;
    }
    *view = s->ahead;
    return (ssize_t)s->alen;
}

const char *instream_error(const struct instream *s)
{
    return s->msg;
}

void instream_close(struct instream *s)
{
    if (!s)
        return;
    if (s->zinit)
        inflateEnd(&s->zs);
    free(s->zbuf);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}
