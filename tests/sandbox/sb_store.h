/*
 * sb_store.h — the sandbox's permits: held in memory behind one mutex,
 * indexed by reference id, kept in creation order; the state file.
 *
 * Every operation is atomic under the store's lock (lookup, ownership,
 * checks against stored fields, change, history). A permit belongs to the
 * token that pushed it, recorded as an `owner` fingerprint ("sha256:" + the
 * first 16 hex digits of sha256(token)) — never the token itself. Another
 * owner sees the permit as not found.
 *
 * Strings passed in are borrowed (copied when kept). The state file is JSON
 * (format in tests/sandbox/README.md), written to a temp file in the same
 * directory then renamed over the target.
 */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <stddef.h>

#include "buf.h"

/* Canonical push keys, in the order docs/OPSCOM-API.md lists them. */
enum sb_field {
    SBF_PLATE, SBF_AMOUNT, SBF_CURRENCY, SBF_START, SBF_END, SBF_ZONE,
    SBF_PERMITNO, SBF_TICKET, SBF_PROMO, SBF_COUNT
};
extern const char *const sb_field_name[SBF_COUNT];

#define SB_OWNER_LEN 24     /* "sha256:" + 16 hex + NUL fits */
#define SB_REF_LEN   37     /* UUID text + NUL */

/* Values of one request: v[i] NULL = absent; n[i] its length in bytes. */
struct sb_values {
    const char *v[SBF_COUNT];
    size_t      n[SBF_COUNT];
};

/* What the history entry of an operation records besides op and values. */
struct sb_hist {
    long        seq;        /* the request's sequence number */
    int         dropped;    /* the response is dropped (--drop-every) */
    const char *keys_json;  /* JSON array of the keys as sent, in order */
};

enum sb_res { SB_OK, SB_NOT_FOUND, SB_END_NOT_AFTER_START, SB_NOMEM };

struct sb_store;

struct sb_store *sb_store_new(void);          /* NULL: out of memory */
void sb_store_free(struct sb_store *s);       /* NULL-safe */

/* Fingerprint of a token into owner[SB_OWNER_LEN]; -1 on a libcrypto error. */
int sb_owner_of(const char *token, size_t len, char *owner);

/* Reference ids of new permits: UUIDv4 text (the default), or with
 * `numeric` 24 random decimal digits (first 1-9: more than a 64-bit
 * integer holds), answered as a JSON number (--numeric-refs). */
void sb_store_numeric_refs(struct sb_store *s, int numeric);

/* Writes a random UUIDv4 (getrandom) into ref[SB_REF_LEN]; -1 on error. */
int sb_uuid4(char *ref);

/* Writes the current UTC time, "YYYY-MM-DDTHH:MM:SS.mmmZ", into out. */
void sb_now(char *out, size_t cap);

/* Creates a permit (fields copied) and writes its new reference id. */
enum sb_res sb_store_push(struct sb_store *s, const char *owner,
                          const struct sb_values *v, int disconnected,
                          const struct sb_hist *h, char *ref_out);
/* Changes plate/amount/currency/end (the non-NULL ones). SB_NOT_FOUND for
 * unknown, deleted or another owner's; SB_END_NOT_AFTER_START when the new
 * end is not after the stored start (nothing changed). */
enum sb_res sb_store_update(struct sb_store *s, const char *owner,
                            const char *ref, const struct sb_values *v,
                            const struct sb_hist *h);
enum sb_res sb_store_delete(struct sb_store *s, const char *owner,
                            const char *ref, const struct sb_hist *h);

/* Appends {"data":[...]} for the owner's live, connected permits, rows per
 * (type, zone) sorted by zone then type, totals as strings. `zones` is the
 * comma list of the request (NULL or "" = no filter; items matched exactly,
 * no trimming). */
enum sb_res sb_store_stats(struct sb_store *s, const char *owner,
                           const char *zones, size_t zones_len, struct buf *out);

/* Loads permits from a state file written by sb_store_save(); a missing
 * file is an empty store. -1 with a message in msg. */
int sb_store_load(struct sb_store *s, const char *path, char *msg, size_t cap);

/* Writes the state file: `counters_json` is a JSON object text; owners[]
 * maps token_index (1-based) to owner for the "token_index" field.
 * Returns the number of permits written, -1 with a message in msg. */
long sb_store_save(struct sb_store *s, const char *path, const char *counters_json,
                   const char (*owners)[SB_OWNER_LEN], size_t nowners,
                   char *msg, size_t cap);

#endif
