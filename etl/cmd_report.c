/*
 * cmd_report.c — `permit-etl report`: reads vendor files once and writes
 * the XLSX report (reports/report.h): every rejected field streams into
 * `Rejected` as it is read. Voids are order-free (voidmatch.h): a void row
 * cancels the sale with its key before or after it, in any of the files,
 * so the sales are spilled to an unlinked temp file during the pass and
 * streamed into the report after the last file: a sale with a void goes to
 * Gross, Voids and the `Voids` sheet, any other into `Permits` and the
 * (Net) revenue accumulators; a void of no sale in the files is listed as
 * unmatched. Without -c the Push Log and OPSCOM Stats sheets say "offline".
 *
 * With --date D or --from D1 --to D2 (business days in business_tz) the
 * report is rebuilt from the ledger alone: no input file, no API token,
 * no network, unless --stats asks for OPSCOM's stats.
 */
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "filepass.h"
#include "config.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "normalize.h"
#include "opscom.h"
#include "report.h"
#include "report_recon.h"
#include "report_stats.h"
#include "stats_rows.h"
#include "report_voids.h"
#include "silent.h"
#include "tz.h"
#include "voidmatch.h"
#include "zones.h"

#include <strings.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl report [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F] [--redact]\n"
"                        -o OUT.xlsx FILE...\n"
"       permit-etl report -c CONFIG (--date D | --from D1 --to D2) [--stats] [--redact]\n"
"                        -o OUT.xlsx\n"
"\n"
"Reads vendor files once and writes the XLSX report: Summary (run facts,\n"
"revenue by zone, source file and business day, per currency), Promo Codes,\n"
"Zone Audit, Voids, Rejected, Push Log, OPSCOM Stats and Permits. Without\n"
"-c the Push Log and OPSCOM Stats say \"offline\". Times are shown in the\n"
"config's business_tz first, UTC after.\n"
"\n"
"A void row cancels the sale with its key wherever it is among the files,\n"
"before or after it. Per currency: Gross = every sale read, Voids = those\n"
"cancelled, Net = Gross - Voids; every other revenue figure is Net,\n"
"Permits lists the sales not cancelled, the Voids sheet each cancelled\n"
"sale and each void of no sale in the files. The sales wait in an unlinked\n"
"temp file in $TMPDIR (else /tmp) until the last file is read.\n"
"\n"
"With --date or --from/--to the business days (in business_tz) are rebuilt\n"
"from the ledger, with a by-day table and a daily revenue chart; no token\n"
"is needed and nothing is sent unless --stats pulls OPSCOM's stats. When\n"
"the config lists settlements, a Reconciliation sheet holds each day's Net\n"
"per vendor and currency against what was settled; zones whose sales fell\n"
"below min_fraction of their weekday median are listed on Silent Zones\n"
"(silent_zones in the config).\n"
INPUTS_STREAMS_HELP
"\n"
INPUTS_HELP
"  -o, --output F     the workbook to write, F.xlsx (replaced atomically;\n"
"                     created 0600, 0640 with group_readable; a replaced\n"
"                     file keeps the stricter mode)\n"
"      --date D       the business day D (YYYY-MM-DD) rebuilt from the ledger\n"
"      --from D1      the first business day of a period rebuilt from the ledger\n"
"      --to D2        its last business day (included)\n"
"      --stats        with --date/--from: pull OPSCOM's stats (needs the token)\n"
"      --redact       a copy for readers outside finance: plates shown as\n"
"                     their first 3 characters and ***, keys and raw\n"
"                     rejected lines left out, amounts and counts untouched\n"
"\n"
"Exit: 0 all good; 1 a row rejected, a duplicate, a zone disconnected or\n"
"missing, a record held, failed or resent after doubt, a settlement\n"
"difference unexplained, a zone silent (the Summary lists each cause, its\n"
"count and its sheet); 2 usage, configuration or profile error, -o not\n"
"named *.xlsx; 3 unreadable input, stats unreachable with --stats, or the\n"
"report could not be written.\n";

#define DEFAULT_BUSINESS_TZ "America/Toronto"

