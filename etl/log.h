/*
 * log.h — everything permit-etl says on stderr: messages, row errors, the
 * JSON log lines, the progress line and the final summary.
 *
 * One process-wide state, set once by main through log_setup(). Nothing
 * here ever prints the API token: callers never pass it (the config module
 * keeps it to itself).
 *
 * Row errors: the first LOG_ROW_ERRORS_SHOWN are printed as
 *     permit-etl: FILE:LINE: FIELD: reason
 * the rest are counted; log_row_errors_flush() prints
 *     permit-etl: ... and N more (see WHERE)
 * where WHERE is what the command set with log_row_errors_where() (none:
 * no hint): each command names only what it has.
 *
 * -q: only errors (log_error) and the summary line; info, warnings and row
 * errors are not printed. --log-json: every line is a JSON object instead
 * of a human line (never both): {"ts", "level", "event", fields...}; row
 * errors follow the same first-LOG_ROW_ERRORS_SHOWN rule (event
 * "row_error", then one "row_errors_more" with the count left out). When
 * stderr is systemd's journal stream (JOURNAL_STREAM names it), human lines
 * start with a syslog priority "<3>" error, "<4>" warning, "<6>" info,
 * "<7>" debug, so journald keeps the levels.
 */
#ifndef ETL_LOG_H
#define ETL_LOG_H

#include "err.h"

#define LOG_ROW_ERRORS_SHOWN 20

struct log_opts {
    int quiet;      /* -q: only errors and the summary */
    int verbose;    /* -v: debug messages too */
    int json;       /* --log-json: JSON lines per stage and the summary */
    int timings;    /* --timings: per-stage wall/CPU times at the end */
};

void log_setup(const struct log_opts *o);
const struct log_opts *log_options(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "permit-etl: where: field: msg" for a filled error. */
void log_err(const struct etl_err *e);

/* A rejected field of a row. */
void log_row_error(const char *file, long line, const char *field,
                   const char *reason);
void log_row_errors_flush(void);
/* Where the rest of the row errors are, e.g. "--rejects FILE" (borrowed,
 * static); NULL: no hint. */
void log_row_errors_where(const char *hint);
long log_row_errors_total(void);

/* One JSON log line on stderr when --log-json: {"ts":..,"level":..,
 * "event":EVENT, then the pairs}. `kv` is a NULL-terminated list of
 * key, value strings; a value that starts with '#' is written as a
 * number (without the '#'). */
void log_json_line(const char *level, const char *event, const char *const *kv);

/* The text of the last error logged ("" if none); borrowed. */
const char *log_last_error(void);

/* The one-line summary, always printed (even with -q): a human line, or
 * with --log-json a JSON line {"event":"summary","message":...,"exit":N}. */
void log_summary(int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Progress line on a terminal only (stderr is a tty, not -q, not
 * --log-json); at most 10 updates a second; overwritten in place ("\r" and
 * clear to the end of the line), cut to the terminal's width (TIOCGWINSZ,
 * asked on every draw; 80 if unknown) so it never wraps;
 * log_progress_done() clears it. */
void log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Per-file progress "CMD: file I/N, R rows: PATH": drawn now, then by
 * log_progress_tick() (cheap: call it per record) from *rows, the reader's
 * live count (e.g. &ingest_stats.rows, valid until the next
 * log_progress_file() or log_progress_done()). */
void log_progress_file(const char *cmd, size_t idx, size_t total, const char *path,
                       const long *rows);
void log_progress_tick(void);
void log_progress_done(void);

/* --timings: stages are timed by name (wall and CPU). */
void timing_begin(const char *stage);
void timing_end(const char *stage);
void timing_report(void); /* prints the table when --timings */
/* Stage i (0-based, in order of first use): its name (borrowed) and wall
 * seconds so far; -1 past the last. */
int timing_get(int i, const char **name, double *wall);

/* Monotonic seconds. */
double log_now(void);

#endif
