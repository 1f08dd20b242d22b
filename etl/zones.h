/*
 * zones.h — zone reconciliation (DESIGN.md "Zone reconciliation").
 *
 * A struct zones holds the known zones (zones.txt) and aliases
 * (zone-aliases.csv), indexed by zone key in a hash table: resolving a
 * record is O(1) and allocates nothing. zones_resolve() may be called with
 * a NULL table (no zone list): every record is then ZONE_UNCHECKED.
 */
#ifndef ETL_ZONES_H
#define ETL_ZONES_H

#include <stddef.h>

#include "err.h"
#include "permit.h"

struct zones;

/* Loads zones (required) and aliases (may be NULL). NULL on error, with
 * the file and line in err. Warnings (alias that already matches a known
 * zone) go to log_warn(). */
struct zones *zones_load(const char *zones_path, const char *aliases_path,
                         struct etl_err *err);
void zones_free(struct zones *z);   /* NULL-safe */

/* Resolves p->vendor_zone: sets p->zone_status, and p->zone to the known
 * spelling for matched/alias (else leaves the vendor text). */
void zones_resolve(const struct zones *z, struct permit *p);

#endif
