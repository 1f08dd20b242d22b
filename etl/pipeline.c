/*
 * pipeline.c — the pass shared by `push` and `run` (pipeline.h).
 */
#include "pipeline.h"

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "filepass.h"
#include "ingest.h"
#include "inputs.h"
#include "interrupt.h"
#include "ledger.h"
#include "log.h"
#include "opscom.h"
#include "push.h"
#include "report.h"
#include "profile.h"
#include "report_recon.h"
#include "report_stats.h"
#include "stats_rows.h"
#include "report_voids.h"
#include "runfiles.h"
#include "settle.h"
#include "silent.h"
#include "tz.h"
#include "zones.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

struct run_ctx {
    struct push   *push;
    struct report *rep;
    int            have_day;
    long long      day_from, day_to;   /* --date: [from, to) UTC */
    struct run_money money;            /* this run's sales, by enum currency */
    long           outside_day;        /* --date: records of other days */
    long           staged;             /* records read this run */
    struct ledger *l;
    const struct tz *btz;
    struct recon_days rec_days;        /* business days of this run's records */
    struct recon_days recon_days;      /* ... and of this run's settlement lines */
    struct etl_err db_err;             /* first ledger error of a hook */
    long           settle_rejected, settle_files_failed;
};

/* The business day (days since the epoch) of a UTC time. */
static long long business_day(const struct tz *btz, long long utc)
{
    int y, m, d;

    if (tz_local_date(btz, utc, &y, &m, &d) < 0)
        return -1;
    return tz_days_from_civil(y, m, d);
}

/* A rejected sale row with a readable amount: kept in the ledger, without
 * its plate, for the reconciliation. */
static void on_rejected_row(void *ctx, const struct ingest_rejected_row *rr)
{
    struct run_ctx *c = ctx;
    struct ledger_money_line m;
    char day[11];
    long long d = rr->start_ok ? business_day(c->btz, rr->start) : -1;

    if (c->db_err.code != E_OK)
        return;
    memset(&m, 0, sizeof(m));
    m.file = rr->file;
    m.line = rr->line;
    if (d >= 0) {
        recon_day_text(d, day);
        m.day = day;
    }
    m.vendor = rr->vendor;
    m.currency = rr->currency;
    m.cents = rr->cents;
    m.count = -1;
    m.reason = rr->reason;
    m.run = push_run_id(c->push);
    ledger_rejrow_add(c->l, &m, &c->db_err);
}

/* A good settlement line: into the ledger; its day joins the report's. */
static int on_settle_line(void *ctx, const struct ledger_money_line *sl,
                          struct etl_err *err)
{
    struct run_ctx *c = ctx;
    struct ledger_money_line m = *sl;

