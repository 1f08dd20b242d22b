/*
 * jsonfile.c — see jsonfile.h.
 *
 * The text is parsed by json-c in strict mode, then scanned a second time
 * by a tiny scanner that only looks for duplicate keys (json-c keeps the
 * last one silently).
 */
#include "jsonfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void jsonfile_safe_key(char *out, size_t cap, const char *key)
{
    size_t i, o = 0;

    for (i = 0; key[i] && o + 1 < cap && i < 64; i++)
        out[o++] = (key[i] >= 0x20 && key[i] < 0x7f) ? key[i] : '?';
    out[o] = '\0';
}

/* ---- duplicate-key scanner ---------------------------------------------- */

struct scan {
    const char *p, *end;
    const char *dup;       /* first duplicate key found (decoded, owned) */
    const char *duptok;    /* where it stands in the text */
    char *dupbuf;
    int depth;
};

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Skips a string token starting at '"'; returns its start or NULL. */
static const char *skip_string(struct scan *s)
{
    const char *start = s->p;

    if (s->p >= s->end || *s->p != '"')
        return NULL;
    s->p++;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\')
            s->p++;
        s->p++;
    }
    if (s->p >= s->end)
        return NULL;
    s->p++;
    return start;
}

/* Decodes a string token with json-c itself (so "\u0061" equals "a"). */
static char *decode_key(const char *tok, size_t len)
{
    struct json_tokener *t = json_tokener_new();
    struct json_object *o;
    char *out = NULL;

    if (!t)
        return NULL;
    o = json_tokener_parse_ex(t, tok, (int)len);
    if (o && json_object_is_type(o, json_type_string))
        out = strdup(json_object_get_string(o));
    json_object_put(o);
    json_tokener_free(t);
    return out;
}

/* The scanners return 0, SCAN_BAD (not strict JSON) or SCAN_NOMEM. */
enum { SCAN_BAD = -1, SCAN_NOMEM = -2 };

static int scan_value(struct scan *s);

static int scan_object(struct scan *s)
{
    char **keys = NULL;
    size_t nkeys = 0, cap = 0, i;
    int ret = SCAN_BAD, rc;

    s->p++; /* '{' */
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        const char *tok;
        char *k;

        skip_ws(s);
        tok = skip_string(s);
        if (!tok)
            goto out;
        k = decode_key(tok, (size_t)(s->p - tok));
        if (!k) {               /* json-c read it already: only memory fails */
            ret = SCAN_NOMEM;
            goto out;
        }
        for (i = 0; i < nkeys; i++)
            if (strcmp(keys[i], k) == 0 && !s->dup) {
                s->dupbuf = k;
                s->dup = k;
                s->duptok = tok;
                k = NULL;
                break;
            }
        if (k) {
            if (nkeys == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                char **nk = realloc(keys, ncap * sizeof(*nk));
                if (!nk) {
                    free(k);
                    ret = SCAN_NOMEM;
                    goto out;
                }
                keys = nk;
                cap = ncap;
            }
            keys[nkeys++] = k;
        }
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            goto out;
        s->p++;
        if ((rc = scan_value(s)) < 0) {
            ret = rc;
            goto out;
        }
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            break;
        }
        goto out;
    }
    ret = 0;
out:
    for (i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    return ret;
}

static int scan_value(struct scan *s)
{
    int ret = 0;

    if (++s->depth > 64)
        return SCAN_BAD;
    skip_ws(s);
    if (s->p >= s->end) {
        ret = SCAN_BAD;
    } else if (*s->p == '{') {
        ret = scan_object(s);
    } else if (*s->p == '[') {
        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == ']') {
            s->p++;
        } else {
            for (;;) {
                if ((ret = scan_value(s)) < 0)
                    break;
                skip_ws(s);
                if (s->p < s->end && *s->p == ',') {
                    s->p++;
                    continue;
                }
                if (s->p < s->end && *s->p == ']')
                    s->p++;
                else
                    ret = SCAN_BAD;
                break;
            }
        }
    } else if (*s->p == '"') {
        if (!skip_string(s))
            ret = SCAN_BAD;
    } else {
        while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
            s->p++;
    }
    s->depth--;
    return ret;
}

/* ---- parse and load ----------------------------------------------------- */

static struct json_object *fail(struct jsonfile_error *e, enum jsonfile_status st)
{
    e->status = st;
    return NULL;
}

struct json_object *jsonfile_parse(const char *text, size_t len, struct jsonfile_error *e)
{
    struct json_tokener *tok;
    struct json_object *root;
    enum json_tokener_error je;
    const char *nul;
    size_t skip = 0, i;

    memset(e, 0, sizeof(*e));
    if (len == 0)
        return fail(e, JSONFILE_EMPTY);
    if ((nul = memchr(text, '\0', len)) != NULL) {
        e->byte = (size_t)(nul - text);
        return fail(e, JSONFILE_NUL);
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        skip = 3;
    tok = json_tokener_new();
    if (!tok)
        return fail(e, JSONFILE_NOMEM);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text + skip, (int)(len - skip));
    je = json_tokener_get_error(tok);
    e->byte = skip + json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!root || je != json_tokener_success) {
        json_object_put(root);
        e->why = json_tokener_error_desc(je);
        e->at_end = je == json_tokener_continue;
        return fail(e, JSONFILE_SYNTAX);
    }
    for (i = e->byte; i < len; i++)
        if (!strchr(" \t\r\n", text[i])) {
            json_object_put(root);
            e->byte = i;
            return fail(e, JSONFILE_TRAILING);
        }
    e->byte = 0;
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return fail(e, JSONFILE_NOT_OBJECT);
    }
    {
        struct scan s = { text + skip, text + len, NULL, NULL, NULL, 0 };
        int rc = scan_value(&s);

        if (rc == 0 && s.dup) {
            const char *p;

            jsonfile_safe_key(e->key, sizeof(e->key), s.dup);
            e->line = 1;
            for (p = text; p < s.duptok; p++)
                e->line += *p == '\n';
        }
        free(s.dupbuf);
        if (rc == SCAN_BAD)
            e->byte = (size_t)(s.p - text);
        if (rc < 0 || e->line) {
            json_object_put(root);
            return fail(e, rc == SCAN_NOMEM ? JSONFILE_NOMEM
                         : rc == SCAN_BAD ? JSONFILE_NOT_STRICT : JSONFILE_DUPLICATE);
        }
    }
    return root;
}

struct json_object *jsonfile_load(const char *path, size_t max, struct jsonfile_error *e)
{
    struct buf b;
    struct json_object *root;
    char chunk[8192];
    FILE *f = fopen(path, "rb");
    size_t n;

    memset(e, 0, sizeof(*e));
    if (!f) {
        e->sys_errno = errno;
        return fail(e, JSONFILE_READ);
    }
    buf_init(&b, max);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_add(&b, chunk, n) < 0) {
            enum jsonfile_status st = b.len + n > max ? JSONFILE_TOO_BIG : JSONFILE_NOMEM;

            fclose(f);
            buf_release(&b);
            return fail(e, st);
        }
    if (ferror(f)) {
        e->sys_errno = errno;
        fclose(f);
        buf_release(&b);
        return fail(e, JSONFILE_READ);
    }
    fclose(f);
    root = jsonfile_parse(b.ptr ? b.ptr : "", b.len, e);
    buf_release(&b);
    return root;
}
