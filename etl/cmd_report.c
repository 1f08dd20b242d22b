/*
 * cmd_report.c — `permit-etl report`: reads vendor files once and writes
 * the XLSX report (reports/report.h) from the same pass: every accepted
 * record streams into `Permits` and the accumulators, every rejected field
 * into `Rejected`. Without -c the Push Log and OPSCOM Stats sheets say
 * "offline".
 */
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "ingest.h"
#include "inputs.h"
#include "log.h"
#include "report.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl report [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F] -o OUT.xlsx FILE...\n"
"       permit-etl report -c CONFIG --date YYYY-MM-DD -o OUT.xlsx\n"
"\n"
"Reads vendor files once and writes the XLSX report: Summary (run facts,\n"
"revenue by zone, source file and business day, per currency), Promo Codes,\n"
"Zone Audit, Rejected, Push Log, OPSCOM Stats and Permits. Without -c the\n"
"Push Log and OPSCOM Stats say \"offline\".\n"
"\n"
INPUTS_HELP
"  -o, --output F     the workbook to write (replaced atomically)\n"
"      --date D       the business day D (YYYY-MM-DD) rebuilt from the ledger\n"
"\n"
"Exit: 0 all good; 1 a row rejected, a duplicate, a zone disconnected or\n"
"missing; 2 usage, configuration or profile error; 3 unreadable input or\n"
"the report could not be written.\n";

enum { OPT_DATE = CLI_FIRST_CMD_OPT };

#define DEFAULT_BUSINESS_TZ "America/Toronto"

struct rctx {
    struct report *rep;
    long disconnected, missing, records;
};

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct rctx *c = ctx;

    if (p->voided)
        return report_add_void(c->rep, p) < 0
                   ? etl_fail(err, E_IO, "report: cannot write") : 0;
    c->records++;
    if ((c->records & 0xffff) == 0)
        log_progress("report: %ld records", c->records);
    if (p->zone_status == ZONE_DISCONNECTED)
        c->disconnected++;
    else if (p->zone_status == ZONE_MISSING)
        c->missing++;
    if (report_add_permit(c->rep, p) < 0)
        return etl_fail(err, E_IO, "report: cannot write");
    return 0;
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

static int worse(int a, int b)
{
    return a > b ? a : b;
}

