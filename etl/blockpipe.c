/* blockpipe.c — the ordered block pipeline (see blockpipe.h). */
#include "blockpipe.h"

#include <pthread.h>

enum { SL_FREE = 0, SL_READY, SL_BUSY, SL_DONE };

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t  more;          /* to the helpers: a block was cut, or quit */
    pthread_cond_t  done;          /* to the caller: a block was worked */
    const struct blockpipe_ops *ops;
    void *ctx;
    void *const *slots;
    int   nslots;
    unsigned char state[BLOCKPIPE_MAX_SLOTS];
    /* blocks cut, claimed for work and consumed so far: block k is in
     * slot k % nslots; nconsumed <= nclaimed <= ncut <= nconsumed + nslots */
    unsigned long ncut, nclaimed, nconsumed;
    int   quit;
};

struct helper {
    struct pipe *p;
    void *lane;
    pthread_t tid;
};

static void *helper_main(void *arg)
{
    struct helper *h = arg;
    struct pipe *p = h->p;
    int i;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->nclaimed == p->ncut)
            pthread_cond_wait(&p->more, &p->mu);
        if (p->quit)
            break;
        i = (int)(p->nclaimed++ % (unsigned long)p->nslots);
        p->state[i] = SL_BUSY;
        pthread_mutex_unlock(&p->mu);
        p->ops->work(p->ctx, h->lane, p->slots[i]);
        pthread_mutex_lock(&p->mu);
        p->state[i] = SL_DONE;
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->ops->thread_end)
        p->ops->thread_end(p->ctx, h->lane);
    return NULL;
}

/* Starts a thread for each lane after the first (under p->mu); returns
 * how many started. */
static int start_helpers(struct pipe *p, struct helper *hs, void *const *lanes, int nlanes)
{
    int n = 0, k;

    for (k = 1; k < nlanes; k++) {
        hs[n].p = p;
        hs[n].lane = lanes[k];
        if (pthread_create(&hs[n].tid, NULL, helper_main, &hs[n]) == 0)
            n++;
    }
    return n;
}

int blockpipe_run(const struct blockpipe_ops *ops, void *ctx, void *const *slots, int nslots,
                  void *const *lanes, int nlanes, struct etl_err *err)
{
    struct pipe p = { .ops = ops, .ctx = ctx, .slots = slots, .nslots = nslots };
    struct helper hs[BLOCKPIPE_MAX_LANES];
    struct etl_err cut_err;
    int nh = 0, started = 0, cut_over = 0, cut_failed = 0, ret = 0, rc, i, k;

    if (nslots < 1 || nslots > BLOCKPIPE_MAX_SLOTS || nlanes < 1 || nlanes > BLOCKPIPE_MAX_LANES)
        return etl_fail(err, E_INTERNAL, "blockpipe: %d slots, %d lanes", nslots, nlanes);
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        return etl_fail(err, E_NOMEM, "out of memory (mutex)");
    if (pthread_cond_init(&p.more, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return etl_fail(err, E_NOMEM, "out of memory (condition variable)");
    }
    if (pthread_cond_init(&p.done, NULL) != 0) {
        pthread_cond_destroy(&p.more);
        pthread_mutex_destroy(&p.mu);
        return etl_fail(err, E_NOMEM, "out of memory (condition variable)");
    }
    pthread_mutex_lock(&p.mu);
    for (;;) {
        unsigned long head = p.nconsumed;
        int hi = (int)(head % (unsigned long)nslots);
        int can_cut = !cut_over && p.ncut - p.nconsumed < (unsigned long)nslots;
        int head_done = head < p.ncut && p.state[hi] == SL_DONE;

        /* cut first while no block waits for a helper (or nothing is
         * ready to consume), then consume, then work ourselves */
        if (can_cut && (p.nclaimed == p.ncut || !head_done)) {
            i = (int)(p.ncut % (unsigned long)nslots);
            pthread_mutex_unlock(&p.mu);
            rc = ops->cut(ctx, slots[i], &cut_err);
            pthread_mutex_lock(&p.mu);
            if (rc == 1) {
                p.state[i] = SL_READY;
                p.ncut++;
                pthread_cond_signal(&p.more);
                if (p.ncut == 2 && !started) {
                    started = 1;
                    nh = start_helpers(&p, hs, lanes, nlanes);
                }
            } else {
                cut_over = 1;
                cut_failed = rc < 0;
            }
            continue;
        }
        if (head_done) {
            pthread_mutex_unlock(&p.mu);
            rc = ops->consume(ctx, slots[hi], err);
            pthread_mutex_lock(&p.mu);
            p.state[hi] = SL_FREE;
            p.nconsumed++;
            if (rc < 0) {
                ret = -1;
                break;
            }
            continue;
        }
        if (p.nclaimed < p.ncut) {
            i = (int)(p.nclaimed++ % (unsigned long)nslots);
            p.state[i] = SL_BUSY;
            pthread_mutex_unlock(&p.mu);
            ops->work(ctx, lanes[0], slots[i]);
            pthread_mutex_lock(&p.mu);
            p.state[i] = SL_DONE;
            continue;
        }
        if (cut_over && p.nconsumed == p.ncut)
            break;
        pthread_cond_wait(&p.done, &p.mu);
    }
    p.quit = 1;
    pthread_cond_broadcast(&p.more);
    pthread_mutex_unlock(&p.mu);
    for (k = 0; k < nh; k++)
        pthread_join(hs[k].tid, NULL);
    pthread_cond_destroy(&p.done);
    pthread_cond_destroy(&p.more);
    pthread_mutex_destroy(&p.mu);
    if (ret == 0 && cut_failed) {
        *err = cut_err;
        ret = -1;
    }
    return ret;
}
