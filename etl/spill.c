/* spill.c — permits parked in an unlinked temp file (spill.h). */
#include "spill.h"
#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPILL_BUF ((size_t)256 * 1024)

/* The strings of a spilled permit, in spill order. */
#define NSTR 7
#define PERMIT_STRS(p) \
    { (p)->plate, (p)->vendor_zone, (p)->zone, (p)->permit_no, (p)->ticket, (p)->promo, \
      (p)->key }
#define PERMIT_CAPS(p) \
    { sizeof((p)->plate), sizeof((p)->vendor_zone), sizeof((p)->zone), \
      sizeof((p)->permit_no), sizeof((p)->ticket), sizeof((p)->promo), sizeof((p)->key) }
/* length, cents, start, end, line, source index; currency, zone status, voided */
#define FIXED (sizeof(uint32_t) + (size_t)5 * 8 + 3)

struct spill {
    FILE   *f;
    char   *fbuf;                 /* stdio buffer of f */
    char   *dir;                  /* the temp directory, for messages */
    const char *what;
    long    n;                    /* permits put since the last clear */
    int     reading;              /* rewound, not cleared since */
    struct strmap srcs;           /* interned source paths */
    unsigned char rec[FIXED + (size_t)NSTR * (2 + ZONE_MAX * 4 + 1) + KEY_BYTES_MAX];
};

struct spill *spill_new(const char *what, struct etl_err *err)
{
    struct spill *s = calloc(1, sizeof(*s));
    const char *dir = getenv("TMPDIR");
    size_t n;
    int fd = -1;

    if (!s) {
        etl_fail(err, E_NOMEM, "out of memory");
        return NULL;
    }
    s->what = what;
    if (!dir || !*dir)
        dir = "/tmp";
    n = strlen(dir) + sizeof("/permit-etl-spill-XXXXXX");
    s->dir = malloc(n);
    s->fbuf = malloc(SPILL_BUF);
    if (!s->dir || !s->fbuf) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto fail;
    }
    snprintf(s->dir, n, "%s/permit-etl-spill-XXXXXX", dir);
    fd = mkstemp(s->dir);                        /* mode 0600 */
    if (fd < 0) {
        etl_fail(err, E_IO, "%s: cannot create a temp file in %s: %s", what, dir,
                 strerror(errno));
        goto fail;
    }
    (void)unlink(s->dir);                        /* gone whatever happens next */
    if (fchmod(fd, S_IRUSR | S_IWUSR) < 0 || !(s->f = fdopen(fd, "w+b"))) {
        etl_fail(err, E_IO, "%s: temp file in %s: %s", what, dir, strerror(errno));
        close(fd);
        goto fail;
    }
    setvbuf(s->f, s->fbuf, _IOFBF, SPILL_BUF);
    s->dir[strlen(dir)] = '\0';                  /* keep the directory for messages */
    return s;
fail:
    spill_free(s);
    return NULL;
}

static unsigned char *put_i64(unsigned char *o, long long v)
{
    memcpy(o, &v, sizeof(v));
    return o + sizeof(v);
}

static unsigned char *put_str(unsigned char *o, const char *str, size_t cap)
{
    size_t n = strnlen(str, cap - 1);
    uint16_t l = (uint16_t)n;

    memcpy(o, &l, sizeof(l));
    memcpy(o + sizeof(l), str, n);
    return o + sizeof(l) + n;
}

