/*
 * err.h — errors that carry context up to main, and the exit codes.
 *
 * A stage never prints and never exits: it fills a struct etl_err through
 * etl_fail()/etl_fail_at() and returns -1. Only the command at the top
 * (cmd_*.c through log.h) prints it, once:
 *     permit-etl: FILE:LINE: FIELD: message
 * The struct is plain storage (no heap); messages longer than the buffers
 * are cut for display only — data is never cut, the rejects CSV carries it.
 */
#ifndef ETL_ERR_H
#define ETL_ERR_H

#include <stddef.h>

/* Process exit codes, exactly as the README's exit-code table says. */
enum etl_exit {
    EXIT_GOOD      = 0, /* all good */
    EXIT_ATTENTION = 1, /* finished, but something needs attention */
    EXIT_USAGE     = 2, /* usage or configuration error */
    EXIT_ABORTED   = 3  /* aborted: API down, auth refused, lock, I/O error */
};

/* What went wrong; etl_exit_for() maps a code to the exit code. */
enum etl_code {
    E_OK = 0,
    E_USAGE,    /* bad flag or argument                       -> 2 */
    E_CONFIG,   /* bad config key/type, token format, profile -> 2 */
    E_DATA,     /* a row or field failed a rule                -> 1 */
    E_IO,       /* unreadable input, disk full                 -> 3 */
    E_NOMEM,    /* out of memory                               -> 3 */
    E_DB,       /* SQLite error                                -> 3 */
    E_NET,      /* API unreachable, too many failures          -> 3 */
    E_AUTH,     /* auth refused                                -> 3 */
    E_LOCKED,   /* ledger locked by another run                -> 3 */
    E_INTERNAL  /* a bug                                       -> 3 */
};

struct etl_err {
    int  code;           /* enum etl_code; E_OK when nothing failed */
    char where[512];     /* "file:line", "file" or "" */
    char field[48];      /* canonical API key, "_row", "_key", "_file" or "" */
    char msg[768];       /* what failed, lower-case or field name first */
};

/* Fills e (which may be NULL) and returns -1. */
int etl_fail(struct etl_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with the place: file may be NULL, line <= 0 means none. */
int etl_fail_at(struct etl_err *e, int code, const char *file, long line,
                const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

void etl_err_clear(struct etl_err *e);

/* Maps an error code to the process exit code (E_OK -> 0). */
int etl_exit_for(int code);

/* The worse of two exit codes (the larger). */
int etl_exit_worse(int a, int b);

/* Formats "FILE:LINE: FIELD: msg" (parts omitted when empty) into out. */
void etl_err_format(const struct etl_err *e, char *out, size_t cap);

#endif