    m.run = push_run_id(c->push);
    if (ledger_settle_add(c->l, &m, err) < 0)
        return -1;
    if (recon_days_add(&c->recon_days, recon_day_parse(sl->day)) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    return 0;
}

static void on_settle_reject(void *ctx, const char *file, long line, const char *field,
                             const char *reason, const char *raw, size_t rawlen)
{
    struct run_ctx *c = ctx;

    if (strcmp(field, "_file") != 0)
        log_row_error(file, line, field, reason);
    if (c->rep)
        report_add_reject(c->rep, file, line, field, reason, raw, rawlen);
}

/*
 * `run`: the config's settlement files: each new or changed one (sha256 against
 * the ledger's `files` row, ctx "settlement") replaces its lines in the
 * ledger; bad lines are rejected like rows. Returns -1 only on a ledger
 * error (the run fails); a file that cannot be read is logged and counted.
 */
static int read_settlements(struct run_ctx *c, const struct config *cfg, struct etl_err *err)
{
    struct runfiles sf;
    struct profile_set vendors = { { NULL }, 0 };
    struct settle_sink sink;
    size_t i;
    int ret = -1;

    runfiles_init(&sf);
    if (runfiles_expand_settlements(&sf, cfg, err) < 0 ||
        profile_set_load_all(&vendors, err) < 0)
        goto out;
    sink.line = on_settle_line;
    sink.reject = on_settle_reject;
    sink.ctx = c;
    for (i = 0; i < sf.n; i++) {
        const char *path = sf.v[i].path;
        struct ledger_file lf, old;
        struct settle_stats st;
        struct profile *sp;
        struct stat sb;
        struct etl_err ferr;
        int found;

        etl_err_clear(&ferr);
        memset(&lf, 0, sizeof(lf));
        if (stat(path, &sb) < 0 || sha256_file_hex(path, lf.sha256, &ferr) < 0) {
            if (ferr.code == E_OK)
                etl_fail_at(&ferr, E_IO, path, 0, "_file", "cannot read: %s", strerror(errno));
            log_err(&ferr);
            c->settle_files_failed++;
            continue;
        }
        found = ledger_file_get(c->l, path, &old, err);
        if (found < 0)
            goto out;
        if (found && !strcmp(old.ctx, "settlement") && !strcmp(old.sha256, lf.sha256)) {
            log_info("%s: settlement file read before and unchanged: skipped", path);
            continue;
        }
        sp = profile_settle_load(sf.v[i].profile, &ferr);
        if (!sp) {
            log_err(&ferr);
            c->settle_files_failed++;
            continue;
        }
        if (ledger_begin(c->l, err) < 0 || ledger_settle_clear(c->l, path, err) < 0) {
            profile_free(sp);
            goto out;
        }
        if (settle_read_file(sp, &vendors, path, &sink, &st, &ferr) < 0) {
            profile_free(sp);
            ledger_rollback(c->l);
            if (ferr.code == E_DB || ferr.code == E_NOMEM) {
                *err = ferr;
                goto out;
            }
            log_err(&ferr);
            c->settle_files_failed++;
            continue;
        }
        profile_free(sp);
        lf.size = (long long)sb.st_size;
        lf.mtime = (long long)sb.st_mtime;
        snprintf(lf.ctx, sizeof(lf.ctx), "settlement");
        lf.final = 1;
        if (ledger_file_put(c->l, path, &lf, err) < 0 || ledger_commit(c->l, err) < 0)
            goto out;
        c->settle_rejected += st.rejected;
        log_info("%s: %ld settlement lines read, %ld kept, %ld rejected", path, st.rows,
                 st.accepted, st.rejected);
    }
    ret = 0;
out:
    if (ret < 0)
        ledger_rollback(c->l);
    profile_set_free(&vendors);
    runfiles_free(&sf);
    return ret;
}

/* Reconciliation and silent zones of this run's days: sheets (when a
 * report is written) and causes of exit 1. */
static int judge_days(struct run_ctx *c, const struct config *cfg, struct etl_err *err)
{
    if (cfg->nsettlements) {
        struct recon_result res;

        if (report_recon(c->rep, c->l, c->btz, &c->recon_days, push_run_id(c->push), &res,
                         err) < 0)
            return -1;
        push_add_cause(c->push, "settlement differences unexplained", res.unexplained,
                       "Reconciliation");
    }
    if (cfg->silent_zones) {
        struct silent_opts so;
        long n;

        so.weeks = cfg->silent_weeks;
        so.min_fraction = cfg->silent_min_fraction;
        so.min_days = cfg->silent_min_days;
        n = report_silent(c->rep, c->l, c->btz, &c->rec_days, &so, err);
        if (n < 0)
            return -1;
        push_add_cause(c->push, "zones silent", n, "Silent Zones");
    }
    push_add_cause(c->push, "settlement lines rejected", c->settle_rejected, "Rejected");
    push_add_cause(c->push, "settlement files not read", c->settle_files_failed, "Rejected");
    return 0;
}

static int run_opscom(void *transport, const struct opscom_hooks *h, void *ctx,
                      struct etl_err *err)
{
    return opscom_run(transport, h, ctx, err);
}

/*
 * push and run read only regular files: they hash a file before reading
 * it and compare its size, mtime and hash on the next run (a FIFO would
 * be consumed by the hash, a device never ends). validate, zones and
 * report read streams.
 */
static int regular_input(const char *path, struct etl_err *err)
{
    struct stat sb;

    if (stat(path, &sb) < 0)
        return etl_fail_at(err, E_IO, path, 0, "_file", "cannot open: %s", strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return etl_fail_at(err, E_IO, path, 0, "_file",
                           "not a regular file (%s): push and run hash their inputs and "
                           "read them once; save a stream to a file first",
                           S_ISDIR(sb.st_mode) ? "a directory" : "a FIFO, device or socket");
    return 0;
}

/* The ingest sink: the push engine's staging, teed into the report. */
static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct run_ctx *c = ctx;

    if (c->have_day && (p->start < c->day_from || p->start >= c->day_to)) {
        c->outside_day++;
        push_count_unstaged(c->push, p);
        return 0;
    }
    if (push_sink_record(c->push, p, err) < 0)
        return -1;
    c->staged++;
    log_progress_tick();
    /* sales reach the report after the push, from the ledger (on_run_record):
     * only then is it known which were cancelled by a void later in the
     * run; here the file's void rows are only counted */
    if (p->voided && c->rep)
        report_add_void(c->rep, p);            /* report errors are sticky */
    return 0;
}

static void money_sale(struct run_money *m, const struct permit *p, int cancelled)
{
    int cur = p->currency == CUR_USD ? CUR_USD : CUR_CAD;

    m->gross[cur] += p->cents;
    if (cancelled)
        m->voids[cur] += p->cents;
}

/* A record of a file over the reject ratio: an accepted sale, not pushed. */
static void on_unstaged(void *ctx, const struct permit *p)
{
    struct run_ctx *c = ctx;

    if (p->voided)
        return;
    money_sale(&c->money, p, 0);
    if (c->rep)
        report_add_permit(c->rep, p);
}

/*
 * Each record this run staged, once, after the push (push_tally()): its
 * sale goes to Permits and the Net accumulators, or — cancelled — to Gross,
 * Voids and the Voids sheet; its void, when it cancelled nothing of this
 * run, is listed as unmatched or as an earlier run's sale voided. Memory
 * stays bounded: the ledger is read one record at a time.
 */
static int on_run_record(void *ctx, const struct ledger_rec *r)
{
    struct run_ctx *c = ctx;
    int64_t run = push_run_id(c->push);
    int sb = ledger_sale_bucket(r, run), vb = ledger_void_bucket(r, run);

    if (sb >= 0 || vb >= 0) {
        long long day = business_day(c->btz, r->p.start);

        if (day >= 0 && (recon_days_add(&c->rec_days, day) < 0 ||
                         recon_days_add(&c->recon_days, day) < 0)) {
            etl_fail(&c->db_err, E_NOMEM, "out of memory (business days)");
            return 1;      /* push_tally() stops; checked after it */
        }
    }
    if (sb >= 0)
        money_sale(&c->money, &r->p, sb == LB_S_CANCELLED);
    if (!c->rep)
        return 0;
    if (sb >= 0 && sb != LB_S_CANCELLED) {
        report_add_permit(c->rep, &r->p);
        return 0;
    }
    if (sb < 0 && (vb < 0 || vb == LB_V_UNCHANGED))
        return 0;
    report_voids_add(c->rep, r, sb >= 0 ? RV_CANCELLED
                              : r->state == LS_VOIDED ? RV_UNMATCHED : RV_EARLIER);
    return 0;
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct run_ctx *c = ctx;

    push_sink_reject(c->push, file, line, field, reason, raw, rawlen);
    if (c->rep)
        report_add_reject(c->rep, file, line, field, reason, raw, rawlen);
}

static void on_push_log(void *ctx, const struct push_log_entry *e)
{
    struct run_ctx *c = ctx;

    report_add_push(c->rep, e);
}

static int local_date(void *ctx, long long utc, int *y, int *m, int *d)
{
    return tz_local_date(ctx, utc, y, m, d);
}

static long local_offset(void *ctx, long long utc)
{
    return tz_offset(ctx, utc);
}

/* The Summary's list of what made exit 1: the push engine's causes, about
 * this run only (push_causes()). */
static void report_causes_from(struct report *rep, const struct push *p)
{
    struct run_cause c[RUN_CAUSES_MAX];

    report_set_causes(rep, c, push_causes(p, c, RUN_CAUSES_MAX));   /* errors are sticky */
}

static void report_counts_from(const struct push_counts *pc, int exit_code,
                               struct report_counts *rc)
{
    memset(rc, 0, sizeof(*rc));
    rc->pushed = pc->pushed;
    rc->updated = pc->updated;
    rc->deleted = pc->deleted;
    rc->unchanged = pc->unchanged;
    rc->failed = pc->failed;
    rc->held = pc->held;
    rc->pending = pc->retry_later + pc->aborted;
    rc->resent_after_doubt = pc->resent_after_doubt;
    rc->unlinked = pc->unlinked;
    rc->exit_code = exit_code;
}

/* The end of a dry run: the plan's count line on stdout and the summary
 * line; nothing is written anywhere. Returns the exit code. */
static int dry_run_end(const struct pipeline_opts *o, struct push *p, int aborted)
{
    const struct push_counts *c = push_counts(p);
    char plan[256];
    int ret = aborted ? EXIT_ABORTED : push_exit_code(p);

    push_plan_text(p, plan, sizeof(plan));
    printf("%s\n", plan);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        log_error("cannot write the dry-run plan");
        ret = EXIT_ABORTED;
    }
    timing_report();
    log_summary(ret, "%s dry run%s: %s; %ld file%s (%ld skipped unchanged, %ld over the "
                "reject ratio): %ld rows, %ld accepted, %ld rejected, %ld duplicates, "
                "%ld voids; nothing sent, nothing written", o->command,
                aborted ? " interrupted" : "", plan, c->files + c->files_skipped,
                c->files + c->files_skipped == 1 ? "" : "s", c->files_skipped,
                c->files_over_ratio, c->rows, c->accepted, c->rejected, c->duplicates, c->voids);
    return ret;
}

