/* ingest.c — one run's files: kind sniffing, profile choice, the row
 * pipeline (normalize -> zones -> duplicate index -> sink). */
#include "ingest_priv.h"

#include "zones.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#define RBUF_CAP ((size_t)INGEST_MAX_LINE * 2 + (1 << 16))

struct ingest *ingest_new(const struct ingest_opts *o, struct etl_err *err)
{
    struct ingest *in = calloc(1, sizeof(*in));

    if (!in) {
        etl_fail(err, E_NOMEM, "out of memory");
        return NULL;
    }
    in->opts = *o;
    in->fd = -1;
    buf_init(&in->dup.arena, 0);
    buf_init(&in->vdup.arena, 0);
    buf_init(&in->idbuf, INGEST_MAX_LINE);
    in->rcap = RBUF_CAP;
    in->rbuf = malloc(in->rcap);
    if (!in->rbuf) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto fail;
    }
    if (o->profile) {
        if (profile_set_load_one(&in->profiles, o->profile, err) < 0)
            goto fail;
    } else if (profile_set_load_all(&in->profiles, err) < 0) {
        goto fail;
    }
    return in;
fail:
    ingest_free(in);
    return NULL;
}

void ingest_free(struct ingest *in)
{
    size_t i;

    if (!in)
        return;
    profile_set_free(&in->profiles);
    profile_set_free(&in->extra);
    free(in->dup.slots);
    free(in->dup.ents);
    free(in->vdup.slots);
    free(in->vdup.ents);
    buf_release(&in->vdup.arena);
    buf_release(&in->dup.arena);
    buf_release(&in->idbuf);
    for (i = 0; i < in->nfiles; i++)
        free(in->files[i]);
    free(in->files);
    free(in->rbuf);
    free(in);
}

/* --- the duplicate-key index ---------------------------------------------- */

/* 8 bytes at a time (keys are a profile name, ':' and an id: 15-80
 * bytes); the tail is zero-padded, the length mixed in. */
static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n, w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    if (i < n) {
        w = 0;
        memcpy(&w, s + i, n - i);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
}

static int dup_grow(struct dup_index *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 1024, i;
    uint64_t *slots = NULL;
    size_t bytes = ns * sizeof(*slots);

    /* The table is probed at random: on a big one, huge pages save a TLB
     * miss per row (a hint; ignored where unsupported). */
    if (bytes >= (2u << 20)) {
        void *mem = NULL;
        if (posix_memalign(&mem, 2u << 20, bytes) != 0)
            return -1;
        (void)madvise(mem, bytes, MADV_HUGEPAGE);
        memset(mem, 0, bytes);
        slots = mem;
    } else if (!(slots = calloc(ns, sizeof(*slots)))) {
        return -1;
    }
    for (i = 0; i < d->n; i++) {
        uint64_t h = d->ents[i].hash;
        size_t j = (size_t)h & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (h & 0xffffffff00000000ULL) | (uint64_t)(i + 1);
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = ns;
    return 0;
}

/*
 * Looks `key` up; if absent inserts it (file, line) and returns 0; if
 * present returns 1 with the first occurrence's file index and line; -1
 * out of memory.
 */
static int dup_check(struct dup_index *d, const char *key, size_t n, uint64_t h,
                     uint32_t file, long line, uint32_t *ofile, long *oline)
{
    size_t j;
    struct dup_entry *e;
    unsigned char hdr[6];
    uint16_t len16 = (uint16_t)n;

    if ((d->n + 1) * 4 >= d->nslots * 3 && dup_grow(d) < 0)
        return -1;
    j = (size_t)h & (d->nslots - 1);
    while (d->slots[j]) {
        uint64_t sl = d->slots[j];
        if ((sl ^ h) >> 32) {       /* tag differs: no need to look at the entry */
            j = (j + 1) & (d->nslots - 1);
            continue;
        }
        e = &d->ents[(sl & 0xffffffffULL) - 1];
        if (e->hash == h) {
            const unsigned char *a = (const unsigned char *)d->arena.ptr + e->off;
            uint16_t l;
            memcpy(&l, a + 4, 2);
            if (l == n && !memcmp(a + 6, key, n)) {
                memcpy(ofile, a, 4);
                *oline = (long)e->line;
                return 1;
            }
        }
        j = (j + 1) & (d->nslots - 1);
    }
    if (n > 0xffff || d->arena.len + n + 6 > 0xffffffffUL || d->n >= 0xfffffffeUL)
        return -1;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 1024;
        struct dup_entry *ne = realloc(d->ents, nc * sizeof(*ne));
        if (!ne)
            return -1;
        d->ents = ne;
        d->cap = nc;
    }
    memcpy(hdr, &file, 4);
    memcpy(hdr + 4, &len16, 2);
    if (buf_add(&d->arena, hdr, 6) < 0)
        return -1;
    if (buf_add(&d->arena, key, n) < 0) {
        d->arena.len -= 6;
        return -1;
    }
    e = &d->ents[d->n];
    e->hash = h;
    e->off = (uint32_t)(d->arena.len - n - 6);
    e->line = line > 0 && line < 0xffffffffL ? (uint32_t)line : 0;
    d->n++;
    d->slots[j] = (h & 0xffffffff00000000ULL) | (uint64_t)d->n;
    return 0;
}

