/*
 * stats_rows.h — OPSCOM's stats (live permits per type and zone) as rows
 * in memory: pulled once by the command that wants them (`stats` prints
 * them, `report`/`push`/`run` hand them to the report's OPSCOM Stats
 * sheet, report_stats.h), sorted by zone then type.
 *
 * The zones filter sent is the names as the API's one comma-delimited
 * string, or none (everything pulled, filtered here) when a name has a
 * comma. A stats_rows owns its strings; memory grows with the rows only.
 */
#ifndef ETL_STATS_ROWS_H
#define ETL_STATS_ROWS_H

#include <stddef.h>

#include "err.h"

struct config;
struct opscom;
struct zones;

struct stats_row {
    char *type, *zone;      /* owned; type "" for a disconnected vendor zone */
    long  total;            /* the server's count */
    long  ledger;           /* the ledger's live pushed records (report_stats.h) */
};

struct stats_rows {
    struct stats_row *v;
    size_t n, cap;
    int    nomem;           /* out of memory while adding: rows are missing */
};
#define STATS_ROWS_INIT { NULL, 0, 0, 0 }

/* Copies type and zone; out of memory sets s->nomem (sticky). */
void stats_rows_add(struct stats_rows *s, const char *type, const char *zone, long total,
                    long ledger);
void stats_rows_sort(struct stats_rows *s);     /* by zone, then type (strcmp) */
/* Sorts and sums the rows of one (zone, type) into one. */
void stats_rows_merge(struct stats_rows *s);
void stats_rows_free(struct stats_rows *s);     /* frees contents, struct reusable */

/* The API's zones filter for names[0..n): 0 and *out (caller frees; NULL
 * when n is 0 or a name has a comma), -1 when out of memory. */
int stats_rows_filter(const char *const *names, size_t n, char **out);

/* Pulls the stats through o with `filter` (NULL: all) into out, keeping
 * the rows whose zone keep() accepts (keep NULL: every row). 0, or -1 with
 * err (E_NET, E_AUTH, E_NOMEM "stats: out of memory"). */
int stats_rows_pull(struct opscom *o, const char *filter,
                    int (*keep)(void *ctx, const char *zone), void *kctx,
                    struct stats_rows *out, struct etl_err *err);

/* For a report: a client of its own (cfg, token), the known zones as the
 * filter (every zone without a list). Rows unsorted. 0, or -1 with err. */
int stats_rows_pull_zones(const struct config *cfg, const char *token,
                          const struct zones *zones, struct stats_rows *out,
                          struct etl_err *err);

#endif
