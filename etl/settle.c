/*
 * settle.c — reading settlement files (settle.h).
 */
#include "settle.h"

#include "buf.h"
#include "jscan.h"
#include "ledger.h"
#include "normalize.h"
#include "profile.h"
#include "tz.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int settle_parse_amount(const struct profile *sp, const char *s, size_t n, int json_number,
                        long long *cents, enum currency *mark, char *why)
{
    struct norm_amount a;

    if (norm_amount_max(&sp->norm, s, n, json_number, 1, SETTLE_MAX_CENTS, &a, why) < 0) {
        if (mark)
            *mark = a.mark_currency;
        return -1;
    }
    *cents = a.negative ? -a.cents : a.cents;
    if (mark)
        *mark = a.mark_currency;
    return 0;
}

int settle_parse_date(const struct profile *sp, const char *s, size_t n, char day[11],
                      char *why)
{
    struct norm_civil c;
    int i;

    norm_trim(&s, &n);
    if (n == 0) {
        snprintf(why, NORM_REASON_MAX, "missing");
        return -1;
    }
    for (i = 0; i < sp->settle.ndate_patterns; i++) {
        memset(&c, 0, sizeof(c));
        if (norm_pattern_match(sp->settle.date_patterns[i], s, n, &c) != 0)
            continue;
        if (norm_civil_check(&c, s, n, why) < 0)
            return -1;
        if (c.y < 2000 || c.y > 2099) {
            snprintf(why, NORM_REASON_MAX, "'%.*s' is not in the years 2000-2099",
                     (int)(n > NORM_QUOTE_MAX ? NORM_QUOTE_MAX : n), s);
            return -1;
        }
        snprintf(day, 11, "%04d-%02d-%02d", c.y, c.mo, c.d);
        return 0;
    }
    snprintf(why, NORM_REASON_MAX, "'%.*s' does not match the date pattern%s %s%s",
             (int)(n > NORM_QUOTE_MAX ? NORM_QUOTE_MAX : n), s,
             sp->settle.ndate_patterns > 1 ? "s" : "", sp->settle.date_patterns[0],
             sp->settle.ndate_patterns > 1 ? ", ..." : "");
    return -1;
}

/* ---- CSV ------------------------------------------------------------------ */

#define MAX_CELLS 64

struct csv_line {
    struct buf cells;              /* unquoted cells, NUL-separated */
    size_t     off[MAX_CELLS], len[MAX_CELLS];
    int        n;
};

/* Splits one line (no line end) into cells; -1 on a broken quote or too
 * many cells. */
static int split(const char *s, size_t n, char delim, struct csv_line *out)
{
    size_t i = 0;

    buf_reset(&out->cells);
    out->n = 0;
    for (;;) {
        size_t start = out->cells.len;

        if (out->n == MAX_CELLS)
            return -1;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    return -1;
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        if (buf_addch(&out->cells, '"') < 0)
                            return -1;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (buf_addch(&out->cells, s[i++]) < 0)
                    return -1;
            }
            if (i < n && s[i] != delim)
                return -1;
        } else {
            while (i < n && s[i] != delim)
                if (buf_addch(&out->cells, s[i++]) < 0)
                    return -1;
        }
        out->off[out->n] = start;
        out->len[out->n] = out->cells.len - start;
        out->n++;
        if (buf_addch(&out->cells, '\0') < 0)
            return -1;
        if (i >= n)
            return 0;
        i++;       /* the delimiter */
    }
}

static const char *cell(const struct csv_line *l, int i, size_t *n)
{
    if (i < 0 || i >= l->n) {
        *n = 0;
        return "";
    }
    *n = l->len[i];
    return l->cells.ptr + l->off[i];
}

static int vendor_known(const struct profile_set *v, const char *name, size_t n)
{
    int i;

    for (i = 0; v && i < v->n; i++)
        if (strlen(v->p[i]->norm.name) == n && !memcmp(v->p[i]->norm.name, name, n))
            return 1;
    return 0;
}

