/*
 * silent.h — silent zones: a zone whose number of sales on a business day
 * fell below a fraction of its usual number for that weekday (a pay
 * station whose modem died, a feed that stopped carrying a lot).
 *
 * The rule (silent_rule()): a zone's sales on the same weekday over the
 * previous `weeks` weeks, counting only days on which the ledger has any
 * record at all (the feeds were running), zeros included; with at least
 * `min_days` such days, the zone is silent when its sales on the day are
 * below min_fraction x their median (the mean of the two middle values for
 * an even count). A zone with less history is never flagged. Sales are
 * counted, not money (currencies do not matter).
 *
 * silent_judge() applies it to each judged business day from one grouped
 * ledger query (ledger_sale_counts()) over the judged days and their
 * history; a judged day on which the ledger has no record at all is not
 * judged (nothing was loaded for it). Known zones are those with a sale in
 * that window.
 */
#ifndef ETL_SILENT_H
#define ETL_SILENT_H

#include <stddef.h>

#include "err.h"

struct ledger;
struct tz;

struct silent_opts {
    int    weeks;          /* default 4 */
    double min_fraction;   /* default 0.5 */
    int    min_days;       /* default 3 */
};

/* The median of v[0..n) (n > 0; v is reordered). */
double silent_median(long *v, size_t n);
/* 1 when `sales` makes the zone silent given its history hist[0..n)
 * (reordered); *median receives the median (0 when n < min_days). */
int silent_rule(long sales, long *hist, size_t n, const struct silent_opts *o,
                double *median);

struct silent_zone {
    const char *zone;
    long long   day;          /* days since 1970-01-01 (tz_days_from_civil) */
    double      median;       /* of the weekday's history */
    long        sales;        /* on the day */
    long long   last_start;   /* latest start of the zone's sales in the ledger, 0 none */
};
/* Called per silent zone, in day order; non-zero stops. */
typedef int (*silent_fn)(void *ctx, const struct silent_zone *z);

/* Judges days[0..n) (days since the epoch, ascending, distinct; business
 * days in btz). Returns the number of silent zones found, -1 on error. */
long silent_judge(struct ledger *l, const struct tz *btz, const long long *days, size_t n,
                  const struct silent_opts *o, silent_fn fn, void *ctx, struct etl_err *err);

#endif
