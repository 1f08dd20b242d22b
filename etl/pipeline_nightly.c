/*
 * pipeline_nightly.c — the end of a `run`: the metrics file and the
 * notifications (pipeline.h: pipeline_nightly()), and where the redacted
 * copy of the workbook for the mail lives.
 */
#include "pipeline.h"

#include "buf.h"
#include "config.h"
#include "err.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "push.h"
#include "run_outcome.h"
#include "runfiles.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

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

int pipeline_redacted_path(const char *xlsx, struct buf *out)
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
        pipeline_redacted_path(xlsx, &red) < 0)
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
