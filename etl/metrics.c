/*
 * metrics.c — the Prometheus text file of a run (metrics.h).
 */
#include "metrics.h"

#include "err.h"
#include "fsutil.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define METRICS_MAX_READ 65536

static const char *const currency_label[3] = { NULL, "CAD", "USD" };

/* A label value, escaped: backslash, double quote and newline. */
static void label_value(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            buf_addstr(b, "\\\\");
        else if (*s == '"')
            buf_addstr(b, "\\\"");
        else if (*s == '\n')
            buf_addstr(b, "\\n");
        else
            buf_addch(b, *s);
    }
}

static void head(struct buf *b, const char *name, const char *help)
{
    buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void counts(struct buf *b, const char *name, const char *help,
                   const struct run_count *c, int n)
{
    int i;

    head(b, name, help);
    for (i = 0; i < n; i++) {
        buf_addf(b, "%s{", name);
        if (c[i].kind) {
            buf_addstr(b, "kind=\"");
            label_value(b, c[i].kind);
            buf_addstr(b, "\",");
        }
        buf_addstr(b, "outcome=\"");
        label_value(b, c[i].outcome);
        buf_addf(b, "\"} %ld\n", c[i].n);
    }
}

int metrics_format(struct buf *b, const struct run_outcome *o, long long last_success)
{
    const char *stage;
    double wall;
    int i;

    head(b, "permit_etl_last_run_timestamp_seconds",
         "Unix time the last permit-etl run ended.");
    buf_addf(b, "permit_etl_last_run_timestamp_seconds %lld\n", (long long)o->finished);
    if (last_success > 0) {
        head(b, "permit_etl_last_success_timestamp_seconds",
             "Unix time the last permit-etl run that completed (exit 0 or 1) ended.");
        buf_addf(b, "permit_etl_last_success_timestamp_seconds %lld\n", last_success);
    }
    head(b, "permit_etl_exit_status",
         "Exit status of the last run: 0 good, 1 needs attention, 3 aborted.");
    buf_addf(b, "permit_etl_exit_status %d\n", o->exit_code);
    counts(b, "permit_etl_rows", "Rows the last run read, by bucket (they add up to the rows read).",
           o->rows, o->nrows);
    counts(b, "permit_etl_records",
           "The last run's sales and voids by outcome, and earlier runs' records it settled.",
           o->records, o->nrecords);
    head(b, "permit_etl_net_revenue",
         "Net revenue (gross minus voids) of the last run's sales, in currency units.");
    for (i = 1; i < 3; i++) {
        long long c = o->net_cents[i], a = c < 0 ? -c : c;

        buf_addstr(b, "permit_etl_net_revenue{currency=\"");
        label_value(b, currency_label[i]);
        buf_addf(b, "\"} %s%lld.%02lld\n", c < 0 ? "-" : "", a / 100, a % 100);
    }
    head(b, "permit_etl_stage_seconds", "Wall time of each stage of the last run, seconds.");
    for (i = 0; timing_get(i, &stage, &wall) == 0; i++) {
        buf_addstr(b, "permit_etl_stage_seconds{stage=\"");
        label_value(b, stage);
        buf_addf(b, "\"} %.6f\n", wall);
    }
    return b->ptr ? 0 : -1;
}

int metrics_read_last_success(const char *path, long long *t)
{
    static const char name[] = "permit_etl_last_success_timestamp_seconds ";
    char text[METRICS_MAX_READ + 1];
    const char *p;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return 0;
    fsutil_read_upto(fd, text, METRICS_MAX_READ);
    close(fd);
    for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (!strncmp(p, name, sizeof(name) - 1)) {
            char *end;
            long long v;

            errno = 0;
            v = strtoll(p + sizeof(name) - 1, &end, 10);
            if (errno || end == p + sizeof(name) - 1 || (*end && *end != '\n') || v <= 0)
                return 0;
            *t = v;
            return 1;
        }
    }
    return 0;
}

int metrics_write(const char *path, const struct run_outcome *o, struct etl_err *err)
{
    struct buf b = BUF_INIT, tmp = BUF_INIT;
    long long last = 0;
    int fd = -1, ret = -1;

    if (o->exit_code == EXIT_GOOD || o->exit_code == EXIT_ATTENTION)
        last = (long long)o->finished;
    else if (!metrics_read_last_success(path, &last))
        last = 0;
    if (metrics_format(&b, o, last) < 0 ||
        buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        etl_fail(err, E_NOMEM, "metrics: out of memory");
        goto out;
    }
    fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        etl_fail_at(err, E_IO, path, 0, "metrics_file", "cannot write %s: %s", tmp.ptr,
                    strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0644) < 0 || write(fd, b.ptr, b.len) != (ssize_t)b.len || fsync(fd) < 0) {
        etl_fail_at(err, E_IO, path, 0, "metrics_file", "cannot write %s: %s", tmp.ptr,
                    strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        etl_fail_at(err, E_IO, path, 0, "metrics_file", "cannot write %s: %s", tmp.ptr,
                    strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp.ptr, path) < 0) {
        etl_fail_at(err, E_IO, path, 0, "metrics_file", "cannot rename %s: %s", tmp.ptr,
                    strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    if (ret < 0 && tmp.ptr)
        unlink(tmp.ptr);
    buf_release(&b);
    buf_release(&tmp);
    return ret;
}
