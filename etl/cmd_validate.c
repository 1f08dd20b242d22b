/*
 * cmd_validate.c — `permit-etl validate`: ingest + normalize (+ zone
 * status) over one or more files; writes the accepted records as JSON
 * Lines (--json-out) and every rejected field as CSV (--rejects).
 */
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "filepass.h"
#include "fsutil.h"
#include "ingest.h"
#include "log.h"
#include "normalize.h"
#include "permit_json.h"
#include "tz.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl validate [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F]\n"
"                           [--json-out F] [--rejects F] FILE...\n"
"\n"
"Reads vendor files, applies the normalization rules and reports every\n"
"rejected field. Nothing is pushed. A CSV file is read on two threads\n"
"(PERMIT_ETL_THREADS=1: one); the output is the same either way.\n"
INPUTS_STREAMS_HELP
"\n"
INPUTS_HELP
"      --json-out F  accepted records as JSON Lines (F '-' = stdout)\n"
"      --rejects F   rejected fields as CSV: file,line,field,reason,raw\n"
"                    (UTF-8 with a byte order mark, for Excel)\n"
"\n"
"Exit: 0 all good; 1 a row rejected, a duplicate, a zone disconnected or\n"
"missing; 2 usage, configuration or profile error; 3 unreadable input.\n";

#define MAX_GROUPS 64

/* Rejects grouped by field and the kind of reason (the reason without
 * the quoted values and details), for the summary. */
struct rgroup {
    char field[32];
    char reason[96];
    long n;
};

struct vctx {
    FILE *json, *rej;
    const char *json_path, *rej_path;
    struct buf line;
    int   have_zones;
    long  disconnected, missing, records;
    struct rgroup groups[MAX_GROUPS];
    int   ngroups;
    long  other_rejects;      /* past MAX_GROUPS kinds */
    int   write_failed;
};

/* "'14,50' is not a valid amount" -> "is not a valid amount";
 * "duplicate of F:L" -> "duplicate"; cut at '(' or ','; quoted values
 * become '...'. */