struct rctx {
    struct report *rep;
    long disconnected, missing, records;
    struct ledger *led;          /* -c: the ledger (read-only), NULL if none yet */
    struct ledger_rec rec;
    long states[LS_COUNT], resent, not_staged;
    struct etl_err led_err;      /* first ledger error */
    int rep_online;              /* -c given */
    struct voidmatch *vm;        /* files: sales spilled, void keys */
    long cancelled, unmatched;   /* files: sales cancelled, voids of no sale */
    long long gross[3], voided[3];   /* files: cents by enum currency */
};

/* -c: the record's ledger state as a Push Log row ("not staged" when the
 * ledger does not have its key). */
static void log_ledger_state(struct rctx *c, const struct permit *p)
{
    struct push_log_entry e;
    int found;

    memset(&e, 0, sizeof(e));
    e.key = p->key;
    e.plate = p->plate;
    e.zone = p->zone;
    e.action = "none";
    found = c->led ? ledger_get(c->led, p->key, &c->rec, &c->led_err) : 0;
    if (found < 0)
        return;
    if (found == 1) {
        const struct ledger_rec *r = &c->rec;
        push_log_from_rec(&e, r, NULL);
        e.key = p->key;              /* as this file has it */
        e.plate = p->plate;
        e.zone = p->zone;
        c->states[r->state]++;
        c->resent += r->resent_after_doubt != 0;
    } else {
        e.state = "not staged";
        c->not_staged++;
    }
    report_add_push(c->rep, &e);
}

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct rctx *c = ctx;

    if (p->voided) {
        if (report_add_void(c->rep, p) < 0)          /* counted per file */
            return etl_fail(err, E_IO, "report: cannot write");
        return voidmatch_void(c->vm, p, err);
    }
    c->records++;
    log_progress_tick();
    if (voidmatch_sale(c->vm, p, err) < 0)
        return -1;
    if (c->led || c->rep_online)
        log_ledger_state(c, p);
    if (c->led_err.code != E_OK) {
        *err = c->led_err;
        return -1;
    }
    return 0;
}

/* A Voids row of `kind` for the void v: the sale's fields from p (a
 * cancelled sale; NULL: v's own), the void's file, line and amount; its
 * state from the ledger with -c ("not staged" when it lacks the key), else
 * "offline". */
static int add_voids_row(struct rctx *c, enum report_void_kind kind, const struct permit *p,
                         const struct voidmatch_void *v, struct etl_err *err)
{
    struct report_void rv;
    int found;

    memset(&rv, 0, sizeof(rv));
    rv.kind = kind;
    rv.key = p ? p->key : v->key;
    rv.plate = p ? p->plate : v->plate;
    rv.zone = p ? p->zone : v->zone;
    rv.currency = p ? p->currency : v->currency;
    if (p) {
        rv.cents = p->cents;
        rv.sale_file = p->source;
        rv.sale_line = p->line;
    }
    rv.void_file = v->file;
    rv.void_line = v->line;
    rv.void_cents = v->cents;
    rv.void_currency = v->currency;
    found = c->led ? ledger_get(c->led, rv.key, &c->rec, err) : 0;
    if (found < 0)
        return -1;
    rv.delete_sent = found == 1 && c->rec.void_sent;
    rv.state = found == 1 ? ledger_state_name(c->rec.state)
               : c->rep_online ? "not staged" : "offline";
    return report_add_voided(c->rep, &rv) < 0 ? etl_fail(err, E_IO, "report: cannot write")
                                              : 0;
}

/* After the last file: a sale of the files, v its void (NULL: kept). */
static int on_spilled_sale(void *ctx, const struct permit *p, const struct voidmatch_void *v,
                           struct etl_err *err)
{
    struct rctx *c = ctx;
    int cur = p->currency == CUR_USD ? CUR_USD : CUR_CAD;

    c->gross[cur] += p->cents;
    if (v) {
        c->cancelled++;
        c->voided[cur] += p->cents;
        return add_voids_row(c, RV_CANCELLED, p, v, err);
    }
    if (p->zone_status == ZONE_DISCONNECTED)
        c->disconnected++;
    else if (p->zone_status == ZONE_MISSING)
        c->missing++;
    return report_add_permit(c->rep, p) < 0 ? etl_fail(err, E_IO, "report: cannot write") : 0;
}