/* What needs attention in this run (push_causes(): the exit-1 causes),
 * one per line, into b. */
static void run_causes(const struct push *p, struct buf *b)
{
    struct run_cause causes[RUN_CAUSES_MAX];
    size_t i, n = push_causes(p, causes, RUN_CAUSES_MAX);

    for (i = 0; i < n; i++)
        buf_addf(b, "%s: %ld%s%s%s\n", causes[i].what, causes[i].count,
                 causes[i].sheet ? " (sheet " : "", causes[i].sheet ? causes[i].sheet : "",
                 causes[i].sheet ? ")" : "");
}

void pipeline_opts_inputs(struct pipeline_opts *o, const char *command,
                          const struct inputs *in, struct runfiles *files)
{
    o->command = command;
    o->in = in;
    o->files = files;
}

/*
 * One pass of push or run: what the stages below share. Each stage fills
 * its part and returns -1 on an error that aborts the pass (s->err); the
 * errors a pass survives are logged where they happen and folded into
 * s->ret.
 */
struct pass {
    const struct pipeline_opts *o;
    const struct config *cfg;
    int dry;                     /* --dry-run: nothing sent or written */
    int want_report;             /* report + summary JSON (never in a dry run) */
    int ret;                     /* the exit code so far */
    int aborted;
    time_t started;
    char *token;
    struct ingest *in;
    struct ledger *l;
    struct push *p;
    struct opscom *oc;
    struct report *rep;
    struct buf lpath, xlsx, sjson, causes;
    char ctxhash[65];
    char title[64];              /* the report's (its meta points here) */
    long over_before;            /* files over the reject ratio before this file */
    long pruned;                 /* retention: records pruned, -1 none */
    char prunetext[48];
    char line[1600];             /* the summary line ("": already printed) */
    struct push_counts counts;   /* for the nightly outputs, when have_counts */
    int have_counts, xlsx_ok, sjson_ok;
    struct run_ctx rctx;
    struct etl_err err;
};

