/*
 * ingest.c — one run's files: opening the input (kind checks, streams),
 * picking the reader (reader.h) and the profile, mapping each row's cells
 * onto the profile's columns (a CSV header once, JSON keys per row),
 * checking the cells a reader did not, joining ids, and the row pipeline
 * (normalize -> zones -> duplicate index -> sink). The readers know none of
 * this and never call back here.
 */
#include "ingest.h"

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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
    int         hidx[PROFILE_MAX_COLUMNS];  /* positional rows: column -> header cell or -1 */

    /* the current row */
    const struct reader_cell *col[PROFILE_MAX_COLUMNS];  /* column -> its cell or NULL */
    struct raw_record raw;
    struct permit permit;
    int         row_rejects;
    int         row_money_bad;   /* the row's Amount or CurrencyID was rejected */
    int         row_start_bad;   /* its startTime was rejected */
    char        row_reason[256]; /* its first rejected field and reason */
    ingest_rejected_row_fn rejected_row;
    void       *rejected_ctx;
    struct buf  idbuf;        /* joined ids */
};

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
    buf_init(&in->idbuf, READER_MAX_LINE);
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

/* Reports a rejected field of the current row (counts the row once, in
 * row_rejected()). */
static void ingest_reject(struct ingest *in, long line, const char *field, const char *reason,
                          const char *raw, size_t rawlen)
{
    /* the reason kept with a rejected row never quotes the plate */
    if (!strcmp(field, PERMIT_PLATE_NAME)) {
        if (!in->row_reason[0])
            snprintf(in->row_reason, sizeof(in->row_reason),
                     PERMIT_PLATE_NAME ": not a valid plate");
    } else if (!in->row_reason[0] ||
               !strncmp(in->row_reason, PERMIT_PLATE_NAME ":", sizeof(PERMIT_PLATE_NAME))) {
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

/* Ends a row that ingest_reject()ed. */
static void ingest_row_rejected(struct ingest *in)
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

/* Normalizes and hands on the row in in->raw (line in in->raw.line).
 * Returns -1 only when the sink aborted or memory ran out (err filled). */
static int ingest_row(struct ingest *in, struct etl_err *err)
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
static int map_positions(struct ingest *in, const struct reader *r, const struct reader_row *row,
                         const struct reader_cell **col)
{
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
        ingest_reject(in, row->line, "_row", reason, row->raw, row->rawlen);
        return 0;
    }
    for (c = 0; c < p->ncols; c++)
        col[c] = in->hidx[c] >= 0 ? &row->cell[in->hidx[c]] : NULL;
    return 1;
}

/* Keyed cells: col[c] is the cell whose key names column c, or NULL; two
 * keys naming one column reject the row. */
static void map_keys(struct ingest *in, const struct reader_row *row,
                     const struct reader_cell **col)
{
    const struct profile *p = in->prof;
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
            ingest_reject(in, row->line, col_field(p, c), reason, row->raw, row->rawlen);
            continue;
        }
        col[c] = m;
    }
}

/* The checks the reader left to us (row->check) on column c's cell: 1 and
 * the field rejected when it fails one. */
static int cell_bad(struct ingest *in, const struct reader_row *row, int c,
                    const struct reader_cell *cell)
{
    const struct profile *p = in->prof;
    char reason[160];

    if ((row->check & READER_CHECK_LEN) && cell->len > READER_MAX_FIELD) {
        snprintf(reason, sizeof(reason), "field longer than %d bytes (column '%s')",
                 READER_MAX_FIELD, p->cols[c].names[0]);
        ingest_reject(in, row->line, col_field(p, c), reason, "", 0);
        return 1;
    }
    if ((row->check & READER_CHECK_NUL) && memchr(cell->ptr, '\0', cell->len)) {
        snprintf(reason, sizeof(reason), "NUL byte (column '%s')", p->cols[c].names[0]);
        ingest_reject(in, row->line, col_field(p, c), reason, cell->ptr, cell->len);
        return 1;
    }
    if ((row->check & READER_CHECK_UTF8) && !utf8_valid(cell->ptr, cell->len)) {
        snprintf(reason, sizeof(reason), "invalid UTF-8 (column '%s')", p->cols[c].names[0]);
        ingest_reject(in, row->line, col_field(p, c), reason, cell->ptr, cell->len);
        return 1;
    }
    return 0;
}

