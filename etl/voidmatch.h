/*
 * voidmatch.h — order-free voids for a report of files read once (`report
 * FILE...`): a void row cancels the sale with its key whether it comes
 * before or after the sale, in the same file or another one.
 *
 * Whether a sale is cancelled is known only after the last file, yet the
 * workbook streams its `Permits` rows and the inputs may be FIFOs read
 * once. So, during the pass:
 *     voidmatch_sale()   appends the sale to a spill (spill.h): a compact
 *                        length-prefixed serialization of its permit, in an
 *                        unlinked temp file of $TMPDIR (else /tmp), created
 *                        0600 and unlinked at once (gone even on a crash);
 *     voidmatch_void()   remembers the void (key, plate, zone, file:line,
 *                        amount) in a hash set of void keys.
 * After the last file, voidmatch_replay() reads the spill back in order and
 * hands each sale to the caller with its void (cancelled) or NULL (kept),
 * then each void that cancelled no sale (unmatched).
 *
 * Memory is bounded in the number of sales (one record buffer) and grows
 * only with the voids, which are rare; disk use is about the size of the
 * sales' text. Lifecycle: new -> sale/void ... -> replay (once) -> free.
 * Source paths (p->source) are copied, so the permits given are
 * borrowed for the call only; the permits and voids handed to the replay
 * callbacks are valid during the callback only.
 */
#ifndef ETL_VOIDMATCH_H
#define ETL_VOIDMATCH_H

#include "err.h"
#include "permit.h"

struct voidmatch;

/* A void row as remembered (strings owned by the voidmatch). */
struct voidmatch_void {
    const char   *key, *plate, *zone;
    const char   *file;           /* the void's input path */
    long          line;
    long long     cents;          /* the void row's own amount */
    enum currency currency;
};

/* NULL with err on error (out of memory, the temp file cannot be made). */
struct voidmatch *voidmatch_new(struct etl_err *err);
/* An accepted sale (p->voided == 0): spilled. -1 with err (E_IO, E_NOMEM). */
int voidmatch_sale(struct voidmatch *vm, const struct permit *p, struct etl_err *err);
/* A void row (p->voided == 1; at most one per key, ingest rejects the second
 * as a duplicate): remembered. -1 with err (E_NOMEM). */
int voidmatch_void(struct voidmatch *vm, const struct permit *p, struct etl_err *err);

/* sale: every spilled sale in the order given, v its void or NULL.
 * unmatched: then every void whose key had no sale. A callback returning
 * non-zero stops the replay (its err is returned as is). */
typedef int (*voidmatch_sale_fn)(void *ctx, const struct permit *sale,
                                 const struct voidmatch_void *v, struct etl_err *err);
typedef int (*voidmatch_void_fn)(void *ctx, const struct voidmatch_void *v,
                                 struct etl_err *err);
int voidmatch_replay(struct voidmatch *vm, voidmatch_sale_fn sale,
                     voidmatch_void_fn unmatched, void *ctx, struct etl_err *err);

void voidmatch_free(struct voidmatch *vm);               /* NULL-safe; closes the spill */

#endif