/* After the last file: a void whose sale is in none of the files. */
static int on_unmatched_void(void *ctx, const struct voidmatch_void *v, struct etl_err *err)
{
    struct rctx *c = ctx;

    c->unmatched++;
    return add_voids_row(c, RV_UNMATCHED, NULL, v, err);
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct rctx *c = ctx;

    log_row_error(file, line, field, reason);
    report_add_reject(c->rep, file, line, field, reason, raw, rawlen);  /* sticky error */
}

/* The business day of a UTC time in business_tz (tz.h). */
static int local_date(void *ctx, long long utc, int *y, int *m, int *d)
{
    return tz_local_date(ctx, utc, y, m, d);
}

static long local_offset(void *ctx, long long utc)
{
    return tz_offset(ctx, utc);
}

/* 1 when path ends in ".xlsx", any case. */
static int is_xlsx(const char *path)
{
    size_t n = strlen(path);

    return n > 5 && strcasecmp(path + n - 5, ".xlsx") == 0 && path[n - 6] != '/';
}

/* --date: every stored record of the business day, as the pass would have
 * fed them. */
static int on_day_record(void *ctx, const struct ledger_rec *r)
{
    struct rctx *c = ctx;
    struct push_log_entry e;

    if (r->state == LS_VOIDED)
        return 0;                  /* a void whose sale is not known: no sale */
    if (r->p.voided) {
        /* a cancelled sale: in Gross and Voids, listed on Voids, not Net */
        return report_voids_add(c->rep, r, RV_CANCELLED) < 0 ? -1 : 0;
    }
    if (r->state == LS_DELETED)
        return 0;
    c->records++;
    if (r->p.zone_status == ZONE_DISCONNECTED)
        c->disconnected++;
    else if (r->p.zone_status == ZONE_MISSING)
        c->missing++;
    if (report_add_permit(c->rep, &r->p) < 0)
        return -1;
    push_log_from_rec(&e, r, NULL);
    c->states[r->state]++;
    c->resent += r->resent_after_doubt != 0;
    return report_add_push(c->rep, &e) < 0 ? -1 : 0;
}

/* A period's Reconciliation (when the config lists settlements) and silent
 * zones (unless "silent_zones": false), each of its days. */
static int judge_period(struct rctx *c, const struct config *cfg, const struct tz *btz,
                        long long first, long long last, long *unexplained, long *silent,
                        struct etl_err *err)
{
    struct recon_days days;
    int ret = -1;

    memset(&days, 0, sizeof(days));
    if (!cfg || !c->led)
        return 0;
    if (recon_days_add_range(&days, first, last) < 0) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto out;
    }
    if (cfg->nsettlements) {
        struct recon_result res;

        if (report_recon(c->rep, c->led, btz, &days, 0, &res, err) < 0)
            goto out;
        *unexplained = res.unexplained;
    }
    if (cfg->silent_zones) {
        struct silent_opts so;

        so.weeks = cfg->silent_weeks;
        so.min_fraction = cfg->silent_min_fraction;
        so.min_days = cfg->silent_min_days;
        *silent = report_silent(c->rep, c->led, btz, &days, &so, err);
        if (*silent < 0) {
            *silent = 0;
            goto out;
        }
    }
    ret = 0;
out:
    recon_days_free(&days);
    return ret;
}

struct args {
    const char *out, *date, *from, *to;
    int want_stats, redact, period;
    int y, mo, d, y2, mo2, d2;   /* the period's first and last day */
};

static const struct cmd_option options[] = {
    CMD_SHORT_STRING('o', "output", struct args, out),
    CMD_STRING("date", struct args, date),
    CMD_STRING("from", struct args, from),
    CMD_STRING("to",   struct args, to),
    CMD_FLAG("stats",  struct args, want_stats),
    CMD_FLAG("redact", struct args, redact),
    CMD_OPTIONS_END
};