/* "config": the token, the business day, the paths, the readers. */
static int open_config(struct pass *s)
{
    const struct config *cfg = s->cfg;
    const struct pipeline_opts *o = s->o;
    struct ingest_opts io;
    int y, m, d;

    timing_begin("config");
    if (!s->dry) {
        /* the token's format is checked before anything else happens */
        s->token = config_read_token(cfg, &s->err);
        if (!s->token)
            return -1;
    }
    s->rctx.btz = tz_get(cfg->business_tz, &s->err);
    if (!s->rctx.btz)
        return -1;
    if (o->date) {
        if (cli_parse_date(o->date, &y, &m, &d) < 0 ||
            tz_day_range(s->rctx.btz, y, m, d, &s->rctx.day_from, &s->rctx.day_to) < 0)
            return etl_fail(&s->err, E_USAGE, "--date: '%s' is not a day in %s", o->date,
                            cfg->business_tz);
        s->rctx.have_day = 1;
    }
    if ((s->want_report &&
         runfiles_report_paths(cfg, s->started, &s->xlsx, &s->sjson, &s->err) < 0) ||
        push_ledger_path(cfg, &s->lpath, &s->err) < 0 ||
        push_context_hash(o->in->zones_path, o->in->aliases_path, cfg->disconnected_hold, o->in->profile,
                          s->ctxhash, &s->err) < 0)
        return -1;
    memset(&io, 0, sizeof(io));
    io.profile = o->in->profile;
    io.zones = o->in->zones;
    s->in = ingest_new(&io, &s->err);
    if (!s->in)
        return -1;
    timing_end("config");
    return 0;
}