/* --- rows ----------------------------------------------------------------- */

void ingest_on_rejected_row(struct ingest *in, ingest_rejected_row_fn fn, void *ctx)
{
    in->rejected_row = fn;
    in->rejected_ctx = ctx;
}

void ingest_reject(struct ingest *in, long line, const char *field, const char *reason,
                   const char *raw, size_t rawlen)
{
    /* the reason kept with a rejected row never quotes the plate */
    if (!strcmp(field, "LicencePlate")) {
        if (!in->row_reason[0])
            snprintf(in->row_reason, sizeof(in->row_reason), "LicencePlate: not a valid plate");
    } else if (!in->row_reason[0] || !strncmp(in->row_reason, "LicencePlate:", 13)) {
        snprintf(in->row_reason, sizeof(in->row_reason), "%s: %s", field, reason);
    }
    if (!strcmp(field, "Amount") || !strcmp(field, "CurrencyID"))
        in->row_money_bad = 1;
    if (!strcmp(field, "startTime"))
        in->row_start_bad = 1;
    in->row_rejects++;
    if (in->sink && in->sink->reject)
        in->sink->reject(in->sink->ctx, in->path, line, field, reason, raw ? raw : "",
                         raw ? rawlen : 0);
}

void ingest_row_rejected(struct ingest *in)
{
    if (in->row_rejects)
        in->st->rejected++;
    in->row_rejects = 0;
}

static void norm_reject(void *ctx, const char *field, const char *reason, const char *raw,
                        size_t rawlen)
{
    struct ingest *in = ctx;

    ingest_reject(in, in->raw.line, field, reason, raw, rawlen);
}

/* A guess of the row's key before normalizing it (a profile with an id:
 * "name:id"), only to start loading its slot of the duplicate index early;
 * what the guess is worth does not matter for the result. */
static void prefetch_key(struct ingest *in)
{
    const struct raw_value *id = &in->raw.v[RF_ID];
    const char *name = in->prof->norm.name, *s = id->ptr;
    size_t nl, n = id->len;
    char k[KEY_BYTES_MAX + 1];
    uint64_t h;

    if (!in->dup.nslots || !id->present || !s || in->prof->norm.opscom_keys)
        return;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    nl = strnlen(name, sizeof(in->prof->norm.name));
    if (!n || nl + 1 + n > KEY_BYTES_MAX)
        return;
    memcpy(k, name, nl);
    k[nl] = ':';
    memcpy(k + nl + 1, s, n);
    h = key_hash(k, nl + 1 + n);
    __builtin_prefetch(&in->dup.slots[(size_t)h & (in->dup.nslots - 1)]);
}

int ingest_row(struct ingest *in, struct etl_err *err)
{
    struct permit *p = &in->permit;
    int r;

    in->row_rejects = 0;
    in->row_money_bad = in->row_start_bad = 0;
    in->row_reason[0] = '\0';
    in->raw.file = in->path;
    prefetch_key(in);
    r = normalize_record(&in->prof->norm, &in->raw, p, norm_reject, in);
    if (r != 0 || in->row_rejects) {
        if (!in->row_rejects)
            ingest_reject(in, in->raw.line, "_row", "rejected", "", 0);
        if (in->rejected_row && !in->row_money_bad && !p->voided &&
            (p->currency == CUR_CAD || p->currency == CUR_USD)) {
            struct ingest_rejected_row rr;

            memset(&rr, 0, sizeof(rr));
            rr.file = in->path;
            rr.line = in->raw.line;
            rr.vendor = in->prof->norm.name;
            rr.cents = p->cents;
            rr.currency = p->currency;
            rr.start = p->start;
            rr.start_ok = !in->row_start_bad;
            if (!rr.start_ok)
                rr.start = 0;
            rr.reason = in->row_reason;
            in->rejected_row(in->rejected_ctx, &rr);
        }
        ingest_row_rejected(in);
        return 0;
    }
    p->source = in->path;
    p->line = in->raw.line;
    {
        uint32_t ofile = 0;
        long oline = 0;
        size_t klen = strnlen(p->key, sizeof(p->key));
        uint64_t h = key_hash(p->key, klen);
        /* sales and voids each have their index: a void shares its sale's
         * key by design, a second void of a key is a duplicate */
        struct dup_index *idx = p->voided ? &in->vdup : &in->dup;
        int d;

        /* the index is probed at random: start loading the slot now */
        if (idx->nslots)
            __builtin_prefetch(&idx->slots[(size_t)h & (idx->nslots - 1)]);
        zones_resolve(in->opts.zones, p);
        d = dup_check(idx, p->key, klen, h, in->file_index, p->line, &ofile, &oline);
        if (d < 0)
            return etl_fail(err, E_NOMEM, "out of memory (duplicate-key index)");
        if (d == 1) {
            char reason[1200];
            snprintf(reason, sizeof(reason), "duplicate of %s:%ld",
                     ofile < in->nfiles ? in->files[ofile] : "?", oline);
            in->st->duplicates++;
            if (in->sink->reject)
                in->sink->reject(in->sink->ctx, in->path, p->line, "_key", reason, p->key,
                                 klen);
            return 0;
        }
    }
    if (p->voided) {
        in->st->voids++;
        if (in->sink->record && in->sink->record(in->sink->ctx, p, err) != 0)
            return -1;
        return 0;
    }
    in->st->accepted++;
    if (p->cents == 0)
        in->st->free_sessions++;
    if (in->sink->record && in->sink->record(in->sink->ctx, p, err) != 0)
        return -1;
    return 0;
}

