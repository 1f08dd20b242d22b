/* filepass.c — the per-file ingest loop (filepass.h). */
#include "filepass.h"

#include "log.h"

#include <string.h>

/* The sink ingest sees: the command's, with file-level rejects told apart
 * (ingest marks them with the field "_file") and its own failures noted. */
struct pass_sink {
    struct filepass *fp;
    int file_level;              /* this file had a file-level reject */
    int sink_failed;             /* the command's record() failed */
};

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct pass_sink *ps = ctx;
    int rc = ps->fp->sink.record(ps->fp->sink.ctx, p, err);

    if (rc)
        ps->sink_failed = 1;
    return rc;
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct pass_sink *ps = ctx;
    struct filepass *fp = ps->fp;
    filepass_reject_fn fn = fp->sink.reject;

    if (!strcmp(field, "_file")) {
        ps->file_level = 1;
        if (fp->file_reject)
            fn = fp->file_reject;
    }
    if (fn)
        fn(fp->sink.ctx, file, line, field, reason, raw, rawlen);
}

static void add_stats(struct ingest_stats *t, const struct ingest_stats *st)
{
    t->rows += st->rows;
    t->accepted += st->accepted;
    t->rejected += st->rejected;
    t->duplicates += st->duplicates;
    t->voids += st->voids;
    t->free_sessions += st->free_sessions;
}

/* Out of memory, the database or a bug: never one file's fault. */
static int fatal_code(int code)
{
    return code == E_NOMEM || code == E_DB || code == E_INTERNAL;
}

/* A file that failed on its own: printed, counted, the pass goes on. */
static void file_failed(struct filepass *fp, const struct filepass_file *f)
{
    if (fp->log_failures)
        log_err(&f->err);
    fp->failed++;
    fp->exit_code = etl_exit_worse(fp->exit_code,
                                   etl_exit_for(f->err.code ? f->err.code : E_IO));
}

void filepass_init(struct filepass *fp, const char *command, struct ingest *in,
                   int (*record)(void *ctx, const struct permit *p, struct etl_err *err),
                   filepass_reject_fn reject, void *ctx)
{
    memset(fp, 0, sizeof(*fp));
    fp->command = command;
    fp->in = in;
    fp->sink.record = record;
    fp->sink.reject = reject;
    fp->sink.ctx = ctx;
}

int filepass_run(struct filepass *fp, const char *const *paths, size_t n,
                 struct etl_err *err)
{
    struct pass_sink ps;
    struct ingest_sink sink;
    struct filepass_file f;
    size_t i;
    int ret = 0, r;

    sink.record = on_record;
    sink.reject = on_reject;
    sink.ctx = &ps;
    ps.fp = fp;
    for (i = 0; i < n; i++) {
        if (fp->interrupted && fp->interrupted()) {
            fp->stopped = 1;
            break;
        }
        memset(&f, 0, sizeof(f));
        f.path = paths[i];
        f.index = i;
        r = fp->begin ? fp->begin(fp->ctx, &f) : FILEPASS_READ;
        if (r == FILEPASS_SKIP)
            continue;
        if (r == FILEPASS_FAILED) {
            file_failed(fp, &f);
            continue;
        }
        if (r < 0)
            goto fatal;
        ps.file_level = 0;
        ps.sink_failed = 0;
        log_progress_file(fp->command, i + 1, n, f.path, &f.st.rows);
        if ((f.profile ? ingest_file_as(fp->in, f.path, f.profile, &sink, &f.st, &f.err)
                       : ingest_file(fp->in, f.path, &sink, &f.st, &f.err)) < 0) {
            f.failed = 1;
            f.fatal = ps.sink_failed || !ps.file_level || fatal_code(f.err.code);
            if (!f.fatal)
                file_failed(fp, &f);
        }
        add_stats(&fp->total, &f.st);
        if ((fp->end && fp->end(fp->ctx, &f) < 0) || f.fatal)
            goto fatal;
    }
    goto out;
fatal:
    *err = f.err;
    fp->stopped = 1;
    ret = -1;
out:
    log_progress_done();
    return ret;
}