/* The ledger (locked, or copied into memory for a dry run) and the report
 * (with its redacted twin for the mail). */
static int open_outputs(struct pass *s)
{
    const struct config *cfg = s->cfg;
    const struct pipeline_opts *o = s->o;
    struct report_meta meta;

    s->l = ledger_open(s->lpath.ptr, s->dry ? LEDGER_DRY : LEDGER_LOCK, &s->err);
    if (!s->l)
        return -1;
    s->rctx.l = s->l;
    etl_err_clear(&s->rctx.db_err);
    ingest_on_rejected_row(s->in, on_rejected_row, &s->rctx);
    if (!s->want_report)
        return 0;
    snprintf(s->title, sizeof(s->title), "permit-etl %s", o->command);
    memset(&meta, 0, sizeof(meta));
    meta.title = s->title;
    meta.run_time = (long long)s->started;
    meta.command = o->command;
    meta.config_path = o->in->config_path;
    meta.business_day = o->date;
    meta.online = 1;
    meta.business_tz = cfg->business_tz;
    meta.local_date = local_date;
    meta.local_offset = local_offset;
    meta.local_date_ctx = (void *)s->rctx.btz;
    meta.zones = o->in->zones;
    s->rep = report_open(s->xlsx.ptr, &meta, &s->err);
    if (!s->rep)
        return -1;
    if (o->nightly && cfg->notify.mail_url && cfg->notify.mail_redact) {
        /* the copy for the mail: fed the same calls, plates masked */
        struct report_meta rmeta = meta;
        struct buf red = BUF_INIT;
        struct etl_err rerr;

        rmeta.redact = 1;
        etl_err_clear(&rerr);
        if (pipeline_redacted_path(s->xlsx.ptr, &red) < 0 ||
            report_add_twin(s->rep, red.ptr, &rmeta, &rerr) < 0)
            log_warn("notify.mail.redact: the redacted copy cannot be made: %s",
                     rerr.msg[0] ? rerr.msg : "out of memory");
        buf_release(&red);
    }
    return 0;
}

/* The push engine, and the signals that interrupt it. */
static int start_push(struct pass *s)
{
    const struct config *cfg = s->cfg;
    struct push_opts po;

    memset(&po, 0, sizeof(po));
    po.batch_size = cfg->batch_size;
    po.max_reject_ratio = cfg->max_reject_ratio;
    po.hold_disconnected = cfg->disconnected_hold;
    po.force = s->o->force;
    po.retry_failed = s->o->retry_failed;
    po.partial = s->o->date != NULL;
    po.dry_run = s->dry;
    po.dry_out = stdout;
    po.dry_verbose = log_options()->verbose;
    po.zones = s->o->in->zones;
    po.ctx_hash = s->ctxhash;
    po.log = s->rep ? on_push_log : NULL;
    po.log_ctx = &s->rctx;
    po.unstaged = on_unstaged;
    po.window = cfg->concurrency;
    po.timeout_s = cfg->timeout_s;
    s->p = push_new(s->l, &po, &s->err);
    if (!s->p || push_begin(s->p, &s->err) < 0)
        return -1;
    s->rctx.push = s->p;
    s->rctx.rep = s->rep;
    interrupt_catch();
    return 0;
}

/* Before reading an input: skipped (the same file twice, processed and
 * unchanged, another worker's), failed (not a regular file, the ledger's
 * check), or begun in the ledger. */
