/*
 * report_stats.h — fills the report's "OPSCOM Stats" sheet: OPSCOM's
 * totals per (type, zone) next to the ledger-wide count of live pushed
 * records, for the known zones; then the live disconnected records per
 * vendor zone, which the server is expected not to count.
 *
 * The zones filter sent is the known zones as one comma-delimited string,
 * or none (everything pulled, filtered here) when a name has a comma or
 * there is no zone list. Memory grows with the number of (type, zone)
 * rows only.
 */
#ifndef ETL_REPORT_STATS_H
#define ETL_REPORT_STATS_H

#include "err.h"

struct config;
struct ledger;
struct report;
struct zones;

/* 0, or -1 with err (E_NET, E_AUTH, E_NOMEM, E_DB); a failed pull is also
 * shown on the sheet. `led` may be NULL (no ledger yet: counts are 0). */
int report_pull_stats(struct report *rep, const struct config *cfg, const char *token,
                      const struct zones *zones, struct ledger *led, struct etl_err *err);

#endif
