/*
 * spill.h — permits parked in a temp file, read back in the order written.
 *
 * A spill holds any number of permits in bounded memory: each one is
 * appended as a compact length-prefixed serialization (its numbers, then
 * its strings without their unused capacity) to an unlinked temp file of
 * $TMPDIR (else /tmp), created 0600 and unlinked at once, so that nothing
 * is left behind even on a crash. Disk use is about the size of the
 * permits' text.
 *
 * Lifecycle: new -> put ... -> rewind -> next ... (rewind again to reread)
 * -> clear (empty again, for the next batch) -> ... -> free.
 * A put after reading starts a new batch only after clear (a put between a
 * rewind and a clear is an internal error).
 *
 * Source paths (p->source) are interned: the permit given to put is
 * borrowed for the call only; the source of a permit read back stays valid
 * until the next spill_put() or spill_free(). Errors are E_IO (the temp
 * file, naming `what` and the
 * directory), E_NOMEM and E_INTERNAL (a corrupt read).
 * Used by voidmatch.c (the sales of an offline report) and the SQLite
 * ledger (the records of a file being staged, ledger_tmp_add()).
 */
#ifndef ETL_SPILL_H
#define ETL_SPILL_H

#include "err.h"
#include "permit.h"

struct spill;

/* what names the user in messages ("report", "ledger"). NULL with err. */
struct spill *spill_new(const char *what, struct etl_err *err);
/* Appends p (voided flag included). 0 or -1. */
int  spill_put(struct spill *s, const struct permit *p, struct etl_err *err);
/* Permits put since the last clear. */
long spill_count(const struct spill *s);
/* Reading starts again at the first permit. 0 or -1. */
int  spill_rewind(struct spill *s, struct etl_err *err);
/* The next permit into *p: 1 read, 0 no more, -1 error. */
int  spill_next(struct spill *s, struct permit *p, struct etl_err *err);
/* Empties the spill (the file is truncated). 0 or -1. */
int  spill_clear(struct spill *s, struct etl_err *err);
void spill_free(struct spill *s);                       /* NULL-safe */

#endif
