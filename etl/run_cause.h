/*
 * run_cause.h — why a run exits 1: one cause per line, with how many rows
 * or records it concerns and the workbook sheet that shows them. Produced
 * by the push engine (push_causes()) about this run only, printed on the
 * Summary sheet, in the summary JSON and the cron mail.
 *
 * Strings are static (string literals): a cause list never owns memory.
 */
#ifndef ETL_RUN_CAUSE_H
#define ETL_RUN_CAUSE_H

struct run_cause {
    const char *what;     /* "rows rejected", "sales failed", ... */
    long        count;    /* > 0 */
    const char *sheet;    /* "Rejected", "Push Log", "Voids", ...; NULL: none */
};

#define RUN_CAUSES_MAX 24

#endif
