/*
 * report_map.h — the report's growing arrays and sorted key orders.
 *
 * The report's string -> index maps are the tool's one string map
 * (strmap.h): each distinct key gets a dense index 0, 1, 2, ... in the
 * order keys were first seen, and the caller keeps its values in a
 * parallel array grown with REPORT_GROW(). This module adds what only the
 * report needs on top: a map's indexes in key order (the sheets list zones,
 * days and codes sorted) and the doubling array growth. Not thread-safe.
 */
#ifndef ETL_REPORT_MAP_H
#define ETL_REPORT_MAP_H

#include <stddef.h>

#include "strmap.h"

/* Indices 0..n-1 of m sorted by key (strcmp); caller frees; NULL when out
 * of memory (an empty map gives a non-NULL array). */
int *report_map_sorted(const struct strmap *m);

/* Grows *arrp (an array of elsz-byte elements, *cap of them) to hold at
 * least `need`, doubling; 0, or -1 when out of memory (array unchanged). */
int report_grow(void *arrp, size_t *cap, size_t need, size_t elsz);
#define REPORT_GROW(arr, cap, need) \
    ((size_t)(need) <= (cap) ? 0 : report_grow(&(arr), &(cap), (size_t)(need), sizeof(*(arr))))

#endif