static void list_vendors(const struct profile_set *v, char *out, size_t cap)
{
    size_t len = 0;
    int i;

    out[0] = '\0';
    for (i = 0; v && i < v->n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "",
                                v->p[i]->norm.name);
}

/* One line's values per field (CSV cells or JSON members); present 0: the
 * column or key is absent (or JSON null). */
struct fval {
    const char *ptr;
    size_t      len;
    int         present;
    int         json_number;   /* a JSON number token (its text as written) */
};

/* One data line: checks every field, rejects each bad one. */
static int data_line(const struct profile *sp, const struct profile_set *vendors,
                     const char *path, long lineno, const struct fval *fv,
                     const struct settle_sink *sink, struct settle_stats *st,
                     struct etl_err *err)
{
    struct ledger_money_line sl;
    char day[11] = "", vendor[64] = "";
    char why[NORM_REASON_MAX], msg[NORM_REASON_MAX + 400];
    const char *s;
    size_t n;
    int bad = 0;
    enum currency mark = CUR_NONE;
    struct norm_amount am;

#define REJ(field, text) do { \
        bad++; \
        if (sink->reject) \
            sink->reject(sink->ctx, path, lineno, (field), (text), s, n); \
    } while (0)

    memset(&sl, 0, sizeof(sl));
    sl.file = path;
    sl.line = lineno;
    sl.count = -1;
    sl.day = day;
    sl.vendor = vendor;
    st->rows++;

    s = fv[SF_DATE].ptr, n = fv[SF_DATE].len;
    if (settle_parse_date(sp, s, n, day, why) < 0)
        REJ("date", why);

    s = fv[SF_AMOUNT].ptr, n = fv[SF_AMOUNT].len;
    if (settle_parse_amount(sp, s, n, fv[SF_AMOUNT].json_number, &sl.cents, &mark, why) < 0)
        REJ("amount", why);

    memset(&am, 0, sizeof(am));
    am.mark_currency = mark;
    s = fv[SF_CURRENCY].ptr, n = fv[SF_CURRENCY].len;
    if (norm_currency(s, n, &am, sp->norm.default_currency, &sl.currency, why) != 0)
        REJ("currency", why);

    if (fv[SF_VENDOR].present) {
        const char *v;
        size_t vn;

        s = fv[SF_VENDOR].ptr, n = fv[SF_VENDOR].len;
        v = s;
        vn = n;
        norm_trim(&v, &vn);
        if (vn == 0 && sp->settle.vendor_default[0]) {
            snprintf(vendor, sizeof(vendor), "%s", sp->settle.vendor_default);
        } else if (vn == 0 || vn >= sizeof(vendor) || !vendor_known(vendors, v, vn)) {
            char known[300];

            list_vendors(vendors, known, sizeof(known));
            snprintf(msg, sizeof(msg), "'%.*s' is not a vendor (a record profile: %s)",
                     (int)(vn > NORM_QUOTE_MAX ? NORM_QUOTE_MAX : vn), v, known);
            REJ("vendor", msg);
        } else {
            memcpy(vendor, v, vn);
            vendor[vn] = '\0';
        }
    } else {
        snprintf(vendor, sizeof(vendor), "%s", sp->settle.vendor_default);
    }

    if (fv[SF_COUNT].present) {
        const char *c;
        size_t cn, i;

        s = fv[SF_COUNT].ptr, n = fv[SF_COUNT].len;
        c = s;
        cn = n;
        norm_trim(&c, &cn);
        if (cn > 0) {
            long v = 0;

            for (i = 0; i < cn && i < 10 && c[i] >= '0' && c[i] <= '9'; i++)
                v = v * 10 + (c[i] - '0');
            if (i != cn || cn > 9) {
                snprintf(msg, sizeof(msg), "'%.*s' is not a count (whole number)",
                         (int)(cn > NORM_QUOTE_MAX ? NORM_QUOTE_MAX : cn), c);
                REJ("count", msg);
            } else {
                sl.count = v;
            }
        }
    }
