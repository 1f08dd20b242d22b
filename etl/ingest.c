/*
 * ingest.c — one run's files: opening the input (kind checks, streams),
 * picking the reader (reader.h) and the profile, mapping each row's cells
 * onto the profile's columns (a CSV header once, JSON keys per row),
 * checking the cells a reader did not, joining ids, and the row pipeline
 * (normalize -> zones -> duplicate index -> sink). The readers know none of
 * this and never call back here.
 */
#include "ingest.h"

#include "blockpipe.h"
#include "buf.h"
#include "instream.h"
#include "normalize.h"
#include "profile.h"
#include "reader.h"
#include "utf8.h"
#include "zones.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Blocks of a file read on two threads (read_blocks()): bytes and lines
 * at most per block, blocks in flight. */
#define INGEST_BLOCK_BYTES ((size_t)READER_MAX_LINE - 4096)
#define INGEST_BLOCK_LINES 2048
#define INGEST_SLOTS       8

/* The formats, asked in this order which claims a file by its first byte
 * after a BOM and white space; CSV, last, claims anything. */
static const struct reader_format *const formats[] = {
    &ingest_json_format,
    &ingest_csv_format,
};

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
    char     *arena;   /* the keys (grown by big_grow()) */
    size_t    alen, acap;
};

/*
 * One row in the making, on one thread: the file's own (in->lane: rows
 * read by next() on the file's reader) or a block worker's (read_blocks()).
 * Without `log` a row's effects — counts, rejects, the record — happen at
 * once; with it they are written to the log as events, replayed in file
 * order by the main thread (replay_block()).
 */
struct lane {
    struct ingest *in;
    const struct reader_cell *col[PROFILE_MAX_COLUMNS];  /* column -> its cell or NULL */
    struct raw_record raw;
    struct permit permit;
    int         row_rejects;
    int         row_money_bad;   /* the row's Amount or CurrencyID was rejected */
    int         row_start_bad;   /* its startTime was rejected */
    char        row_reason[256]; /* its first rejected field and reason */
    struct buf  idbuf;           /* joined ids */
    struct buf *log;             /* a block worker's events, else NULL */
    int         log_bad;         /* an event could not be logged (out of memory) */
    struct reader *r;            /* a block worker's reader (block_reader()) */
};

struct ingest {
    struct ingest_opts opts;
    int    threads;              /* opts.threads, unless PERMIT_ETL_THREADS=1 */
    size_t block_bytes;          /* bytes per block (PERMIT_ETL_BLOCK: tests) */
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
    int         hidx[PROFILE_MAX_COLUMNS];  /* positional rows: column -> header cell or -1 */
    const struct reader_format *fmt;        /* the file's format and reader */
    struct reader *reader;

    struct lane lane;         /* the rows read on this thread */
    ingest_rejected_row_fn rejected_row;
    void       *rejected_ctx;
    ingest_format_fn fmt_fn;  /* ingest_on_formatted() */
    const void *fmt_ctx;
    ingest_record_text_fn text_fn;
    void       *text_ctx;
    struct buf  text;         /* a record's text, made on this thread */
};

struct ingest *ingest_new(const struct ingest_opts *o, struct etl_err *err)
{
    struct ingest *in = calloc(1, sizeof(*in));
    const char *env;

