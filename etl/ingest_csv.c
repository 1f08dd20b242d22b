/*
 * ingest_csv.c — the CSV reader (reader.h): rows of cells, one physical
 * line at a time.
 *
 * Lines are found with memchr in a large read buffer; each line is split
 * on its own, so a broken line (unbalanced quote, stray quote) comes back
 * as one broken row and the next line parses normally. A line that holds a
 * quote or a carriage return goes through libcsv (CSV_STRICT |
 * CSV_STRICT_FINI); a line without either is split directly with memchr —
 * the same result libcsv gives for it (cells trimmed of spaces and tabs),
 * only faster. Blank lines and cleared rows (Excel's ,,,,) are skipped.
 * With opts.multiline, physical lines are joined while a quoted field is
 * open (odd number of quotes) and the record is then split the same way;
 * its line is its first line.
 *
 * open() reads up to the header: the first line that is not blank (a line
 * over READER_MAX_LINE there, or none at all, is the file's error). Its
 * cells are split again for each delimiter a profile may have (names())
 * and, once the profile is chosen, for its own (start(): r.header). Rows
 * are positional under that header (r.keyed 0); the field count and
 * the column names are ingest's to check.
 */
#include "reader.h"

#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* the read buffer: two lines at the limit and a read */
#define RBUF_CAP ((size_t)READER_MAX_LINE * 2 + (1 << 16))

struct split {
    struct reader_cell cell[READER_MAX_COLUMNS];   /* type READER_TEXT, key NULL */
    int         n;
    int         overflow;     /* more than READER_MAX_COLUMNS cells */
    int         rows;         /* libcsv row ends seen */
    char       *store;        /* libcsv cells are copied here */
    size_t      used, cap;
    struct csv_parser csv;
    int         csv_ok;
    int         plain;        /* split by split_plain(): the two below are set */
    int         ascii;        /* the line is 7-bit ASCII */
    int         nul;          /* the line holds a NUL byte */
};

struct csv_reader {
    struct reader r;              /* first: what ingest sees */
    struct instream *src;
    struct split sp;              /* the header's or the current row's cells */
    char   *buf;                  /* read buffer: lines are found in it */
    size_t  start, end, scan;     /* the current line starts at start; searched to scan */
    int     eof, skipping, bom_done;
    unsigned long long skipped;   /* bytes of an over-long line passed over */
    long    nlines;               /* physical lines seen */
    long    long_at;              /* the over-long line phys() reported */
    char    delim;
    int     multiline;
    struct buf head;              /* the header line */
    struct buf rec;               /* a multiline record being joined */
    long    rec_line;
    int     rec_quotes;
    int     rec_used;             /* rec was handed out as a row: reset it first */
    /* blocks (reader.h: cut, block_reader, load) */
    int     borrowed;             /* a block reader: buf is the loaded block's */
    int     nocut;                /* cut() returns 0 from now on */
    int     read_failed;          /* a read failed while cutting: phys() reports it */
    char    read_msg[160];        /* ... with instream_error()'s words */
};

