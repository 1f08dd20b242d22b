/*
 * opscom.h — the OPSCOM Permits API client (CONTRACT; the implementation
 * belongs to the push work, issues 6 and 7). docs/OPSCOM-API.md.
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
    const char    *fields;     /* JSON object members without braces or token
                                  (permit_json.h builds them); owned by the
                                  caller until on_done */
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
    int   in_doubt;            /* at least one attempt broke after it was sent, or
                                  was answered 5xx other than 503 */
    int   answer_doubt;        /* OC_FAILED by a 2xx that is not a well-formed
                                  success: the server may have applied it */
    int   unreachable;         /* the last attempt could not reach the API
                                  (refused, reset before sending, DNS, TLS) */
};

struct opscom_hooks {
    /* Fills *job; returns 1, or 0 when there is no job right now. */
    int (*next_job)(void *ctx, struct opscom_job *job);
    /* Before each attempt leaves; non-zero aborts the run (E_DB...). */
    int (*on_send)(void *ctx, void *user, int attempt, int after_doubt);
    /* Final outcome of a job; non-zero aborts the run. */
    int (*on_done)(void *ctx, void *user, const struct opscom_result *r);
    /* Optional (NULL: not called). Called once when the run starts, then
     * before libcurl is let to send the attempts announced by on_send since
     * the last call, and before the run waits for the network: the caller
     * may record on_send/on_done in groups and make them durable here (no
     * group is larger than the in-flight window). Non-zero aborts the run;
     * attempts announced but not sent yet then end as OC_ABORTED without
     * leaving. */
    int (*flush)(void *ctx);
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

/* ---- additions (client owner) ------------------------------------------
 *
 * Details of opscom_run():
 * - Slow start: until the first HTTP response that is not an auth refusal,
 *   one request is in flight (a wrong token costs exactly one request);
 *   then up to `concurrency`.
 * - hooks->next_job returning 0 means "nothing right now": it is asked
 *   again after the next on_done (a push that waits for its delete), and
 *   the run ends when it returned 0, nothing is in flight and no retry is
 *   waiting. A job's fields must stay valid until its on_done.
 * - Jobs waiting for a retry do not block others (a timer queue).
 *   Retry-After (seconds or HTTP date) is honoured as a minimum delay; a
 *   429 also holds every new attempt until then. A Retry-After over
 *   OPSCOM_RETRY_AFTER_MAX seconds ends the job as OC_RETRY_LATER.
 * - max_attempts: transient failures per job in one run (then
 *   OC_RETRY_LATER). Answers where the server said when to come back
 *   (429, or a transient status with Retry-After) use a separate allowance
 *   of 4 x max_attempts instead, so a busy server that paces us does not
 *   push records to the next run. 429 does not count towards the 20
 *   consecutive failures; every other transient failure (5xx of the list,
 *   408, 425, timeouts, connection errors) does; permanent 4xx neither
 *   count nor reset; OC_OK resets.
 * - In doubt: the whole body was handed to the connection and then it
 *   broke or timed out without a complete response. libcurl's silent
 *   resend on a dead reused connection is disabled (it would hide a
 *   possible duplicate): such a case is in doubt too. The job is retried;
 *   the next on_send gets after_doubt = 1 and the result in_doubt = 1.
 * - OC_OK needs 2xx and "status":"success"; a push's reference_id is set
 *   when usable (opscom_parse_ref()), else it stays "" and message says
 *   so. OC_NOT_FOUND: 404 or 9009. A 2xx that is not a well-formed
 *   success ends OC_FAILED with answer_doubt = 1 and counts as a failed
 *   attempt; a 5xx other than 503 is retried like a broken connection
 *   (in doubt, the resend flagged).
 * - TLS certificate problems and unsupported URLs abort at once (E_NET).
 * - After an abort (auth, failures, a hook returning non-zero, a signal),
 *   requests in flight are waited for (bounded by timeout_s); their real
 *   outcome is reported (OK, FAILED, NOT_FOUND, AUTH) or OC_ABORTED (with
 *   in_doubt set when it was sent); waiting and unstarted jobs get
 *   OC_ABORTED. Return codes of on_done are ignored from then on.
 *   A hook may fill the run's err through its ctx before returning
 *   non-zero: opscom_run() keeps an error already set.
 * - Messages never contain the token (masked as "[token]" if a server
 *   echoes it); control characters become spaces.
 */
#define OPSCOM_RETRY_AFTER_MAX 120
#define OPSCOM_MESSAGE_MAX 500

/* How result messages are made from a server's text (exported for tests):
 * at most OPSCOM_MESSAGE_MAX bytes (and cap - 1), never cut inside a UTF-8
 * sequence, control characters as spaces, trailing spaces dropped, every
 * occurrence of token (if not NULL) replaced by "[token]". */
void opscom_clean_message(char *out, size_t cap, const char *s, size_t n, const char *token);
#define OPSCOM_CONSECUTIVE_FAILURES_MAX 20

/* How one HTTP answer is classified (what opscom_run() does with it;
 * exported for tests): OK = 2xx + "status":"success" (stats: 2xx with a
 * "data" list and no other status); AUTH = 401/403 or ErrorCode 9000-9002
 * under any status; NOT_FOUND = 404 or ErrorCode 9009; THROTTLED = 429;
 * TRANSIENT = 408, 425, 503 (and any 5xx for stats); DOUBT = any other
 * 5xx (500, 501, 502, 504, 505...): the backend may have applied it;
 * FAILED_DOUBT = a 2xx that is not a well-formed success (HTML, another
 * status, unparseable); FAILED = anything else (other 4xx, 3xx, malformed
 * stats). A UTF-8 byte-order mark before the body is skipped. Fills
 * r->error_code, r->message, r->reference_id (a push's success: the
 * usable reference id, else "" and message says why). */
enum opscom_class {
    OPSCOM_CLASS_OK, OPSCOM_CLASS_TRANSIENT, OPSCOM_CLASS_THROTTLED,
    OPSCOM_CLASS_FAILED, OPSCOM_CLASS_NOT_FOUND, OPSCOM_CLASS_AUTH,
    OPSCOM_CLASS_DOUBT,        /* 5xx but 503: resent, flagged resent_after_doubt */
    OPSCOM_CLASS_FAILED_DOUBT  /* 2xx not a well-formed success: failed + doubt */
};
enum opscom_class opscom_classify(enum opscom_op op, long status, const char *body,
                                  size_t len, struct opscom_result *r);

/* Request counters of this client (all runs): requests sent, in-doubt
 * attempts, retries scheduled. */
struct opscom_counters {
    long requests, in_doubt, retries, throttled;
};
void opscom_counters(const struct opscom *o, struct opscom_counters *out);

/* Reference ids. A usable one is a JSON string of 1-50 [A-Za-z0-9-], or
 * a JSON number whose literal text is 1-50 digits (read from the raw text,
 * never through a C integer; kept as its decimal text and sent back as a
 * string). opscom_parse_ref() reads the top-level "reference_id" of a
 * well-formed JSON object body (a leading BOM skipped): 1 and out filled
 * when usable, else 0, out "" and *why (if not NULL) saying what is wrong
 * (missing, empty, another type, too long, other characters). */
#define OPSCOM_REF_MAX 50
int opscom_parse_ref(const char *body, size_t len, char out[OPSCOM_REF_MAX + 1],
                     const char **why);

#endif
