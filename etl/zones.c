/* zones.c — STUB: replaced by the zone reconciliation work (issue 5). */
#include "zones.h"

#include <stddef.h>

struct zones *zones_load(const char *zones_path, const char *aliases_path,
                         struct etl_err *err)
{
    (void)zones_path;
    (void)aliases_path;
    etl_fail(err, E_CONFIG, "zones: not implemented yet");
    return NULL;
}

void zones_free(struct zones *z)
{
    (void)z;
}

void zones_resolve(const struct zones *z, struct permit *p)
{
    (void)z;
    p->zone_status = ZONE_UNCHECKED;
}