#undef REJ
    if (bad) {
        st->rejected++;
        return 0;
    }
    st->accepted++;
    return sink->line ? sink->line(sink->ctx, &sl, err) : 0;
}

static int file_error(const struct settle_sink *sink, const char *path, long line,
                      struct etl_err *err, int code, const char *msg)
{
    if (sink->reject)
        sink->reject(sink->ctx, path, line, "_file", msg, "", 0);
    return etl_fail_at(err, code, path, line, "_file", "%s", msg);
}

static int read_csv(const struct profile *sp, const struct profile_set *vendors,
                    const char *path, FILE *f, const struct settle_sink *sink,
                    struct settle_stats *st, struct etl_err *err)
{
    struct buf line = BUF_INIT;
    struct csv_line cl;
    int col[SF_NFIELDS], have_header = 0, ret = -1, c, i, k;
    long lineno = 0;
    char msg[600];

    memset(&cl, 0, sizeof(cl));
    buf_init(&line, SETTLE_MAX_LINE + 2);
    buf_init(&cl.cells, SETTLE_MAX_LINE + 2);
    for (;;) {
        int eof;

        buf_reset(&line);
        while ((c = getc(f)) != EOF && c != '\n')
            if (buf_addch(&line, (char)c) < 0) {
                lineno++;
                snprintf(msg, sizeof(msg), "line longer than %d bytes", SETTLE_MAX_LINE);
                file_error(sink, path, lineno, err, E_IO, msg);
                goto out;
            }
        eof = c == EOF;
        if (ferror(f)) {
            snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
            file_error(sink, path, lineno, err, E_IO, msg);
            goto out;
        }
        if (eof && line.len == 0)
            break;
        lineno++;
        if (line.len && line.ptr[line.len - 1] == '\r')
            line.len--;
        {
            const char *s = line.ptr ? line.ptr : "";
            size_t n = line.len;

            if (lineno == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
                s += 3;
                n -= 3;
            }
            {
                const char *t = s;
                size_t tn = n;

                norm_trim(&t, &tn);
                if (tn == 0) {
                    if (eof)
                        break;
                    continue;          /* blank lines are skipped */
                }
            }
            if (split(s, n, sp->delimiter, &cl) < 0) {
                if (!have_header) {
                    file_error(sink, path, lineno, err, E_CONFIG, "broken header line");
                    goto out;
                }
                st->rows++;
                st->rejected++;
                if (sink->reject)
                    sink->reject(sink->ctx, path, lineno, "_row",
                                 "broken line (a quote or too many cells)", s, n);
            } else if (!have_header) {
                for (k = 0; k < SF_NFIELDS; k++) {
                    col[k] = -1;
                    for (i = 0; i < cl.n && col[k] < 0; i++) {
                        size_t cn;
                        const char *cs = cell(&cl, i, &cn);
                        int j;

                        norm_trim(&cs, &cn);
                        for (j = 0; j < sp->settle.nnames[k]; j++)
                            if (strlen(sp->settle.names[k][j]) == cn &&
                                !strncasecmp(sp->settle.names[k][j], cs, cn))
                                col[k] = i;
                    }
                    if (col[k] < 0 && sp->settle.nnames[k] && !sp->settle.optional[k]) {
                        snprintf(msg, sizeof(msg), "settlement profile '%s': no column '%s' "
                                 "(field %s)", sp->norm.name, sp->settle.names[k][0],
                                 profile_settle_field_name((enum settle_field)k));
                        file_error(sink, path, lineno, err, E_CONFIG, msg);
                        goto out;
                    }
                }
                have_header = 1;
            } else {
                struct fval fv[SF_NFIELDS];

                memset(fv, 0, sizeof(fv));
                for (k = 0; k < SF_NFIELDS; k++) {
                    fv[k].ptr = cell(&cl, col[k], &fv[k].len);
                    fv[k].present = col[k] >= 0;
                }
                if (data_line(sp, vendors, path, lineno, fv, sink, st, err) < 0)
                    goto out;
            }
        }
        if (eof)
            break;
    }
    if (!have_header) {
        file_error(sink, path, 0, err, E_CONFIG, "empty settlement file (no header line)");
        goto out;
    }
    ret = 0;
out:
    buf_release(&line);
    buf_release(&cl.cells);
    return ret;
}