int ingest_file_error(struct ingest *in, struct etl_err *err, int code, long line,
                      const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (in->sink && in->sink->reject)
        in->sink->reject(in->sink->ctx, in->path, line, "_file", msg, "", 0);
    return etl_fail_at(err, code, in->path, line, "_file", "%s", msg);
}

ssize_t ingest_read(struct ingest *in, char *buf, size_t cap)
{
    return instream_read(&in->src, buf, cap);
}

const char *ingest_read_error(struct ingest *in, int saved_errno)
{
    if (in->src.msg[0])
        snprintf(in->rderr, sizeof(in->rderr), "%s", in->src.msg);
    else
        snprintf(in->rderr, sizeof(in->rderr), "read error: %s", strerror(saved_errno));
    return in->rderr;
}

/* What kind of file sb is, for "not readable here" errors. */
static const char *file_kind(const struct stat *sb)
{
    if (S_ISDIR(sb->st_mode))
        return "a directory";
    if (S_ISSOCK(sb->st_mode))
        return "a socket";
    if (S_ISFIFO(sb->st_mode))
        return "a FIFO or pipe";
    return "a device";
}

/*
 * Opens path for reading into in->fd and checks its kind: regular files
 * always; FIFOs and character devices with opts.streams. A FIFO is opened
 * blocking, so that it waits for its writer as cat does (opened with
 * O_NONBLOCK it would read as empty before the writer came); anything
 * else is opened with O_NONBLOCK first so that a FIFO met where none is
 * allowed can never block.
 */
static int open_input(struct ingest *in, const char *path, struct stat *sb,
                      struct etl_err *err)
{
    int streams = in->opts.streams, fl;