static int check(struct cmd_env *e)
{
    struct args *a = e->args;

    if (!a->out)
        return cli_usage_error("report", "-o OUT.xlsx is required");
    if (!is_xlsx(a->out))
        return cli_usage_error("report", "-o %s: the report is an XLSX workbook: name it "
                               "*.xlsx", a->out);
    if (a->date && (a->from || a->to))
        return cli_usage_error("report", "--date and --from/--to: give one or the other");
    if (!a->from != !a->to)
        return cli_usage_error("report", "--from and --to go together");
    if (a->date) {
        a->from = a->to = a->date;
        if (cli_parse_date(a->date, &a->y, &a->mo, &a->d) < 0)
            return cli_usage_error("report", "--date: '%s' is not a YYYY-MM-DD date", a->date);
    } else if (a->from) {
        if (cli_parse_date(a->from, &a->y, &a->mo, &a->d) < 0)
            return cli_usage_error("report", "--from: '%s' is not a YYYY-MM-DD date", a->from);
        if (cli_parse_date(a->to, &a->y2, &a->mo2, &a->d2) < 0)
            return cli_usage_error("report", "--to: '%s' is not a YYYY-MM-DD date", a->to);
        if (tz_days_from_civil(a->y2, a->mo2, a->d2) < tz_days_from_civil(a->y, a->mo, a->d))
            return cli_usage_error("report", "--to %s is before --from %s", a->to, a->from);
    }
    a->period = a->from != NULL;
    if (a->period) {
        if (a->date) {
            a->y2 = a->y;
            a->mo2 = a->mo;
            a->d2 = a->d;
        }
        if (!e->in.config_path)
            return cli_usage_error("report", "%s needs -c CONFIG (the ledger)",
                                   a->date ? "--date" : "--from/--to");
        if (e->in.nfiles)
            return cli_usage_error("report", "%s takes no input files",
                                   a->date ? "--date" : "--from/--to");
    } else if (a->want_stats) {
        return cli_usage_error("report", "--stats goes with --date or --from/--to "
                               "(a report of files with -c pulls the stats anyway)");
    } else if (e->in.nfiles == 0) {
        return cli_usage_error("report", "no input files");
    }
    timing_begin("report");            /* the config and zones load is timed too */
    return 0;
}

/* The summary line (also after a failed setup: rc all zero). */
static void summary(const struct cmd_env *e, const struct rctx *rc,
                    const struct ingest_stats *tot, int status, int written)
{
    const struct args *a = e->args;
    int nfiles = e->in.nfiles;

    timing_end("report");
    if (a->period) {
        log_summary(status, "report: %ld records rebuilt from the ledger%s%s", tot->accepted,
                    written ? ", written to " : "", written ? a->out : "");
    } else {
        char g[2][24], v[2][24], n[2][24];
        int k;

        for (k = 0; k < 2; k++) {
            norm_format_cents(rc->gross[k + 1], g[k]);
            norm_format_cents(rc->voided[k + 1], v[k]);
            norm_format_cents(rc->gross[k + 1] - rc->voided[k + 1], n[k]);
        }
        log_summary(status, "report: %d file%s: rows %ld = %ld sales + %ld rejected + "
                    "%ld duplicates + %ld voids; sales %ld = %ld listed + %ld cancelled; "
                    "voids %ld = %ld cancelling + %ld unmatched; %ld free sessions; "
                    "CAD gross %s - voids %s = net %s; USD gross %s - voids %s = net %s%s%s",
                    nfiles, nfiles == 1 ? "" : "s", tot->rows, tot->accepted,
                    tot->rejected, tot->duplicates, tot->voids, tot->accepted,
                    tot->accepted - rc->cancelled, rc->cancelled, tot->voids,
                    tot->voids - rc->unmatched, rc->unmatched, tot->free_sessions, g[0], v[0],
                    n[0], g[1], v[1], n[1], written ? "; written to " : "",
                    written ? a->out : "");
    }
    timing_report();
}

static void failed(struct cmd_env *e, int exit_code)
{
    struct rctx rc;
    struct ingest_stats tot;

    memset(&rc, 0, sizeof(rc));
    memset(&tot, 0, sizeof(tot));
    summary(e, &rc, &tot, exit_code, 0);
}

