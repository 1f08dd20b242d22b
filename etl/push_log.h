/*
 * push_log.h — one key handled by a run, as the push engine reports it
 * (push_opts.log, push.h) and the report lists it on its `Push Log` sheet
 * (report_add_push(), report.h). One struct for both: the engine fills it,
 * the pipeline hands it to the report unchanged; `report` without a push
 * fills it from the ledger.
 *
 * All strings are borrowed for the call; reference_id and last_error may
 * be NULL or "" (none), both shown as an empty cell.
 */
#ifndef ETL_PUSH_LOG_H
#define ETL_PUSH_LOG_H

struct push_log_entry {
    const char *key, *plate, *zone;
    const char *action;        /* push, update, delete, repush, none, held, void */
    const char *reference_id;  /* NULL or "" if none */
    const char *state;         /* the ledger state after this run */
    int         attempts;
    const char *last_error;    /* NULL or "" if none */
    int         resent_after_doubt;
    int         unlinked;      /* live on OPSCOM, no usable reference id */
};

struct ledger_rec;

/* Fills e from the ledger record r (borrowed: e points into r): key, plate,
 * zone, reference id, state, attempts, last error, flags; the action given,
 * or (NULL) what the next push does for a pending, held or sending record,
 * else "none". */
void push_log_from_rec(struct push_log_entry *e, const struct ledger_rec *r,
                       const char *action);

#endif
