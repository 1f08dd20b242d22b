/*
 * ingest_csv.c — CSV files, one physical line at a time.
 *
 * Lines are found with memchr in a large read buffer; each line is split
 * on its own, so a broken line (unbalanced quote, stray quote, wrong field
 * count) is rejected alone and the next line parses normally. A line that
 * holds a quote or a carriage return goes through libcsv (CSV_STRICT |
 * CSV_STRICT_FINI); a line without either is split directly with memchr —
 * the same result libcsv gives for it (cells trimmed of spaces and tabs),
 * only faster. With the profile's multiline_fields, physical lines are
 * joined while a quoted field is open (odd number of quotes) and the
 * record is then split the same way; its line is its first line.
 */
#include "ingest_priv.h"
#include "utf8.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct split {
    const char *ptr[INGEST_MAX_COLUMNS];
    size_t      len[INGEST_MAX_COLUMNS];
    int         n;
    int         overflow;     /* more than INGEST_MAX_COLUMNS cells */
    int         rows;         /* libcsv row ends seen */
    char       *store;        /* libcsv cells are copied here */
    size_t      used, cap;
    struct csv_parser csv;
    int         csv_ok;
    int         plain;        /* split by split_plain(): the two below are set */
    int         ascii;        /* the line is 7-bit ASCII */
    int         nul;          /* the line holds a NUL byte */
};

struct csvfile {
    struct ingest *in;
    struct split sp;
    int   header_done;
    int   ncols;                         /* header cells */
    int   colmap[INGEST_MAX_COLUMNS];    /* header cell -> profile column or -1 */
    int   hidx[PROFILE_MAX_COLUMNS];     /* profile column -> header cell or -1 */
    struct buf rec;                      /* multiline record / header copy */
    long  rec_line;
    int   rec_quotes;
};

static void cb_field(void *s, size_t len, void *data)
{
    struct split *sp = data;

    if (sp->n >= INGEST_MAX_COLUMNS) {
        sp->overflow = 1;
        return;
    }
    if (sp->used + len > sp->cap)   /* cannot happen: cells <= line <= cap */
        len = sp->cap - sp->used;
    if (len)
        memcpy(sp->store + sp->used, s, len);
    sp->ptr[sp->n] = sp->store + sp->used;
    sp->len[sp->n] = len;
    sp->used += len;
    sp->n++;
}

static void cb_row(int c, void *data)
{
    struct split *sp = data;

    (void)c;
    sp->rows++;
}

static void csv_reset(struct csv_parser *p)
{
    /* libcsv leaves its state as it was after an error; csv_fini resets
     * only on success. These fields are its documented public state. */
    p->pstate = 0;
    p->quoted = 0;
    p->spaces = 0;
    p->entry_pos = 0;
    p->status = 0;
}

static int is_sp(char c)
{
    return c == ' ' || c == '\t';
}

/* Adds the cell b..e (trimmed of spaces and tabs); 0, or -1 past the
 * column limit (overflow set). */
static int add_cell(struct split *sp, const char *b, const char *e)
{
    if (sp->n == INGEST_MAX_COLUMNS) {
        sp->overflow = 1;
        return -1;
    }
    while (b < e && is_sp(*b))
        b++;
    while (e > b && is_sp(e[-1]))
        e--;
    sp->ptr[sp->n] = b;
    sp->len[sp->n] = (size_t)(e - b);
    sp->n++;
    return 0;
}

#define ONES  0x0101010101010101ULL
#define LOW7  0x7f7f7f7f7f7f7f7fULL

/* High bit of each byte of w that equals the byte in c8 (exact per
 * byte: no carry crosses a byte). */
static uint64_t eq_bytes(uint64_t w, uint64_t c8)
{
    uint64_t x = w ^ c8;

    return ~(((x & LOW7) + LOW7) | x | LOW7);
}

/* 1 if p..end holds a '"' or a '\r' (such a line is libcsv's to split). */
static int quote_or_cr(const char *p, const char *end)
{
    size_t n = (size_t)(end - p);

    return memchr(p, '"', n) != NULL || memchr(p, '\r', n) != NULL;
}