    if (!strcmp(path, "-")) {
        in->fd = STDIN_FILENO;
    } else if (streams && stat(path, sb) == 0 && S_ISFIFO(sb->st_mode)) {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (in->fd < 0 && errno == ENXIO && stat(path, sb) == 0 && S_ISSOCK(sb->st_mode))
            return ingest_file_error(in, err, E_IO, 0, "not a regular file (a socket)");
    }
    if (in->fd < 0)
        return ingest_file_error(in, err, E_IO, 0, "cannot open: %s", strerror(errno));
    if (fstat(in->fd, sb) < 0)
        return ingest_file_error(in, err, E_IO, 0, "cannot stat: %s", strerror(errno));
    if (S_ISREG(sb->st_mode) || in->fd == STDIN_FILENO)
        return 0;
    if (!streams || !(S_ISFIFO(sb->st_mode) || S_ISCHR(sb->st_mode)))
        return ingest_file_error(in, err, E_IO, 0, "not a regular file (%s)%s", file_kind(sb),
                                 streams || S_ISDIR(sb->st_mode) || S_ISSOCK(sb->st_mode)
                                     ? "" : "; only validate, zones and report read streams");
    /* a stream is read blocking */
    fl = fcntl(in->fd, F_GETFL);
    if (fl < 0 || fcntl(in->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
        return ingest_file_error(in, err, E_IO, 0, "cannot read: %s", strerror(errno));
    return 0;
}

static int remember_file(struct ingest *in, const char *path, struct etl_err *err)
{
    if (in->nfiles == in->capfiles) {
        size_t nc = in->capfiles ? in->capfiles * 2 : 16;
        char **nf = realloc(in->files, nc * sizeof(*nf));
        if (!nf)
            return etl_fail(err, E_NOMEM, "out of memory");
        in->files = nf;
        in->capfiles = nc;
    }
    in->files[in->nfiles] = strdup(path);
    if (!in->files[in->nfiles])
        return etl_fail(err, E_NOMEM, "out of memory");
    in->file_index = (uint32_t)in->nfiles++;
    return 0;
}

static int ingest_file_prof(struct ingest *in, const char *path, const struct profile *prof,
                            const struct ingest_sink *sink, struct ingest_stats *st,
                            struct etl_err *err)
{
    size_t have = 0, i;
    ssize_t n;
    int ret;
    struct stat sb0, sb1;

    memset(st, 0, sizeof(*st));
    memset(&sb0, 0, sizeof(sb0));
    etl_err_clear(err);
    in->path = path;
    in->sink = sink;
    in->st = st;
    in->prof = prof;
    in->row_rejects = 0;
    if (remember_file(in, path, err) < 0)
        return -1;
    /* Size and mtime of a regular file are checked again after reading. */
    if (open_input(in, path, &sb0, err) < 0) {
        ret = -1;
        goto out;
    }
    if (instream_open(&in->src, in->fd) < 0) {
        ret = ingest_file_error(in, err, E_IO, 0, "%s", ingest_read_error(in, errno));
        goto out;
    }
    /* Sniff: the first byte after a BOM and whitespace tells CSV from JSON. */
    for (;;) {
        n = ingest_read(in, in->rbuf + have, 65536 - have);
        if (n < 0) {
            ret = ingest_file_error(in, err, E_IO, 0, "%s", ingest_read_error(in, errno));
            goto out;
        }
        have += (size_t)n;
        i = have >= 3 && !memcmp(in->rbuf, "\xef\xbb\xbf", 3) ? 3 : 0;
        while (i < have && (in->rbuf[i] == ' ' || in->rbuf[i] == '\t' ||
                            in->rbuf[i] == '\r' || in->rbuf[i] == '\n'))
            i++;
        if (i < have || n == 0 || have == 65536)
            break;
    }
    if (i >= have) {
        ret = ingest_file_error(in, err, E_DATA, 0, "empty file");
        goto out;
    }
    if (in->rbuf[i] == '[' || in->rbuf[i] == '{')
        ret = ingest_json_run(in, in->rbuf, have, err);
    else
        ret = ingest_csv_run(in, in->rbuf, have, err);
    if (in->prof)
        snprintf(st->profile, sizeof(st->profile), "%s", in->prof->norm.name);
    if (S_ISREG(sb0.st_mode) &&
        (fstat(in->fd, &sb1) < 0 || sb1.st_size != sb0.st_size ||
         sb1.st_mtim.tv_sec != sb0.st_mtim.tv_sec || sb1.st_mtim.tv_nsec != sb0.st_mtim.tv_nsec))
        ret = ingest_file_error(in, err, E_IO, 0,
                                "file changed while being read (size or mtime); not processed");
out:
    instream_close(&in->src);
    if (in->fd != STDIN_FILENO && in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    return ret;
}

int ingest_file(struct ingest *in, const char *path, const struct ingest_sink *sink,
                struct ingest_stats *st, struct etl_err *err)
{
    const struct profile *prof =
        in->opts.profile && in->profiles.n == 1 ? in->profiles.p[0] : NULL;

    return ingest_file_prof(in, path, prof, sink, st, err);
}

/* A profile by name among those loaded, else loaded (name or path) once
 * into in->extra. */
static const struct profile *named_profile(struct ingest *in, const char *name,
                                           struct etl_err *err)
{
    struct profile_set one = { { NULL }, 0 };
    int i;

    for (i = 0; i < in->profiles.n; i++)
        if (!strcmp(in->profiles.p[i]->norm.name, name) || !strcmp(in->profiles.p[i]->path, name))
            return in->profiles.p[i];
    for (i = 0; i < in->extra.n; i++)
        if (!strcmp(in->extra.p[i]->norm.name, name) || !strcmp(in->extra.p[i]->path, name))
            return in->extra.p[i];
    if (in->extra.n == PROFILE_MAX) {
        etl_fail(err, E_CONFIG, "profile '%s': too many profiles named", name);
        return NULL;
    }
    if (profile_set_load_one(&one, name, err) < 0)
        return NULL;
    in->extra.p[in->extra.n++] = one.p[0];
    return one.p[0];
}

int ingest_file_as(struct ingest *in, const char *path, const char *profile,
                   const struct ingest_sink *sink, struct ingest_stats *st,
                   struct etl_err *err)
{
    const struct profile *prof;

    if (!profile)
        return ingest_file(in, path, sink, st, err);
    prof = named_profile(in, profile, err);
    if (!prof) {
        memset(st, 0, sizeof(*st));
        in->path = path;
        in->sink = sink;
        return ingest_file_error(in, err, E_CONFIG, 0, "%s", err->msg);
    }
    return ingest_file_prof(in, path, prof, sink, st, err);
}
