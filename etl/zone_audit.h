/*
 * zone_audit.h — the zone audit accumulator: one row per distinct vendor
 * zone name, as it appears (trimmed). Used by `permit-etl zones` and the
 * report's "Zone Audit" sheet.
 *
 * Lifecycle: zone_audit_new() -> zone_audit_add() per accepted record ->
 * zone_audit_finish() (suggestions, then order) -> zone_audit_row(i) for
 * i < zone_audit_count() -> zone_audit_free(). Adding after finish is
 * allowed; finish again to re-order (suggestions are computed once per
 * distinct name, never per record).
 *
 * Memory grows only with the number of distinct zone names (and of
 * distinct input files): zone_audit_add() allocates only the first time it
 * sees a name or a file for a name. The struct zones passed to
 * zone_audit_new() is borrowed and must outlive the audit (rows point to
 * its zone spellings).
 *
 * Per row:
 *   status      with a zone table: zones_lookup() of the name (the same as
 *               zones_resolve() gives its records); without one: the
 *               record's zone_status (ZONE_UNCHECKED normally);
 *   rows        accepted records (voided rows are not counted: not permits);
 *   revenue     integer cents per currency (CAD and USD apart, never added);
 *               cur_rows tells which currencies occurred (a free session
 *               counts a row with revenue 0);
 *   first/last  smallest and largest startTime (UTC seconds);
 *   files       distinct source paths as given, first-seen order;
 *   suggest     disconnected rows only: the suggested known zones
 *               (zones_suggest(): ties listed, zones.txt order), else none.
 *
 * Order after zone_audit_finish(): rows needing attention (disconnected
 * and missing, one group) first, then the rest (matched, alias,
 * unchecked); within a group by revenue descending, comparing CAD first
 * and then USD (the business currency leads: amounts in different
 * currencies are never added or converted), then by rows descending, then
 * by name (byte order) — so the order is fully deterministic.
 */
#ifndef ETL_ZONE_AUDIT_H
#define ETL_ZONE_AUDIT_H

#include <stddef.h>

#include "err.h"
#include "permit.h"
#include "zones.h"

#define ZONE_AUDIT_NCUR 3   /* indexed by enum currency */

struct zone_audit_row {
    const char       *vendor_zone;    /* trimmed; owned by the audit */
    size_t            vendor_len;
    enum zone_status  status;
    const char       *zone;           /* matched/alias: known spelling (borrowed); else NULL */
    long              rows;
    long              cur_rows[ZONE_AUDIT_NCUR];  /* [CUR_CAD], [CUR_USD] */
    long long         cents[ZONE_AUDIT_NCUR];     /* revenue, integer cents */
    long long         first_start, last_start;    /* UTC seconds */
    const char      **files;          /* nfiles paths (owned by the audit) */
    size_t            nfiles;
    const char      **suggest;        /* nsuggest zone names (borrowed from zones) */
    size_t            nsuggest;
    int               suggest_dist;   /* their distance, -1 when none */
    int               suggested;      /* internal: suggestions computed */
};

struct zone_audit;

/* z may be NULL (no zone list: statuses come from the records). NULL on
 * out of memory (err filled). */
struct zone_audit *zone_audit_new(const struct zones *z, struct etl_err *err);
void zone_audit_free(struct zone_audit *a);   /* NULL-safe */

/* Accumulates one record (p->vendor_zone, cents, currency, start, source).
 * Voided records are ignored. -1 on out of memory. */
int zone_audit_add(struct zone_audit *a, const struct permit *p, struct etl_err *err);

/* Computes missing suggestions and sorts. -1 on out of memory. */
int zone_audit_finish(struct zone_audit *a, struct etl_err *err);

/* Rows in order (after finish; before it, in first-seen order). */
size_t zone_audit_count(const struct zone_audit *a);
const struct zone_audit_row *zone_audit_row(const struct zone_audit *a, size_t i);

/* Records (not distinct names) with the given status. */
long zone_audit_records(const struct zone_audit *a, enum zone_status s);

/* 1 when any record is disconnected or missing (exit 1 for `zones`). */
int zone_audit_attention(const struct zone_audit *a);

#endif