int spill_put(struct spill *s, const struct permit *p, struct etl_err *err)
{
    const char *strs[NSTR] = PERMIT_STRS(p);
    const size_t caps[NSTR] = PERMIT_CAPS(p);
    unsigned char *o = s->rec + sizeof(uint32_t);
    long src;
    uint32_t len;
    int i;

    if (s->reading)
        return etl_fail(err, E_INTERNAL, "%s: temp file written while read", s->what);
    if ((src = strmap_add(&s->srcs, p->source ? p->source : "",
                          p->source ? strlen(p->source) : 0, NULL)) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    o = put_i64(o, p->cents);
    o = put_i64(o, p->start);
    o = put_i64(o, p->end);
    o = put_i64(o, p->line);
    o = put_i64(o, src);
    *o++ = (unsigned char)p->currency;
    *o++ = (unsigned char)p->zone_status;
    *o++ = (unsigned char)(p->voided != 0);
    for (i = 0; i < NSTR; i++)
        o = put_str(o, strs[i], caps[i]);
    len = (uint32_t)(o - s->rec);
    memcpy(s->rec, &len, sizeof(len));
    if (fwrite(s->rec, 1, len, s->f) != len)
        return etl_fail(err, E_IO, "%s: cannot write the temp file in %s: %s", s->what,
                        s->dir, strerror(errno));
    s->n++;
    return 0;
}

long spill_count(const struct spill *s)
{
    return s->n;
}

int spill_rewind(struct spill *s, struct etl_err *err)
{
    if (fflush(s->f) != 0 || fseek(s->f, 0, SEEK_SET) != 0)
        return etl_fail(err, E_IO, "%s: cannot write the temp file in %s: %s", s->what,
                        s->dir, strerror(errno));
    s->reading = 1;
    return 0;
}

static long long get_i64(const unsigned char **in)
{
    long long v;

    memcpy(&v, *in, sizeof(v));
    *in += sizeof(v);
    return v;
}

int spill_next(struct spill *s, struct permit *p, struct etl_err *err)
{
    char *strs[NSTR] = PERMIT_STRS(p);
    const size_t caps[NSTR] = PERMIT_CAPS(p);
    const unsigned char *in, *end;
    uint32_t len;
    size_t got;
    long long src;
    int i;

    if (!s->reading)
        return etl_fail(err, E_INTERNAL, "%s: temp file read before a rewind", s->what);
    got = fread(&len, 1, sizeof(len), s->f);
    if (got == 0 && feof(s->f))
        return 0;
    if (got != sizeof(len) || len < FIXED + (size_t)NSTR * 2 || len > sizeof(s->rec) ||
        fread(s->rec + sizeof(len), 1, len - sizeof(len), s->f) != len - sizeof(len))
        return etl_fail(err, E_IO, "%s: cannot read the temp file in %s back%s%s", s->what,
                        s->dir, ferror(s->f) ? ": " : " (truncated)",
                        ferror(s->f) ? strerror(errno) : "");
    in = s->rec + sizeof(len);
    end = s->rec + len;
    p->cents = get_i64(&in);
    p->start = get_i64(&in);
    p->end = get_i64(&in);
    p->line = (long)get_i64(&in);
    src = get_i64(&in);
    p->currency = (enum currency)*in++;
    p->zone_status = (enum zone_status)*in++;
    p->voided = *in++;
    p->source = src >= 0 && (size_t)src < s->srcs.n ? strmap_key(&s->srcs, (size_t)src) : "";
    for (i = 0; i < NSTR; i++) {
        uint16_t l;
        if (end - in < 2)
            goto bad;
        memcpy(&l, in, sizeof(l));
        in += sizeof(l);
        if (l >= caps[i] || end - in < l)
            goto bad;
        memcpy(strs[i], in, l);
        strs[i][l] = '\0';
        in += l;
    }
    return 1;
bad:
    return etl_fail(err, E_INTERNAL, "%s: the temp file in %s is corrupt", s->what, s->dir);
}

int spill_clear(struct spill *s, struct etl_err *err)
{
    if (fflush(s->f) != 0 || ftruncate(fileno(s->f), 0) != 0 || fseek(s->f, 0, SEEK_SET) != 0)
        return etl_fail(err, E_IO, "%s: cannot empty the temp file in %s: %s", s->what,
                        s->dir, strerror(errno));
    s->n = 0;
    s->reading = 0;
    return 0;
}

void spill_free(struct spill *s)
{
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->fbuf);
    free(s->dir);
    strmap_release(&s->srcs);
    free(s);
}
