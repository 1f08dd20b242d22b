/* cell.c — one cell of a report sheet: safe text, numbers, money, times,
 * redaction (cell.h). */
#include "cell.h"

#include "book.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid or
 * U+FFFE/U+FFFF (not allowed in XML). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = utf8_decode((const char *)s, n, &cp);

    return len && (cp == 0xfffe || cp == 0xffff) ? 0 : len;
}

/* Makes s[0..n) safe for a cell: invalid UTF-8 bytes and control characters
 * (except TAB and LF) become the text \xNN; cut at CELL_MAX_CHARS code
 * points. Returns the text (s itself when nothing changes and s is a C
 * string, `terminated`; never peek at s[n] of a length-delimited value: it
 * may be past the buffer or uninitialised) and its code point count in
 * *chars; NULL when out of memory. */
static const char *cell_text(struct book *b, const char *s, size_t n, int terminated,
                             size_t *chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, cps = 0;
    int clean = 1;

    for (i = 0; i < n; ) {
        size_t l = utf8_len(u + i, n - i);
        if (l == 0 || (l == 1 && ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') ||
                                  u[i] == 0x7f))) {
            clean = 0;
            break;
        }
        i += l;
        cps++;
    }
    if (clean && cps <= CELL_MAX_CHARS && terminated) {
        *chars = cps;
        return s;
    }
    buf_reset(&b->scratch);
    cps = 0;
    for (i = 0; i < n && cps < CELL_MAX_CHARS; ) {
        size_t l = utf8_len(u + i, n - i);
        int rc;
        if (l == 0 || (l == 1 && ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') ||
                                  u[i] == 0x7f))) {
            if (cps + 4 > CELL_MAX_CHARS)
                break;
            rc = buf_addf(&b->scratch, "\\x%02X", u[i]);
            i++;
            cps += 4;
        } else {
            rc = buf_add(&b->scratch, s + i, l);
            i += l;
            cps++;
        }
        if (rc < 0)
            return NULL;
    }
    if (buf_addch(&b->scratch, '\0') < 0)
        return NULL;
    b->scratch.len--;
    *chars = cps;
    return b->scratch.ptr;
}

static int put_text(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
                    const char *str, size_t n, int terminated, lxw_format *f)
{
    size_t chars;
    const char *t;

    if (n == 0)
        return 0;
    t = cell_text(b, str, n, terminated, &chars);
    if (!t)
        return book_nomem(b);
    sheet_track(s, col, (double)chars + 2);
    return book_check(b, worksheet_write_string(s->ws, row, col, t, f), "write");
}

/* s[0..n), not necessarily NUL-terminated (raw values, buffers). */
int cell_strn(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
              const char *str, size_t n, lxw_format *f)
{
    return put_text(b, s, row, col, str, n, 0, f);
}

/* A title that may overflow into the empty cells to its right: not counted
 * in the column's width. */
int cell_title(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
               const char *str, lxw_format *f)
{
    size_t chars;
    const char *t = cell_text(b, str, strlen(str), 1, &chars);

    if (!t)
        return book_nomem(b);
    return book_check(b, worksheet_write_string(s->ws, row, col, t, f), "write");
}

int cell_str(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
             const char *str, lxw_format *f)
{
    return str ? put_text(b, s, row, col, str, strlen(str), 1, f) : 0;
}

/* ---- redaction (report_meta.redact) ------------------------------------------ */

int report_redact_plate(const char *plate, char *out, size_t cap)
{
    size_t i = 0, chars = 0, keep, n;

    if (!cap)
        return -1;
    out[0] = '\0';
    if (!plate || !*plate)
        return 0;
    for (n = 0; plate[n]; n++)          /* characters: UTF-8 lead bytes */
        chars += ((unsigned char)plate[n] & 0xC0) != 0x80;
    keep = chars > 3 ? 3 : chars - 1;   /* never the whole plate */
    for (n = 0, chars = 0; plate[n]; n++) {
        if (((unsigned char)plate[n] & 0xC0) != 0x80 && chars++ == keep)
            break;
        i = n + 1;
    }
    if (i + 4 > cap)
        return -1;
    memcpy(out, plate, i);
    memcpy(out + i, "***", 4);
    return 0;
}

/* The plate as this report shows it: masked in a redacted copy. */
const char *cell_shown_plate(const struct book *b, const char *plate, char *tmp,
                             size_t cap)
{
    if (!b->meta.redact || !plate)
        return plate;
    if (report_redact_plate(plate, tmp, cap) < 0)
        return "***";
    return tmp;
}

/* A rejection reason in a redacted copy: every 'quoted' value (the
 * normalizer quotes the rejected text) becomes '***'. Into b->redacted. */
const char *cell_shown_reason(struct book *b, const char *reason)
{
    const char *p, *e;

    if (!b->meta.redact || !reason)
        return reason;
    buf_reset(&b->redacted);
    for (p = reason; *p; p++) {
        if (*p == '\'' && (p == reason || p[-1] == ' ') && (e = strchr(p + 1, '\''))) {
            if (buf_addstr(&b->redacted, "'***'") < 0)
                return "redacted";
            p = e;
            continue;
        }
        if (buf_addch(&b->redacted, *p) < 0)
            return "redacted";
    }
    return b->redacted.ptr ? b->redacted.ptr : "";
}

static int digits(long long v)
{
    int d = 1;

    if (v < 0) {
        d++;
        v = -v;
    }
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

int cell_num(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
             double v, double width, lxw_format *f)
{
    sheet_track(s, col, width);
    return book_check(b, worksheet_write_number(s->ws, row, col, v, f), "write");
}

int cell_count(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
               long long v, lxw_format *f)
{
    int w = digits(v);

    w += w / 3 + 2;   /* thousands separators, margin */
    return cell_num(b, s, row, col, (double)v, w, f ? f : b->fmt[F_COUNT]);
}

/* Money: summed in cents, a double only here. */
int cell_money(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
               long long cents, int cur, int total)
{
    lxw_format *f = b->fmt[total ? (cur ? F_TOTAL_USD : F_TOTAL_CAD)
                                 : (cur ? F_MONEY_USD : F_MONEY_CAD)];

    int w = digits(cents / 100);

    w += w / 3 + 8;   /* separators, ".00 CAD", margin */
    return cell_num(b, s, row, col, (double)cents / 100.0, w, f);
}

/* An amount beside a Currency column: a plain number format. */
int cell_amount(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
                long long cents)
{
    int w = digits(cents / 100);

    w += w / 3 + 5;   /* separators, ".00", margin */
    return cell_num(b, s, row, col, (double)cents / 100.0, w, b->fmt[F_AMOUNT]);
}

int cell_time(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
              long long utc)
{
    return cell_num(b, s, row, col, (double)utc / 86400.0 + EXCEL_EPOCH, 21,
                   b->fmt[F_DATE]);
}

/* utc shown as the wall-clock time of business_tz. */
int cell_local_time(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
                    long long utc)
{
    return cell_time(b, s, row, col, utc + book_local_offset(b, utc));
}

