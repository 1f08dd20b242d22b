/* report_money.c — the report's money aggregates (report_money.h). */
#include "report_money.h"

#include <stdlib.h>
#include <string.h>

int cur_index(enum currency c)
{
    return c == CUR_USD ? 1 : 0;
}

void money_add(struct money *m, const struct permit *p)
{
    int c = cur_index(p->currency);

    m->records++;
    m->n[c]++;
    m->cents[c] += p->cents;
    if (p->cents == 0)
        m->free_sessions++;
}

int money_map_slot(struct money_map *m, const char *s, size_t n)
{
    int created, idx = strmap_add(&m->keys, s, n, &created);

    if (idx < 0)
        return -1;
    if (created) {
        if (REPORT_GROW(m->v, m->cap, (size_t)idx + 1) < 0)
            return -1;
        memset(&m->v[idx], 0, sizeof(*m->v));
    }
    return idx;
}

void money_map_free(struct money_map *m)
{
    strmap_release(&m->keys);
    free(m->v);
    memset(m, 0, sizeof(*m));
}
