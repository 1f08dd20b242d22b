/*
 * report_money.h — the report's money aggregates: records, free sessions
 * and integer cents per currency (CAD and USD apart, never added), and a
 * map from a key (zone, business day, promo code, ...) to one of them.
 *
 * Cents stay integers here; only a cell (cell_money(), cell.h) divides by
 * 100. A money_map owns its keys and values; money_map_slot() gives the
 * index of a key, a new key starting from zero.
 */
#ifndef ETL_REPORT_MONEY_H
#define ETL_REPORT_MONEY_H

#include <stddef.h>

#include "permit.h"
#include "report_map.h"

#define NCUR 2             /* CAD, USD: the index of cur_index() */

struct money {
    long      records, free_sessions;
    long long cents[NCUR];
    long      n[NCUR];
};

/* CAD 0, USD 1 (anything else counts as CAD). */
int  cur_index(enum currency c);
/* Counts p in m (a free session when its amount is 0). */
void money_add(struct money *m, const struct permit *p);

struct money_map {
    struct strmap keys;
    struct money *v;          /* v[index of a key] */
    size_t        cap;
};

/* Index of key s[0..n) (a new key: a zeroed value); -1 when out of memory. */
int  money_map_slot(struct money_map *m, const char *s, size_t n);
void money_map_free(struct money_map *m);      /* frees contents, struct reusable */

#endif
