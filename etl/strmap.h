/*
 * strmap.h — the one string map: byte strings to dense indexes.
 *
 * A key (any bytes, NUL included, given as pointer + length) gets the index
 * 0, 1, 2, ... in the order keys are first added, so a caller keeps what
 * it knows about a key in its own array at that index (zones and aliases,
 * audit rows, voids, report aggregates). Open addressing with linear
 * probing on a power-of-two table kept at most half full; the hash is
 * 64-bit FNV-1a, folded. Lookups allocate nothing.
 *
 * Ownership: the map copies every key into its own arena (each key
 * NUL-terminated there); strmap_key() is borrowed and valid until the next
 * strmap_add() (the arena may move). strmap_release() frees everything and
 * leaves the map empty and reusable. A zeroed struct (STRMAP_INIT, calloc)
 * is an empty map. Not thread-safe for writers; readers may share a map
 * nobody adds to.
 */
#ifndef ETL_STRMAP_H
#define ETL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct strmap_slot {
    uint64_t hash;
    size_t   off;       /* of the key in the arena */
    size_t   len;
    size_t   idx1;      /* index + 1; 0: empty slot */
};

struct strmap {
    struct buf          arena;   /* the keys, each NUL-terminated */
    struct strmap_slot *tab;
    size_t              cap;     /* slots: 0 or a power of two */
    size_t              n;       /* keys; indexes are 0 .. n-1 */
    size_t             *offs;    /* index -> key offset in the arena */
    size_t              offs_cap;
};

#define STRMAP_INIT { BUF_INIT, NULL, 0, 0, NULL, 0 }

/* The index of key k[0..n), added if new (*created = 1, else 0; created
 * may be NULL). -1 when out of memory (the map is unchanged). */
long strmap_add(struct strmap *m, const char *k, size_t n, int *created);

/* The index of key k[0..n), or -1 if it is not in the map. */
long strmap_find(const struct strmap *m, const char *k, size_t n);

/* The key at index idx (< m->n), NUL-terminated; borrowed (see above). */
const char *strmap_key(const struct strmap *m, size_t idx);

void strmap_release(struct strmap *m);   /* NULL-safe */

#endif
