/*
 * interrupt.h — the one interrupt flag: SIGINT and SIGTERM in one place.
 *
 * interrupt_catch() installs a handler for SIGINT and SIGTERM that only
 * sets the flag (async-signal-safe) and keeps the handlers it replaced;
 * interrupt_release() puts them back. While they are caught a signal does
 * not kill the process: the push engine stops handing out jobs, the API
 * client stops sending (requests in flight are waited for, bounded by
 * timeout_s) and the pass ends as "interrupted", the ledger consistent.
 * Everything that must notice an interrupt polls interrupt_requested().
 *
 * The flag is process-wide and stays set until interrupt_clear() (tests
 * that run several passes in one process). Not nestable: one catch, then
 * one release.
 */
#ifndef ETL_INTERRUPT_H
#define ETL_INTERRUPT_H

void interrupt_catch(void);     /* SIGINT/SIGTERM set the flag from now on */
void interrupt_release(void);   /* the handlers from before interrupt_catch() */
void interrupt_request(void);   /* sets the flag; async-signal-safe */
int  interrupt_requested(void); /* 1 once set, until interrupt_clear() */
void interrupt_clear(void);

#endif