int cmd_report(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        INPUTS_LONGOPTS,
        { "output", required_argument, NULL, 'o' },
        { "date",   required_argument, NULL, OPT_DATE },
        { NULL, 0, NULL, 0 }
    };
    struct inputs inp;
    struct rctx rc;
    struct ingest *in = NULL;
    struct ingest_opts io;
    struct ingest_sink sink;
    struct ingest_stats st, tot;
    struct report_meta meta;
    struct report_counts counts;
    struct etl_err err;
    const char *out = NULL, *date = NULL, *tzname = DEFAULT_BUSINESS_TZ;
    int c, i, y, mo, d, status = EXIT_GOOD, aborted = 0, written = 0;

    memset(&rc, 0, sizeof(rc));
    memset(&tot, 0, sizeof(tot));
    inputs_init(&inp);
    etl_err_clear(&err);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":" CLI_GLOBAL_SHORT INPUTS_SHORT "o:", lo,
                            NULL)) != -1) {
        if (inputs_opt(&inp, c, optarg))
            continue;
        if (c == 'o') {
            out = optarg;
            continue;
        }
        if (c == OPT_DATE) {
            date = optarg;
            continue;
        }
        switch (cli_global_opt(c, "report", usage, argv)) {
        case CLI_OK:
            continue;
        case CLI_EXIT_HELP:
            return EXIT_GOOD;
        default:
            return EXIT_USAGE;
        }
    }
    inputs_files(&inp, argc, argv, optind);
    if (!out)
        return cli_usage_error("report", "-o OUT.xlsx is required");
    if (date) {
        if (cli_parse_date(date, &y, &mo, &d) < 0)
            return cli_usage_error("report", "--date: '%s' is not a YYYY-MM-DD date", date);
        if (!inp.config_path)
            return cli_usage_error("report", "--date needs -c CONFIG (the ledger)");
        if (inp.nfiles)
            return cli_usage_error("report", "--date takes no input files");
        log_error("report --date: rebuilding a day from the ledger is not available yet");
        return EXIT_USAGE;
    }
    if (inp.nfiles == 0)
        return cli_usage_error("report", "no input files");
    timing_begin("report");
    if (inputs_load(&inp, &err) < 0) {
        log_err(&err);
        status = etl_exit_for(err.code);
        goto done;
    }
    if (inp.config && inp.config->business_tz)
        tzname = inp.config->business_tz;
    memset(&meta, 0, sizeof(meta));
    meta.command = "report";
    meta.config_path = inp.config_path;
    meta.online = 0;     /* the ledger's push state and OPSCOM stats: not yet */
    meta.business_tz = tzname;
    meta.zones = inp.zones;
    meta.local_date = local_date;
    meta.local_date_ctx = (void *)tz_get(tzname, &err);
    if (!meta.local_date_ctx) {
        log_err(&err);
        status = EXIT_USAGE;
        goto done;
    }
    io.profile = inp.profile;
    io.zones = inp.zones;
    in = ingest_new(&io, &err);
    if (!in) {
        log_err(&err);
        status = etl_exit_for(err.code);
        goto done;
    }
    rc.rep = report_open(out, &meta, &err);
    if (!rc.rep) {
        log_err(&err);
        status = EXIT_ABORTED;
        goto done;
    }
    sink.record = on_record;
    sink.reject = on_reject;
    sink.ctx = &rc;
    for (i = 0; i < inp.nfiles; i++) {
        const char *path = inp.files[i];
        struct report_file rf;
        char msg[sizeof(err.msg) + 8];
        int r;

        memset(&st, 0, sizeof(st));
        r = ingest_file(in, path, &sink, &st, &err);
        tot.rows += st.rows;
        tot.accepted += st.accepted;
        tot.rejected += st.rejected;
        tot.duplicates += st.duplicates;
        tot.voids += st.voids;
        tot.free_sessions += st.free_sessions;
        memset(&rf, 0, sizeof(rf));
        rf.path = path;
        rf.profile = st.profile[0] ? st.profile : NULL;
        rf.rows = st.rows;
        rf.accepted = st.accepted;
        rf.rejected = st.rejected;
        rf.duplicates = st.duplicates;
        rf.voids = st.voids;
        rf.free_sessions = st.free_sessions;
        rf.status = "ok";
        if (r < 0) {
            snprintf(msg, sizeof(msg), "error: %s", err.msg);
            rf.status = msg;
            if (strcmp(err.field, "_file")) {
                /* not a file-level error: the report itself failed */
                log_err(&err);
                status = EXIT_ABORTED;
                aborted = 1;
                report_add_file(rc.rep, &rf);
                break;
            }
            status = worse(status, etl_exit_for(err.code));
            if (etl_exit_for(err.code) == EXIT_ABORTED)
                aborted = 1;
        }
        report_add_file(rc.rep, &rf);
    }
    log_progress_done();
    if (tot.rejected || tot.duplicates || rc.disconnected || rc.missing)
        status = worse(status, EXIT_ATTENTION);
    memset(&counts, 0, sizeof(counts));
    counts.pushed = counts.updated = counts.deleted = counts.unchanged = -1;
    counts.failed = counts.held = counts.pending = counts.resent_after_doubt = -1;
    counts.exit_code = status;
    report_set_counts(rc.rep, &counts);
    if (report_close(rc.rep, aborted, &err) < 0) {
        log_err(&err);
        status = EXIT_ABORTED;
    } else {
        written = 1;
    }
    rc.rep = NULL;
    log_row_errors_flush();
done:
    timing_end("report");
    report_discard(rc.rep);
    log_summary(status, "report: %d file%s, %ld rows read, %ld accepted, %ld rejected, "
                "%ld duplicates, %ld voids, %ld free sessions%s%s", inp.nfiles,
                inp.nfiles == 1 ? "" : "s", tot.rows, tot.accepted, tot.rejected,
                tot.duplicates, tot.voids, tot.free_sessions,
                written ? ", written to " : "", written ? out : "");
    timing_report();
    ingest_free(in);
    inputs_free(&inp);
    return status;
}
