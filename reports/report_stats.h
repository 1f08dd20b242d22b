/*
 * report_stats.h — fills the report's "OPSCOM Stats" sheet from stats rows
 * the command pulled (stats_rows.h): OPSCOM's totals per (type, zone) next
 * to the ledger-wide count of live pushed records, for the known zones
 * (as zones.txt spells them; every zone without a list); then the live
 * disconnected records per vendor zone, which the server is expected not
 * to count. The report never talks to the API itself.
 */
#ifndef ETL_REPORT_STATS_H
#define ETL_REPORT_STATS_H

#include "err.h"

struct ledger;
struct report;
struct stats_rows;
struct zones;

/* 0, or -1 with err (E_DB, E_NOMEM); the caller shows a failure on the
 * sheet (report_set_stats_error()), a failed pull as well. `led` may be
 * NULL (no ledger yet: counts are 0). */
int report_stats(struct report *rep, const struct stats_rows *server,
                 const struct zones *zones, struct ledger *led, struct etl_err *err);

#endif