/*
 * The quote-free fast path: splits s[0..n) on delim in one pass, 8 bytes
 * at a time. Returns 1 (sp untouched beyond n) when the line holds a '"'
 * or a '\r': libcsv then splits it.
 */
static int split_plain(struct split *sp, const char *s, size_t n, char delim)
{
    const char *p = s, *end = s + n, *b = s;
    const uint64_t d8 = ONES * (unsigned char)delim, q8 = ONES * '"', r8 = ONES * '\r';
    uint64_t any = 0, nul = 0;

    while (end - p >= 8) {
        uint64_t w, hit;
        memcpy(&w, p, 8);
        if (eq_bytes(w, q8) | eq_bytes(w, r8))
            return 1;
        any |= w;
        nul |= eq_bytes(w, 0);
        hit = eq_bytes(w, d8);
        while (hit) {
            const char *d = p + (__builtin_ctzll(hit) >> 3);
            if (add_cell(sp, b, d) < 0)
                return quote_or_cr(p, end);
            b = d + 1;
            hit &= hit - 1;
        }
        p += 8;
    }
    for (; p < end; p++) {
        if (*p == '"' || *p == '\r')
            return 1;
        any |= (unsigned char)*p;
        nul |= *p == '\0';
        if (*p == delim) {
            if (add_cell(sp, b, p) < 0)
                return quote_or_cr(p, end);
            b = p + 1;
        }
    }
    (void)add_cell(sp, b, end);
    sp->plain = 1;
    sp->ascii = !(any & 0x8080808080808080ULL);
    sp->nul = nul != 0;
    return 0;
}

