/* push_log.c — a Push Log line from a ledger record (push_log.h). */
#include "push_log.h"

#include "ledger.h"

#include <string.h>

void push_log_from_rec(struct push_log_entry *e, const struct ledger_rec *r,
                       const char *action)
{
    memset(e, 0, sizeof(*e));
    e->key = r->p.key;
    e->plate = r->p.plate;
    e->zone = r->p.zone;
    if (action)
        e->action = action;
    else if (r->state == LS_PENDING || r->state == LS_HELD || r->state == LS_SENDING)
        e->action = ledger_action_name(r->action);   /* what the next push does */
    else
        e->action = "none";
    e->reference_id = r->reference_id;
    e->state = ledger_state_name(r->state);
    e->attempts = r->attempts;
    e->last_error = r->last_error.ptr ? r->last_error.ptr : "";
    e->resent_after_doubt = r->resent_after_doubt;
    e->unlinked = ledger_rec_unlinked(r);
}
