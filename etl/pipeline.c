/*
 * pipeline.c — the pass shared by `push` and `run` (pipeline.h).
 */
#include "pipeline.h"

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "ingest.h"
#include "interrupt.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "opscom.h"
#include "push.h"
#include "report.h"
#include "profile.h"
#include "report_recon.h"
#include "report_stats.h"
#include "report_voids.h"
#include "runfiles.h"
#include "settle.h"
#include "silent.h"
#include "tz.h"
#include "zones.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
static int on_settle_line(void *ctx, const struct settle_line *sl, struct etl_err *err)
{
    struct run_ctx *c = ctx;
    struct ledger_money_line m;

    memset(&m, 0, sizeof(m));
    m.file = sl->file;
    m.line = sl->line;
    m.day = sl->day;
    m.vendor = sl->vendor;
    m.currency = sl->currency;
    m.cents = sl->cents;
    m.count = sl->count;
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

static int worst(int a, int b)
{
    return a > b ? a : b;
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
    struct report_push rp;

    memset(&rp, 0, sizeof(rp));
    rp.key = e->key;
    rp.plate = e->plate;
    rp.zone = e->zone;
    rp.action = e->action;
    rp.reference_id = e->reference_id;
    rp.state = e->state;
    rp.attempts = e->attempts;
    rp.last_error = e->last_error;
    rp.resent_after_doubt = e->resent_after_doubt;
    rp.unlinked = e->unlinked;
    report_add_push(c->rep, &rp);
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

/* The one place the nightly outputs read the run's figures from: the
 * summary's buckets (the same words as the summary JSON's keys). */
static void run_outcome_fill(struct run_outcome *r, const struct push_counts *c,
                             const struct run_money *money)
{
    long sales = c->not_pushed, voids = 0;
    int i;

    for (i = 0; i < LB_S_COUNT; i++)
        sales += c->sales[i];
    for (i = 0; i < LB_V_COUNT; i++)
        voids += c->voids_b[i];
#define ROW(name, v) r->rows[r->nrows++] = (struct run_count){ NULL, name, v }
#define REC(kind, name, v) r->records[r->nrecords++] = (struct run_count){ kind, name, v }
    ROW("sales", sales);
    ROW("rejected", c->rejected);
    ROW("duplicates", c->duplicates);
    ROW("voids", voids);
    for (i = 0; i < LB_S_COUNT; i++)
        REC("sale", runfiles_sales_keys[i], c->sales[i]);
    REC("sale", runfiles_sales_keys[LB_S_COUNT], c->not_pushed);
    for (i = 0; i < LB_V_COUNT; i++)
        REC("void", runfiles_voids_keys[i], c->voids_b[i]);
    REC("earlier", runfiles_earlier_keys[0], c->earlier_pushed);
    REC("earlier", runfiles_earlier_keys[1], c->earlier_updated);
    REC("earlier", runfiles_earlier_keys[2], c->earlier_deleted);
    REC("earlier", runfiles_earlier_keys[3], c->earlier_failed);
    REC("earlier", runfiles_earlier_keys[4], c->earlier_pending);
#undef ROW
#undef REC
    if (money)
        for (i = CUR_CAD; i <= CUR_USD; i++)
            r->net_cents[i] = money->gross[i] - money->voids[i];
    r->have_figures = 1;
}

/* The redacted copy mailed with notify.mail.redact: beside the run's
 * workbook, "<name>-redacted.xlsx" (a report_dir file of the tool's own). */
static int redacted_path(const char *xlsx, struct buf *out)
{
    size_t n = strlen(xlsx);

    buf_reset(out);
    if (n > 5 && !strcmp(xlsx + n - 5, ".xlsx"))
        n -= 5;
    return buf_add(out, xlsx, n) < 0 || buf_addstr(out, "-redacted.xlsx") < 0 ? -1 : 0;
}

void pipeline_nightly(const struct config *cfg, int exit_code, const char *summary,
                      const struct push_counts *pc, const struct run_money *money,
                      const char *causes, const char *xlsx, const char *summary_json)
{
    struct run_outcome r;
    struct buf why = BUF_INIT, red = BUF_INIT;
    struct etl_err err;

    if (exit_code == EXIT_USAGE)
        return;
    memset(&r, 0, sizeof(r));
    r.exit_code = exit_code;
    r.finished = time(NULL);
    r.summary = summary;
    r.xlsx = xlsx;
    r.summary_json = summary_json;
    if (xlsx && cfg->notify.mail_url && cfg->notify.mail_redact &&
        redacted_path(xlsx, &red) < 0)
        buf_release(&red);
    if (red.ptr && access(red.ptr, F_OK) == 0)
        r.xlsx_redacted = red.ptr;
    if (pc)
        run_outcome_fill(&r, pc, money);
    if (causes)
        buf_addstr(&why, causes);
    if (exit_code == EXIT_ABORTED && log_last_error()[0])
        buf_addf(&why, "%s\n", log_last_error());
    r.causes = why.ptr ? why.ptr : "";
    etl_err_clear(&err);
    if (cfg->metrics_file) {
        if (metrics_write(cfg->metrics_file, &r, &err) < 0)
            log_err(&err);
        else
            log_debug("metrics written: %s", cfg->metrics_file);
    }
    notify_send(cfg, &r);
    if (red.ptr)
        unlink(red.ptr);            /* made for the mail only, sent or not */
    buf_release(&why);
    buf_release(&red);
}

int pipeline_run(const struct pipeline_opts *o)
{
    const struct config *cfg = o->cfg;
    const char *date = o->date;
    int dry = o->dry_run, ret = EXIT_GOOD, aborted = 0, y = 0, m = 0, d = 0, sjson_ok = 0;
    int xlsx_ok = 0, have_counts = 0;
    /* a dry run writes nothing: no report, no summary JSON, no archive */
    int want_report = o->write_report && !dry;
    struct buf causes = BUF_INIT;
    struct push_counts counts;
    size_t i;
    struct etl_err err;
    const struct tz *btz = NULL;
    char *token = NULL;
    struct ingest *in = NULL;
    struct ledger *l = NULL;
    struct push *p = NULL;
    struct opscom *oc = NULL;
    struct report *rep = NULL;
    struct runfiles *rf = o->files;
    struct buf lpath = BUF_INIT, xlsx = BUF_INIT, sjson = BUF_INIT;
    struct push_opts po;
    struct ingest_opts io;
    struct ingest_sink sink;
    struct report_meta meta;
    struct report_counts rc;
    struct run_ctx rctx;
    char ctxhash[65], summary[1024], title[64], prunetext[48] = "", line[1600] = "";
    long pruned = -1;
    time_t started = time(NULL);

    etl_err_clear(&err);
    memset(&rctx, 0, sizeof(rctx));
    memset(&counts, 0, sizeof(counts));
    timing_begin("config");
    if (!dry) {
        /* the token's format is checked before anything else happens */
        token = config_read_token(cfg, &err);
        if (!token)
            goto fail;
    }
    btz = tz_get(cfg->business_tz, &err);
    if (!btz)
        goto fail;
    if (date) {
        if (cli_parse_date(date, &y, &m, &d) < 0 ||
            tz_day_range(btz, y, m, d, &rctx.day_from, &rctx.day_to) < 0) {
            etl_fail(&err, E_USAGE, "--date: '%s' is not a day in %s", date, cfg->business_tz);
            goto fail;
        }
        rctx.have_day = 1;
    }
    if ((want_report && runfiles_report_paths(cfg, started, &xlsx, &sjson, &err) < 0) ||
        push_ledger_path(cfg, &lpath, &err) < 0 ||
        push_context_hash(o->zones_path, o->aliases_path, cfg->disconnected_hold, o->profile,
                          ctxhash, &err) < 0)
        goto fail;
    memset(&io, 0, sizeof(io));
    io.profile = o->profile;
    io.zones = o->zones;
    in = ingest_new(&io, &err);
    if (!in)
        goto fail;
    timing_end("config");

    l = ledger_open(lpath.ptr, dry ? LEDGER_DRY : LEDGER_LOCK, &err);
    if (!l)
        goto fail;
    rctx.l = l;
    rctx.btz = btz;
    etl_err_clear(&rctx.db_err);
    ingest_on_rejected_row(in, on_rejected_row, &rctx);
    if (want_report) {
        snprintf(title, sizeof(title), "permit-etl %s", o->command);
        memset(&meta, 0, sizeof(meta));
        meta.title = title;
        meta.run_time = (long long)started;
        meta.command = o->command;
        meta.config_path = o->config_path;
        meta.business_day = date;
        meta.online = 1;
        meta.business_tz = cfg->business_tz;
        meta.local_date = local_date;
        meta.local_offset = local_offset;
        meta.local_date_ctx = (void *)btz;
        meta.zones = o->zones;
        rep = report_open(xlsx.ptr, &meta, &err);
        if (!rep)
            goto fail;
        if (o->nightly && cfg->notify.mail_url && cfg->notify.mail_redact) {
            /* the copy for the mail: fed the same calls, plates masked */
            struct report_meta rmeta = meta;
            struct buf red = BUF_INIT;
            struct etl_err rerr;

            rmeta.redact = 1;
            etl_err_clear(&rerr);
            if (redacted_path(xlsx.ptr, &red) < 0 ||
                report_add_twin(rep, red.ptr, &rmeta, &rerr) < 0)
                log_warn("notify.mail.redact: the redacted copy cannot be made: %s",
                         rerr.msg[0] ? rerr.msg : "out of memory");
            buf_release(&red);
        }
    }
    memset(&po, 0, sizeof(po));
    po.batch_size = cfg->batch_size;
    po.max_reject_ratio = cfg->max_reject_ratio;
    po.hold_disconnected = cfg->disconnected_hold;
    po.force = o->force;
    po.retry_failed = o->retry_failed;
    po.partial = date != NULL;
    po.dry_run = dry;
    po.dry_out = stdout;
    po.dry_verbose = log_options()->verbose;
    po.zones = o->zones;
    po.ctx_hash = ctxhash;
    po.log = rep ? on_push_log : NULL;
    po.log_ctx = &rctx;
    po.unstaged = on_unstaged;
    po.window = cfg->concurrency;
    po.timeout_s = cfg->timeout_s;
    p = push_new(l, &po, &err);
    if (!p || push_begin(p, &err) < 0)
        goto fail;
    rctx.push = p;
    rctx.rep = rep;

    interrupt_catch();

    timing_begin("stage");
    sink.record = on_record;
    sink.reject = on_reject;
    sink.ctx = &rctx;
    if (!rf->n)
        log_info("no input files match the config's inputs");
    for (i = 0; i < rf->n && !push_interrupted(); i++) {
        struct runfile *f = &rf->v[i];
        struct ingest_stats st;
        struct report_file fr;
        int skip = 0, rcode;
        long over_before = push_counts(p)->files_over_ratio;

        memset(&st, 0, sizeof(st));
        if (f->same_as) {
            const char *first = rf->v[f->same_as - 1].path;

            log_info("%s: the same file as %s: skipped", f->path, first);
            runfile_status(f, "skipped", "the same file as an earlier input");
            push_file_same(p);
            continue;
        }
        if (regular_input(f->path, &err) < 0) {
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            runfile_status(f, "error", err.msg);
            etl_err_clear(&err);
            continue;
        }
        /* --date re-reads processed files: no skip check */
        if (!date && push_file_check(p, runfile_ledger_path(f), &skip, &err) < 0) {
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            runfile_status(f, "error", err.msg);
            etl_err_clear(&err);
            continue;
        }
        if (skip) {
            const char *why = skip == 2 ? "another worker is staging it: skipped this run"
                                        : "processed before and unchanged";

            log_info("%s: %s%s", f->path, why, skip == 2 ? "" : ": skipped");
            runfile_status(f, "skipped", why);
            continue;
        }
        if (ledger_rejrow_clear(l, f->path, &err) < 0)
            goto fail;
        if (push_file_begin(p, runfile_ledger_path(f), &err) < 0) {
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            runfile_status(f, "error", err.msg);
            etl_err_clear(&err);
            continue;
        }
        log_progress_file(o->command, i + 1, rf->n, f->path, &st.rows);
        rcode = f->profile ? ingest_file_as(in, f->path, f->profile, &sink, &st, &err)
                         : ingest_file(in, f->path, &sink, &st, &err);
        if (rctx.db_err.code != E_OK) {
            err = rctx.db_err;
            goto fail;
        }
        if (rcode < 0) {
            if (err.code == E_DB || err.code == E_NOMEM || err.code == E_INTERNAL)
                goto fail;     /* the ledger itself failed */
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            runfile_status(f, "error", err.msg);
            etl_err_clear(&err);
        }
        /* with --date (po.partial) a file read for one day is never marked processed */
        if (push_file_end(p, runfile_ledger_path(f), &st, rcode == 0, &err) < 0)
            goto fail;
        runfile_stats(f, &st);
        if (rcode == 0)
            runfile_status(f, push_counts(p)->files_over_ratio > over_before
                                  ? "over_ratio" : "read", NULL);
        memset(&fr, 0, sizeof(fr));
        fr.path = f->path;
        fr.profile = st.profile[0] ? st.profile : f->profile;
        fr.rows = st.rows;
        fr.accepted = st.accepted;
        fr.rejected = st.rejected;
        fr.duplicates = st.duplicates;
        fr.voids = st.voids;
        fr.free_sessions = st.free_sessions;
        fr.status = f->status_text;
        if (rep)
            report_add_file(rep, &fr);
    }
    /* settlement files after the records: their lines are rejected like rows */
    if (cfg->nsettlements && !strcmp(o->command, "run") && !push_interrupted() &&
        read_settlements(&rctx, cfg, &err) < 0)
        goto fail;
    log_progress_done();
    log_row_errors_where(rep ? "the report's Rejected sheet" : "permit-etl validate --rejects F");
    log_row_errors_flush();
    if (rctx.have_day)
        log_info("--date %s: %ld records of other days left out", date, rctx.outside_day);
    timing_end("stage");

    timing_begin("push");
    if (!push_interrupted()) {
        if (!dry) {
            oc = opscom_new(cfg, token, &err);
            if (!oc)
                goto fail;
        }
        if (push_send(p, run_opscom, oc, &err) < 0) {
            log_err(&err);
            aborted = 1;
            etl_err_clear(&err);
        }
    }
    timing_end("push");
    if (push_finish(p, &err) < 0 || push_tally(p, on_run_record, &rctx, &err) < 0)
        goto fail;
    if (rctx.db_err.code != E_OK) {
        err = rctx.db_err;
        goto fail;
    }
    timing_begin("settlements");
    if (judge_days(&rctx, cfg, &err) < 0)
        goto fail;
    timing_end("settlements");
    interrupt_release();
    if (push_interrupted())
        aborted = 1;
    if (dry) {
        /* the plan is all a dry run leaves: it returns here, before every
         * end-of-run writer (stats, archive, report, summary JSON and what
         * follows them) */
        ret = dry_run_end(o, p, aborted);
        goto out;
    }

    timing_begin("stats");
    if (!rep) {
        /* no report: nothing to pull the stats into */
    } else if (aborted) {
        report_set_stats_error(rep, "not pulled: the run aborted");
    } else if (report_pull_stats(rep, cfg, token, o->zones, l, &err) < 0) {
        log_err(&err);
        ret = worst(ret, etl_exit_for(err.code));
        etl_err_clear(&err);
    }
    timing_end("stats");

    if (o->archive && cfg->archive_dir &&
        runfiles_archive(rf, l, cfg->archive_dir, &err) < 0) {
        log_err(&err);
        ret = worst(ret, etl_exit_for(err.code));
        etl_err_clear(&err);
    }

    /* retention_days: the run ends with the equivalent of `ledger prune` */
    if (o->retention && cfg->retention_days > 0 && !dry && !push_interrupted()) {
        long long before = (long long)started - (long long)cfg->retention_days * 86400;

        timing_begin("prune");
        if (ledger_prune(l, before, &pruned, &err) < 0) {
            log_err(&err);
            ret = worst(ret, etl_exit_for(err.code));
            etl_err_clear(&err);
            pruned = -1;
        } else {
            log_info("retention: %ld record%s ended over %d days ago pruned", pruned,
                     pruned == 1 ? "" : "s", cfg->retention_days);
            snprintf(prunetext, sizeof(prunetext), "; pruned %ld", pruned);
        }
        timing_end("prune");
    }

    ret = worst(ret, push_exit_code(p));
    if (aborted)
        ret = EXIT_ABORTED;
    aborted = ret == EXIT_ABORTED;   /* e.g. the stats pull found the API unreachable */
    timing_begin("report");
    report_counts_from(push_counts(p), ret, &rc);
    if (rep) {
        report_set_counts(rep, &rc);
        report_causes_from(rep, p);
        if (report_close(rep, aborted, &err) < 0) {
            log_err(&err);
            ret = EXIT_ABORTED;
            etl_err_clear(&err);
            buf_reset(&xlsx);
        } else {
            log_info("report written: %s", xlsx.ptr);
        }
        rep = NULL;
        if (runfiles_write_summary(rf, sjson.ptr, xlsx.len ? xlsx.ptr : NULL, p,
                                   &rctx.money, started, dry, date, ret, aborted, pruned,
                                   &err) < 0) {
            log_err(&err);
            ret = EXIT_ABORTED;
            etl_err_clear(&err);
        } else {
            sjson_ok = 1;
        }
    }
    timing_end("report");
    push_summary_text(p, summary, sizeof(summary));
    timing_report();
    snprintf(line, sizeof(line), "%s%s: %s%s%s%s", o->command,
             push_interrupted() ? " interrupted" : aborted ? " aborted" : "", summary,
             prunetext, want_report ? "; report " : "",
             !want_report ? "" : xlsx.len ? xlsx.ptr : "not written");
    counts = *push_counts(p);
    have_counts = 1;
    run_causes(p, &causes);
    if (!xlsx.len)
        buf_release(&xlsx);
    if (!sjson_ok)
        buf_release(&sjson);
    goto out;
fail:
    log_err(&err);
    ret = etl_exit_for(err.code ? err.code : E_INTERNAL);
    if (rep) {
        /* the report is written even when the run aborts */
        struct etl_err rerr;

        etl_err_clear(&rerr);
        if (p) {
            report_counts_from(push_counts(p), ret, &rc);
            report_set_counts(rep, &rc);
            report_causes_from(rep, p);
        }
        if (report_close(rep, 1, &rerr) == 0) {
            log_info("report written (ABORTED): %s", xlsx.ptr);
            xlsx_ok = 1;
        } else {
            log_err(&rerr);
        }
        rep = NULL;
    }
    if (p && dry) {
        push_plan_text(p, summary, sizeof(summary));
        log_summary(ret, "%s dry run aborted: %s (nothing sent or written)", o->command,
                    summary);
    } else if (p) {
        push_summary_text(p, summary, sizeof(summary));
        snprintf(line, sizeof(line), "%s aborted: %s", o->command, summary);
    } else {
        snprintf(line, sizeof(line), "%s failed before any file was read", o->command);
    }
    if (p) {
        counts = *push_counts(p);
        have_counts = 1;
        run_causes(p, &causes);
    }
    if (!xlsx_ok)
        buf_release(&xlsx);
    buf_release(&sjson);        /* not written on this path */
out:
    recon_days_free(&rctx.rec_days);
    recon_days_free(&rctx.recon_days);
    report_discard(rep);
    opscom_free(oc);
    push_free(p);
    ledger_close(l);
    ingest_free(in);
    if (token)
        config_token_free(token);
    /* after the ledger (and its lock) is released: a slow mail server
     * never holds up the next run */
    if (o->nightly && !dry)
        pipeline_nightly(cfg, ret, line, have_counts ? &counts : NULL,
                         have_counts ? &rctx.money : NULL, causes.ptr, xlsx.ptr, sjson.ptr);
    buf_release(&causes);
    if (line[0])                /* a dry run printed its own summary line */
        log_summary(ret, "%s", line);
    buf_release(&lpath);
    buf_release(&xlsx);
    buf_release(&sjson);
    return ret;
}
