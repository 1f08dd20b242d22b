/* report_map.c — the report's growing arrays and sorted key orders
 * (report_map.h). */
#include "report_map.h"

#include <stdlib.h>
#include <string.h>

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

static const struct strmap *sort_map;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(strmap_key(sort_map, (size_t)*(const int *)a),
                  strmap_key(sort_map, (size_t)*(const int *)b));
}

int *report_map_sorted(const struct strmap *m)
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
