/*
 * opscom.h — the OPSCOM Permits API client (CONTRACT; the implementation
 * belongs to the push work, issues 6 and 7). spec/OPSCOM-API.md.
 *
 * Runs many requests concurrently over libcurl's multi interface with
 * keep-alive, `concurrency` in flight. Pull model: opscom_run() asks the
 * caller for jobs through hooks->next_job until it says none are left and
 * nothing is in flight. Before every attempt leaves, hooks->on_send is
 * called (the push stage commits `sending` there); when a job reaches its
 * final outcome, hooks->on_done is called once with the result.
 *
 * The client owns retries: transient failures (408, 425, 429, 500, 502,
 * 503, 504, timeouts, broken connections) retry with exponential backoff,
 * full jitter (base 0.5 s, cap 30 s), honouring Retry-After, up to
 * max_attempts; a request that broke after it was sent is "in doubt" and is
 * resent (flagged in the result). Auth refused (401/403, ErrorCode
 * 9000-9002) or 20 consecutive failed attempts (429 not counted, any success
 * resets) abort the run: opscom_run() returns -1 (E_AUTH / E_NET), jobs not
 * finished get on_done with OC_ABORTED.
 *
 * The token is added to each body by the client ({"apiToken":...,} + the
 * caller's fields) and never appears in messages.
 */
#ifndef ETL_OPSCOM_H
#define ETL_OPSCOM_H

#include <stddef.h>

#include "err.h"

struct config;

enum opscom_op { OP_PUSH, OP_UPDATE, OP_DELETE, OP_STATS };

enum opscom_outcome {
    OC_OK,          /* 2xx with status "success" */
    OC_RETRY_LATER, /* transient until attempts ran out: stays pending */
    OC_FAILED,      /* permanent 4xx: message kept */
    OC_NOT_FOUND,   /* 404 or ErrorCode 9009 */
    OC_AUTH,        /* auth refused: the run aborts */
    OC_ABORTED      /* the run aborted (auth, too many failures, signal) before an answer */
};

struct opscom_job {
    enum opscom_op op;
    const char    *fields;     /* JSON object members without braces or token,
                                  e.g. "\"LicencePlate\":\"ABC\",..."; owned by
                                  the caller until on_done */
    size_t         fields_len;
    void          *user;       /* the caller's handle, passed back */
};

struct opscom_result {
    enum opscom_outcome outcome;
    int   http_status;         /* last status, 0 if none */
    int   error_code;          /* ErrorCode of the body, 0 if none */
    char  reference_id[64];    /* on OC_OK */
    char  message[512];        /* server message (ErrorMessage, message or body), cut at 500 */
    int   attempts;            /* attempts made in this run */
    int   in_doubt;            /* at least one attempt broke after it was sent */
};

struct opscom_hooks {
    /* Fills *job; returns 1, or 0 when there is no job right now. */
    int (*next_job)(void *ctx, struct opscom_job *job);
    /* Before each attempt leaves; non-zero aborts the run (E_DB...). */
    int (*on_send)(void *ctx, void *user, int attempt, int after_doubt);
    /* Final outcome of a job; non-zero aborts the run. */
    int (*on_done)(void *ctx, void *user, const struct opscom_result *r);
};

struct opscom *opscom_new(const struct config *cfg, const char *token,
                          struct etl_err *err);            /* NULL on error */
void opscom_free(struct opscom *o);                        /* NULL-safe; wipes the token copy */

int opscom_run(struct opscom *o, const struct opscom_hooks *h, void *ctx,
               struct etl_err *err);

/* Stats: zones = the API's comma-delimited filter or NULL; each row is
 * passed to row(); 0 or -1 with err. */
int opscom_stats(struct opscom *o, const char *zones,
                 void (*row)(void *ctx, const char *type, const char *zone, long total),
                 void *ctx, struct etl_err *err);

/* Asks opscom_run() to stop sending (SIGINT/SIGTERM): in-flight requests
 * are waited for (bounded by timeout_s). Async-signal-safe. */
void opscom_interrupt(void);

#endif
