#include "log.h"

#include "buf.h"
#include "utc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct log_opts opts;
static long row_errors;
static int progress_shown;
static int stderr_tty = -1;     /* isatty(2), asked once */
static int journal = -1;        /* stderr is systemd's journal stream, asked once */
static double progress_last;
/* the file the progress line counts (log_progress_file) */
static const char *prog_cmd, *prog_path;
static size_t prog_idx, prog_total;
static const long *prog_rows;
static const char *row_hint;
static char last_error[2048];

/* syslog priorities, as journald reads them from a "<N>" line prefix */
enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_INFO = 6, PRIO_DEBUG = 7 };

void log_setup(const struct log_opts *o)
{
    opts = *o;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE when stdout/stderr are connected to
 * the journal; it counts only if stderr is that very stream. */
static int stderr_is_journal(void)
{
    const char *js;
    char *end;
    unsigned long long dev, ino;
    struct stat st;

    if (journal >= 0)
        return journal;
    journal = 0;
    js = getenv("JOURNAL_STREAM");
    if (!js || !*js || fstat(STDERR_FILENO, &st) < 0)
        return 0;
    errno = 0;
    dev = strtoull(js, &end, 10);
    if (errno || end == js || *end != ':')
        return 0;
    js = end + 1;
    ino = strtoull(js, &end, 10);
    if (errno || end == js || *end)
        return 0;
    journal = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    return journal;
}

/* Writes one human line "permit-etl: TEXT" (with its "<N>" priority prefix
 * under the journal). */
static void human_line(int prio, const char *text)
{
    if (stderr_is_journal())
        fprintf(stderr, "<%d>permit-etl: %s\n", prio, text);
    else
        fprintf(stderr, "permit-etl: %s\n", text);
}

const char *log_last_error(void)
{
    return last_error;
}

const struct log_opts *log_options(void)
{
    return &opts;
}

double log_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(void)
{
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
}

/* Data (file names, quoted values) reaches these messages: control
 * characters (ESC, CR, NUL cut, ...) become '?' so that a hostile input
 * cannot move the cursor, rewrite the terminal or forge a log line. */
static void tty_safe(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static const char *prio_level(int prio)
{
    return prio <= PRIO_ERR ? "error" : prio == PRIO_WARNING ? "warning"
         : prio == PRIO_INFO ? "info" : "debug";
}

/* One message: a human line, or with --log-json a JSON line only. */
__attribute__((format(printf, 2, 0)))
static void vsay(int prio, const char *fmt, va_list ap)
{
    char msg[2048], line[2080];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    tty_safe(msg);
    if (prio <= PRIO_ERR)
        snprintf(last_error, sizeof(last_error), "%s", msg);
    clear_progress();
    if (opts.json) {
        const char *kv[] = { "message", msg, NULL };
        log_json_line(prio_level(prio), "message", kv);
        return;
    }
    snprintf(line, sizeof(line), "%s%s", prio == PRIO_WARNING ? "warning: " : "", msg);
    human_line(prio, line);
}

void log_info(const char *fmt, ...)
{
    va_list ap;

    if (opts.quiet)
        return;
    va_start(ap, fmt);
    vsay(PRIO_INFO, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;

    if (opts.quiet)
        return;
    va_start(ap, fmt);
    vsay(PRIO_WARNING, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;

    if (!opts.verbose)
        return;
    va_start(ap, fmt);
    vsay(PRIO_DEBUG, fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(PRIO_ERR, fmt, ap);
    va_end(ap);
}

void log_err(const struct etl_err *e)
{
    char msg[2048];

    etl_err_format(e, msg, sizeof(msg));
    log_error("%s", msg);
}

void log_row_error(const char *file, long line, const char *field,
                   const char *reason)
{
    char msg[2048];

    row_errors++;
    if (row_errors > LOG_ROW_ERRORS_SHOWN || opts.quiet)
        return;
    clear_progress();
    if (opts.json) {
        char num[24];
        const char *kv[] = { "file", file, "line", num, "field", field, "reason", reason,
                             NULL };

        snprintf(num, sizeof(num), "#%ld", line > 0 ? line : 0);
        log_json_line("warning", "row_error", kv);
        return;
    }
    if (line > 0)
        snprintf(msg, sizeof(msg), "%s:%ld: %s: %s", file, line, field, reason);
    else
        snprintf(msg, sizeof(msg), "%s: %s: %s", file, field, reason);
    tty_safe(msg);
    human_line(PRIO_WARNING, msg);
}

void log_row_errors_where(const char *hint)
{
    row_hint = hint;
}

void log_row_errors_flush(void)
{
    char msg[256];

    if (row_errors <= LOG_ROW_ERRORS_SHOWN || opts.quiet)
        return;
    clear_progress();
    snprintf(msg, sizeof(msg), "... and %ld more%s%s%s", row_errors - LOG_ROW_ERRORS_SHOWN,
             row_hint ? " (see " : "", row_hint ? row_hint : "", row_hint ? ")" : "");
    if (opts.json) {
        char num[24];
        const char *kv[] = { "count", num, "message", msg, NULL };

        snprintf(num, sizeof(num), "#%ld", row_errors - LOG_ROW_ERRORS_SHOWN);
        log_json_line("warning", "row_errors_more", kv);
        return;
    }
    human_line(PRIO_WARNING, msg);
}

long log_row_errors_total(void)
{
    return row_errors;
}

void log_json_line(const char *level, const char *event, const char *const *kv)
{
    struct buf b = BUF_INIT;
    char ts[UTC_Z_SIZE];
    time_t now = time(NULL);

    if (!opts.json)
        return;
    /* -q: errors and the summary only */
    if (opts.quiet && strcmp(level, "error") != 0 && strcmp(event, "summary") != 0)
        return;
    utc_format_z((long long)now, ts);
    buf_addf(&b, "{\"ts\":\"%s\",\"level\":\"", ts);
    buf_add_json_str(&b, level, strlen(level));
    buf_addstr(&b, "\",\"event\":\"");
    buf_add_json_str(&b, event, strlen(event));
    buf_addch(&b, '"');
    for (; kv && kv[0] && kv[1]; kv += 2) {
        buf_addstr(&b, ",\"");
        buf_add_json_str(&b, kv[0], strlen(kv[0]));
        buf_addstr(&b, "\":");
        if (kv[1][0] == '#') {
            buf_addstr(&b, kv[1] + 1);
        } else {
            buf_addch(&b, '"');
            buf_add_json_str(&b, kv[1], strlen(kv[1]));
            buf_addch(&b, '"');
        }
    }
    buf_addstr(&b, "}\n");
    if (b.ptr) {
        clear_progress();
        fputs(b.ptr, stderr);
    }
    buf_release(&b);
}

void log_summary(int exit_code, const char *fmt, ...)
{
    char msg[2048], code[16], line[2100];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    clear_progress();
    if (opts.json) {
        const char *kv[] = { "message", msg, "exit", code, NULL };

        snprintf(code, sizeof(code), "#%d", exit_code);
        log_json_line(exit_code >= 2 ? "error" : exit_code ? "warning" : "info",
                      "summary", kv);
        return;
    }
    snprintf(line, sizeof(line), "%s (exit %d)", msg, exit_code);
    human_line(exit_code >= 2 ? PRIO_ERR : exit_code ? PRIO_WARNING : PRIO_INFO, line);
}

/* The terminal's width, asked on every draw (so a resized window is
 * followed without a SIGWINCH handler); 80 when it does not say. */
static int term_cols(void)
{
    struct winsize ws;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* Cuts s to at most `cols` columns (one per UTF-8 code point; the line is
 * ASCII but for file names). */
static void fit_columns(char *s, int cols)
{
    int n = 0;
    char *p;

    for (p = s; *p; p++) {
        if (((unsigned char)*p & 0xc0) == 0x80)
            continue;             /* a continuation byte: same column */
        if (n == cols) {
            *p = '\0';
            return;
        }
        n++;
    }
}

__attribute__((format(printf, 1, 0)))
static void vprogress(const char *fmt, va_list ap)
{
    char line[1024];
    double now;

    if (stderr_tty < 0)
        stderr_tty = isatty(STDERR_FILENO);
    if (opts.quiet || opts.json || !stderr_tty)
        return;
    now = log_now();
    if (progress_shown && now - progress_last < 0.1)
        return;
    progress_last = now;
    vsnprintf(line, sizeof(line), fmt, ap);
    tty_safe(line);
    /* one column short of the width: writing the last column wraps on
     * some terminals, and a wrapped line is not overwritten by \r */
    fit_columns(line, term_cols() - 1);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    progress_shown = 1;
}

void log_progress(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprogress(fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 1, 2)))
static void progress_at_once(const char *fmt, ...)
{
    va_list ap;

    progress_last = 0;
    va_start(ap, fmt);
    vprogress(fmt, ap);
    va_end(ap);
}

void log_progress_file(const char *cmd, size_t idx, size_t total, const char *path,
                       const long *rows)
{
    prog_cmd = cmd;
    prog_idx = idx;
    prog_total = total;
    prog_path = path;
    prog_rows = rows;
    /* *rows may still hold the last file's count: this one starts at 0 */
    progress_at_once("%s: file %zu/%zu, 0 rows: %s", cmd, idx, total, path);
}

void log_progress_tick(void)
{
    static unsigned n;

    if (prog_path && (++n & 255) == 0)
        log_progress("%s: file %zu/%zu, %ld rows: %s", prog_cmd, prog_idx, prog_total,
                     prog_rows ? *prog_rows : 0L, prog_path);
}

void log_progress_done(void)
{
    prog_cmd = prog_path = NULL;
    prog_rows = NULL;
    clear_progress();
}

/* --- timings ------------------------------------------------------------ */

#define MAX_STAGES 32

struct stage_time {
    char   name[32];
    double wall, cpu, wall0, cpu0;
    int    running;
};

static struct stage_time stages[MAX_STAGES];
static int nstages;

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct stage_time *stage_find(const char *name)
{
    int i;

    for (i = 0; i < nstages; i++)
        if (!strcmp(stages[i].name, name))
            return &stages[i];
    if (nstages == MAX_STAGES)
        return NULL;
    snprintf(stages[nstages].name, sizeof(stages[nstages].name), "%s", name);
    return &stages[nstages++];
}

void timing_begin(const char *stage)
{
    struct stage_time *s = stage_find(stage);

    if (!s || s->running)
        return;
    s->running = 1;
    s->wall0 = log_now();
    s->cpu0 = cpu_now();
}

void timing_end(const char *stage)
{
    struct stage_time *s = stage_find(stage);

    if (!s || !s->running)
        return;
    s->running = 0;
    s->wall += log_now() - s->wall0;
    s->cpu += cpu_now() - s->cpu0;
}

void timing_report(void)
{
    int i;

    if (!opts.timings || !nstages)
        return;
    clear_progress();
    if (!opts.json)
        fprintf(stderr, "permit-etl: timings (seconds)\n%-16s %10s %10s\n",
                "stage", "wall", "cpu");
    for (i = 0; i < nstages; i++) {
        char wall[32], cpu[32];
        const char *kv[] = { "stage", stages[i].name, "wall_s", wall, "cpu_s", cpu, NULL };

        if (stages[i].running)
            timing_end(stages[i].name);
        if (opts.json) {
            snprintf(wall, sizeof(wall), "#%.6f", stages[i].wall);
            snprintf(cpu, sizeof(cpu), "#%.6f", stages[i].cpu);
            log_json_line("info", "timing", kv);
        } else {
            fprintf(stderr, "%-16s %10.3f %10.3f\n", stages[i].name,
                    stages[i].wall, stages[i].cpu);
        }
    }
}

int timing_get(int i, const char **name, double *wall)
{
    if (i < 0 || i >= nstages)
        return -1;
    *name = stages[i].name;
    *wall = stages[i].wall;
    if (stages[i].running)
        *wall += log_now() - stages[i].wall0;
    return 0;
}