/* Splits s[0..n) on delim into sp. 0, or -1 with *why. */
static int split_line(struct split *sp, const char *s, size_t n, char delim, const char **why)
{
    sp->n = 0;
    sp->overflow = 0;
    sp->rows = 0;
    sp->used = 0;
    sp->plain = 0;
    if (delim != '"' && delim != '\r' && split_plain(sp, s, n, delim) == 0) {
        /* split */
    } else {
        sp->n = 0;
        sp->overflow = 0;
        size_t done;
        csv_set_delim(&sp->csv, (unsigned char)delim);
        done = csv_parse(&sp->csv, s, n, cb_field, cb_row, sp);
        if (done != n || csv_error(&sp->csv) != CSV_SUCCESS) {
            csv_reset(&sp->csv);
            *why = csv_error(&sp->csv) == CSV_ENOMEM ? "out of memory"
                 : "stray quote: text before an opening quote or after a closing quote";
            return -1;
        }
        if (csv_fini(&sp->csv, cb_field, cb_row, sp) != 0) {
            csv_reset(&sp->csv);
            *why = "unbalanced quote (a quoted field is not closed)";
            return -1;
        }
        if (sp->rows != 1) {
            *why = "carriage return inside an unquoted field";
            return -1;
        }
    }
    if (sp->overflow) {
        *why = "more than 256 columns";
        return -1;
    }
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* --- header ----------------------------------------------------------------- */

struct hdr_ctx {
    struct csvfile *cf;
    const char *s;
    size_t n;
};

static int header_split(void *ctx, char delim, struct profile_header *h)
{
    struct hdr_ctx *hc = ctx;
    struct split *sp = &hc->cf->sp;
    const char *why;
    int i;

    if (split_line(sp, hc->s, hc->n, delim, &why) < 0)
        return -1;
    for (i = 0; i < sp->n; i++) {
        h->name[i] = sp->ptr[i];
        h->len[i] = sp->len[i];
    }
    h->n = sp->n;
    return 0;
}

static int header(struct csvfile *cf, const char *s, size_t n, long line, struct etl_err *err)
{
    struct ingest *in = cf->in;
    const struct profile *p = in->prof;
    struct hdr_ctx hc = { cf, s, n };
    const char *why;
    struct buf miss = BUF_INIT;
    int i, ret;

    if (!p) {
        p = profile_detect(&in->profiles, PK_CSV, header_split, &hc, err);
        if (!p)
            return ingest_file_error(in, err, E_CONFIG, line, "%s", err->msg);
        in->prof = p;
    } else if (!(p->kinds & PK_CSV)) {
        return ingest_file_error(in, err, E_CONFIG, line, "profile '%s' does not read CSV files",
                                 p->norm.name);
    }
    if (split_line(&cf->sp, s, n, p->delimiter, &why) < 0)
        return ingest_file_error(in, err, E_DATA, line, "header: %s", why);
    cf->ncols = cf->sp.n;
    for (i = 0; i < p->ncols; i++)
        cf->hidx[i] = -1;
    for (i = 0; i < cf->sp.n; i++) {
        int c = profile_column_find(p, cf->sp.ptr[i], cf->sp.len[i]);
        cf->colmap[i] = c;
        if (c < 0)
            continue;
        if (cf->hidx[c] >= 0) {
            int j = cf->hidx[c];
            return ingest_file_error(in, err, E_DATA, line,
                                     "header: columns %d ('%.*s') and %d ('%.*s') are both %s",
                                     j + 1, (int)cf->sp.len[j], cf->sp.ptr[j], i + 1,
                                     (int)cf->sp.len[i], cf->sp.ptr[i],
                                     p->cols[c].field == RF_COUNT ? p->cols[c].names[0]
                                     : profile_field_name(p->cols[c].field));
        }
        cf->hidx[c] = i;
    }
    for (i = 0; i < p->ncols; i++)
        if (cf->hidx[i] < 0 && !p->cols[i].optional)
            buf_addf(&miss, "%s'%s'", miss.len ? ", " : "", p->cols[i].names[0]);
    if (miss.len) {
        ret = ingest_file_error(in, err, E_DATA, line, "missing required column%s %s (profile %s)",
                                strchr(miss.ptr, ',') ? "s" : "", miss.ptr, p->norm.name);
        buf_release(&miss);
        return ret;
    }
    cf->header_done = 1;
    return 0;
}

/* --- rows ------------------------------------------------------------------- */

static void trim(const char **s, size_t *n)
{
    while (*n && (is_sp(**s) || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*n)--;
    }
    while (*n && (is_sp((*s)[*n - 1]) || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

static int all_ascii(const char *s, size_t n)
{
    uint64_t acc = 0, w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x8080808080808080ULL) == 0;
}

static const char *col_field(const struct profile *p, int c)
{
    return p->cols[c].field == RF_COUNT ? "_row" : profile_field_name(p->cols[c].field);
}

/* 1 when every field of the split row is empty after trimming. */
static int all_empty(const struct split *sp)
{
    int i;

    for (i = 0; i < sp->n; i++) {
        const char *v = sp->ptr[i];
        size_t vl = sp->len[i];

        trim(&v, &vl);
        if (vl)
            return 0;
    }
    return 1;
}

static int row(struct csvfile *cf, const char *s, size_t n, long line, struct etl_err *err)
{
    struct ingest *in = cf->in;
    const struct profile *p = in->prof;
    struct split *sp = &cf->sp;
    const char *why;
    char reason[160];
    int c, bad = 0, ascii, nul;

    in->row_rejects = 0;
    if (split_line(sp, s, n, p->delimiter, &why) < 0) {
        in->st->rows++;
        ingest_reject(in, line, "_row", why, s, n);
        ingest_row_rejected(in);
        return 0;
    }
    if (all_empty(sp))
        return 0;   /* a cleared row (Excel's ,,,,): skipped like a blank line */
    in->st->rows++;
    if (sp->n != cf->ncols) {
        snprintf(reason, sizeof(reason), "expected %d fields, found %d", cf->ncols, sp->n);
        ingest_reject(in, line, "_row", reason, s, n);
        ingest_row_rejected(in);
        return 0;
    }
    memset(&in->raw, 0, sizeof(in->raw));
    in->raw.line = line;
    if (sp->plain) {
        ascii = sp->ascii;
        nul = sp->nul;
    } else {
        ascii = all_ascii(s, n);
        nul = memchr(s, '\0', n) != NULL;
    }
    for (c = 0; c < p->ncols; c++) {
        int h = cf->hidx[c];
        const char *v;
        size_t vl;
        if (h < 0)
            continue;
        v = sp->ptr[h];
        vl = sp->len[h];
        if (vl > INGEST_MAX_FIELD) {
            snprintf(reason, sizeof(reason), "field longer than %d bytes (column '%s')",
                     INGEST_MAX_FIELD, p->cols[c].names[0]);
            ingest_reject(in, line, col_field(p, c), reason, "", 0);
            bad = 1;
            continue;
        }
        if (nul && memchr(v, '\0', vl)) {
            snprintf(reason, sizeof(reason), "NUL byte (column '%s')", p->cols[c].names[0]);
            ingest_reject(in, line, col_field(p, c), reason, v, vl); /* raw shown escaped */
            bad = 1;
            continue;
        }
        if (!ascii && !utf8_valid(v, vl)) {
            snprintf(reason, sizeof(reason), "invalid UTF-8 (column '%s')", p->cols[c].names[0]);
            ingest_reject(in, line, col_field(p, c), reason, v, vl);
            bad = 1;
            continue;
        }
        if (p->cols[c].field != RF_COUNT) {
            struct raw_value *rv = &in->raw.v[p->cols[c].field];
            rv->ptr = v;
            rv->len = vl;
            rv->present = 1;
        }
    }
    if (bad) {
        ingest_row_rejected(in);
        return 0;
    }
    if (p->nids) {
        int k, any = 0;
        buf_reset(&in->idbuf);
        for (k = 0; k < p->nids; k++) {
            for (c = 0; c < p->ncols; c++)
                if (p->cols[c].id_index == k)
                    break;
            if (k && buf_addch(&in->idbuf, '|') < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            if (c < p->ncols && cf->hidx[c] >= 0) {
                const char *v = sp->ptr[cf->hidx[c]];
                size_t vl = sp->len[cf->hidx[c]];
                trim(&v, &vl);
                if (vl)
                    any = 1;
                if (buf_add(&in->idbuf, v, vl) < 0)
                    return etl_fail(err, E_NOMEM, "out of memory");
            }
        }
        if (any) {
            in->raw.v[RF_ID].ptr = in->idbuf.ptr;
            in->raw.v[RF_ID].len = in->idbuf.len;
            in->raw.v[RF_ID].present = 1;
        }
    }
    return ingest_row(in, err);
}

/* A logical line (a physical line, or a multiline record). */
static int logical_line(struct csvfile *cf, const char *s, size_t n, long line,
                        struct etl_err *err)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (is_blank(s, n))
        return 0;
    if (!cf->header_done)
        return header(cf, s, n, line, err);
    return row(cf, s, n, line, err);
}

static size_t count_quotes(const char *s, size_t n)
{
    size_t q = 0;
    const char *p = s, *e = s + n;

    while (p < e && (p = memchr(p, '"', (size_t)(e - p))) != NULL) {
        q++;
        p++;
    }
    return q;
}

static int physical_line(struct csvfile *cf, const char *s, size_t n, long line,
                         struct etl_err *err)
{
    struct ingest *in = cf->in;
    int r;

    if (!in->prof || !in->prof->multiline_fields || !cf->header_done)
        return logical_line(cf, s, n, line, err);
    if (cf->rec.len == 0 && cf->rec_quotes == 0) {
        size_t q = count_quotes(s, n);
        if ((q & 1) == 0)
            return logical_line(cf, s, n, line, err);
        cf->rec_line = line;
        cf->rec_quotes = (int)(q & 1);
        if (buf_add(&cf->rec, s, n) < 0)
            return etl_fail(err, E_NOMEM, "out of memory");
        return 0;
    }
    /* inside a quoted field: join */
    if (buf_addch(&cf->rec, '\n') < 0 || buf_add(&cf->rec, s, n) < 0) {
        in->st->rows++;
        in->row_rejects = 0;
        ingest_reject(in, cf->rec_line, "_row", "record longer than 1048576 bytes", "", 0);
        ingest_row_rejected(in);
        buf_reset(&cf->rec);
        cf->rec_quotes = 0;
        return 0;
    }
    cf->rec_quotes ^= (int)(count_quotes(s, n) & 1);
    if (cf->rec_quotes)
        return 0;
    r = logical_line(cf, cf->rec.ptr, cf->rec.len, cf->rec_line, err);
    buf_reset(&cf->rec);
    return r;
}

static void too_long(struct ingest *in, long line)
{
    in->st->rows++;
    in->row_rejects = 0;
    ingest_reject(in, line, "_row", "line longer than 1048576 bytes", "", 0);
    ingest_row_rejected(in);
}

/* A line over the limit: a rejected row, or the end of the file when no
 * header was read yet (a stream such as /dev/zero never has one). */
static int long_line(struct csvfile *cf, long line, struct etl_err *err)
{
    if (!cf->header_done)
        return ingest_file_error(cf->in, err, E_DATA, line,
                                 "header line longer than %d bytes (not a CSV file?)",
                                 INGEST_MAX_LINE);
    too_long(cf->in, line);
    return 0;
}

int ingest_csv_run(struct ingest *in, const char *head, size_t headlen, struct etl_err *err)
{
    struct csvfile *cf = calloc(1, sizeof(*cf));
    char *b = in->rbuf;
    size_t start = 0, end = headlen, scan = 0;
    unsigned long long skipped = 0;
    long line = 0;
    int eof = 0, skipping = 0, ret = -1;

    (void)head;
    if (!cf)
        return etl_fail(err, E_NOMEM, "out of memory");
    cf->in = in;
    buf_init(&cf->rec, INGEST_MAX_LINE);
    cf->sp.cap = INGEST_MAX_LINE + 16;
    cf->sp.store = malloc(cf->sp.cap);
    if (!cf->sp.store || csv_init(&cf->sp.csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto out;
    }
    cf->sp.csv_ok = 1;
    if (end >= 3 && !memcmp(b, "\xef\xbb\xbf", 3))
        start = scan = 3;
    for (;;) {
        char *nl = memchr(b + scan, '\n', end - scan);
        if (nl) {
            size_t len = (size_t)(nl - (b + start));
            line++;
            if (skipping)
                skipping = 0;
            else if (len > INGEST_MAX_LINE) {
                if (long_line(cf, line, err) < 0)
                    goto out;
            } else if (physical_line(cf, b + start, len, line, err) < 0)
                goto out;
            start = scan = (size_t)(nl - b) + 1;
            continue;
        }
        scan = end;
        if (eof) {
            if (start < end && !skipping) {
                line++;
                if (end - start > INGEST_MAX_LINE) {
                    if (long_line(cf, line, err) < 0)
                        goto out;
                } else if (physical_line(cf, b + start, end - start, line, err) < 0)
                    goto out;
            }
            break;
        }
        if (end - start > INGEST_MAX_LINE) {
            /* a line over the limit: rejected, skipped to its end */
            if (!skipping) {
                if (long_line(cf, line + 1, err) < 0)
                    goto out;
                skipping = 1;
                skipped = 0;
            }
            skipped += end - start;
            if (skipped > INGEST_MAX_SKIP) {
                ingest_file_error(in, err, E_DATA, line + 1,
                                  "no end of line within %llu bytes: file not read further",
                                  INGEST_MAX_SKIP);
                goto out;
            }
            start = scan = end = 0;
        } else if (start > 0) {
            memmove(b, b + start, end - start);
            end -= start;
            scan -= start;
            start = 0;
        }
        {
            ssize_t n = ingest_read(in, b + end, in->rcap - end);
            if (n < 0) {
                ingest_file_error(in, err, E_IO, 0, "%s", ingest_read_error(in, errno));
                goto out;
            }
            if (n == 0)
                eof = 1;
            end += (size_t)n;
        }
    }
    if (cf->rec.len || cf->rec_quotes) {
        in->st->rows++;
        in->row_rejects = 0;
        ingest_reject(in, cf->rec_line, "_row", "unbalanced quote (a quoted field is not closed)",
                      cf->rec.ptr ? cf->rec.ptr : "", cf->rec.len);
        ingest_row_rejected(in);
    }
    if (!cf->header_done && err->code == E_OK) {
        ingest_file_error(in, err, E_DATA, 0, "no header line");
        goto out;
    }
    ret = err->code == E_OK ? 0 : -1;
out:
    if (cf->sp.csv_ok)
        csv_free(&cf->sp.csv);
    free(cf->sp.store);
    buf_release(&cf->rec);
    free(cf);
    return ret;
}