/* ---- JSON (an array of objects, or JSON Lines) ---------------------------- */

static ssize_t jread(void *ctx, char *buf, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);

    if (n == 0 && ferror(f))
        return -1;
    return (ssize_t)n;
}

static int read_json(const struct profile *sp, const struct profile_set *vendors,
                     const char *path, FILE *f, const struct settle_sink *sink,
                     struct settle_stats *st, struct etl_err *err)
{
    struct jscan *js = jscan_new(jread, f, 0, SETTLE_MAX_LINE);
    struct jscan_record rec;
    struct etl_err jerr;
    int r, ret = -1;

    if (!js)
        return etl_fail(err, E_NOMEM, "out of memory");
    while ((r = jscan_next(js, &rec, &jerr)) == JSCAN_RECORD) {
        struct fval fv[SF_NFIELDS];
        int k, i, j;

        if (rec.error) {
            st->rows++;
            st->rejected++;
            if (sink->reject)
                sink->reject(sink->ctx, path, rec.line, "_row", rec.error, rec.raw, rec.rawlen);
            continue;
        }
        memset(fv, 0, sizeof(fv));
        for (k = 0; k < SF_NFIELDS; k++) {
            fv[k].ptr = "";
            for (i = 0; i < rec.n && !fv[k].present; i++)
                for (j = 0; j < sp->settle.nnames[k]; j++)
                    if (rec.m[i].type != JV_NULL &&
                        strlen(sp->settle.names[k][j]) == rec.m[i].keylen &&
                        !strncasecmp(sp->settle.names[k][j], rec.m[i].key, rec.m[i].keylen)) {
                        fv[k].ptr = rec.m[i].val;
                        fv[k].len = rec.m[i].vallen;
                        fv[k].present = 1;
                        fv[k].json_number = rec.m[i].type == JV_NUMBER;
                        break;
                    }
        }
        if (data_line(sp, vendors, path, rec.line, fv, sink, st, err) < 0)
            goto out;
    }
    if (r == JSCAN_ERROR) {
        file_error(sink, path, jscan_error_line(js), err, E_IO, jerr.msg);
        goto out;
    }
    ret = 0;
out:
    jscan_free(js);
    return ret;
}

int settle_read_file(const struct profile *sp, const struct profile_set *vendors,
                     const char *path, const struct settle_sink *sink,
                     struct settle_stats *st, struct etl_err *err)
{
    FILE *f;
    char msg[600];
    int c, json, ret;

    memset(st, 0, sizeof(*st));
    f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
        return file_error(sink, path, 0, err, E_IO, msg);
    }
    /* the kind from the first byte after a BOM and blanks, as for records */
    c = getc(f);
    if (c == 0xef && getc(f) == 0xbb && getc(f) == 0xbf)
        c = getc(f);
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        c = getc(f);
    json = c == '[' || c == '{';
    rewind(f);
    if (!(sp->kinds & (json ? (PK_JSON_ARRAY | PK_JSON_LINES) : PK_CSV))) {
        snprintf(msg, sizeof(msg), "settlement profile '%s' does not read %s files",
                 sp->norm.name, json ? "JSON" : "CSV");
        ret = file_error(sink, path, 0, err, E_CONFIG, msg);
    } else if (json) {
        ret = read_json(sp, vendors, path, f, sink, st, err);
    } else {
        ret = read_csv(sp, vendors, path, f, sink, st, err);
    }
    fclose(f);
    return ret;
}
