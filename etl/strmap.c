/* strmap.c — see strmap.h. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t strmap_hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

/* The slot of key k (hash h): its own if present, else the empty one
 * where it would go. m->cap must be > 0. */
static struct strmap_slot *probe(const struct strmap *m, const char *k, size_t n, uint64_t h)
{
    size_t mask = m->cap - 1, j = (size_t)h & mask;

    for (;; j = (j + 1) & mask) {
        struct strmap_slot *s = &m->tab[j];

        if (!s->idx1 ||
            (s->hash == h && s->len == n && memcmp(m->arena.ptr + s->off, k, n) == 0))
            return s;
    }
}

static int grow(struct strmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64, i;
    struct strmap_slot *nt = calloc(nc, sizeof(*nt));

    if (!nt)
        return -1;
    for (i = 0; i < m->cap; i++) {
        size_t j;

        if (!m->tab[i].idx1)
            continue;
        for (j = (size_t)m->tab[i].hash & (nc - 1); nt[j].idx1; j = (j + 1) & (nc - 1))
            ;
        nt[j] = m->tab[i];
    }
    free(m->tab);
    m->tab = nt;
    m->cap = nc;
    return 0;
}

long strmap_add(struct strmap *m, const char *k, size_t n, int *created)
{
    uint64_t h = strmap_hash(k, n);
    struct strmap_slot *s;
    size_t off = m->arena.len;

    if (created)
        *created = 0;
    if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
        return -1;
    s = probe(m, k, n, h);
    if (s->idx1)
        return (long)(s->idx1 - 1);
    if (m->n == m->offs_cap) {
        size_t nc = m->offs_cap ? m->offs_cap * 2 : 16;
        size_t *no = realloc(m->offs, nc * sizeof(*no));

        if (!no)
            return -1;
        m->offs = no;
        m->offs_cap = nc;
    }
    if (buf_add(&m->arena, k, n) < 0 || buf_addch(&m->arena, '\0') < 0) {
        buf_truncate(&m->arena, off);       /* a half-added key is dropped */
        return -1;
    }
    s->hash = h;
    s->off = off;
    s->len = n;
    s->idx1 = m->n + 1;
    m->offs[m->n] = off;
    if (created)
        *created = 1;
    return (long)m->n++;
}

long strmap_find(const struct strmap *m, const char *k, size_t n)
{
    const struct strmap_slot *s;

    if (!m->cap)
        return -1;
    s = probe(m, k, n, strmap_hash(k, n));
    return s->idx1 ? (long)(s->idx1 - 1) : -1;
}

const char *strmap_key(const struct strmap *m, size_t idx)
{
    return m->arena.ptr + m->offs[idx];
}

void strmap_release(struct strmap *m)
{
    if (!m)
        return;
    buf_release(&m->arena);
    free(m->tab);
    free(m->offs);
    m->tab = NULL;
    m->offs = NULL;
    m->cap = m->n = m->offs_cap = 0;
}
