/* jscan.c — streaming JSON record scanner (see jscan.h). */
#include "jscan.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_OK = 0, P_NEED = 1, P_ERR = -1 };

enum state { S_START, S_ARRAY_FIRST, S_ARRAY_NEXT, S_ARRAY_END, S_LINES, S_DONE, S_FAILED };

struct jscan {
    jscan_read_fn rd;
    void   *ctx;
    char   *win;          /* window: bytes [0, end) of the file from `base` */
    size_t  cap, end, pos, chunk, max_record;
    long long base;
    int     eof, ioerr;
    long    line;         /* 1 + newlines in the file before win[line_pos] */
    size_t  line_pos;
    enum state state;
    int     kind;
    /* the current record */
    struct jscan_member mem[JSCAN_MAX_MEMBERS];
    int     nmem;
    char   *out;
    size_t  outlen, outcap;
    char    recerr[192];
    int     has_recerr;
    const char *err_key;
    size_t  err_keylen;
    size_t  err_key_off;  /* err_key as an offset: into out (flag) or win */
    int     err_key_in_out;
    /* syntax error */
    char    msg[192];
    size_t  err_pos;
    long long err_off;
    long    err_line;
};

struct jscan *jscan_new(jscan_read_fn rd, void *ctx, size_t chunk, size_t max_record)
{
    struct jscan *js = calloc(1, sizeof(*js));

    if (!js)
        return NULL;
    js->rd = rd;
    js->ctx = ctx;
    js->chunk = chunk ? chunk : 256 << 10;
    js->max_record = max_record ? max_record : JSCAN_MAX_RECORD;
    js->cap = js->max_record + js->chunk;
    js->win = malloc(js->cap);
    js->outcap = js->max_record + 16;
    js->out = malloc(js->outcap);
    js->line = 1;
    if (!js->win || !js->out) {
        jscan_free(js);
        return NULL;
    }
    return js;
}

void jscan_free(struct jscan *js)
{
    if (!js)
        return;
    free(js->win);
    free(js->out);
    free(js);
}

long long jscan_error_offset(const struct jscan *js)
{
    return js->err_off;
}

long jscan_error_line(const struct jscan *js)
{
    return js->err_line;
}

/* Lines up to win[pos] (pos >= line_pos). */
static long line_at(struct jscan *js, size_t pos)
{
    const char *p = js->win + js->line_pos, *e = js->win + pos;

    if (pos < js->line_pos)
        return js->line;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        js->line++;
        p++;
    }
    js->line_pos = pos;
    return js->line;
}

/* Drops win[0, keep), reads one more chunk. -1 on a read error. */
static int fill(struct jscan *js, size_t keep)
{
    ssize_t n;
    size_t room;

    line_at(js, keep);
    if (keep) {
        memmove(js->win, js->win + keep, js->end - keep);
        js->base += (long long)keep;
        js->end -= keep;
        js->pos -= keep;
        js->line_pos -= keep;
    }
    room = js->cap - js->end;
    if (room > js->chunk)
        room = js->chunk;
    if (room == 0)
        return 0;
    do
        n = js->rd(js->ctx, js->win + js->end, room);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        js->ioerr = errno ? errno : EIO;
        return -1;
    }
    if (n == 0)
        js->eof = 1;
    js->end += (size_t)n;
    return 0;
}

static int syntax(struct jscan *js, size_t pos, const char *what, const char *arg)
{
    snprintf(js->msg, sizeof(js->msg), "%s%s", what, arg);
    js->err_pos = pos;
    return P_ERR;
}

static void rec_error(struct jscan *js, const char *what, const char *key, size_t keylen)
{
    if (js->has_recerr)
        return;
    js->has_recerr = 1;
    snprintf(js->recerr, sizeof(js->recerr), "%s", what);
    js->err_key = key;
    js->err_keylen = keylen;
}