static int file_begin(void *ctx, struct filepass_file *f)
{
    struct pass *s = ctx;
    struct runfile *rfile = &s->o->files->v[f->index];
    const char *lp = runfile_ledger_path(rfile);
    int skip = 0;

    if (rfile->same_as) {
        log_info("%s: the same file as %s: skipped", f->path,
                 s->o->files->v[rfile->same_as - 1].path);
        runfile_status(rfile, "skipped", "the same file as an earlier input");
        push_file_same(s->p);
        return FILEPASS_SKIP;
    }
    if (regular_input(f->path, &f->err) < 0 ||
        /* --date re-reads processed files: no skip check */
        (!s->o->date && push_file_check(s->p, lp, &skip, &f->err) < 0))
        goto failed;
    if (skip) {
        const char *why = skip == 2 ? "another worker is staging it: skipped this run"
                                    : "processed before and unchanged";

        log_info("%s: %s%s", f->path, why, skip == 2 ? "" : ": skipped");
        runfile_status(rfile, "skipped", why);
        return FILEPASS_SKIP;
    }
    if (ledger_rejrow_clear(s->l, f->path, &f->err) < 0)
        return -1;
    if (push_file_begin(s->p, lp, &f->err) < 0)
        goto failed;
    s->over_before = push_counts(s->p)->files_over_ratio;
    f->profile = rfile->profile;
    return FILEPASS_READ;
failed:
    runfile_status(rfile, "error", f->err.msg);
    return FILEPASS_FAILED;
}

/* After reading an input: its outcome in the ledger (with --date, po.partial,
 * a file read for one day is never marked processed), the run's files and
 * the report's Summary. */
static int file_end(void *ctx, struct filepass_file *f)
{
    struct pass *s = ctx;
    struct runfile *rfile = &s->o->files->v[f->index];
    struct report_file fr;

    if (s->rctx.db_err.code != E_OK) {
        f->err = s->rctx.db_err;
        return -1;
    }
    if (f->fatal)
        return -1;                  /* the ledger itself failed */
    if (f->failed)
        runfile_status(rfile, "error", f->err.msg);
    if (push_file_end(s->p, runfile_ledger_path(rfile), &f->st, !f->failed, &f->err) < 0)
        return -1;
    runfile_stats(rfile, &f->st);
    if (!f->failed)
        runfile_status(rfile, push_counts(s->p)->files_over_ratio > s->over_before
                                  ? "over_ratio" : "read", NULL);
    memset(&fr, 0, sizeof(fr));
    fr.path = f->path;
    fr.profile = f->st.profile[0] ? f->st.profile : rfile->profile;
    fr.st = f->st;
    fr.status = rfile->status_text;
    if (s->rep)
        report_add_file(s->rep, &fr);
    return 0;
}

/* "stage": every input read once into the ledger (and the report), then
 * (run) the settlement files. */
static int stage_files(struct pass *s)
{
    struct runfiles *rf = s->o->files;
    struct filepass fp;
    const char **paths;
    size_t i;
    int rc;

    timing_begin("stage");
    if (!rf->n)
        log_info("no input files match the config's inputs");
    paths = calloc(rf->n + 1, sizeof(*paths));
    if (!paths)
        return etl_fail(&s->err, E_NOMEM, "out of memory");
    for (i = 0; i < rf->n; i++)
        paths[i] = rf->v[i].path;
    filepass_init(&fp, s->o->command, s->in, on_record, on_reject, &s->rctx);
    fp.log_failures = 1;
    fp.begin = file_begin;
    fp.end = file_end;
    fp.ctx = s;
    fp.interrupted = push_interrupted;
    rc = filepass_run(&fp, paths, rf->n, &s->err);
    free(paths);
    if (rc < 0)
        return -1;
    /* every record file is read: the duplicate-key index (~70 MB a million
     * rows) is not needed for the push, the settlements or the report */
    ingest_forget_keys(s->in);
    s->ret = etl_exit_worse(s->ret, fp.exit_code);
    /* settlement files after the records: their lines are rejected like rows */
    if (s->cfg->nsettlements && !strcmp(s->o->command, "run") && !push_interrupted() &&
        read_settlements(&s->rctx, s->cfg, &s->err) < 0)
        return -1;
    log_row_errors_where(s->rep ? "the report's Rejected sheet"
                                : "permit-etl validate --rejects F");
    log_row_errors_flush();
    if (s->rctx.have_day)
        log_info("--date %s: %ld records of other days left out", s->o->date,
                 s->rctx.outside_day);
    timing_end("stage");
    return 0;
}

/* "push": everything pending sent (an abort is survived: the report says
 * it), the records tallied, then (settlements) this run's days judged. */