static void reason_kind(const char *r, char *out, size_t cap)
{
    size_t o = 0;

    if (!strncmp(r, "duplicate of ", 13)) {
        snprintf(out, cap, "duplicate");
        return;
    }
    if (r[0] == '\'') {
        const char *e = strstr(r + 1, "' ");
        if (e)
            r = e + 2;
    }
    while (*r && *r != '(' && *r != ',' && o + 4 < cap) {
        if (*r == '\'' && (o == 0 || out[o - 1] == ' ')) {   /* not an apostrophe */
            const char *e = strchr(r + 1, '\'');
            if (e) {
                const char *q = "'...'";
                while (*q && o + 1 < cap)
                    out[o++] = *q++;
                r = e + 1;
                continue;
            }
        }
        out[o++] = *r++;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

static void count_reject(struct vctx *v, const char *field, const char *reason)
{
    char kind[96];
    int i;

    reason_kind(reason, kind, sizeof(kind));
    for (i = 0; i < v->ngroups; i++)
        if (!strcmp(v->groups[i].field, field) && !strcmp(v->groups[i].reason, kind)) {
            v->groups[i].n++;
            return;
        }
    if (v->ngroups == MAX_GROUPS) {
        v->other_rejects++;
        return;
    }
    snprintf(v->groups[v->ngroups].field, sizeof(v->groups[0].field), "%s", field);
    snprintf(v->groups[v->ngroups].reason, sizeof(v->groups[0].reason), "%s", kind);
    v->groups[v->ngroups++].n = 1;
}

/* One line per field: "rejected Amount: 6 (is not a valid amount 3, ...)". */
static void log_reject_groups(const struct vctx *v)
{
    struct buf b = BUF_INIT;
    int i, j;

    for (i = 0; i < v->ngroups; i++) {
        long total = 0;
        int seen = 0;
        for (j = 0; j < i; j++)
            if (!strcmp(v->groups[j].field, v->groups[i].field))
                seen = 1;
        if (seen)
            continue;
        for (j = i; j < v->ngroups; j++)
            if (!strcmp(v->groups[j].field, v->groups[i].field))
                total += v->groups[j].n;
        buf_reset(&b);
        for (j = i; j < v->ngroups; j++)
            if (!strcmp(v->groups[j].field, v->groups[i].field))
                buf_addf(&b, "%s%s %ld", b.len ? ", " : "", v->groups[j].reason[0] ?
                         v->groups[j].reason : "rejected", v->groups[j].n);
        log_info("rejected %s: %ld (%s)", v->groups[i].field, total, b.ptr ? b.ptr : "");
    }
    if (v->other_rejects)
        log_info("rejected, other reasons: %ld", v->other_rejects);
    buf_release(&b);
}

/* The --json-out line of a record (none for a void): the record line of
 * permit_json.h, "_zone_status" only with --zones, as a record is
 * ZONE_UNCHECKED exactly when no zone list is loaded. Reads nothing but p:
 * ingest may call it on its second thread (ingest_on_formatted()). */
static int format_record(const void *ctx, const struct permit *p, struct buf *out)
{
    (void)ctx;
    if (p->voided)
        return 0;
    if (permit_json_record(p, out) < 0 || buf_addch(out, '\n') < 0)
        return -1;
    return 0;
}

/* A record in file order, with its line when --json-out is given. */
static int take_record(struct vctx *v, const struct permit *p, const char *text, size_t len,
                       struct etl_err *err)
{
    if (p->voided)
        return 0;
    v->records++;
    log_progress_tick();
    if (p->zone_status == ZONE_DISCONNECTED)
        v->disconnected++;
    else if (p->zone_status == ZONE_MISSING)
        v->missing++;
    if (!v->json)
        return 0;
    if (fwrite(text, 1, len, v->json) != len) {
        v->write_failed = 1;
        return etl_fail(err, E_IO, "%s: write error: %s", v->json_path, strerror(errno));
    }
    return 0;
}

static int on_record_text(void *ctx, const struct permit *p, const char *text, size_t len,
                          struct etl_err *err)
{
    return take_record(ctx, p, text, len, err);
}

/* Without --json-out (no line to make). */
static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    return take_record(ctx, p, NULL, 0, err);
}

/* Every rejected field: counted for the summary, a line of --rejects. */
static void keep_reject(void *ctx, const char *file, long line, const char *field,
                        const char *reason, const char *raw, size_t rawlen)
{
    struct vctx *v = ctx;
    struct buf *b = &v->line;

    count_reject(v, field, reason);
    if (!v->rej || v->write_failed)
        return;
    buf_reset(b);
    buf_add_csv_cell(b, file, strlen(file), 1);
    buf_addch(b, ',');
    if (line > 0)
        buf_addf(b, "%ld", line);
    buf_addch(b, ',');
    buf_add_csv_cell(b, field, strlen(field), 1);
    buf_addch(b, ',');
    buf_add_csv_cell(b, reason, strlen(reason), 1);
    buf_addch(b, ',');
    buf_add_csv_cell(b, raw, rawlen, 1);
    buf_addch(b, '\n');
    if (!b->ptr || fwrite(b->ptr, 1, b->len, v->rej) != b->len)
        v->write_failed = 1;
}

/* A rejected field of a row (a whole file's error is printed by the
 * file pass, never hidden behind "... and N more"). */
static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    log_row_error(file, line, field, reason);
    log_progress_tick();
    keep_reject(ctx, file, line, field, reason, raw, rawlen);
}

