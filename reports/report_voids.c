/* report_voids.c — ledger records onto the `Voids` sheet (report_voids.h). */
#include "report_voids.h"

#include "ledger.h"

#include <string.h>

int report_voids_add(struct report *rep, const struct ledger_rec *r,
                     enum report_void_kind kind)
{
    struct report_void v;

    memset(&v, 0, sizeof(v));
    v.kind = kind;
    v.key = r->p.key;
    v.plate = r->p.plate;
    v.zone = r->p.zone;
    v.cents = r->p.cents;
    v.currency = r->p.currency;
    if (r->state != LS_VOIDED) {       /* a `voided` row holds the void alone */
        v.sale_file = r->p.source;
        v.sale_line = r->p.line;
    }
    v.void_file = r->void_source.ptr ? r->void_source.ptr : "";
    v.void_line = r->void_line;
    v.void_cents = r->void_cents;
    v.void_currency = r->void_currency;
    v.delete_sent = r->void_sent;
    v.state = ledger_state_name(r->state);
    return report_add_voided(rep, &v);
}
