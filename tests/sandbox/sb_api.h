/*
 * sb_api.h — the four OPSCOM endpoints of the sandbox, HTTP-free: a request
 * body in, a status and a JSON body out (docs/OPSCOM-API.md, statuses and
 * codes in tests/sandbox/README.md).
 *
 * The validators are exported for reuse; each takes a pointer + length view
 * (not NUL-terminated) and allocates nothing.
 */
#ifndef SB_API_H
#define SB_API_H

#include <stddef.h>

#include "buf.h"
#include "sb_store.h"

enum sb_ep { EP_PUSH, EP_UPDATE, EP_DELETE, EP_STATS, EP_COUNT };
extern const char *const sb_ep_name[EP_COUNT];

/* Configuration shared (read-only) by all request threads. */
struct sb_api {
    struct sb_store *store;
    const char     *const *tokens;              /* the accepted tokens */
    const char    (*owners)[SB_OWNER_LEN];      /* owner of tokens[i] */
    size_t           ntokens;
    const char     *const *zones;               /* sorted (strcmp); NULL = no list */
    size_t           nzones;
    int              strict_plates;             /* plate must be [A-Z0-9]{1,25} */
    int              numeric_refs;              /* reference ids answered as JSON numbers */
};

/* Fills status and appends the JSON body to out (an error body on every
 * failure). `seq` and `dropped` go into the permit's history. */
void sb_api_handle(const struct sb_api *a, enum sb_ep ep, const char *body, size_t len,
                   long seq, int dropped, int *status, struct buf *out);

/* Number of code points of valid UTF-8 without NUL, or -1. */
long sb_utf8_len(const char *s, size_t n);
/* 1 if s is [A-Za-z0-9-]{1,50} (token and reference id format). */
int sb_token_format_ok(const char *s, size_t n);
/* 1 if s is exactly YYYY-MM-DDTHH:MM:SS and a real calendar time. */
int sb_time_ok(const char *s, size_t n);
/* Cents of an API amount (^\d+\.\d{2}$, max 9 chars, 0.01..999999.99), or -1. */
long sb_amount_cents(const char *s, size_t n);

#endif
