/*
 * ingest_json.c — the JSON reader (reader.h): a JSON array of objects or
 * JSON Lines, through jscan.h.
 *
 * open() peeks at the first bytes for the kind (PK_JSON_ARRAY or
 * PK_JSON_LINES). Each object is one row of keyed cells (r.keyed 1), in the
 * order written: strings unescaped, numbers as their exact text
 * (READER_NUMBER), true/false as their text, null as READER_NULL, a nested
 * object or array as its raw text. The names a profile is detected by are
 * the keys of the first object (peek() reads it ahead). jscan has checked
 * every string (UTF-8, no NUL, length), so rows ask ingest for no checks.
 * A record-level problem (a duplicate key, invalid UTF-8 in a value ...)
 * makes a broken row naming the key; a syntax error ends the file (-1 at
 * jscan's line); the rows before it stay.
 */
#include "reader.h"

#include "jscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_reader {
    struct reader r;              /* first: what ingest sees */
    struct instream *src;
    struct jscan *js;
    struct jscan_record rec;
    int    held;                  /* rec was read by peek() and not handed out yet */
    struct reader_cell cell[JSCAN_MAX_MEMBERS];
    char   reason[256];
};

static ssize_t jread(void *ctx, char *buf, size_t cap)
{
    return instream_read(ctx, buf, cap);
}

/* jscan failed (err filled): a read error says what instream says; anything
 * else is the data's (E_DATA). */
static int failed(struct json_reader *jr, long line, struct etl_err *err)
{
    jr->r.line = line;
    if (err->code == E_IO)
        return etl_fail(err, E_IO, "%s", instream_error(jr->src));
    err->code = E_DATA;
    return -1;
}

static int json_claims(unsigned char c)
{
    return c == '[' || c == '{';
}

static void json_close(struct reader *r)
{
    struct json_reader *jr = (struct json_reader *)r;

    if (!jr)
        return;
    jscan_free(jr->js);
    free(jr);
}

static int json_open(struct reader **rp, struct instream *src, struct etl_err *err)
{
    struct json_reader *jr = calloc(1, sizeof(*jr));
    int k;

    *rp = (struct reader *)jr;
    if (!jr)
        return etl_fail(err, E_NOMEM, "out of memory");
    jr->r.fmt = &ingest_json_format;
    jr->r.keyed = 1;
    jr->src = src;
    jr->js = jscan_new(jread, src, 0, READER_MAX_LINE);
    if (!jr->js)
        return etl_fail(err, E_NOMEM, "out of memory");
    k = jscan_peek_kind(jr->js, err);
    if (k < 0)
        return failed(jr, 0, err);
    jr->r.kind = k == 1 ? PK_JSON_ARRAY : PK_JSON_LINES;
    return 0;
}

static int json_peek(struct reader *r, struct etl_err *err)
{
    struct json_reader *jr = (struct json_reader *)r;
    int k;

    if (jr->held)
        return 1;
    k = jscan_next(jr->js, &jr->rec, err);
    if (k == JSCAN_ERROR)
        return failed(jr, jscan_error_line(jr->js), err);
    if (k == JSCAN_END)
        return 0;
    jr->held = 1;
    r->line = jr->rec.line;
    return 1;
}

static int json_names(void *ctx, char delim, struct profile_header *h)
{
    const struct json_reader *jr = ctx;
    const struct jscan_record *rec = &jr->rec;
    int i;

    (void)delim;
    for (i = 0; i < rec->n && i < PROFILE_MAX_HEADER; i++) {
        h->name[i] = rec->m[i].key;
        h->len[i] = rec->m[i].keylen;
    }
    h->n = i;
    return 0;
}

static int json_start(struct reader *r, const struct reader_opts *o, struct etl_err *err)
{
    (void)r;
    (void)o;
    (void)err;
    return 0;               /* nothing to set: JSON has no delimiter */
}

static enum reader_cell_type cell_type(enum jv_type t)
{
    switch (t) {
    case JV_NULL:   return READER_NULL;
    case JV_NUMBER: return READER_NUMBER;
    case JV_OBJECT: return READER_OBJECT;
    case JV_ARRAY:  return READER_ARRAY;
    default:        return READER_TEXT;      /* strings, true, false */
    }
}

static int json_next(struct reader *r, struct reader_row *row, struct etl_err *err)
{
    struct json_reader *jr = (struct json_reader *)r;
    const struct jscan_record *rec = &jr->rec;
    int i, n;

    if (jr->held) {
        jr->held = 0;
    } else {
        int k = jscan_next(jr->js, &jr->rec, err);
        if (k == JSCAN_ERROR)
            return failed(jr, jscan_error_line(jr->js), err);
        if (k == JSCAN_END)
            return 0;
    }
    n = rec->n < JSCAN_MAX_MEMBERS ? rec->n : JSCAN_MAX_MEMBERS;
    for (i = 0; i < n; i++) {
        const struct jscan_member *m = &rec->m[i];
        jr->cell[i].key = m->key;
        jr->cell[i].keylen = (unsigned)m->keylen;     /* within a 1 MiB record */
        jr->cell[i].ptr = m->val;
        jr->cell[i].len = m->vallen;
        jr->cell[i].type = cell_type(m->type);
    }
    memset(row, 0, sizeof(*row));
    row->cell = jr->cell;
    row->n = n;
    row->line = rec->line;
    row->raw = rec->raw;
    row->rawlen = rec->rawlen;
    if (rec->error) {
        row->error = rec->error;
        if (rec->err_key) {
            /* "duplicate key 'k'" (the row is ambiguous whatever k is), or
             * "invalid UTF-8 in 'k'" (counts only if k is a column) */
            int dupkey = !strcmp(rec->error, "duplicate key");
            snprintf(jr->reason, sizeof(jr->reason), "%s%s'%.*s'", rec->error,
                     dupkey ? " " : " in ",
                     (int)(rec->err_keylen > 64 ? 64 : rec->err_keylen), rec->err_key);
            row->error = jr->reason;
            row->error_key = rec->err_key;
            row->error_keylen = rec->err_keylen;
            row->error_always = dupkey;
        }
    }
    r->line = rec->line;
    return 1;
}

const struct reader_format ingest_json_format = {
    "JSON", json_claims, json_open, json_peek, json_names, json_start, json_next, json_close,
    NULL, NULL, NULL    /* no blocks: read by next() only */
};
