/*
 * synth.h — the deterministic synthetic permits shared by the report
 * benchmarks (bench/xlsx_bare.c and bench/report_synth.c write the same
 * cells from the same records).
 */
#ifndef BENCH_SYNTH_H
#define BENCH_SYNTH_H

#include <stdio.h>
#include <string.h>

#include "permit.h"

static const char *const synth_zones[] = {
    "Lot 1", "Lot 2", "Lot 3", "Garage B", "Garage C", "Street 14", "Street 15", "Harbour"
};
static const char *const synth_promos[] = { "", "", "", "SUMMER", "", "", "FREE", "" };

static inline void synth_permit(struct permit *p, long i)
{
    p->cents = (i % 11 == 0) ? 0 : 100 + (i * 37) % 99900;
    p->currency = (i % 4 == 0) ? CUR_USD : CUR_CAD;
    p->start = 1764300000LL + i * 7;
    p->end = p->start + 3600 + (i % 5) * 900;
    p->zone_status = (i % 9 == 0) ? ZONE_DISCONNECTED : ZONE_MATCHED;
    p->line = i + 2;
    p->voided = 0;
    snprintf(p->plate, sizeof(p->plate), "ABC%07ld", i);
    snprintf(p->zone, sizeof(p->zone), "%s", synth_zones[i % 8]);
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "%s", synth_zones[i % 8]);
    if (i % 3 == 0)
        snprintf(p->permit_no, sizeof(p->permit_no), "P%ld", i);
    else
        p->permit_no[0] = '\0';
    if (i % 3 == 1)
        snprintf(p->ticket, sizeof(p->ticket), "T%ld", i);
    else
        p->ticket[0] = '\0';
    snprintf(p->promo, sizeof(p->promo), "%s", synth_promos[i % 8]);
    snprintf(p->key, sizeof(p->key), "paystation:%ld", i);
    p->source = (i % 2) ? "exports/paystation-1128.csv" : "exports/mobile-1128.json";
}

#endif