    if (!in) {
        etl_fail(err, E_NOMEM, "out of memory");
        return NULL;
    }
    in->opts = *o;
    in->fd = -1;
    in->lane.in = in;
    buf_init(&in->lane.idbuf, READER_MAX_LINE);
    in->threads = o->threads > 1 ? o->threads : 1;
    if (in->threads > 2)
        in->threads = 2;
    env = getenv("PERMIT_ETL_THREADS");
    if (env && !strcmp(env, "1"))
        in->threads = 1;
    in->block_bytes = INGEST_BLOCK_BYTES;
    env = getenv("PERMIT_ETL_BLOCK");
    if (env && *env) {
        char *end = NULL;
        unsigned long v;

        errno = 0;
        v = strtoul(env, &end, 10);
        if (!errno && end && !*end && v > 0 && v <= INGEST_BLOCK_BYTES)
            in->block_bytes = v;
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

static void dup_release(struct dup_index *d)
{
    free(d->slots);
    free(d->ents);
    free(d->arena);
    memset(d, 0, sizeof(*d));
}

void ingest_forget_keys(struct ingest *in)
{
    dup_release(&in->dup);
    dup_release(&in->vdup);
}

void ingest_free(struct ingest *in)
{
    size_t i;

    if (!in)
        return;
    profile_set_free(&in->profiles);
    profile_set_free(&in->extra);
    ingest_forget_keys(in);
    buf_release(&in->lane.idbuf);
    buf_release(&in->text);
    for (i = 0; i < in->nfiles; i++)
        free(in->files[i]);
    free(in->files);
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

/* Grows a block of the index to `bytes`, keeping its first `used`: from
 * 2 MiB on, 2 MiB aligned with huge pages advised, as the slots (a hint:
 * one page fault and TLB entry per 2 MiB instead of 512 on the thread
 * that replays the rows). NULL when out of memory (old kept). */
static void *big_grow(void *old, size_t used, size_t bytes)
{
    void *mem = NULL;

    if (bytes < (2u << 20))
        return realloc(old, bytes);
    if (posix_memalign(&mem, 2u << 20, bytes) != 0)
        return NULL;
    (void)madvise(mem, bytes, MADV_HUGEPAGE);
    if (used)
        memcpy(mem, old, used);
    free(old);
    return mem;
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
            const unsigned char *a = (const unsigned char *)d->arena + e->off;
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
    if (n > 0xffff || d->alen + n + 6 > 0xffffffffUL || d->n >= 0xfffffffeUL)
        return -1;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 1024;
        struct dup_entry *ne = big_grow(d->ents, d->n * sizeof(*ne), nc * sizeof(*ne));
        if (!ne)
            return -1;
        d->ents = ne;
        d->cap = nc;
    }
    if (d->alen + n + 6 > d->acap) {
        size_t nc = d->acap ? d->acap * 2 : 16384;
        char *na;

        while (nc < d->alen + n + 6)
            nc *= 2;
        if (!(na = big_grow(d->arena, d->alen, nc)))
            return -1;
        d->arena = na;
        d->acap = nc;
    }
    memcpy(hdr, &file, 4);
    memcpy(hdr + 4, &len16, 2);
    memcpy(d->arena + d->alen, hdr, 6);
    memcpy(d->arena + d->alen + 6, key, n);
    d->alen += n + 6;
    e = &d->ents[d->n];
    e->hash = h;
    e->off = (uint32_t)(d->alen - n - 6);
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

void ingest_on_formatted(struct ingest *in, ingest_format_fn fmt, const void *fctx,
                         ingest_record_text_fn rec, void *ctx)
{
    in->fmt_fn = rec ? fmt : NULL;
    in->fmt_ctx = fctx;
    in->text_fn = fmt ? rec : NULL;
    in->text_ctx = ctx;
}

/* --- a block worker's events ---------------------------------------------- */

/* One byte each, then the event's data (native byte order: the log never
 * leaves the process). */
enum {
    EV_ROW = 'W',            /* a row read: st->rows++ */
    EV_REJECTED = 'X',       /* ... and rejected: st->rejected++ */
    EV_REJECT = 'R',         /* a rejected field: long line, 3 x (u32 length, bytes) */
    EV_RECORD = 'P'          /* a normalized record for accept_row() (pack_permit()) */
};

static void log_add(struct lane *ln, const void *p, size_t n)
{
    if (!ln->log_bad && buf_add(ln->log, p, n) < 0)
        ln->log_bad = 1;
}

static void log_tag(struct lane *ln, char tag)
{
    log_add(ln, &tag, 1);
}

/* u32 length, the bytes, a NUL (read back as a C string in place). */
static void log_bytes(struct lane *ln, const char *s, size_t n)
{
    uint32_t n32 = (uint32_t)n;

    if (n > 0xfffffff0UL) {
        ln->log_bad = 1;
        return;
    }
    log_add(ln, &n32, sizeof(n32));
    log_add(ln, s, n);
    log_add(ln, "", 1);
}

/* A record's numbers; its strings follow, len[i] bytes each, in the
 * order of permit_strings(), then its text (ingest_on_formatted()). */
struct packed {
    uint64_t  hash;              /* key_hash() of its key */
    long long cents, start, end;
    long      line;
    int       currency, zone_status, voided;
    uint32_t  textlen;
    uint16_t  len[7];
};

/* The text fields of struct permit (every one: the packed record must
 * come back whole), with their array sizes. */
static void permit_strings(struct permit *p, char *s[7], size_t cap[7])
{
    s[0] = p->plate;        cap[0] = sizeof(p->plate);
    s[1] = p->vendor_zone;  cap[1] = sizeof(p->vendor_zone);
    s[2] = p->zone;         cap[2] = sizeof(p->zone);
    s[3] = p->permit_no;    cap[3] = sizeof(p->permit_no);
    s[4] = p->ticket;       cap[4] = sizeof(p->ticket);
    s[5] = p->promo;        cap[5] = sizeof(p->promo);
    s[6] = p->key;          cap[6] = sizeof(p->key);
}

/* Logs record p (zones resolved, source set) with its key's hash and,
 * with a formatter, its text. -1 when the formatter failed (out of
 * memory): the event is cut off. */
static int pack_permit(struct lane *ln, const struct permit *p)
{
    struct ingest *in = ln->in;
    struct packed h;
    char *str[7], *o;
    size_t cap[7], at = ln->log->len, hat, total = 1 + sizeof(h);
    int i;

    memset(&h, 0, sizeof(h));
    permit_strings((struct permit *)p, str, cap);
    h.hash = key_hash(p->key, strnlen(p->key, sizeof(p->key)));
    h.cents = p->cents;
    h.start = p->start;
    h.end = p->end;
    h.line = p->line;
    h.currency = (int)p->currency;
    h.zone_status = (int)p->zone_status;
    h.voided = p->voided;
    for (i = 0; i < 7; i++) {
        h.len[i] = (uint16_t)strnlen(str[i], cap[i] - 1);   /* sizes < 64 KiB */
        total += h.len[i];
    }
    /* one reservation, then the pieces (buf.h: room for the NUL too) */
    if (ln->log_bad || buf_grow(ln->log, total) < 0) {
        ln->log_bad = 1;
        return 0;
    }
    o = ln->log->ptr + at;
    *o++ = EV_RECORD;
    hat = at + 1;
    memcpy(o, &h, sizeof(h));
    o += sizeof(h);
    for (i = 0; i < 7; i++) {
        memcpy(o, str[i], h.len[i]);
        o += h.len[i];
    }
    *o = '\0';
    ln->log->len = at + total;
    if (in->fmt_fn) {
        size_t t0 = ln->log->len;

        if (in->fmt_fn(in->fmt_ctx, p, ln->log) < 0 || ln->log->len - t0 > 0xffffffffUL) {
            buf_truncate(ln->log, at);
            return -1;
        }
        h.textlen = (uint32_t)(ln->log->len - t0);
        memcpy(ln->log->ptr + hat + offsetof(struct packed, textlen), &h.textlen,
               sizeof(h.textlen));
    }
    return 0;
}

/* The end of the record pack_permit() wrote at `at` (after its tag). */
static const char *skip_permit(const char *at, uint64_t *hash, int *voided)
{
    struct packed h;
    int i;

    memcpy(&h, at, sizeof(h));
    *hash = h.hash;
    *voided = h.voided;
    at += sizeof(h);
    for (i = 0; i < 7; i++)
        at += h.len[i];
    return at + h.textlen;
}

/* The record pack_permit() wrote at `at` (after its tag) into *q (source
 * unset), its hash and its text; returns the end of it. */
static const char *unpack_permit(const char *at, struct permit *q, uint64_t *hash,
                                 const char **text, size_t *textlen)
{
    struct packed h;
    char *str[7];
    size_t cap[7];
    int i;

    memcpy(&h, at, sizeof(h));
    at += sizeof(h);
    *hash = h.hash;
    permit_strings(q, str, cap);
    for (i = 0; i < 7; i++) {
        memcpy(str[i], at, h.len[i]);
        str[i][h.len[i]] = '\0';
        at += h.len[i];
    }
    q->cents = h.cents;
    q->start = h.start;
    q->end = h.end;
    q->line = h.line;
    q->currency = (enum currency)h.currency;
    q->zone_status = (enum zone_status)h.zone_status;
    q->voided = h.voided;
    q->source = NULL;
    *text = at;
    *textlen = h.textlen;
    return at + h.textlen;
}

/* --- rows ----------------------------------------------------------------- */

/* Reports a rejected field of the current row (counts the row once, in
 * row_rejected()). */
static void ingest_reject(struct lane *ln, long line, const char *field, const char *reason,
                          const char *raw, size_t rawlen)
{
    struct ingest *in = ln->in;

    /* the reason kept with a rejected row never quotes the plate */
    if (!strcmp(field, PERMIT_PLATE_NAME)) {
        if (!ln->row_reason[0])
            snprintf(ln->row_reason, sizeof(ln->row_reason),
                     PERMIT_PLATE_NAME ": not a valid plate");
    } else if (!ln->row_reason[0] ||
               !strncmp(ln->row_reason, PERMIT_PLATE_NAME ":", sizeof(PERMIT_PLATE_NAME))) {
        snprintf(ln->row_reason, sizeof(ln->row_reason), "%s: %s", field, reason);
    }
    if (!strcmp(field, "Amount") || !strcmp(field, "CurrencyID"))
        ln->row_money_bad = 1;
    if (!strcmp(field, "startTime"))
        ln->row_start_bad = 1;
    ln->row_rejects++;
    if (ln->log) {
        log_tag(ln, EV_REJECT);
        log_add(ln, &line, sizeof(line));
        log_bytes(ln, field, strlen(field));
        log_bytes(ln, reason, strlen(reason));
        log_bytes(ln, raw ? raw : "", raw ? rawlen : 0);
    } else if (in->sink && in->sink->reject) {
        in->sink->reject(in->sink->ctx, in->path, line, field, reason, raw ? raw : "",
                         raw ? rawlen : 0);
    }
}

/* Ends a row that ingest_reject()ed. */
static void ingest_row_rejected(struct lane *ln)
{
    if (ln->row_rejects) {
        if (ln->log)
            log_tag(ln, EV_REJECTED);
        else
            ln->in->st->rejected++;
    }
    ln->row_rejects = 0;
}

static void norm_reject(void *ctx, const char *field, const char *reason, const char *raw,
                        size_t rawlen)
{
    struct lane *ln = ctx;

    ingest_reject(ln, ln->raw.line, field, reason, raw, rawlen);
}

/* A guess of the row's key before normalizing it (a profile with an id:
 * "name:id"), only to start loading its slot of the duplicate index early;
 * what the guess is worth does not matter for the result. */
static void prefetch_key(struct ingest *in, const struct lane *ln)
{
    const struct raw_value *id = &ln->raw.v[RF_ID];
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

static int accept_row(struct ingest *in, struct permit *p, const uint64_t *hash,
                      const char *text, size_t textlen, struct etl_err *err);

/* Normalizes and hands on the row in ln->raw (line in ln->raw.line): to
 * accept_row(), or a block worker's log. Returns -1 only when the sink
 * aborted or memory ran out (err filled). */
static int ingest_row(struct lane *ln, struct etl_err *err)
{
    struct ingest *in = ln->in;
    struct permit *p = &ln->permit;
    int r;

    ln->row_rejects = 0;
    ln->row_money_bad = ln->row_start_bad = 0;
    ln->row_reason[0] = '\0';
    ln->raw.file = in->path;
    if (!ln->log)                 /* a worker keeps off the index the main thread grows */
        prefetch_key(in, ln);
    r = normalize_record(&in->prof->norm, &ln->raw, p, norm_reject, ln);
    if (r != 0 || ln->row_rejects) {
        if (!ln->row_rejects)
            ingest_reject(ln, ln->raw.line, "_row", "rejected", "", 0);
        /* (never set with block workers: read_rows()) */
        if (in->rejected_row && !ln->row_money_bad && !p->voided &&
            (p->currency == CUR_CAD || p->currency == CUR_USD)) {
            struct ingest_rejected_row rr;

            memset(&rr, 0, sizeof(rr));
            rr.file = in->path;
            rr.line = ln->raw.line;
            rr.vendor = in->prof->norm.name;
            rr.cents = p->cents;
            rr.currency = p->currency;
            rr.start = p->start;
            rr.start_ok = !ln->row_start_bad;
            if (!rr.start_ok)
                rr.start = 0;
            rr.reason = ln->row_reason;
            in->rejected_row(in->rejected_ctx, &rr);
        }
        ingest_row_rejected(ln);
        return 0;
    }
    p->line = ln->raw.line;
    if (ln->log) {
        /* a worker: what needs nothing but the record is done here */
        p->source = in->path;
        zones_resolve(in->opts.zones, p);
        if (pack_permit(ln, p) < 0)
            return etl_fail(err, E_NOMEM, "out of memory");
        return 0;
    }
    return accept_row(in, p, NULL, NULL, 0, err);
}

/* The rest of a normalized row, on the main thread in file order: zone
 * status, the duplicate index, the sink. From a block's log (hash set)
 * the zones are resolved and the text made already. -1 when the sink
 * aborted or memory ran out (err filled). */
static int accept_row(struct ingest *in, struct permit *p, const uint64_t *hash,
                      const char *text, size_t textlen, struct etl_err *err)
{
    p->source = in->path;
    {
        uint32_t ofile = 0;
        long oline = 0;
        size_t klen = strnlen(p->key, sizeof(p->key));
        uint64_t h = hash ? *hash : key_hash(p->key, klen);
        /* sales and voids each have their index: a void shares its sale's
         * key by design, a second void of a key is a duplicate */
        struct dup_index *idx = p->voided ? &in->vdup : &in->dup;
        int d;

        /* the index is probed at random: start loading the slot now */
        if (idx->nslots)
            __builtin_prefetch(&idx->slots[(size_t)h & (idx->nslots - 1)]);
        if (!hash)
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
    if (p->voided)
        in->st->voids++;
    else {
        in->st->accepted++;
        if (p->cents == 0)
            in->st->free_sessions++;
    }
    if (in->text_fn) {
        if (!hash) {
            buf_reset(&in->text);
            if (in->fmt_fn(in->fmt_ctx, p, &in->text) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            text = in->text.ptr ? in->text.ptr : "";
            textlen = in->text.len;
        }
        return in->text_fn(in->text_ctx, p, text, textlen, err) != 0 ? -1 : 0;
    }
    if (in->sink->record && in->sink->record(in->sink->ctx, p, err) != 0)
        return -1;
    return 0;
}

/* Reports a file-level error as a "_file" reject and fills err. Returns -1. */
static int ingest_file_error(struct ingest *in, struct etl_err *err, int code, long line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int ingest_file_error(struct ingest *in, struct etl_err *err, int code, long line,
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

/* --- rows of cells onto the profile's columns ------------------------------ */

/* The field a column's reject names ("_row" for no column or an unmapped one). */
static const char *col_field(const struct profile *p, int c)
{
    return c < 0 || p->cols[c].field == RF_COUNT ? "_row" : profile_field_name(p->cols[c].field);
}

/* What a column is, in "... are both X": its field, or its first name. */
static const char *col_what(const struct profile *p, int c)
{
    return p->cols[c].field == RF_COUNT ? p->cols[c].names[0] : profile_field_name(p->cols[c].field);
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' ||
                  (*s)[*n - 1] == '\n'))
        (*n)--;
}

/* Text fields take a JSON number as its decimal text: "12.0" is "12". */
static int is_text_field(enum raw_field f)
{
    return f == RF_PERMITNO || f == RF_TICKET || f == RF_ZONE || f == RF_PROMO;
}

static size_t integral_len(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    size_t i;

    if (!dot)
        return n;
    for (i = (size_t)(dot - s) + 1; i < n; i++)
        if (s[i] != '0')
            return n;
    return (size_t)(dot - s);
}

/* Maps a header's cells onto the profile's columns (in->hidx): a column
 * named twice, or a required one missing, is the file's error. */
static int map_header(struct ingest *in, const struct reader_row *h, struct etl_err *err)
{
    const struct profile *p = in->prof;
    struct buf miss = BUF_INIT;
    int i, ret;

    for (i = 0; i < p->ncols; i++)
        in->hidx[i] = -1;
    for (i = 0; i < h->n; i++) {
        int c = profile_column_find(p, h->cell[i].ptr, h->cell[i].len);
        if (c < 0)
            continue;
        if (in->hidx[c] >= 0) {
            int j = in->hidx[c];
            return ingest_file_error(in, err, E_DATA, h->line,
                                     "header: columns %d ('%.*s') and %d ('%.*s') are both %s",
                                     j + 1, (int)h->cell[j].len, h->cell[j].ptr, i + 1,
                                     (int)h->cell[i].len, h->cell[i].ptr, col_what(p, c));
        }
        in->hidx[c] = i;
    }
    for (i = 0; i < p->ncols; i++)
        if (in->hidx[i] < 0 && !p->cols[i].optional)
            buf_addf(&miss, "%s'%s'", miss.len ? ", " : "", p->cols[i].names[0]);
    if (miss.len) {
        ret = ingest_file_error(in, err, E_DATA, h->line,
                                "missing required column%s %s (profile %s)",
                                strchr(miss.ptr, ',') ? "s" : "", miss.ptr, p->norm.name);
        buf_release(&miss);
        return ret;
    }
    return 0;
}

/* Positional cells (under the header): col[c] is column c's cell or NULL.
 * A row of another width is rejected whole (0). */
static int map_positions(struct lane *ln, const struct reader *r, const struct reader_row *row,
                         const struct reader_cell **col)
{
    struct ingest *in = ln->in;
    const struct profile *p = in->prof;
    int c;

    if (row->error) {                   /* nothing could be split */
        for (c = 0; c < p->ncols; c++)
            col[c] = NULL;
        return 1;
    }
    if (row->n != r->header.n) {
        char reason[64];

        snprintf(reason, sizeof(reason), "expected %d fields, found %d", r->header.n, row->n);
        ingest_reject(ln, row->line, "_row", reason, row->raw, row->rawlen);
        return 0;
    }
    for (c = 0; c < p->ncols; c++)
        col[c] = in->hidx[c] >= 0 ? &row->cell[in->hidx[c]] : NULL;
    return 1;
}

/* Keyed cells: col[c] is the cell whose key names column c, or NULL; two
 * keys naming one column reject the row. */
static void map_keys(struct lane *ln, const struct reader_row *row,
                     const struct reader_cell **col)
{
    const struct profile *p = ln->in->prof;
    char reason[256];
    int i, c;

    for (c = 0; c < p->ncols; c++)
        col[c] = NULL;
    for (i = 0; i < row->n; i++) {
        const struct reader_cell *m = &row->cell[i];
        c = profile_column_find(p, m->key, m->keylen);
        if (c < 0)
            continue;
        if (col[c]) {
            snprintf(reason, sizeof(reason), "keys '%.*s' and '%.*s' are both %s",
                     (int)(col[c]->keylen > 64 ? 64 : col[c]->keylen), col[c]->key,
                     (int)(m->keylen > 64 ? 64 : m->keylen), m->key, col_what(p, c));
            ingest_reject(ln, row->line, col_field(p, c), reason, row->raw, row->rawlen);
            continue;
        }
        col[c] = m;
    }
}

/* The checks the reader left to us (row->check) on column c's cell: 1 and
 * the field rejected when it fails one. */
static int cell_bad(struct lane *ln, const struct reader_row *row, int c,
                    const struct reader_cell *cell)
{
    const struct profile *p = ln->in->prof;
    char reason[160];

    if ((row->check & READER_CHECK_LEN) && cell->len > READER_MAX_FIELD) {
        snprintf(reason, sizeof(reason), "field longer than %d bytes (column '%s')",
                 READER_MAX_FIELD, p->cols[c].names[0]);
        ingest_reject(ln, row->line, col_field(p, c), reason, "", 0);
        return 1;
    }
    if ((row->check & READER_CHECK_NUL) && memchr(cell->ptr, '\0', cell->len)) {
        snprintf(reason, sizeof(reason), "NUL byte (column '%s')", p->cols[c].names[0]);
        ingest_reject(ln, row->line, col_field(p, c), reason, cell->ptr, cell->len);
        return 1;
    }
    if ((row->check & READER_CHECK_UTF8) && !utf8_valid(cell->ptr, cell->len)) {
        snprintf(reason, sizeof(reason), "invalid UTF-8 (column '%s')", p->cols[c].names[0]);
        ingest_reject(ln, row->line, col_field(p, c), reason, cell->ptr, cell->len);
        return 1;
    }
    return 0;
}

/* The id columns' cells, trimmed and joined with '|', as RF_ID (absent
 * when all are empty). -1 out of memory. */
static int join_ids(struct lane *ln, const struct reader_cell *const *col,
                    struct etl_err *err)
{
    const struct profile *p = ln->in->prof;
    int k, c, any = 0, number = 0;

    buf_reset(&ln->idbuf);
    for (k = 0; k < p->nids; k++) {
        for (c = 0; c < p->ncols; c++)
            if (p->cols[c].id_index == k)
                break;
        if (k && buf_addch(&ln->idbuf, '|') < 0)
            return etl_fail(err, E_NOMEM, "out of memory");
        if (c < p->ncols && col[c] && col[c]->type != READER_NULL) {
            const char *v = col[c]->ptr;
            size_t vl = col[c]->len;
            trim(&v, &vl);
            if (vl)
                any = 1;
            number = col[c]->type == READER_NUMBER;
            if (buf_add(&ln->idbuf, v, vl) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
        }
    }
    if (any) {
        ln->raw.v[RF_ID].ptr = ln->idbuf.ptr;
        ln->raw.v[RF_ID].len = ln->idbuf.len;
        ln->raw.v[RF_ID].present = 1;
        /* a single id that was a JSON number: "12.0" is id 12 */
        ln->raw.v[RF_ID].json_number = (unsigned char)(p->nids == 1 && number);
    }
    return 0;
}

/*
 * One row from the reader: counted, its error (if any) rejected, its cells
 * mapped onto the profile's columns and checked, the ids joined, then
 * normalized and handed on. -1 only when the sink aborted or memory ran
 * out (err filled).
 */
static int take_row(struct lane *ln, const struct reader *r, const struct reader_row *row,
                    struct etl_err *err)
{
    const struct profile *p = ln->in->prof;
    const struct reader_cell **col = ln->col;
    char reason[256];
    int c;

    if (ln->log)
        log_tag(ln, EV_ROW);
    else
        ln->in->st->rows++;
    ln->row_rejects = 0;
    memset(&ln->raw, 0, sizeof(ln->raw));
    ln->raw.line = row->line;
    if (row->error) {
        int ec = row->error_key ? profile_column_find(p, row->error_key, row->error_keylen) : -1;
        /* a problem in a key the profile ignores does not count */
        if (!row->error_key || ec >= 0 || row->error_always)
            ingest_reject(ln, row->line, col_field(p, ec), row->error, row->raw, row->rawlen);
    }
    if (r->keyed)
        map_keys(ln, row, col);
    else if (!map_positions(ln, r, row, col)) {
        ingest_row_rejected(ln);
        return 0;
    }
    for (c = 0; c < p->ncols; c++) {
        const struct reader_cell *cell = col[c];
        enum raw_field f;
        struct raw_value *rv;
        if (!cell)
            continue;
        if (cell->type != READER_TEXT && cell->type != READER_NUMBER) {
            if (cell->type == READER_NULL)
                continue;
            snprintf(reason, sizeof(reason), "expected a string or a number, found %s",
                     cell->type == READER_OBJECT ? "an object" : "an array");
            ingest_reject(ln, row->line, col_field(p, c), reason, cell->ptr, cell->len);
            continue;
        }
        if (row->check && cell_bad(ln, row, c, cell))
            continue;
        f = p->cols[c].field;
        if (f == RF_COUNT)
            continue;
        rv = &ln->raw.v[f];
        rv->ptr = cell->ptr;
        rv->len = cell->len;
        rv->present = 1;
        if (cell->type == READER_NUMBER) {       /* json_number is 0 (memset) */
            rv->json_number = 1;
            if (is_text_field(f))
                rv->len = integral_len(cell->ptr, cell->len);
        }
    }
    if (ln->row_rejects) {
        ingest_row_rejected(ln);
        return 0;
    }
    if (p->nids && join_ids(ln, col, err) < 0)
        return -1;
    return ingest_row(ln, err);
}

/* --- a file through its reader -------------------------------------------- */

/* The reader failed (err filled, r->line where): the file's error, reported
 * once; out of memory is only passed up. */
static int reader_failed(struct ingest *in, const struct reader *r, struct etl_err *err)
{
    if (err->code == E_NOMEM)
        return -1;
    return ingest_file_error(in, err, err->code, r ? r->line : 0, "%s", err->msg);
}

/* --- a file in blocks, on two threads --------------------------------------- */

/*
 * The reader thread (the caller) cuts the file into blocks of whole
 * records (reader.h: cut), each thread — the caller included, when it has
 * nothing else to do — reads a block's rows through its own block reader
 * and maps and normalizes them into the block's log, and the caller
 * replays the logs in file order: counts, rejects in the order the
 * rows made them, and accept_row() (zones, the duplicate index, the sink),
 * which only ever runs here. What the sink sees is therefore what reading
 * the file on one thread gives, byte for byte; whatever cut() leaves is
 * read by next() on the file's reader afterwards.
 */

enum { SLOT_OK = 0, SLOT_READER_FAILED, SLOT_ROW_FAILED };

struct slot {
    struct reader_block blk;
    struct buf log;              /* the block's events (EV_*) */
    long   line;                 /* SLOT_READER_FAILED: the reader's r->line */
    struct etl_err err;
    int    failed;               /* SLOT_*: err (and line) after the events */
};

static int cut_block(void *ctx, void *slotp, struct etl_err *err)
{
    struct ingest *in = ctx;
    struct slot *s = slotp;

    if (!s->blk.ptr) {
        s->blk.ptr = malloc(in->block_bytes);
        if (!s->blk.ptr)
            return etl_fail(err, E_NOMEM, "out of memory");
        s->blk.cap = in->block_bytes;
        s->blk.max_lines = INGEST_BLOCK_LINES;
    }
    return in->fmt->cut(in->reader, &s->blk, err);
}

/* A block's rows into its log (any thread). */
static void work_block(void *ctx, void *lanep, void *slotp)
{
    struct ingest *in = ctx;
    struct lane *ln = lanep;
    struct slot *s = slotp;
    struct reader_row row;
    int k;

    buf_reset(&s->log);
    s->failed = SLOT_OK;
    ln->log = &s->log;
    ln->log_bad = 0;
    in->fmt->load(ln->r, &s->blk);
    for (;;) {
        size_t mark = s->log.len;
        int bad;

        k = in->fmt->next(ln->r, &row, &s->err);
        if (k != 1)
            break;
        bad = take_row(ln, ln->r, &row, &s->err) < 0;
        if (ln->log_bad) {           /* the row's events are cut off whole */
            buf_truncate(&s->log, mark);
            etl_fail(&s->err, E_NOMEM, "out of memory");
            bad = 1;
        }
        if (bad) {
            s->failed = SLOT_ROW_FAILED;
            return;
        }
    }
    if (k < 0) {
        s->failed = SLOT_READER_FAILED;
        s->line = ln->r->line;
    }
}

/* A block's log, replayed in file order (the caller's thread). */
static int replay_block(void *ctx, void *slotp, struct etl_err *err)
{
    struct ingest *in = ctx;
    struct slot *s = slotp;
    const char *at = s->log.ptr, *end = at + s->log.len, *ahead = at;
    int lead = 0;

    in->st->blocks++;
    while (at < end) {
        char tag;
        long line;
        const char *str[3], *text;
        uint32_t n[3];
        size_t textlen;
        uint64_t h;
        int k, vd;

        /* the duplicate index is probed at random: keep the slots of the
         * next records loading while this one is handled */
        while (ahead < end && lead < 8) {
            tag = *ahead++;
            if (tag == EV_REJECT) {
                ahead += sizeof(line);
                for (k = 0; k < 3; k++) {
                    memcpy(&n[k], ahead, sizeof(n[k]));
                    ahead += sizeof(n[k]) + n[k] + 1;
                }
            } else if (tag == EV_RECORD) {
                const struct dup_index *idx;

                ahead = skip_permit(ahead, &h, &vd);
                idx = vd ? &in->vdup : &in->dup;
                if (idx->nslots)
                    __builtin_prefetch(&idx->slots[(size_t)h & (idx->nslots - 1)]);
                lead++;
            }
        }
        tag = *at++;
        switch (tag) {
        case EV_ROW:
            in->st->rows++;
            break;
        case EV_REJECTED:
            in->st->rejected++;
            break;
        case EV_REJECT:
            memcpy(&line, at, sizeof(line));
            at += sizeof(line);
            for (k = 0; k < 3; k++) {
                memcpy(&n[k], at, sizeof(n[k]));
                str[k] = at + sizeof(n[k]);
                at = str[k] + n[k] + 1;
            }
            if (in->sink && in->sink->reject)
                in->sink->reject(in->sink->ctx, in->path, line, str[0], str[1], str[2], n[2]);
            break;
        case EV_RECORD:
            lead--;
            at = unpack_permit(at, &in->lane.permit, &h, &text, &textlen);
            if (accept_row(in, &in->lane.permit, &h, text, textlen, err) < 0)
                return -1;
            break;
        default:
            return etl_fail(err, E_INTERNAL, "ingest: unknown block event %d", tag);
        }
    }
    if (s->failed == SLOT_OK)
        return 0;
    *err = s->err;
    if (s->failed == SLOT_ROW_FAILED || err->code == E_NOMEM)
        return -1;
    /* as reader_failed() */
    return ingest_file_error(in, err, err->code, s->line, "%s", s->err.msg);
}

static void lane_thread_end(void *ctx, void *lane)
{
    (void)ctx;
    (void)lane;
    norm_thread_cleanup();      /* the thread's digest context (normalize.h) */
}

/* Reads in->reader in blocks as far as it cuts them: 0, or -1 when the
 * file failed (reported) or the sink aborted, as the row loop would. */
static int read_blocks(struct ingest *in, struct etl_err *err)
{
    static const struct blockpipe_ops ops = { cut_block, work_block, replay_block,
                                              lane_thread_end };
    struct slot slots[INGEST_SLOTS];
    struct lane lanes[2];
    void *sp[INGEST_SLOTS], *lp[2];
    int i, nl = in->threads < 2 ? 1 : 2, ret = -1;

    memset(slots, 0, sizeof(slots));
    memset(lanes, 0, sizeof(lanes));
    for (i = 0; i < INGEST_SLOTS; i++)
        sp[i] = &slots[i];
    for (i = 0; i < nl; i++) {
        lanes[i].in = in;
        buf_init(&lanes[i].idbuf, READER_MAX_LINE);
        lp[i] = &lanes[i];
        if (in->fmt->block_reader(in->reader, &lanes[i].r, err) < 0)
            goto out;           /* out of memory: passed up */
    }
    ret = blockpipe_run(&ops, in, sp, INGEST_SLOTS, lp, nl, err);
out:
    for (i = 0; i < nl; i++) {
        if (lanes[i].r)
            in->fmt->close(lanes[i].r);
        buf_release(&lanes[i].idbuf);
    }
    for (i = 0; i < INGEST_SLOTS; i++) {
        free(slots[i].blk.ptr);
        buf_release(&slots[i].log);
    }
    return ret;
}

/* Peeks at the first bytes: the format whose first significant byte (after
 * a BOM and white space) it is; NULL (reported) for an empty file or a read
 * error. */
static const struct reader_format *sniff(struct ingest *in, struct etl_err *err)
{
    const char *h = NULL;
    ssize_t n, prev = -1;
    size_t i = 0, k;

    for (;;) {
        n = instream_peek(&in->src, &h);
        if (n < 0) {
            ingest_file_error(in, err, E_IO, 0, "%s", instream_error(&in->src));
            return NULL;
        }
        i = n >= 3 && !memcmp(h, "\xef\xbb\xbf", 3) ? 3 : 0;
        while (i < (size_t)n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
            i++;
        if (i < (size_t)n || n == prev)     /* found; or the end, or all we may peek */
            break;
        prev = n;
    }
    if (i >= (size_t)n) {
        ingest_file_error(in, err, E_DATA, 0, "empty file");
        return NULL;
    }
    for (k = 0; k + 1 < sizeof(formats) / sizeof(formats[0]); k++)
        if (formats[k]->claims((unsigned char)h[i]))
            break;
    return formats[k];
}

/* Reads the open file (in->src) through its reader: 0 to its end, -1 on
 * the file's error (reported) or when the sink aborted. */
static int read_rows(struct ingest *in, struct etl_err *err)
{
    const struct reader_format *f = sniff(in, err);
    struct reader *r = NULL;
    struct reader_row row;
    struct reader_opts ro;
    int k, ret = -1;

    if (!f)
        return -1;
    if (f->open(&r, &in->src, err) < 0) {
        reader_failed(in, r, err);
        goto out;
    }
    if (in->prof && !(in->prof->kinds & r->kind)) {
        ingest_file_error(in, err, E_CONFIG, r->line, "profile '%s' does not read %s files",
                          in->prof->norm.name, profile_kind_name(r->kind));
        goto out;
    }
    if (!in->prof) {
        k = f->peek(r, err);
        if (k <= 0) {           /* an error, or no rows: nothing to detect */
            ret = k < 0 ? reader_failed(in, r, err) : 0;
            goto out;
        }
        in->prof = profile_detect(&in->profiles, r->kind, f->names, r, err);
        if (!in->prof) {
            ingest_file_error(in, err, E_CONFIG, r->line, "%s", err->msg);
            goto out;
        }
    }
    ro.delimiter = in->prof->delimiter;
    ro.multiline = in->prof->multiline_fields;
    if (f->start(r, &ro, err) < 0) {
        reader_failed(in, r, err);
        goto out;
    }
    if (!r->keyed && map_header(in, &r->header, err) < 0)
        goto out;
    /* blocks on two threads where the format cuts them; the rejected-row
     * hook (run, push) wants its rows at once: one thread */
    if (in->threads > 1 && f->cut && !in->rejected_row) {
        in->fmt = f;
        in->reader = r;
        k = read_blocks(in, err);
        in->fmt = NULL;
        in->reader = NULL;
        if (k < 0)
            goto out;
    }
    while ((k = f->next(r, &row, err)) == 1)
        if (take_row(&in->lane, r, &row, err) < 0)
            goto out;
    if (k < 0) {
        reader_failed(in, r, err);
        goto out;
    }
    ret = 0;
out:
    if (r)
        f->close(r);
    return ret;
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
    int ret;
    struct stat sb0, sb1;

    memset(st, 0, sizeof(*st));
    memset(&sb0, 0, sizeof(sb0));
    etl_err_clear(err);
    in->path = path;
    in->sink = sink;
    in->st = st;
    in->prof = prof;
    in->lane.row_rejects = 0;
    if (remember_file(in, path, err) < 0)
        return -1;
    /* Size and mtime of a regular file are checked again after reading. */
    if (open_input(in, path, &sb0, err) < 0) {
        ret = -1;
        goto out;
    }
    if (instream_open(&in->src, in->fd) < 0) {
        ret = ingest_file_error(in, err, E_IO, 0, "%s", instream_error(&in->src));
        goto out;
    }
    ret = read_rows(in, err);
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
