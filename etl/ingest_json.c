/*
 * ingest_json.c — JSON array and JSON Lines files through jscan.h.
 *
 * The profile is detected from the keys of the first object. Each object
 * is one row: its members are matched to the profile's columns (trimmed,
 * any case); unknown keys are ignored; a missing key or null is an absent
 * value; numbers keep their exact text (json_number set); true/false are
 * passed as their text; an object or array where a value belongs rejects
 * the field. A syntax error ends the file with one "_file" reject; the
 * rows before it stay.
 */
#include "ingest_priv.h"

#include "jscan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jsrc {
    struct ingest *in;
    size_t hpos, hlen;
};

static ssize_t jread(void *ctx, char *buf, size_t cap)
{
    struct jsrc *s = ctx;

    if (s->hpos < s->hlen) {
        size_t n = s->hlen - s->hpos;
        if (n > cap)
            n = cap;
        memcpy(buf, s->in->rbuf + s->hpos, n);
        s->hpos += n;
        return (ssize_t)n;
    }
    return ingest_read(s->in, buf, cap);
}

static int first_keys(void *ctx, char delim, struct profile_header *h)
{
    const struct jscan_record *rec = ctx;
    int i;

    (void)delim;
    for (i = 0; i < rec->n && i < PROFILE_MAX_HEADER; i++) {
        h->name[i] = rec->m[i].key;
        h->len[i] = rec->m[i].keylen;
    }
    h->n = i;
    return 0;
}

static const char *col_field(const struct profile *p, int c)
{
    return c < 0 || p->cols[c].field == RF_COUNT ? "_row" : profile_field_name(p->cols[c].field);
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

static int record(struct ingest *in, const struct jscan_record *rec, struct etl_err *err)
{
    const struct profile *p = in->prof;
    const struct jscan_member *colm[PROFILE_MAX_COLUMNS] = { NULL };
    char reason[256];
    int i, c;

    in->st->rows++;
    in->row_rejects = 0;
    memset(&in->raw, 0, sizeof(in->raw));
    in->raw.line = rec->line;
    if (rec->error) {
        int ec = rec->err_key ? profile_column_find(p, rec->err_key, rec->err_keylen) : -1;
        int dupkey = !strcmp(rec->error, "duplicate key");
        if (rec->err_key && (dupkey || ec >= 0)) {
            snprintf(reason, sizeof(reason), "%s%s'%.*s'", rec->error, dupkey ? " " : " in ",
                     (int)(rec->err_keylen > 64 ? 64 : rec->err_keylen), rec->err_key);
            ingest_reject(in, rec->line, col_field(p, ec), reason, rec->raw, rec->rawlen);
        } else if (!rec->err_key) {
            ingest_reject(in, rec->line, "_row", rec->error, rec->raw, rec->rawlen);
        }
        /* else: a problem in a key the profile ignores */
    }
    for (i = 0; i < rec->n; i++) {
        const struct jscan_member *m = &rec->m[i];
        c = profile_column_find(p, m->key, m->keylen);
        if (c < 0)
            continue;
        if (colm[c]) {
            snprintf(reason, sizeof(reason), "keys '%.*s' and '%.*s' are both %s",
                     (int)(colm[c]->keylen > 64 ? 64 : colm[c]->keylen), colm[c]->key,
                     (int)(m->keylen > 64 ? 64 : m->keylen), m->key,
                     p->cols[c].field == RF_COUNT ? p->cols[c].names[0] : col_field(p, c));
            ingest_reject(in, rec->line, col_field(p, c), reason, rec->raw, rec->rawlen);
            continue;
        }
        colm[c] = m;
    }
    for (c = 0; c < p->ncols; c++) {
        const struct jscan_member *m = colm[c];
        struct raw_value *rv;
        if (!m || m->type == JV_NULL)
            continue;
        if (m->type == JV_OBJECT || m->type == JV_ARRAY) {
            snprintf(reason, sizeof(reason), "expected a string or a number, found %s",
                     m->type == JV_OBJECT ? "an object" : "an array");
            ingest_reject(in, rec->line, col_field(p, c), reason, m->val, m->vallen);
            continue;
        }
        if (p->cols[c].field == RF_COUNT)
            continue;
        rv = &in->raw.v[p->cols[c].field];
        rv->ptr = m->val;
        rv->len = m->vallen;
        if (m->type == JV_NUMBER && is_text_field(p->cols[c].field))
            rv->len = integral_len(m->val, m->vallen);
        rv->present = 1;
        rv->json_number = m->type == JV_NUMBER;
    }
    if (in->row_rejects) {
        ingest_row_rejected(in);
        return 0;
    }
    if (p->nids) {
        int k, any = 0, number = 0;
        buf_reset(&in->idbuf);
        for (k = 0; k < p->nids; k++) {
            for (c = 0; c < p->ncols; c++)
                if (p->cols[c].id_index == k)
                    break;
            if (k && buf_addch(&in->idbuf, '|') < 0)
                return etl_fail(err, E_NOMEM, "out of memory");
            if (c < p->ncols && colm[c] && colm[c]->type != JV_NULL) {
                const char *v = colm[c]->val;
                size_t vl = colm[c]->vallen;
                trim(&v, &vl);
                if (vl)
                    any = 1;
                number = colm[c]->type == JV_NUMBER;
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
    }
    return ingest_row(in, err);
}

int ingest_json_run(struct ingest *in, const char *head, size_t headlen, struct etl_err *err)
{
    struct jsrc src = { in, 0, headlen };
    struct jscan *js;
    struct jscan_record rec;
    unsigned kind;
    int k, r, ret = -1;

    (void)head;
    js = jscan_new(jread, &src, 0, INGEST_MAX_LINE);
    if (!js)
        return etl_fail(err, E_NOMEM, "out of memory");
    k = jscan_peek_kind(js, err);
    if (k < 0) {
        ingest_file_error(in, err, err->code == E_IO ? E_IO : E_DATA, 0, "%s",
                          err->code == E_IO && in->src.msg[0] ? ingest_read_error(in, EIO)
                                                              : err->msg);
        goto out;
    }
    kind = k == 1 ? PK_JSON_ARRAY : PK_JSON_LINES;
    if (in->prof) {
        if (!(in->prof->kinds & kind)) {
            ingest_file_error(in, err, E_CONFIG, 0, "profile '%s' does not read %s files",
                              in->prof->norm.name, k == 1 ? "JSON array" : "JSON Lines");
            goto out;
        }
    }
    while ((r = jscan_next(js, &rec, err)) == JSCAN_RECORD) {
        if (!in->prof) {
            in->prof = profile_detect(&in->profiles, kind, first_keys, &rec, err);
            if (!in->prof) {
                ingest_file_error(in, err, E_CONFIG, rec.line, "%s", err->msg);
                goto out;
            }
        }
        if (record(in, &rec, err) < 0)
            goto out;
    }
    if (r == JSCAN_ERROR) {
        long line = jscan_error_line(js);
        ingest_file_error(in, err, err->code == E_IO ? E_IO : E_DATA, line, "%s",
                          err->code == E_IO && in->src.msg[0] ? ingest_read_error(in, EIO)
                                                              : err->msg);
        goto out;
    }
    ret = 0;
out:
    jscan_free(js);
    return ret;
}