/* Each file's row on the Summary, also for one that failed. */
static int file_end(void *ctx, struct filepass_file *f)
{
    struct rctx *c = ctx;
    struct report_file rf;
    char msg[sizeof(f->err.msg) + 8];

    memset(&rf, 0, sizeof(rf));
    rf.path = f->path;
    rf.profile = f->st.profile[0] ? f->st.profile : NULL;
    rf.st = f->st;
    rf.status = "ok";
    if (f->failed) {
        snprintf(msg, sizeof(msg), "error: %s", f->err.msg);
        rf.status = msg;
    }
    report_add_file(c->rep, &rf);
    return 0;
}

static int run(struct cmd_env *e)
{
    const struct args *a = e->args;
    struct inputs *inp = &e->in;
    struct rctx rc;
    struct filepass fp;
    struct ingest_stats tot;
    struct report_meta meta;
    struct report_counts counts;
    struct etl_err *err = &e->err;
    const struct tz *btz = NULL;
    const char *tzname = DEFAULT_BUSINESS_TZ;
    struct run_cause causes[12];
    long unexplained = 0, silent = 0;
    size_t ncauses = 0;
    int status = EXIT_GOOD, aborted = 0, written = 0, period = a->period;

    memset(&rc, 0, sizeof(rc));
    memset(&tot, 0, sizeof(tot));
    filepass_init(&fp, "report", NULL, on_record, on_reject, &rc);
    ledger_rec_init(&rc.rec);
    etl_err_clear(&rc.led_err);
    if (inp->config && inp->config->business_tz)
        tzname = inp->config->business_tz;
    btz = tz_get(tzname, err);
    if (!btz) {
        log_err(err);
        status = EXIT_USAGE;
        goto done;
    }
    if (inp->config) {
        /* the token first: a bad one stops before any work (exit 2); a
         * period rebuilt from the ledger needs it only for --stats */
        if ((!period || a->want_stats) && command_token(e) < 0) {
            log_err(err);
            status = etl_exit_for(err->code);
            goto done;
        }
        rc.rep_online = 1;
        if (inp->config->ledger &&
            (ledger_is_uri(inp->config->ledger) || access(inp->config->ledger, F_OK) == 0)) {
            rc.led = ledger_open(inp->config->ledger, LEDGER_READONLY, err);
            if (!rc.led) {
                log_err(err);
                status = EXIT_ABORTED;
                goto done;
            }
        } else if (period) {
            etl_fail(err, E_CONFIG, "report %s: no ledger%s%s",
                     a->date ? "--date" : "--from/--to",
                     inp->config->ledger ? " at " : " in the config",
                     inp->config->ledger ? inp->config->ledger : "");
            log_err(err);
            status = EXIT_USAGE;
            goto done;
        }
    }
    memset(&meta, 0, sizeof(meta));
    meta.command = a->date ? "report --date" : period ? "report --from/--to" : "report";
    meta.config_path = inp->config_path;
    meta.online = rc.rep_online;
    meta.business_tz = tzname;
    meta.business_day = a->date;
    meta.period_from = period ? a->from : NULL;
    meta.period_to = period ? a->to : NULL;
    meta.local_offset = local_offset;
    meta.zones = inp->zones;
    meta.local_date = local_date;
    meta.local_date_ctx = (void *)btz;
    meta.redact = a->redact;
    rc.rep = report_open(a->out, &meta, err);
    if (!rc.rep) {
        log_err(err);
        status = EXIT_ABORTED;
        goto done;
    }
    if (period) {
        long long t0, t1, t2, t3;
        if (tz_day_range(btz, a->y, a->mo, a->d, &t0, &t1) < 0 ||
            tz_day_range(btz, a->y2, a->mo2, a->d2, &t2, &t3) < 0 ||
            ledger_each_in_range(rc.led, t0, t3, on_day_record, &rc, err) < 0) {
            if (err->code == E_OK)
                etl_fail(err, E_IO, "report: cannot write");
            log_err(err);
            status = EXIT_ABORTED;
            aborted = 1;
        }
        tot.accepted = rc.records;
        if (!aborted && judge_period(&rc, inp->config, btz, tz_days_from_civil(a->y, a->mo, a->d),
                                     tz_days_from_civil(a->y2, a->mo2, a->d2), &unexplained,
                                     &silent, err) < 0) {
            log_err(err);
            status = EXIT_ABORTED;
            aborted = 1;
        }
    } else {
        fp.in = command_ingest(e);
        if (!fp.in) {
            log_err(err);
            status = etl_exit_for(err->code);
            goto done;
        }
        rc.vm = voidmatch_new(err);
        if (!rc.vm) {
            log_err(err);
            status = etl_exit_for(err->code);
            goto done;
        }
        /* on_reject: a file-level error too is a Rejected row */
        fp.end = file_end;
        fp.ctx = &rc;
        if (filepass_run(&fp, (const char *const *)inp->files, (size_t)inp->nfiles, err) < 0) {
            /* not a file-level error: the report or the ledger failed */
            log_err(err);
            status = EXIT_ABORTED;
            aborted = 1;
        }
        status = etl_exit_worse(status, fp.exit_code);
        aborted |= fp.exit_code == EXIT_ABORTED;
        tot = fp.total;
        /* every void is known now: the sales go to Permits or Voids */
        if (voidmatch_replay(rc.vm, on_spilled_sale, on_unmatched_void, &rc, err) < 0) {
            log_err(err);
            status = EXIT_ABORTED;
            aborted = 1;
        }
    }
    if (period && !a->want_stats) {
        report_set_stats_offline(rc.rep, "rebuilt from the ledger: OPSCOM stats were not "
                                 "pulled (--stats pulls them)");
    } else if (rc.rep_online && !aborted) {
        struct stats_rows srows = STATS_ROWS_INIT;

        if (stats_rows_pull_zones(inp->config, e->token, inp->zones, &srows, err) < 0 ||
            report_stats(rc.rep, &srows, inp->zones, rc.led, err) < 0) {
            report_set_stats_error(rc.rep, err->msg);
            log_err(err);
            status = etl_exit_worse(status, etl_exit_for(err->code));
            aborted = etl_exit_for(err->code) == EXIT_ABORTED;
        }
        stats_rows_free(&srows);
    }
    if (tot.rejected || tot.duplicates || rc.disconnected || rc.missing ||
        rc.states[LS_FAILED] || rc.states[LS_HELD] || rc.resent || unexplained || silent)
        status = etl_exit_worse(status, EXIT_ATTENTION);
    memset(&counts, 0, sizeof(counts));
    counts.updated = counts.unchanged = counts.pending = -1;
    counts.pushed = rc.states[LS_PUSHED];
    counts.deleted = rc.states[LS_DELETED];
    counts.failed = rc.states[LS_FAILED];
    counts.held = rc.states[LS_HELD];
    counts.resent_after_doubt = rc.resent;
    counts.exit_code = status;
    report_set_counts(rc.rep, &counts);
#define CAUSE(n, w, sh) (causes[ncauses].what = (w), causes[ncauses].count = (n), \
                         causes[ncauses++].sheet = (sh))
    CAUSE(tot.rejected, "rows rejected", "Rejected");
    CAUSE(tot.duplicates, "duplicate rows", "Rejected");
    CAUSE(rc.disconnected, "records with a disconnected zone", "Zone Audit");
    CAUSE(rc.missing, "records without a zone", "Zone Audit");
    CAUSE(rc.states[LS_HELD], "records held", "Push Log");
    CAUSE(rc.states[LS_FAILED], "records failed", "Push Log");
    CAUSE(rc.resent, "records resent after doubt", "Push Log");
    CAUSE(unexplained, "settlement differences unexplained", "Reconciliation");
    CAUSE(silent, "zones silent", "Silent Zones");
#undef CAUSE
    report_set_causes(rc.rep, causes, ncauses);
    if (report_close(rc.rep, aborted, err) < 0) {
        log_err(err);
        status = EXIT_ABORTED;
    } else {
        written = 1;
    }
    rc.rep = NULL;
    log_row_errors_where("the report's Rejected sheet");
    log_row_errors_flush();
done:
    report_discard(rc.rep);
    summary(e, &rc, &tot, status, written);
    ingest_free(fp.in);
    voidmatch_free(rc.vm);
    ledger_rec_release(&rc.rec);
    ledger_close(rc.led);
    return status;
}

const struct command cmd_report = {
    .name = "report", .summary = "write the XLSX report (from files or a ledger day)",
    .flags = CMD_INPUTS, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .check = check, .run = run, .failed = failed,
};