static int send_and_judge(struct pass *s)
{
    timing_begin("push");
    if (!push_interrupted()) {
        if (!s->dry) {
            s->oc = opscom_new(s->cfg, s->token, &s->err);
            if (!s->oc)
                return -1;
        }
        if (push_send(s->p, run_opscom, s->oc, &s->err) < 0) {
            log_err(&s->err);
            s->aborted = 1;
            etl_err_clear(&s->err);
        }
    }
    timing_end("push");
    if (push_finish(s->p, &s->err) < 0 || push_tally(s->p, on_run_record, &s->rctx, &s->err) < 0)
        return -1;
    if (s->rctx.db_err.code != E_OK) {
        s->err = s->rctx.db_err;
        return -1;
    }
    timing_begin("settlements");
    if (judge_days(&s->rctx, s->cfg, &s->err) < 0)
        return -1;
    timing_end("settlements");
    interrupt_release();
    if (push_interrupted())
        s->aborted = 1;
    return 0;
}

/* A step the run survives: logged, its exit code folded in. */
static void survive(struct pass *s)
{
    log_err(&s->err);
    s->ret = etl_exit_worse(s->ret, etl_exit_for(s->err.code));
    etl_err_clear(&s->err);
}

/* "stats", the archive and "prune": the end-of-run writers before the
 * report. */
static void end_of_run(struct pass *s)
{
    const struct config *cfg = s->cfg;

    timing_begin("stats");
    if (!s->rep) {
        /* no report: nothing to pull the stats into */
    } else if (s->aborted) {
        report_set_stats_error(s->rep, "not pulled: the run aborted");
    } else {
        struct stats_rows srows = STATS_ROWS_INIT;

        if (stats_rows_pull_zones(cfg, s->token, s->o->in->zones, &srows, &s->err) < 0 ||
            report_stats(s->rep, &srows, s->o->in->zones, s->l, &s->err) < 0) {
            report_set_stats_error(s->rep, s->err.msg);
            survive(s);
        }
        stats_rows_free(&srows);
    }
    timing_end("stats");

    if (s->o->archive && cfg->archive_dir &&
        runfiles_archive(s->o->files, s->l, cfg->archive_dir, &s->err) < 0)
        survive(s);

    /* retention_days: the run ends with the equivalent of `ledger prune` */
    if (s->o->retention && cfg->retention_days > 0 && !push_interrupted()) {
        long long before = (long long)s->started - (long long)cfg->retention_days * 86400;

        timing_begin("prune");
        if (ledger_prune(s->l, before, &s->pruned, &s->err) < 0) {
            survive(s);
            s->pruned = -1;
        } else {
            log_info("retention: %ld record%s ended over %d days ago pruned", s->pruned,
                     s->pruned == 1 ? "" : "s", cfg->retention_days);
            snprintf(s->prunetext, sizeof(s->prunetext), "; pruned %ld", s->pruned);
        }
        timing_end("prune");
    }
}

/* What the nightly outputs read: the counts and the causes of exit 1. */
static void keep_counts(struct pass *s)
{
    s->counts = *push_counts(s->p);
    s->have_counts = 1;
    run_causes(s->p, &s->causes);
}

/* "report": the exit code settled, the workbook closed, the summary JSON
 * beside it, the summary line. */
static void write_report(struct pass *s)
{
    const struct pipeline_opts *o = s->o;
    struct report_counts rc;
    char summary[1024];

    s->ret = etl_exit_worse(s->ret, push_exit_code(s->p));
    if (s->aborted)
        s->ret = EXIT_ABORTED;
    s->aborted = s->ret == EXIT_ABORTED;   /* e.g. the stats pull found the API unreachable */
    timing_begin("report");
    report_counts_from(push_counts(s->p), s->ret, &rc);
    if (s->rep) {
        report_set_counts(s->rep, &rc);
        report_causes_from(s->rep, s->p);
        if (report_close(s->rep, s->aborted, &s->err) < 0) {
            log_err(&s->err);
            s->ret = EXIT_ABORTED;
            etl_err_clear(&s->err);
            buf_reset(&s->xlsx);
        } else {
            log_info("report written: %s", s->xlsx.ptr);
        }
        s->rep = NULL;
        if (runfiles_write_summary(o->files, s->sjson.ptr, s->xlsx.len ? s->xlsx.ptr : NULL,
                                   s->p, &s->rctx.money, s->started, s->dry, o->date, s->ret,
                                   s->aborted, s->pruned, &s->err) < 0) {
            log_err(&s->err);
            s->ret = EXIT_ABORTED;
            etl_err_clear(&s->err);
        } else {
            s->sjson_ok = 1;
        }
    }
    timing_end("report");
    push_summary_text(s->p, summary, sizeof(summary));
    timing_report();
    snprintf(s->line, sizeof(s->line), "%s%s: %s%s%s%s", o->command,
             push_interrupted() ? " interrupted" : s->aborted ? " aborted" : "", summary,
             s->prunetext, s->want_report ? "; report " : "",
             !s->want_report ? "" : s->xlsx.len ? s->xlsx.ptr : "not written");
    keep_counts(s);
    if (!s->xlsx.len)
        buf_release(&s->xlsx);
    if (!s->sjson_ok)
        buf_release(&s->sjson);
}