/* The id columns' cells, trimmed and joined with '|', as RF_ID (absent
 * when all are empty). -1 out of memory. */
static int join_ids(struct ingest *in, const struct reader_cell *const *col,
                    struct etl_err *err)
{
    const struct profile *p = in->prof;
    int k, c, any = 0, number = 0;

    buf_reset(&in->idbuf);
    for (k = 0; k < p->nids; k++) {
        for (c = 0; c < p->ncols; c++)
            if (p->cols[c].id_index == k)
                break;
        if (k && buf_addch(&in->idbuf, '|') < 0)
            return etl_fail(err, E_NOMEM, "out of memory");
        if (c < p->ncols && col[c] && col[c]->type != READER_NULL) {
            const char *v = col[c]->ptr;
            size_t vl = col[c]->len;
            trim(&v, &vl);
            if (vl)
                any = 1;
            number = col[c]->type == READER_NUMBER;
            if (buf_add(&in->idbuf, v, vl) < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
        }
    }
    if (any) {
        in->raw.v[RF_ID].ptr = in->idbuf.ptr;
        in->raw.v[RF_ID].len = in->idbuf.len;
        in->raw.v[RF_ID].present = 1;
        /* a single id that was a JSON number: "12.0" is id 12 */
        in->raw.v[RF_ID].json_number = (unsigned char)(p->nids == 1 && number);
    }
    return 0;
}

/*
 * One row from the reader: counted, its error (if any) rejected, its cells
 * mapped onto the profile's columns and checked, the ids joined, then
 * normalized and handed on. -1 only when the sink aborted or memory ran
 * out (err filled).
 */
static int take_row(struct ingest *in, const struct reader *r, const struct reader_row *row,
                    struct etl_err *err)
{
    const struct profile *p = in->prof;
    const struct reader_cell **col = in->col;
    char reason[256];
    int c;

    in->st->rows++;
    in->row_rejects = 0;
    memset(&in->raw, 0, sizeof(in->raw));
    in->raw.line = row->line;
    if (row->error) {
        int ec = row->error_key ? profile_column_find(p, row->error_key, row->error_keylen) : -1;
        /* a problem in a key the profile ignores does not count */
        if (!row->error_key || ec >= 0 || row->error_always)
            ingest_reject(in, row->line, col_field(p, ec), row->error, row->raw, row->rawlen);
    }
    if (r->keyed)
        map_keys(in, row, col);
    else if (!map_positions(in, r, row, col)) {
        ingest_row_rejected(in);
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
            ingest_reject(in, row->line, col_field(p, c), reason, cell->ptr, cell->len);
            continue;
        }
        if (row->check && cell_bad(in, row, c, cell))
            continue;
        f = p->cols[c].field;
        if (f == RF_COUNT)
            continue;
        rv = &in->raw.v[f];
        rv->ptr = cell->ptr;
        rv->len = cell->len;
        rv->present = 1;
        if (cell->type == READER_NUMBER) {       /* json_number is 0 (memset) */
            rv->json_number = 1;
            if (is_text_field(f))
                rv->len = integral_len(cell->ptr, cell->len);
        }
    }
    if (in->row_rejects) {
        ingest_row_rejected(in);
        return 0;
    }
    if (p->nids && join_ids(in, col, err) < 0)
        return -1;
    return ingest_row(in, err);
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
    while ((k = f->next(r, &row, err)) == 1)
        if (take_row(in, r, &row, err) < 0)
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
    in->row_rejects = 0;
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
