/*
 * report_voids.h — the bridge from the ledger to the report's `Voids`
 * sheet: one row per cancelled sale, unmatched void or earlier run's sale
 * voided, built from the key's ledger record (the sale's fields, the
 * void's file, line and amount, whether a delete was sent).
 */
#ifndef ETL_REPORT_VOIDS_H
#define ETL_REPORT_VOIDS_H

#include "report.h"

struct ledger_rec;

/* Adds r as a `Voids` row of the given kind (report_add_voided(): a
 * cancelled sale also counts in Gross and Voids). Sticky errors: -1. */
int report_voids_add(struct report *rep, const struct ledger_rec *r,
                     enum report_void_kind kind);

#endif