/* The pass aborted: the report is still written (marked ABORTED), and the
 * summary line says how far it got. */
static void abort_pass(struct pass *s)
{
    const char *command = s->o->command;
    char summary[1024];

    log_err(&s->err);
    s->ret = etl_exit_for(s->err.code ? s->err.code : E_INTERNAL);
    if (s->rep) {
        struct report_counts rc;
        struct etl_err rerr;

        etl_err_clear(&rerr);
        if (s->p) {
            report_counts_from(push_counts(s->p), s->ret, &rc);
            report_set_counts(s->rep, &rc);
            report_causes_from(s->rep, s->p);
        }
        if (report_close(s->rep, 1, &rerr) == 0) {
            log_info("report written (ABORTED): %s", s->xlsx.ptr);
            s->xlsx_ok = 1;
        } else {
            log_err(&rerr);
        }
        s->rep = NULL;
    }
    if (s->p && s->dry) {
        push_plan_text(s->p, summary, sizeof(summary));
        log_summary(s->ret, "%s dry run aborted: %s (nothing sent or written)", command,
                    summary);
    } else if (s->p) {
        push_summary_text(s->p, summary, sizeof(summary));
        snprintf(s->line, sizeof(s->line), "%s aborted: %s", command, summary);
    } else {
        snprintf(s->line, sizeof(s->line), "%s failed before any file was read", command);
    }
    if (s->p)
        keep_counts(s);
    if (!s->xlsx_ok)
        buf_release(&s->xlsx);
    buf_release(&s->sjson);        /* not written on this path */
}

/* Everything released; then (run) the nightly outputs — after the ledger
 * and its lock, so a slow mail server never holds up the next run — and
 * the summary line. Returns the exit code. */
static int finish(struct pass *s)
{
    recon_days_free(&s->rctx.rec_days);
    recon_days_free(&s->rctx.recon_days);
    report_discard(s->rep);
    opscom_free(s->oc);
    push_free(s->p);
    ledger_close(s->l);
    ingest_free(s->in);
    if (s->token)
        config_token_free(s->token);
    if (s->o->nightly && !s->dry)
        pipeline_nightly(s->cfg, s->ret, s->line, s->have_counts ? &s->counts : NULL,
                         s->have_counts ? &s->rctx.money : NULL, s->causes.ptr, s->xlsx.ptr,
                         s->sjson.ptr);
    buf_release(&s->causes);
    if (s->line[0])                /* a dry run printed its own summary line */
        log_summary(s->ret, "%s", s->line);
    buf_release(&s->lpath);
    buf_release(&s->xlsx);
    buf_release(&s->sjson);
    return s->ret;
}

int pipeline_run(const struct pipeline_opts *o)
{
    struct pass s;

    memset(&s, 0, sizeof(s));
    s.o = o;
    s.cfg = o->in->config;
    s.dry = o->dry_run;
    s.want_report = o->write_report && !o->dry_run;
    s.ret = EXIT_GOOD;
    s.started = time(NULL);
    s.pruned = -1;
    buf_init(&s.lpath, 0);
    buf_init(&s.xlsx, 0);
    buf_init(&s.sjson, 0);
    buf_init(&s.causes, 0);
    if (open_config(&s) < 0 || open_outputs(&s) < 0 || start_push(&s) < 0 ||
        stage_files(&s) < 0 || send_and_judge(&s) < 0) {
        abort_pass(&s);
    } else if (s.dry) {
        /* the plan is all a dry run leaves: it returns here, before every
         * end-of-run writer (stats, archive, report, summary JSON and what
         * follows them) */
        s.ret = dry_run_end(o, s.p, s.aborted);
    } else {
        end_of_run(&s);
        write_report(&s);
    }
    return finish(&s);
}