static void cb_field(void *s, size_t len, void *data)
{
    struct split *sp = data;

    if (sp->n >= READER_MAX_COLUMNS) {
        sp->overflow = 1;
        return;
    }
    if (sp->used + len > sp->cap)   /* cannot happen: cells <= line <= cap */
        len = sp->cap - sp->used;
    if (len)
        memcpy(sp->store + sp->used, s, len);
    sp->cell[sp->n].ptr = sp->store + sp->used;
    sp->cell[sp->n].len = len;
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
    if (sp->n == READER_MAX_COLUMNS) {
        sp->overflow = 1;
        return -1;
    }
    while (b < e && is_sp(*b))
        b++;
    while (e > b && is_sp(e[-1]))
        e--;
    sp->cell[sp->n].ptr = b;
    sp->cell[sp->n].len = (size_t)(e - b);
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

/* 1 when every cell of the split row is empty after trimming spaces,
 * tabs and line ends. */
static int all_empty(const struct split *sp)
{
    int i;

    for (i = 0; i < sp->n; i++) {
        const char *v = sp->cell[i].ptr;
        size_t k, vl = sp->cell[i].len;

        for (k = 0; k < vl; k++)
            if (!is_sp(v[k]) && v[k] != '\r' && v[k] != '\n')
                return 0;
    }
    return 1;
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

/* --- physical lines ----------------------------------------------------- */

enum { PL_END = 0, PL_LINE = 1, PL_LONG = 2 };

/*
 * The next physical line: PL_LINE with s[0..n) (its '\n' left out; its
 * number is cr->nlines), PL_LONG for a line over READER_MAX_LINE (its
 * number in cr->long_at; the rest of it is skipped), PL_END, or -1 (err,
 * r.line). Inlined: it runs once a line.
 */
static inline __attribute__((always_inline)) int
phys(struct csv_reader *cr, const char **s, size_t *n, struct etl_err *err)
{
    char *b = cr->buf;

    for (;;) {
        char *nl = memchr(b + cr->scan, '\n', cr->end - cr->scan);
        if (nl) {
            size_t at = cr->start, len = (size_t)(nl - (b + at));
            cr->nlines++;
            cr->start = cr->scan = (size_t)(nl - b) + 1;
            if (cr->skipping) {
                cr->skipping = 0;        /* the end of an over-long line */
                continue;
            }
            if (len > READER_MAX_LINE) {
                cr->long_at = cr->nlines;
                return PL_LONG;
            }
            *s = b + at;
            *n = len;
            return PL_LINE;
        }
        cr->scan = cr->end;
        if (cr->eof) {
            if (cr->start < cr->end && !cr->skipping) {
                size_t at = cr->start, len = cr->end - cr->start;
                cr->nlines++;
                cr->start = cr->end;
                if (len > READER_MAX_LINE) {
                    cr->long_at = cr->nlines;
                    return PL_LONG;
                }
                *s = b + at;
                *n = len;
                return PL_LINE;
            }
            return PL_END;
        }
        if (cr->end - cr->start > READER_MAX_LINE) {
            /* a line over the limit: reported once, skipped to its end */
            int first = !cr->skipping;
            if (first) {
                cr->skipping = 1;
                cr->skipped = 0;
            }
            cr->skipped += cr->end - cr->start;
            if (cr->skipped > READER_MAX_SKIP) {
                cr->r.line = cr->nlines + 1;
                return etl_fail(err, E_DATA,
                                "no end of line within %llu bytes: file not read further",
                                READER_MAX_SKIP);
            }
            cr->start = cr->scan = cr->end = 0;
            if (first) {
                cr->long_at = cr->nlines + 1;
                return PL_LONG;
            }
        } else if (cr->start > 0) {
            memmove(b, b + cr->start, cr->end - cr->start);
            cr->end -= cr->start;
            cr->scan -= cr->start;
            cr->start = 0;
        }
        if (cr->read_failed) {       /* cut() met it first: after its lines */
            cr->r.line = 0;
            return etl_fail(err, E_IO, "%s", cr->read_msg);
        }
        {
            ssize_t k = instream_read(cr->src, b + cr->end, RBUF_CAP - cr->end);
            if (k < 0) {
                cr->r.line = 0;
                return etl_fail(err, E_IO, "%s", instream_error(cr->src));
            }
            if (k == 0)
                cr->eof = 1;
            cr->end += (size_t)k;
        }
        if (!cr->bom_done) {
            cr->bom_done = 1;
            if (cr->end >= 3 && !memcmp(b, "\xef\xbb\xbf", 3))
                cr->start = cr->scan = 3;
        }
    }
}

/* --- the reader --------------------------------------------------------- */

static int csv_claims(unsigned char c)
{
    (void)c;
    return 1;               /* whatever no other format claims */
}

static void csv_close(struct reader *r)
{
    struct csv_reader *cr = (struct csv_reader *)r;

    if (!cr)
        return;
    if (cr->sp.csv_ok)
        csv_free(&cr->sp.csv);
    free(cr->sp.store);
    if (!cr->borrowed)
        free(cr->buf);
    buf_release(&cr->head);
    buf_release(&cr->rec);
    free(cr);
}

/* The splitter and the record buffer of a new reader: -1 out of memory. */
static int csv_alloc(struct csv_reader *cr)
{
    buf_init(&cr->head, READER_MAX_LINE + 1);
    buf_init(&cr->rec, READER_MAX_LINE);
    cr->sp.cap = READER_MAX_LINE + 16;
    cr->sp.store = malloc(cr->sp.cap);
    if (!cr->sp.store || csv_init(&cr->sp.csv, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return -1;
    cr->sp.csv_ok = 1;
    return 0;
}

static int csv_open(struct reader **rp, struct instream *src, struct etl_err *err)
{
    struct csv_reader *cr = calloc(1, sizeof(*cr));
    const char *s = NULL;
    size_t n = 0;
    int k;

    *rp = (struct reader *)cr;
    if (!cr)
        return etl_fail(err, E_NOMEM, "out of memory");
    cr->r.fmt = &ingest_csv_format;
    cr->r.kind = PK_CSV;
    cr->src = src;
    cr->buf = malloc(RBUF_CAP);
    if (!cr->buf || csv_alloc(cr) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    /* the header: the first line that is not blank */
    for (;;) {
        k = phys(cr, &s, &n, err);
        if (k < 0)
            return -1;
        if (k == PL_END) {
            cr->r.line = 0;
            return etl_fail(err, E_DATA, "no header line");
        }
        if (k == PL_LONG) {
            /* a stream such as /dev/zero never has one */
            cr->r.line = cr->long_at;
            return etl_fail(err, E_DATA, "header line longer than %d bytes (not a CSV file?)",
                            READER_MAX_LINE);
        }
        if (n && s[n - 1] == '\r')
            n--;
        if (!is_blank(s, n))
            break;
    }
    cr->r.line = cr->nlines;
    if (buf_add(&cr->head, s, n) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    return 0;
}

static int csv_peek(struct reader *r, struct etl_err *err)
{
    (void)r;
    (void)err;
    return 1;               /* the header, read by open() */
}

static int csv_names(void *ctx, char delim, struct profile_header *h)
{
    struct csv_reader *cr = ctx;
    struct split *sp = &cr->sp;
    const char *why;
    int i;

    if (split_line(sp, cr->head.ptr, cr->head.len, delim, &why) < 0)
        return -1;
    for (i = 0; i < sp->n; i++) {
        h->name[i] = sp->cell[i].ptr;
        h->len[i] = sp->cell[i].len;
    }
    h->n = sp->n;
    return 0;
}

static int csv_start(struct reader *r, const struct reader_opts *o, struct etl_err *err)
{
    struct csv_reader *cr = (struct csv_reader *)r;
    const char *why;

    cr->delim = o->delimiter;
    cr->multiline = o->multiline;
    if (split_line(&cr->sp, cr->head.ptr, cr->head.len, cr->delim, &why) < 0)
        return etl_fail(err, E_DATA, "header: %s", why);
    r->header.cell = cr->sp.cell;
    r->header.n = cr->sp.n;
    r->header.line = r->line;
    r->header.raw = cr->head.ptr;
    r->header.rawlen = cr->head.len;
    return 0;
}

/* A row that could not be split: why, and its text (may be empty). */
static int broken(struct reader_row *row, long line, const char *why, const char *s, size_t n)
{
    memset(row, 0, sizeof(*row));
    row->line = line;
    row->error = why;
    row->raw = s ? s : "";
    row->rawlen = s ? n : 0;
    return 1;
}

/* A logical line (a physical line, or a multiline record) into row: 1, or
 * 0 when it holds no row (blank, or cleared: every cell empty). */
static int logical(struct csv_reader *cr, const char *s, size_t n, long line,
                   struct reader_row *row)
{
    struct split *sp = &cr->sp;
    const char *why;

    if (n && s[n - 1] == '\r')
        n--;
    if (is_blank(s, n))
        return 0;
    if (split_line(sp, s, n, cr->delim, &why) < 0)
        return broken(row, line, why, s, n);
    if (all_empty(sp))
        return 0;           /* a cleared row (Excel's ,,,,): skipped like a blank line */
    memset(row, 0, sizeof(*row));
    row->cell = sp->cell;
    row->n = sp->n;
    row->line = line;
    row->raw = s;
    row->rawlen = n;
    if (n > READER_MAX_FIELD)
        row->check |= READER_CHECK_LEN;
    if (sp->plain ? sp->nul : memchr(s, '\0', n) != NULL)
        row->check |= READER_CHECK_NUL;
    if (!(sp->plain ? sp->ascii : all_ascii(s, n)))
        row->check |= READER_CHECK_UTF8;
    return 1;
}

static int csv_next(struct reader *r, struct reader_row *row, struct etl_err *err)
{
    struct csv_reader *cr = (struct csv_reader *)r;
    const char *s = NULL;
    size_t n = 0;
    long line;
    int k;

    for (;;) {
        if (cr->rec_used) {
            buf_reset(&cr->rec);
            cr->rec_used = 0;
        }
        k = phys(cr, &s, &n, err);
        if (k < 0)
            return -1;
        if (k == PL_END) {
            if (!cr->rec.len && !cr->rec_quotes)
                return 0;
            cr->rec_quotes = 0;
            cr->rec_used = 1;
            r->line = cr->rec_line;
            return broken(row, cr->rec_line, "unbalanced quote (a quoted field is not closed)",
                          cr->rec.ptr, cr->rec.len);
        }
        if (k == PL_LONG) {
            r->line = cr->long_at;
            return broken(row, cr->long_at, "line longer than 1048576 bytes", NULL, 0);
        }
        line = cr->nlines;
        if (cr->multiline) {
            if (cr->rec.len == 0 && cr->rec_quotes == 0) {
                if (count_quotes(s, n) & 1) {
                    /* a quoted field opens: join the lines that follow */
                    cr->rec_line = line;
                    cr->rec_quotes = 1;
                    if (buf_add(&cr->rec, s, n) < 0)
                        return etl_fail(err, E_NOMEM, "out of memory");
                    continue;
                }
            } else {
                if (buf_addch(&cr->rec, '\n') < 0 || buf_add(&cr->rec, s, n) < 0) {
                    cr->rec_quotes = 0;
                    cr->rec_used = 1;
                    r->line = cr->rec_line;
                    return broken(row, cr->rec_line, "record longer than 1048576 bytes", NULL, 0);
                }
                cr->rec_quotes ^= (int)(count_quotes(s, n) & 1);
                if (cr->rec_quotes)
                    continue;
                s = cr->rec.ptr;
                n = cr->rec.len;
                line = cr->rec_line;
                cr->rec_used = 1;
            }
        }
        if (logical(cr, s, n, line, row)) {
            r->line = line;
            return 1;
        }
    }
}

/* --- blocks ------------------------------------------------------------- */

/*
 * A block ends after a '\n' where next() would start a new record: any
 * line end without multiline; with it, one where the quotes since the
 * block began are even (next() joins lines while their quote count is
 * odd, and a block starts where no record is open). Within cut()'s window
 * (< READER_MAX_LINE bytes) no line is over the limit and no joined record
 * can outgrow its buffer, so next() on the block reads what next() on the
 * file would. Anything else ends the blocks (cut() returns 0).
 */
#define CUT_MAX ((size_t)READER_MAX_LINE - 4096)

/* Like phys()'s refill: moves the unread bytes to the front, reads more.
 * -1 on a read error (kept for phys() to report after the lines before it). */
static int cut_fill(struct csv_reader *cr)
{
    ssize_t k;

    if (cr->start > 0) {
        memmove(cr->buf, cr->buf + cr->start, cr->end - cr->start);
        cr->end -= cr->start;
        cr->scan -= cr->start;
        cr->start = 0;
    }
    k = instream_read(cr->src, cr->buf + cr->end, RBUF_CAP - cr->end);
    if (k < 0) {
        snprintf(cr->read_msg, sizeof(cr->read_msg), "%s", instream_error(cr->src));
        cr->read_failed = 1;
        return -1;
    }
    if (k == 0)
        cr->eof = 1;
    cr->end += (size_t)k;
    return 0;
}

static int csv_cut(struct reader *r, struct reader_block *b, struct etl_err *err)
{
    struct csv_reader *cr = (struct csv_reader *)r;
    size_t cap = b->cap < CUT_MAX ? b->cap : CUT_MAX, win, len;
    const char *p, *e, *nl, *safe = NULL;
    long lines = 0, safe_lines = 0;
    int odd = 0, full = 0;

    (void)err;
    /* the file's reader, after start(), between records only */
    if (cr->nocut || cr->borrowed || !cr->src || cr->src->gz || cr->skipping || cr->rec.len ||
        cr->rec_quotes || cap == 0 || b->max_lines <= 0) {
        cr->nocut = 1;
        return 0;
    }
    while (cr->end - cr->start < cap && !cr->eof) {
        if (cut_fill(cr) < 0) {
            cr->nocut = 1;
            return 0;
        }
    }
    win = cr->end - cr->start;
    if (win > cap)
        win = cap;
    p = cr->buf + cr->start;
    e = p + win;
    while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        if (cr->multiline)
            odd ^= (int)(count_quotes(p, (size_t)(nl - p)) & 1);
        lines++;
        p = nl + 1;
        if (!odd) {
            safe = p;
            safe_lines = lines;
            if (lines >= b->max_lines) {
                full = 1;
                break;
            }
        }
    }
    if (!full && cr->eof && cr->end - cr->start <= cap) {
        /* the rest of the file: its last line may lack a '\n', a record
         * may stay open — next() on the block says so as on the file */
        len = cr->end - cr->start;
        if (len == 0) {
            cr->nocut = 1;
            return 0;
        }
        safe_lines = lines + (p < e);
    } else if (safe) {
        len = (size_t)(safe - (cr->buf + cr->start));
    } else {
        cr->nocut = 1;          /* a record longer than the window: next() */
        return 0;
    }
    memcpy(b->ptr, cr->buf + cr->start, len);
    b->len = len;
    b->first_line = cr->nlines + 1;
    cr->nlines += safe_lines;
    cr->start = cr->scan = cr->start + len;
    return 1;
}

static int csv_block_reader(const struct reader *r, struct reader **rp,
                            struct etl_err *err)
{
    const struct csv_reader *of = (const struct csv_reader *)r;
    struct csv_reader *cr = calloc(1, sizeof(*cr));

    *rp = (struct reader *)cr;
    if (!cr)
        return etl_fail(err, E_NOMEM, "out of memory");
    cr->r.fmt = of->r.fmt;
    cr->r.kind = of->r.kind;
    cr->r.keyed = of->r.keyed;
    cr->r.header.n = of->r.header.n;        /* the width rows are checked against */
    cr->delim = of->delim;
    cr->multiline = of->multiline;
    cr->borrowed = 1;
    cr->nocut = 1;
    cr->bom_done = 1;
    cr->eof = 1;
    if (csv_alloc(cr) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    return 0;
}

static void csv_load(struct reader *r, const struct reader_block *b)
{
    struct csv_reader *cr = (struct csv_reader *)r;

    cr->buf = b->ptr;
    cr->start = cr->scan = 0;
    cr->end = b->len;
    cr->eof = 1;                /* phys() never reads: the block is all there is */
    cr->skipping = 0;
    cr->nlines = b->first_line - 1;
    cr->r.line = b->first_line;
    buf_reset(&cr->rec);
    cr->rec_quotes = 0;
    cr->rec_used = 0;
}

const struct reader_format ingest_csv_format = {
    "CSV", csv_claims, csv_open, csv_peek, csv_names, csv_start, csv_next, csv_close,
    csv_cut, csv_block_reader, csv_load
};
