/*
 * jsonfile.h — the one strict JSON file loader (the config, vendor profiles).
 *
 * jsonfile_load() reads a whole file (at most `max` bytes) and parses it
 * as one JSON object with json-c in strict mode (no comments, no single
 * quotes, no trailing commas), with nothing after the object but
 * whitespace, and with no object that has the same key twice: json-c alone
 * would keep the last of two equal keys silently, so a pasted copy of a
 * key would override the first without a word. Keys are compared decoded
 * ("\u007a" equals "z"), in every object at every depth; the first
 * duplicate in the text is the one reported. A UTF-8 BOM before the value
 * is skipped (byte offsets count it). A NUL byte is refused.
 *
 * The loader says what failed in a struct jsonfile_error; each caller puts
 * it into its own words (config.c, profile.c: E_CONFIG naming the file and,
 * for a duplicate, the key and, for a profile, its line).
 * The caller owns the returned root (json_object_put()).
 */
#ifndef ETL_JSONFILE_H
#define ETL_JSONFILE_H

#include <stddef.h>

#include <json-c/json.h>

enum jsonfile_status {
    JSONFILE_OK = 0,
    JSONFILE_READ,       /* cannot open or read the file: sys_errno */
    JSONFILE_TOO_BIG,    /* over max bytes */
    JSONFILE_NOMEM,      /* out of memory */
    JSONFILE_EMPTY,      /* no bytes at all */
    JSONFILE_NUL,        /* a NUL byte, at `byte` */
    JSONFILE_SYNTAX,     /* not strict JSON: `why`, at `byte` */
    JSONFILE_TRAILING,   /* text after the value, at `byte` */
    JSONFILE_NOT_OBJECT, /* valid JSON, but not an object */
    JSONFILE_NOT_STRICT, /* what json-c lets through although strict JSON does
                          * not (a single-quoted string), at `byte` */
    JSONFILE_DUPLICATE   /* `key` twice in one object, the second on `line` */
};

struct jsonfile_error {
    enum jsonfile_status status;
    int         sys_errno;  /* JSONFILE_READ */
    size_t      byte;       /* JSONFILE_NUL, _SYNTAX, _TRAILING: offset in the file */
    const char *why;        /* JSONFILE_SYNTAX: json-c's words (static) */
    int         at_end;     /* JSONFILE_SYNTAX: the text ended inside the value
                             * (why is then json-c's "continue": say it better) */
    long        line;       /* JSONFILE_DUPLICATE: 1-based line of the second key */
    char        key[72];    /* JSONFILE_DUPLICATE: printable ASCII ('?' for other
                             * bytes), cut at 64 bytes: safe to print */
};

/* The parsed root object, or NULL with e filled (e->status never
 * JSONFILE_OK then). */
struct json_object *jsonfile_load(const char *path, size_t max, struct jsonfile_error *e);

/* The same for text already in memory (text[0..len); no read errors). */
struct json_object *jsonfile_parse(const char *text, size_t len, struct jsonfile_error *e);

/* Copies a key for display: printable ASCII only ('?' for other bytes),
 * cut at 64 bytes; out holds at least 72 bytes. */
void jsonfile_safe_key(char *out, size_t cap, const char *key);

#endif
