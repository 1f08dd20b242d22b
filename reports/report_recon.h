/*
 * report_recon.h — the bridge from the ledger to the `Reconciliation` and
 * `Silent Zones` sheets, for run reports and period reports alike.
 *
 * Reconciliation: for each business day of a set, per vendor (the record
 * profile: the key's prefix before ':') and currency, our Net (sales not
 * cancelled, deleted or voided, by the business day of their start, as the
 * ledger knows them now), what the settlement lines say was settled, and
 * the rejected rows of that vendor and day whose amount could be read
 * (ledger_each_rejrow()); Difference = Settled - Net, Unexplained =
 * Difference - rejected amount. A settled day/vendor without records is a
 * row with Net 0; records without a settlement a row "no settlement" with
 * Unexplained blank; rejected rows whose start could not be read (of this
 * run) a "day unknown" row per vendor and currency.
 */
#ifndef ETL_REPORT_RECON_H
#define ETL_REPORT_RECON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "report.h"

struct ledger;
struct tz;
struct silent_opts;

/* A set of business days (days since 1970-01-01), kept sorted, distinct. */
struct recon_days {
    long long *v;
    size_t     n, cap;
};
int  recon_days_add(struct recon_days *d, long long day);      /* -1: out of memory */
/* Adds every day from..to (included). */
int  recon_days_add_range(struct recon_days *d, long long from, long long to);
int  recon_days_has(const struct recon_days *d, long long day);
void recon_days_free(struct recon_days *d);

/* A day number as "YYYY-MM-DD", and back (-1 when s is not one). */
void      recon_day_text(long long day, char out[11]);
long long recon_day_parse(const char *s);

struct recon_result {
    long rows;              /* rows written */
    long unexplained;       /* rows whose Unexplained is not zero */
    long no_settlement;     /* rows of records without a settlement */
};

/* Writes the Reconciliation rows for `days` (run: this run's id, for its
 * rejected rows of unknown day; 0: none). Nothing at all to show: no row
 * (and no sheet). -1 on a ledger error (err) or a report error. */
int report_recon(struct report *rep, struct ledger *l, const struct tz *btz,
                 const struct recon_days *days, int64_t run, struct recon_result *res,
                 struct etl_err *err);

/* Judges `days` for silent zones (silent.h) and writes each to the Silent
 * Zones sheet and the Summary (rep may be NULL: only counted). Returns how
 * many, -1 on error. */
long report_silent(struct report *rep, struct ledger *l, const struct tz *btz,
                   const struct recon_days *days, const struct silent_opts *o,
                   struct etl_err *err);

#endif
