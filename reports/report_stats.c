/* report_stats.c — stats rows and the ledger's live counts onto the
 * `OPSCOM Stats` sheet (report_stats.h). */
#include "report_stats.h"

#include "ledger.h"
#include "report.h"
#include "stats_rows.h"
#include "zones.h"

#include <string.h>

struct sctx {
    const struct zones *zones;
    struct stats_rows known, live;
};

/* A zone name exactly as zones.txt spells it (every name without a list). */
static int known_zone(const struct zones *z, const char *zone)
{
    const char *spelled = NULL;

    if (!z)
        return 1;
    return zones_lookup(z, zone, strlen(zone), &spelled) == ZONE_MATCHED && spelled &&
           !strcmp(spelled, zone);
}

static void on_live(void *ctx, const char *type, const char *zone, const char *zone_status,
                    long count)
{
    struct sctx *s = ctx;

    if (!strcmp(zone_status, "disconnected"))
        stats_rows_add(&s->live, "", zone, 0, count);
    else if (known_zone(s->zones, zone))
        stats_rows_add(&s->known, type, zone, 0, count);
}

int report_stats(struct report *rep, const struct stats_rows *server,
                 const struct zones *zones, struct ledger *led, struct etl_err *err)
{
    struct sctx s;
    size_t i;
    int ret = -1;

    memset(&s, 0, sizeof(s));
    s.zones = zones;
    for (i = 0; i < server->n; i++)
        if (known_zone(zones, server->v[i].zone))
            stats_rows_add(&s.known, server->v[i].type, server->v[i].zone,
                           server->v[i].total, 0);
    if (led && ledger_live_counts(led, on_live, &s, err) < 0)
        goto out;
    if (s.known.nomem || s.live.nomem) {
        etl_fail(err, E_NOMEM, "stats: out of memory");
        goto out;
    }
    stats_rows_merge(&s.known);
    stats_rows_merge(&s.live);
    for (i = 0; i < s.known.n; i++)
        if (report_add_stats_row(rep, s.known.v[i].type, s.known.v[i].zone,
                                 s.known.v[i].total, s.known.v[i].ledger) < 0)
            break;
    for (i = 0; i < s.live.n; i++)
        if (report_add_live_disconnected(rep, s.live.v[i].zone, s.live.v[i].ledger) < 0)
            break;
    report_set_stats_pulled(rep);
    ret = 0;
out:
    stats_rows_free(&s.known);
    stats_rows_free(&s.live);
    return ret;
}
