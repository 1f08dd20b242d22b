#include "log.h"

#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static struct log_opts opts;
static long row_errors;
static int progress_shown;
static int stderr_tty = -1;     /* isatty(2), asked once */
static double progress_last;
/* the file the progress line counts (log_progress_file) */
static const char *prog_cmd, *prog_path;
static size_t prog_idx, prog_total;
static const long *prog_rows;
static const char *row_hint;

void log_setup(const struct log_opts *o)
{
    opts = *o;
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

__attribute__((format(printf, 2, 0)))
static void vsay(const char *level, const char *fmt, va_list ap)
{
    char msg[2048];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    tty_safe(msg);
    clear_progress();
    fprintf(stderr, "permit-etl: %s%s\n", level, msg);
    if (opts.json) {
        const char *kv[] = { "message", msg, NULL };
        log_json_line(level[0] ? "warning" : "info", "log", kv);
    }
}

void log_info(const char *fmt, ...)
{
    va_list ap;

    if (opts.quiet)
        return;
    va_start(ap, fmt);
    vsay("", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay("warning: ", fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;

    if (!opts.verbose)
        return;
    va_start(ap, fmt);
    vsay("", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay("", fmt, ap);
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
    if (row_errors > LOG_ROW_ERRORS_SHOWN)
        return;
    if (line > 0)
        snprintf(msg, sizeof(msg), "%s:%ld: %s: %s", file, line, field, reason);
    else
        snprintf(msg, sizeof(msg), "%s: %s: %s", file, field, reason);
    tty_safe(msg);
    clear_progress();
    fprintf(stderr, "permit-etl: %s\n", msg);
}

void log_row_errors_where(const char *hint)
{
    row_hint = hint;
}

void log_row_errors_flush(void)
{
    if (row_errors > LOG_ROW_ERRORS_SHOWN) {
        clear_progress();
        fprintf(stderr, "permit-etl: ... and %ld more%s%s%s\n",
                row_errors - LOG_ROW_ERRORS_SHOWN, row_hint ? " (see " : "",
                row_hint ? row_hint : "", row_hint ? ")" : "");
    }
}

long log_row_errors_total(void)
{
    return row_errors;
}

void log_json_line(const char *level, const char *stage, const char *const *kv)
{
    struct buf b = BUF_INIT;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;

    if (!opts.json)
        return;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_addf(&b, "{\"ts\":\"%s\",\"level\":\"", ts);
    buf_add_json_str(&b, level, strlen(level));
    buf_addstr(&b, "\",\"stage\":\"");
    buf_add_json_str(&b, stage, strlen(stage));
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
    char msg[2048], code[16];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    clear_progress();
    fprintf(stderr, "permit-etl: %s (exit %d)\n", msg, exit_code);
    snprintf(code, sizeof(code), "#%d", exit_code);
    {
        const char *kv[] = { "message", msg, "exit", code, NULL };
        log_json_line(exit_code >= 2 ? "error" : exit_code ? "warning" : "info",
                      "summary", kv);
    }
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
    fprintf(stderr, "permit-etl: timings (seconds)\n%-16s %10s %10s\n",
            "stage", "wall", "cpu");
    for (i = 0; i < nstages; i++) {
        char wall[32], cpu[32];
        const char *kv[] = { "wall_s", wall, "cpu_s", cpu, NULL };

        if (stages[i].running)
            timing_end(stages[i].name);
        fprintf(stderr, "%-16s %10.3f %10.3f\n", stages[i].name,
                stages[i].wall, stages[i].cpu);
        snprintf(wall, sizeof(wall), "#%.6f", stages[i].wall);
        snprintf(cpu, sizeof(cpu), "#%.6f", stages[i].cpu);
        log_json_line("info", stages[i].name, kv);
    }
}
