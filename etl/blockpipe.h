/*
 * blockpipe.h — an ordered block pipeline on a few threads: the calling
 * thread cuts the input into blocks, every thread (the caller included)
 * turns blocks into results, and the caller consumes the results in the
 * order the blocks were cut.
 *
 * Ingest uses it to read one CSV file on both cores (ingest.h: threads):
 * cut() takes the next block of whole records from the reader, work()
 * splits and normalizes its rows into a log of events, consume() replays
 * the log — duplicate index, zones, sink — on the calling thread, so that
 * everything that writes is single-threaded and in file order.
 *
 * The memory in flight is fixed: at most `nslots` blocks are cut and not
 * yet consumed; a slot is cut into again only after its result was
 * consumed. The slots and lanes are the caller's storage (void *): the
 * pipeline only hands them to the callbacks. lanes[0] is the calling
 * thread's; each further lane gets a thread, started only once a second
 * block was cut (an input of one block runs on the caller alone). A thread
 * that cannot be started is done without: the result is the same.
 *
 * Callbacks:
 *   cut(ctx, slot, err)        calling thread: fill slot with the next
 *                              block: 1 a block, 0 no more, -1 an error
 *                              (the blocks cut before it are still worked
 *                              and consumed first, then -1 is returned)
 *   work(ctx, lane, slot)      any thread, one slot at a time per lane;
 *                              cannot fail (a failure goes into the slot,
 *                              for consume() to report)
 *   consume(ctx, slot, err)    calling thread, in cut order: 0, or -1 to
 *                              stop (nothing further is consumed)
 *   thread_end(ctx, lane)      NULL-safe; on each started thread, before
 *                              it ends (per-thread clean-up)
 *
 * Happens-before: what cut() wrote to a slot is seen by work(), what
 * work() wrote by consume() (a mutex hands each slot over).
 */
#ifndef ETL_BLOCKPIPE_H
#define ETL_BLOCKPIPE_H

#include "err.h"

#define BLOCKPIPE_MAX_SLOTS 16
#define BLOCKPIPE_MAX_LANES 8

struct blockpipe_ops {
    int  (*cut)(void *ctx, void *slot, struct etl_err *err);
    void (*work)(void *ctx, void *lane, void *slot);
    int  (*consume)(void *ctx, void *slot, struct etl_err *err);
    void (*thread_end)(void *ctx, void *lane);
};

/*
 * Runs the pipeline until cut() returned 0 and every block was consumed
 * (returns 0), or until cut() or consume() failed (returns -1, err as the
 * callback filled it). nslots 1..BLOCKPIPE_MAX_SLOTS, nlanes
 * 1..BLOCKPIPE_MAX_LANES (1: everything on the calling thread).
 */
int blockpipe_run(const struct blockpipe_ops *ops, void *ctx, void *const *slots, int nslots,
                  void *const *lanes, int nlanes, struct etl_err *err);

#endif
