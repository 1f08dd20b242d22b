/*
 * report_map.h — the report's string map and growing arrays.
 *
 * A strmap gives each distinct key (any bytes, a length) a dense index
 * 0, 1, 2, ... in the order keys were first seen; the caller keeps its
 * values in a parallel array grown with REPORT_GROW(). Keys are copied into
 * the map's arena: strmap_key() is valid until strmap_free(). Open
 * addressing (FNV-1a), rehashed at half full. Not thread-safe.
 */
#ifndef ETL_REPORT_MAP_H
#define ETL_REPORT_MAP_H

#include <stddef.h>

#include "buf.h"

struct sm_ent;

struct strmap {
    struct buf     arena;    /* keys, each NUL-terminated */
    struct sm_ent *tab;      /* open addressing */
    size_t         cap, n;   /* n: keys (indices 0..n-1) */
    size_t        *offs;     /* index -> key offset in arena */
    size_t         offs_cap;
};

/* Index of key s[0..n); a new key gets the next index (*created = 1).
 * -1 when out of memory. */
int strmap_get(struct strmap *m, const char *s, size_t n, int *created);
/* The key of an index (borrowed, NUL-terminated). */
const char *strmap_key(const struct strmap *m, int idx);
/* Indices 0..n-1 sorted by key (strcmp); caller frees; NULL when out of
 * memory (an empty map gives a non-NULL array). */
int *strmap_sorted(const struct strmap *m);
void strmap_free(struct strmap *m);      /* frees contents, struct reusable */

/* Grows *arrp (an array of elsz-byte elements, *cap of them) to hold at
 * least `need`, doubling; 0, or -1 when out of memory (array unchanged). */
int report_grow(void *arrp, size_t *cap, size_t need, size_t elsz);
#define REPORT_GROW(arr, cap, need) \
    ((size_t)(need) <= (cap) ? 0 : report_grow(&(arr), &(cap), (size_t)(need), sizeof(*(arr))))

#endif