/* Running out of bytes at p: more may come, or it is the end. */
static int need(struct jscan *js, size_t p)
{
    if (!js->eof)
        return P_NEED;
    return syntax(js, p, "unexpected end of input", "");
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int skip_ws(struct jscan *js, size_t *p)
{
    while (*p < js->end && is_ws((unsigned char)js->win[*p]))
        (*p)++;
    return *p < js->end ? P_OK : need(js, *p);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at p. */
static int hex4(struct jscan *js, size_t p, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        int h;
        if (p + (size_t)i >= js->end)
            return need(js, p + (size_t)i);
        h = hexval((unsigned char)js->win[p + (size_t)i]);
        if (h < 0)
            return syntax(js, p + (size_t)i, "invalid \\u escape", "");
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return P_OK;
}

static void out_add(struct jscan *js, const char *s, size_t n)
{
    if (js->outlen + n <= js->outcap) {
        memcpy(js->out + js->outlen, s, n);
        js->outlen += n;
    }
}

static void out_cp(struct jscan *js, unsigned cp)
{
    char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    out_add(js, b, n);
}

/*
 * A string at win[*pp] == '"'. With `store`, (*s, *n) get the unescaped text:
 * a view into the window when there was no escape, else into js->out.
 * `key` names the member for record errors (NULL while reading a key).
 */
static int parse_string(struct jscan *js, size_t *pp, int store, const char **s,
                        size_t *n, const char *key, size_t keylen)
{
    size_t p = *pp + 1, start = p, o0 = js->outlen, ulen = 0;
    int escaped = 0, toolong = 0;
    const char *w = js->win;

    for (;;) {
        unsigned char c;

        if (p >= js->end)
            return need(js, p);
        c = (unsigned char)w[p];
        if (c == '"')
            break;
        if (c < 0x20)
            return syntax(js, p, "control character in a string", "");
        if (c == '\\') {
            unsigned char e;
            if (store && !escaped) {
                out_add(js, w + start, p - start);
                escaped = 1;
            }
            if (p + 1 >= js->end)
                return need(js, p + 1);
            e = (unsigned char)w[p + 1];
            if (e == 'u') {
                unsigned cp = 0, lo = 0;
                int r = hex4(js, p + 2, &cp);
                if (r != P_OK)
                    return r;
                p += 6;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (p + 1 >= js->end && !js->eof)
                        return P_NEED;
                    if (p + 1 < js->end && w[p] == '\\' && w[p + 1] == 'u') {
                        r = hex4(js, p + 2, &lo);
                        if (r != P_OK)
                            return r;
                        if (lo >= 0xdc00 && lo <= 0xdfff) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            p += 6;
                        } else {
                            rec_error(js, "invalid \\u escape (lone surrogate)", key, keylen);
                            cp = 0xfffd;
                        }
                    } else {
                        rec_error(js, "invalid \\u escape (lone surrogate)", key, keylen);
                        cp = 0xfffd;
                    }
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    rec_error(js, "invalid \\u escape (lone surrogate)", key, keylen);
                    cp = 0xfffd;
                } else if (cp == 0) {
                    rec_error(js, "\\u0000 in a string", key, keylen);
                }
                ulen += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                if (store)
                    out_cp(js, cp);
                continue;
            }
            {
                char ch;
                switch (e) {
                case '"': ch = '"'; break;
                case '\\': ch = '\\'; break;
                case '/': ch = '/'; break;
                case 'b': ch = '\b'; break;
                case 'f': ch = '\f'; break;
                case 'n': ch = '\n'; break;
                case 'r': ch = '\r'; break;
                case 't': ch = '\t'; break;
                default:
                    return syntax(js, p, "invalid escape in a string", "");
                }
                if (store)
                    out_add(js, &ch, 1);
                ulen++;
                p += 2;
                continue;
            }
        }
        if (c >= 0x80) {
            int l = (int)utf8_decode(w + p, js->end - p, NULL);
            if (l == 0 && !js->eof && utf8_cut(w + p, js->end - p))
                return P_NEED;
            if (l == 0) {
                rec_error(js, "invalid UTF-8", key, keylen);
                l = 1;
            }
            if (store && escaped)
                out_add(js, w + p, (size_t)l);
            p += (size_t)l;
            ulen += (size_t)l;
            continue;
        }
        if (store && escaped)
            out_add(js, w + p, 1);
        p++;
        ulen++;
    }
    if (ulen > JSCAN_MAX_VALUE)
        toolong = 1;
    if (toolong)
        rec_error(js, key ? "value longer than 65536 bytes" : "key longer than 65536 bytes",
                  key, keylen);
    if (store) {
        if (escaped) {
            *s = js->out + o0;
            *n = js->outlen - o0;
        } else {
            *s = w + start;
            *n = p - start;
        }
    }
    *pp = p + 1;
    return P_OK;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* digit_run()'s answer when the window ended in the digits: more may come,
 * or the number is done. */
enum { RUN_END = 2 };

/* The digits of a number's part at *pp, at least one: P_OK with *pp past
 * them, RUN_END with *pp at the window's end, else need()'s or syntax()'s
 * answer. */
static int digit_run(struct jscan *js, size_t *pp)
{
    size_t p = *pp;

    if (p >= js->end)
        return need(js, p);
    if (!is_digit((unsigned char)js->win[p]))
        return syntax(js, p, "invalid number", "");
    while (p < js->end && is_digit((unsigned char)js->win[p]))
        p++;
    *pp = p;
    return p < js->end ? P_OK : RUN_END;
}

static int parse_number(struct jscan *js, size_t *pp)
{
    size_t p = *pp;
    const char *w = js->win;
    int rc = P_OK;

#define AT_END() (p >= js->end)
    if (w[p] == '-') {
        p++;
        if (AT_END())
            return need(js, p);
    }
    if (w[p] == '0') {
        p++;
        if (AT_END())
            goto more_or_done;
        if (is_digit((unsigned char)w[p]))
            return syntax(js, p, "leading zero in a number", "");
    } else {
        rc = digit_run(js, &p);
    }
    if (rc == P_OK && w[p] == '.') {
        p++;
        rc = digit_run(js, &p);
    }
    if (rc == P_OK && (w[p] == 'e' || w[p] == 'E')) {
        p++;
        if (AT_END())
            return need(js, p);
        if (w[p] == '+' || w[p] == '-')
            p++;
        rc = digit_run(js, &p);
    }
    if (rc == RUN_END)
        goto more_or_done;
    if (rc != P_OK)
        return rc;
    *pp = p;
    return P_OK;
more_or_done:
    if (!js->eof)
        return P_NEED;
    *pp = p;
    return P_OK;
#undef AT_END
}

static int parse_literal(struct jscan *js, size_t *pp, const char *lit)
{
    size_t p = *pp, n = strlen(lit), i;

    for (i = 0; i < n; i++) {
        if (p + i >= js->end)
            return need(js, p + i);
        if (js->win[p + i] != lit[i])
            return syntax(js, p, "invalid literal (not true, false or null)", "");
    }
    *pp = p + n;
    return P_OK;
}

static int parse_value(struct jscan *js, size_t *pp, int depth, enum jv_type *type,
                       const char **s, size_t *n, const char *key, size_t keylen);

/* A member's key at *pp (kept when store, as parse_string()), the blanks
 * after it and its ':'; *pp past the ':'. */
static int parse_key(struct jscan *js, size_t *pp, int store, const char **k, size_t *kl)
{
    size_t p = *pp;
    int r;

    if (js->win[p] != '"')
        return syntax(js, p, "expected a string key", "");
    if ((r = parse_string(js, &p, store, k, kl, store ? NULL : "", 0)) != P_OK)
        return r;
    if ((r = skip_ws(js, &p)) != P_OK)
        return r;
    if (js->win[p] != ':')
        return syntax(js, p, "expected ':'", "");
    *pp = p + 1;
    return P_OK;
}

/* next_member()'s answers besides need()'s and syntax()'s. */
enum { NEXT_MORE = 2, NEXT_END = 3 };

/* After a member or an element at *pp: the blanks, then ',' (NEXT_MORE:
 * another follows, *pp past it) or close (NEXT_END: the container ends,
 * *end past it). */
static int next_member(struct jscan *js, size_t *pp, char close, size_t *end)
{
    size_t p = *pp;
    int r;

    if ((r = skip_ws(js, &p)) != P_OK)
        return r;
    if (js->win[p] != ',' && js->win[p] != close)
        return syntax(js, p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'", "");
    if (js->win[p] == close) {
        *end = p + 1;
        return NEXT_END;
    }
    *pp = p + 1;
    return NEXT_MORE;
}

static int parse_container(struct jscan *js, size_t *pp, int depth, int is_obj)
{
    size_t p = *pp + 1;
    int r, first = 1;
    char close = is_obj ? '}' : ']';

    if (depth > JSCAN_MAX_DEPTH)
        return syntax(js, *pp, "nesting deeper than 64", "");
    for (;;) {
        enum jv_type t;
        const char *s;
        size_t n;

        if ((r = skip_ws(js, &p)) != P_OK)
            return r;
        if (first && js->win[p] == close) {
            *pp = p + 1;
            return P_OK;
        }
        first = 0;
        if (is_obj) {
            if ((r = parse_key(js, &p, 0, NULL, NULL)) != P_OK)
                return r;
        }
        if ((r = parse_value(js, &p, depth, &t, &s, &n, NULL, 0)) != P_OK)
            return r;
        if ((r = next_member(js, &p, close, pp)) != NEXT_MORE)
            return r == NEXT_END ? P_OK : r;
    }
}

static int parse_value(struct jscan *js, size_t *pp, int depth, enum jv_type *type,
                       const char **s, size_t *n, const char *key, size_t keylen)
{
    size_t p = *pp;
    int r;
    unsigned char c;

    if ((r = skip_ws(js, &p)) != P_OK)
        return r;
    c = (unsigned char)js->win[p];
    *s = js->win + p;
    switch (c) {
    case '{':
    case '[':
        *type = c == '{' ? JV_OBJECT : JV_ARRAY;
        r = parse_container(js, &p, depth + 1, c == '{');
        break;
    case '"':
        *type = JV_STRING;
        r = parse_string(js, &p, key != NULL, s, n, key, keylen);
        if (r == P_OK) {
            *pp = p;
            if (!key)
                *n = 0;
            return P_OK;
        }
        return r;
    case 't':
        *type = JV_TRUE;
        r = parse_literal(js, &p, "true");
        break;
    case 'f':
        *type = JV_FALSE;
        r = parse_literal(js, &p, "false");
        break;
    case 'n':
        *type = JV_NULL;
        r = parse_literal(js, &p, "null");
        break;
    case '\'':
        return syntax(js, p, "single quotes are not JSON", "");
    default:
        if (c == '-' || is_digit(c)) {
            *type = JV_NUMBER;
            r = parse_number(js, &p);
        } else {
            char ch[4] = { '\'', (char)c, '\'', 0 };
            if (c >= 0x20 && c < 0x7f)
                return syntax(js, p, "unexpected character ", ch);
            return syntax(js, p, "unexpected byte", "");
        }
    }
    if (r != P_OK)
        return r;
    *n = (size_t)(js->win + p - *s);
    *pp = p;
    return P_OK;
}

/* The record object at win[*pp] == '{' (depth = its depth). */
static int parse_record(struct jscan *js, size_t *pp, int depth)
{
    size_t p = *pp + 1;
    int r, first = 1;

    if (depth > JSCAN_MAX_DEPTH)
        return syntax(js, *pp, "nesting deeper than 64", "");
    for (;;) {
        const char *k, *v;
        size_t kl, vl;
        enum jv_type t;
        int i, dup = 0;

        if ((r = skip_ws(js, &p)) != P_OK)
            return r;
        if (first && js->win[p] == '}') {
            *pp = p + 1;
            return P_OK;
        }
        first = 0;
        if ((r = parse_key(js, &p, 1, &k, &kl)) != P_OK)
            return r;
        if ((r = parse_value(js, &p, depth, &t, &v, &vl, k, kl)) != P_OK)
            return r;
        for (i = 0; i < js->nmem; i++)
            if (js->mem[i].keylen == kl && !memcmp(js->mem[i].key, k, kl)) {
                dup = 1;
                break;
            }
        if (dup) {
            rec_error(js, "duplicate key", k, kl);
        } else if (js->nmem == JSCAN_MAX_MEMBERS) {
            rec_error(js, "more than 256 keys", NULL, 0);
        } else {
            struct jscan_member *m = &js->mem[js->nmem++];
            m->key = k;
            m->keylen = kl;
            m->val = v;
            m->vallen = vl;
            m->type = t;
        }
        if ((r = next_member(js, &p, '}', pp)) != NEXT_MORE)
            return r == NEXT_END ? P_OK : r;
    }
}

static int fail(struct jscan *js, struct etl_err *err)
{
    js->err_off = js->base + (long long)js->err_pos;
    js->err_line = line_at(js, js->err_pos);
    js->state = S_FAILED;
    etl_fail(err, E_DATA, "JSON syntax error at byte %lld (line %ld): %s",
             js->err_off, js->err_line, js->msg);
    return JSCAN_ERROR;
}

static int io_fail(struct jscan *js, struct etl_err *err)
{
    js->state = S_FAILED;
    etl_fail(err, E_IO, "read error: %s", strerror(js->ioerr));
    return JSCAN_ERROR;
}

/* Skips whitespace between records, reading more as needed. 1 if a byte is
 * at pos, 0 at the end of the input, -1 on a read error. */
static int next_byte(struct jscan *js)
{
    for (;;) {
        while (js->pos < js->end && is_ws((unsigned char)js->win[js->pos]))
            js->pos++;
        if (js->pos < js->end)
            return 1;
        if (js->eof)
            return 0;
        if (fill(js, js->pos) < 0)
            return -1;
    }
}

static int start(struct jscan *js, struct etl_err *err)
{
    int r;

    while (js->end < 3 && !js->eof)
        if (fill(js, 0) < 0)
            return io_fail(js, err);
    if (js->end >= 3 && !memcmp(js->win, "\xef\xbb\xbf", 3))
        js->pos = 3;
    r = next_byte(js);
    if (r < 0)
        return io_fail(js, err);
    if (r == 0) {
        js->err_pos = js->pos;
        snprintf(js->msg, sizeof(js->msg), "empty input");
        return fail(js, err);
    }
    if (js->win[js->pos] == '[') {
        js->kind = 1;
        js->state = S_ARRAY_FIRST;
        js->pos++;
    } else if (js->win[js->pos] == '{') {
        js->kind = 2;
        js->state = S_LINES;
    } else {
        syntax(js, js->pos, "expected '[' or '{'", "");
        return fail(js, err);
    }
    return 0;
}

int jscan_peek_kind(struct jscan *js, struct etl_err *err)
{
    if (js->state == S_START && start(js, err) < 0)
        return -1;
    if (js->state == S_FAILED)
        return -1;
    return js->kind;
}

int jscan_next(struct jscan *js, struct jscan_record *rec, struct etl_err *err)
{
    int r;
    size_t rs;

    memset(rec, 0, sizeof(*rec));
    if (js->state == S_START && start(js, err) < 0)
        return JSCAN_ERROR;
    for (;;) {
        if (js->state == S_DONE || js->state == S_FAILED)
            return JSCAN_END;
        r = next_byte(js);
        if (r < 0)
            return io_fail(js, err);
        if (js->state == S_ARRAY_END) {
            if (r == 0) {
                js->state = S_DONE;
                return JSCAN_END;
            }
            syntax(js, js->pos, "text after the end of the array", "");
            return fail(js, err);
        }
        if (r == 0) {
            if (js->state == S_LINES) {
                js->state = S_DONE;
                return JSCAN_END;
            }
            syntax(js, js->pos, "unexpected end of input (unclosed array)", "");
            return fail(js, err);
        }
        if (js->state == S_ARRAY_NEXT) {
            if (js->win[js->pos] == ',') {
                js->pos++;
                r = next_byte(js);
                if (r < 0)
                    return io_fail(js, err);
                if (r == 0) {
                    syntax(js, js->pos, "unexpected end of input (unclosed array)", "");
                    return fail(js, err);
                }
                if (js->win[js->pos] == ']') {
                    syntax(js, js->pos, "trailing comma in the array", "");
                    return fail(js, err);
                }
            } else if (js->win[js->pos] == ']') {
                js->pos++;
                js->state = S_ARRAY_END;
                continue;
            } else {
                syntax(js, js->pos, "expected ',' or ']'", "");
                return fail(js, err);
            }
        } else if (js->state == S_ARRAY_FIRST) {
            if (js->win[js->pos] == ']') {
                js->pos++;
                js->state = S_ARRAY_END;
                continue;
            }
        }
        break;
    }
    /* A record starts at pos. */
    for (;;) {
        size_t p;
        rs = js->pos;
        p = rs;
        js->nmem = 0;
        js->outlen = 0;
        js->has_recerr = 0;
        js->err_key = NULL;
        js->err_keylen = 0;
        if (js->win[rs] == '{') {
            r = parse_record(js, &p, js->kind == 1 ? 2 : 1);
        } else {
            enum jv_type t;
            const char *s;
            size_t n;
            r = parse_value(js, &p, js->kind == 1 ? 1 : 0, &t, &s, &n, NULL, 0);
            if (r == P_OK)
                rec_error(js, "expected an object", NULL, 0);
        }
        if (r == P_ERR)
            return fail(js, err);
        if (r == P_OK && p - rs > js->max_record)
            r = P_NEED;     /* over the limit whatever the read sizes: report it below */
        if (r == P_OK) {
            js->pos = p;
            break;
        }
        /* P_NEED: the record is not all in the window yet. */
        if (js->end - rs >= js->max_record) {
            char m[64];
            snprintf(m, sizeof(m), "%zu bytes", js->max_record);
            syntax(js, rs, "record longer than ", m);
            return fail(js, err);
        }
        if (fill(js, rs) < 0)
            return io_fail(js, err);
    }
    rec->m = js->mem;
    rec->n = js->nmem;
    rec->offset = js->base + (long long)rs;
    rec->line = line_at(js, rs);
    rec->raw = js->win + rs;
    rec->rawlen = js->pos - rs;
    if (js->has_recerr) {
        rec->error = js->recerr;
        rec->err_key = js->err_key;
        rec->err_keylen = js->err_keylen;
    }
    if (js->kind == 1)
        js->state = S_ARRAY_NEXT;
    return JSCAN_RECORD;
}
