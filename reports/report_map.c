/* report_map.c — the report's string map and growing arrays (report_map.h). */
#include "report_map.h"

#include <stdlib.h>
#include <string.h>

struct sm_ent { size_t off; unsigned h; int idx1; };   /* idx1 = index + 1, 0 = empty */

static unsigned sm_hash(const char *s, size_t n)
{
    unsigned h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

int report_grow(void *arrp, size_t *cap, size_t need, size_t elsz)
{
    size_t nc = *cap ? *cap : 16;
    void *p, *np;

    while (nc < need)
        nc *= 2;
    memcpy(&p, arrp, sizeof(p));
    np = realloc(p, nc * elsz);
    if (!np)
        return -1;
    memcpy(arrp, &np, sizeof(np));
    *cap = nc;
    return 0;
}

static int sm_rehash(struct strmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64, i;
    struct sm_ent *nt = calloc(nc, sizeof(*nt));

    if (!nt)
        return -1;
    for (i = 0; i < m->cap; i++) {
        size_t j;
        if (!m->tab[i].idx1)
            continue;
        for (j = m->tab[i].h & (nc - 1); nt[j].idx1; j = (j + 1) & (nc - 1))
            ;
        nt[j] = m->tab[i];
    }
    free(m->tab);
    m->tab = nt;
    m->cap = nc;
    return 0;
}

int strmap_get(struct strmap *m, const char *s, size_t n, int *created)
{
    unsigned h = sm_hash(s, n);
    size_t j;

    *created = 0;
    if ((m->n + 1) * 2 > m->cap && sm_rehash(m) < 0)
        return -1;
    for (j = h & (m->cap - 1); m->tab[j].idx1; j = (j + 1) & (m->cap - 1)) {
        const char *k = m->arena.ptr + m->tab[j].off;
        if (m->tab[j].h == h && !strncmp(k, s, n) && k[n] == '\0')
            return m->tab[j].idx1 - 1;
    }
    if (REPORT_GROW(m->offs, m->offs_cap, m->n + 1) < 0)
        return -1;
    m->tab[j].off = m->arena.len;
    if (buf_add(&m->arena, s, n) < 0 || buf_addch(&m->arena, '\0') < 0)
        return -1;
    m->tab[j].h = h;
    m->tab[j].idx1 = (int)m->n + 1;
    m->offs[m->n] = m->tab[j].off;
    *created = 1;
    return (int)m->n++;
}

const char *strmap_key(const struct strmap *m, int idx)
{
    return m->arena.ptr + m->offs[idx];
}

static const struct strmap *sort_map;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(strmap_key(sort_map, *(const int *)a), strmap_key(sort_map, *(const int *)b));
}

int *strmap_sorted(const struct strmap *m)
{
    int *ix = malloc((m->n ? m->n : 1) * sizeof(*ix));
    size_t i;

    if (!ix)
        return NULL;
    for (i = 0; i < m->n; i++)
        ix[i] = (int)i;
    sort_map = m;
    qsort(ix, m->n, sizeof(*ix), cmp_key);
    return ix;
}

void strmap_free(struct strmap *m)
{
    buf_release(&m->arena);
    free(m->tab);
    free(m->offs);
    memset(m, 0, sizeof(*m));
}