static FILE *open_out(const char *path, struct etl_err *err)
{
    FILE *f;

    if (!strcmp(path, "-"))
        return stdout;
    f = fsutil_fopen(path, "w", fsutil_file_mode());   /* private (fsutil.h) */
    if (!f)
        etl_fail_at(err, E_IO, path, 0, "", "cannot write: %s", strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path, struct etl_err *err)
{
    int bad;

    if (!f)
        return 0;
    bad = fflush(f) != 0 || ferror(f);
    if (f != stdout)
        bad |= fclose(f) != 0;
    if (bad)
        return etl_fail_at(err, E_IO, path, 0, "", "write error: %s", strerror(errno));
    return 0;
}

static const struct cmd_option options[] = {
    CMD_STRING("json-out", struct vctx, json_path),
    CMD_STRING("rejects",  struct vctx, rej_path),
    CMD_OPTIONS_END
};

static int check(struct cmd_env *e)
{
    if (e->in.nfiles == 0)
        return cli_usage_error("validate", "no input files");
    timing_begin("validate");          /* the config and zones load is timed too */
    return 0;
}

/* The summary line (also after a failed setup: nothing read). */
static void summary(const struct cmd_env *e, const struct ingest_stats *tot, int status)
{
    const struct vctx *v = e->args;
    int n = e->in.nfiles;

    timing_end("validate");
    if (v->have_zones)
        log_summary(status, "validate: %d file%s, %ld rows read, %ld accepted, %ld rejected, "
                    "%ld duplicates, %ld voids, %ld free sessions, %ld disconnected, "
                    "%ld missing zone", n, n == 1 ? "" : "s", tot->rows, tot->accepted,
                    tot->rejected, tot->duplicates, tot->voids, tot->free_sessions,
                    v->disconnected, v->missing);
    else
        log_summary(status, "validate: %d file%s, %ld rows read, %ld accepted, %ld rejected, "
                    "%ld duplicates, %ld voids, %ld free sessions", n, n == 1 ? "" : "s",
                    tot->rows, tot->accepted, tot->rejected, tot->duplicates, tot->voids,
                    tot->free_sessions);
    timing_report();
}

static void failed(struct cmd_env *e, int exit_code)
{
    struct ingest_stats none;

    memset(&none, 0, sizeof(none));
    summary(e, &none, exit_code);
}

/* One JSON log line per file; our own output failing stops the pass. */
static int file_end(void *ctx, struct filepass_file *f)
{
    const struct vctx *v = ctx;
    char rows[24], acc[24], rej[24];
    const char *kv[] = { "file", f->path, "profile", f->st.profile, "rows", rows,
                         "accepted", acc, "rejected", rej, NULL };

    snprintf(rows, sizeof(rows), "#%ld", f->st.rows);
    snprintf(acc, sizeof(acc), "#%ld", f->st.accepted);
    snprintf(rej, sizeof(rej), "#%ld", f->st.rejected);
    log_json_line(f->failed ? "error" : "info", "ingest", kv);
    if (f->failed)
        return v->write_failed ? -1 : 0;
    log_debug("%s: profile %s, %ld rows, %ld accepted, %ld rejected", f->path, f->st.profile,
              f->st.rows, f->st.accepted, f->st.rejected);
    return 0;
}

static int run(struct cmd_env *e)
{
    struct vctx *v = e->args;
    struct filepass fp;
    struct etl_err *err = &e->err;
    int status = EXIT_GOOD;

    v->have_zones = e->in.zones != NULL;
    /* both cores: nothing here writes but the sink, which stays on this
     * thread (ingest.h, Threads) */
    filepass_init(&fp, "validate", command_ingest_threads(e, 2), on_record, on_reject, v);
    if (!fp.in) {
        log_err(err);
        status = etl_exit_for(err->code);
        goto done;
    }
    if (v->json_path && !(v->json = open_out(v->json_path, err))) {
        log_err(err);
        status = EXIT_ABORTED;
        goto done;
    }
    if (v->rej_path) {
        if (!(v->rej = open_out(v->rej_path, err))) {
            log_err(err);
            status = EXIT_ABORTED;
            goto done;
        }
        if (fputs(UTF8_BOM "file,line,field,reason,raw\n", v->rej) == EOF)
            v->write_failed = 1;
    }
    if (v->json && v->json != stdout)
        setvbuf(v->json, NULL, _IOFBF, 1 << 20);
    if (v->json)                /* the lines are made where the rows are normalized */
        ingest_on_formatted(fp.in, format_record, NULL, on_record_text, v);
    fp.file_reject = keep_reject;
    fp.log_failures = 1;
    fp.end = file_end;
    fp.ctx = v;
    if (filepass_run(&fp, (const char *const *)e->in.files, (size_t)e->in.nfiles, err) < 0) {
        log_err(err);
        status = EXIT_ABORTED;
    }
    status = etl_exit_worse(status, fp.exit_code);
    if (close_out(v->json, v->json_path, err) < 0 || v->write_failed) {
        if (err->code == E_OK)
            etl_fail_at(err, E_IO, v->rej_path, 0, "", "write error");
        log_err(err);
        status = EXIT_ABORTED;
    }
    v->json = NULL;
    if (close_out(v->rej, v->rej_path, err) < 0) {
        log_err(err);
        status = EXIT_ABORTED;
    }
    v->rej = NULL;
    if (fp.total.rejected || fp.total.duplicates || v->disconnected || v->missing)
        status = etl_exit_worse(status, EXIT_ATTENTION);
    log_row_errors_where(v->rej_path ? "the --rejects file" : "--rejects F");
    log_row_errors_flush();
    log_reject_groups(v);
done:
    if (v->json && v->json != stdout)
        fclose(v->json);
    if (v->rej && v->rej != stdout)
        fclose(v->rej);
    summary(e, &fp.total, status);
    ingest_free(fp.in);
    buf_release(&v->line);
    return status;
}

const struct command cmd_validate = {
    .name = "validate", .summary = "check vendor files; write clean records and rejects",
    .flags = CMD_INPUTS, .usage = usage, .options = options,
    .args_size = sizeof(struct vctx), .check = check, .run = run, .failed = failed,
};
