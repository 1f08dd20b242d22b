/*
 * sheet_summary.c — the `Summary` sheet, written at close from the run's
 * aggregates: title and facts, why the exit status is 1, silent zones,
 * Gross/Voids/Net, inputs, push counts, revenue by zone, by file and by
 * business day, and the charts. Its own inputs: report_add_file(),
 * report_add_void(), report_set_counts(), report_set_causes().
 */
#include "book.h"

#include "tz.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sheet's own state (sheet_type.state_size). */
struct summary_state {
    struct report_counts counts;
    struct run_cause causes[REPORT_MAX_CAUSES];   /* strings owned */
    size_t           ncauses;
};

static int add_void(struct book *b, const void *arg)
{
    const struct permit *p = arg;

    if (b->failed)
        return -1;
    return book_file_slot(b, p->source) < 0 ? -1 : 0;
}

static int add_file(struct book *b, const void *arg)
{
    const struct report_file *f = arg;
    struct file_agg *a;
    int idx;

    if (b->failed)
        return -1;
    idx = book_file_slot(b, f->path);
    if (idx < 0)
        return -1;
    a = &b->file_a[idx];
    free(a->profile);
    free(a->status);
    a->profile = book_dupstr(f->profile);
    a->status = book_dupstr(f->status ? f->status : "ok");
    if ((f->profile && !a->profile) || !a->status)
        return book_nomem(b);
    a->f = *f;
    a->f.path = NULL;
    a->has_facts = 1;
    return 0;
}

static int set_counts(struct book *b, const void *arg)
{
    struct summary_state *st = book_state(b, SH_SUMMARY);

    st->counts = *(const struct report_counts *)arg;
    return 0;
}

static void free_causes(struct summary_state *st)
{
    size_t i;

    for (i = 0; i < st->ncauses; i++) {
        free((char *)st->causes[i].what);
        free((char *)st->causes[i].sheet);
    }
    st->ncauses = 0;
}

struct causes_arg { const struct run_cause *c; size_t n; };

static int set_causes(struct book *b, const void *arg)
{
    const struct causes_arg *a = arg;
    struct summary_state *st = book_state(b, SH_SUMMARY);
    size_t i;

    if (b->failed)
        return -1;
    free_causes(st);
    for (i = 0; i < a->n && st->ncauses < REPORT_MAX_CAUSES; i++) {
        const struct run_cause *c = &a->c[i];
        struct run_cause *d = &st->causes[st->ncauses];
        if (c->count <= 0 || !c->what)
            continue;
        d->what = book_dupstr(c->what);
        d->sheet = book_dupstr(c->sheet);
        d->count = c->count;
        st->ncauses++;
        if (!d->what || (c->sheet && !d->sheet))
            return book_nomem(b);
    }
    return 0;
}

/* A section: its title, then a header row of heads[0..n). */
static int section(struct book *b, struct sheet *s, const char *title,
                   const char *const *heads, int n)
{
    lxw_row_t row;
    int c;

    if (cell_title(b, s, sheet_row(s), 0, title, b->fmt[F_SECTION]) < 0)
        return -1;
    row = sheet_row(s);
    for (c = 0; c < n; c++)
        if (cell_str(b, s, row, (lxw_col_t)c, heads[c], b->fmt[F_HEAD]) < 0)
            return -1;
    return 0;
}

enum { MT_NAME, MT_DAY, MT_FILE };   /* what money_table()'s keys are */

/* Writes a money table: name | Records | Free sessions | Revenue CAD | Revenue USD,
 * then a total row per currency column. Returns the first and last data rows. */
static int money_table(struct book *b, struct sheet *s, const char *title,
                       const char *first_head, const struct strmap *m,
                       const struct money *vals, const int *order, int kind,
                       lxw_row_t *first, lxw_row_t *last)
{
    const char *heads[] = { first_head, "Records", "Free sessions", "Revenue CAD",
                            "Revenue USD" };
    struct money tot;
    lxw_row_t row;
    size_t i;

    memset(&tot, 0, sizeof(tot));
    if (section(b, s, title, heads, 5) < 0)
        return -1;
    *first = s->row;
    for (i = 0; i < m->n; i++) {
        int k = order ? order[i] : (int)i;
        const struct money *v = &vals[k];
        const char *name = strmap_key(m, k);
        row = sheet_row(s);
        if (kind == MT_DAY) {
            /* "YYYY-MM-DD" -> an Excel date */
            int y = (name[0] - '0') * 1000 + (name[1] - '0') * 100 + (name[2] - '0') * 10 +
                    (name[3] - '0');
            int mo = (name[5] - '0') * 10 + (name[6] - '0');
            int d = (name[8] - '0') * 10 + (name[9] - '0');
            long long t = tz_days_from_civil(y, mo, d);

            if (cell_num(b, s, row, 0, (double)t + EXCEL_EPOCH, 12, b->fmt[F_DAY]) < 0)
                return -1;
        } else if (cell_str(b, s, row, 0, !name[0] ? "(none)" : kind == MT_FILE
                                              ? book_base_name(name) : name, NULL) < 0) {
            return -1;
        }
        if (cell_count(b, s, row, 1, v->records, NULL) < 0 ||
            cell_count(b, s, row, 2, v->free_sessions, NULL) < 0 ||
            cell_money(b, s, row, 3, v->cents[0], 0, 0) < 0 ||
            cell_money(b, s, row, 4, v->cents[1], 1, 0) < 0)
            return -1;
        tot.records += v->records;
        tot.free_sessions += v->free_sessions;
        tot.cents[0] += v->cents[0];
        tot.cents[1] += v->cents[1];
    }
    *last = s->row ? s->row - 1 : 0;
    row = sheet_row(s);
    if (cell_str(b, s, row, 0, "Total", b->fmt[F_TOTAL]) < 0 ||
        cell_count(b, s, row, 1, tot.records, b->fmt[F_TOTAL_COUNT]) < 0 ||
        cell_count(b, s, row, 2, tot.free_sessions, b->fmt[F_TOTAL_COUNT]) < 0 ||
        cell_money(b, s, row, 3, tot.cents[0], 0, 1) < 0 ||
        cell_money(b, s, row, 4, tot.cents[1], 1, 1) < 0)
        return -1;
    sheet_row(s);
    return 0;
}

static const char *exit_text(int code)
{
    switch (code) {
    case EXIT_GOOD:      return "0 (all good)";
    case EXIT_ATTENTION: return "1 (needs attention)";
    case EXIT_USAGE:     return "2 (usage or configuration error)";
    default:             return "3 (aborted)";
    }
}

static int fact(struct book *b, struct sheet *s, const char *label, const char *value,
                lxw_format *f)
{
    lxw_row_t row = sheet_row(s);

    if (cell_str(b, s, row, 0, label, b->fmt[F_LABEL]) < 0)
        return -1;
    /* a fact's value runs over the empty cells to its right: it does not
     * widen column B (the tables below share it) */
    return value ? cell_title(b, s, row, 1, value, f) : 0;
}

static int fact_count(struct book *b, struct sheet *s, const char *label, long v,
                      int online)
{
    lxw_row_t row = sheet_row(s);

    if (cell_str(b, s, row, 0, label, b->fmt[F_LABEL]) < 0)
        return -1;
    if (!online)
        return cell_str(b, s, row, 1, "offline", NULL);
    if (v < 0)
        return cell_str(b, s, row, 1, "-", NULL);
    return cell_count(b, s, row, 1, v, NULL);
}

/* The business day(s) the report covers, "YYYY-MM-DD" each ("" when
 * none): the period asked for, else --date, else the days of the records. */
static int summary_days(struct book *b, char *first, size_t fcap, char *last, size_t lcap)
{
    int *order;

    first[0] = last[0] = '\0';
    if (b->period_from && b->period_to) {
        snprintf(first, fcap, "%s", b->period_from);
        snprintf(last, lcap, "%s", b->period_to);
        return 0;
    }
    if (b->business_day) {
        snprintf(first, fcap, "%s", b->business_day);
        snprintf(last, lcap, "%s", b->business_day);
        return 0;
    }
    if (b->days.keys.n == 0)
        return 0;
    order = report_map_sorted(&b->days.keys);
    if (!order)
        return -1;
    snprintf(first, fcap, "%s", strmap_key(&b->days.keys, order[0]));
    snprintf(last, lcap, "%s", strmap_key(&b->days.keys, order[b->days.keys.n - 1]));
    free(order);
    return 0;
}

/* Exit status 1: each cause, its count and the sheet that shows it. */
static int write_causes(struct book *b, struct sheet *s, int aborted)
{
    const struct summary_state *st = book_state(b, SH_SUMMARY);
    static const char *const heads[] = { "Needs attention", "Count", "See sheet" };
    lxw_row_t row;
    size_t i;

    if (aborted || st->counts.exit_code != EXIT_ATTENTION || st->ncauses == 0)
        return 0;
    if (section(b, s, "Why the exit status is 1", heads, 3) < 0)
        return -1;
    for (i = 0; i < st->ncauses; i++) {
        row = sheet_row(s);
        if (cell_str(b, s, row, 0, st->causes[i].what, NULL) < 0 ||
            cell_count(b, s, row, 1, st->causes[i].count, NULL) < 0 ||
            cell_str(b, s, row, 2, st->causes[i].sheet ? st->causes[i].sheet : "-", NULL) < 0)
            return -1;
    }
    sheet_row(s);
    return 0;
}

/* The silent zones, on the Summary too (the Silent Zones sheet has them
 * with the latest start times). */
static int write_silent_list(struct book *b, struct sheet *s)
{
    static const char *const heads[] = { "Silent zone", "Business day",
                                         "Weekday median of sales", "Sales on the day" };
    lxw_row_t row;
    size_t i;

    if (b->nsilent == 0)
        return 0;
    if (section(b, s, "Silent zones (sales far below their weekday median)", heads, 4) < 0)
        return -1;
    for (i = 0; i < b->nsilent; i++) {
        row = sheet_row(s);
        if (cell_str(b, s, row, 0, b->silent[i].zone, NULL) < 0 ||
            cell_str(b, s, row, 1, b->silent[i].day, NULL) < 0 ||
            cell_num(b, s, row, 2, b->silent[i].median, 8, b->fmt[F_MEDIAN]) < 0 ||
            cell_count(b, s, row, 3, b->silent[i].sales, NULL) < 0)
            return -1;
    }
    sheet_row(s);
    return 0;
}

/*
 * Money as finance reads it: per currency (never added together) Gross =
 * every sale of the run, Voids = those cancelled, Net = Gross - Voids (every
 * other revenue figure of the workbook is Net); voids of earlier runs' sales
 * apart, never subtracted.
 */
static int write_money_block(struct book *b, struct sheet *s)
{
    static const char *const heads[] = { "Money", "CAD", "USD" };
    static const char *const labels[] = { "Gross (all sales)", "Voids (sales cancelled)",
                                          "Net (Gross - Voids)" };
    lxw_row_t row;
    int c, k;

    if (section(b, s, "Gross, Voids, Net", heads, 3) < 0)
        return -1;
    for (k = 0; k < 3; k++) {
        row = sheet_row(s);
        if (cell_str(b, s, row, 0, labels[k], k == 2 ? b->fmt[F_TOTAL] : b->fmt[F_LABEL]) < 0)
            return -1;
        for (c = 0; c < NCUR; c++) {
            long long v = k == 0 ? b->gross[c] : k == 1 ? b->voided[c]
                                                        : b->gross[c] - b->voided[c];
            if (cell_money(b, s, row, (lxw_col_t)(1 + c), v, c, k == 2) < 0)
                return -1;
        }
    }
    if (b->n_earlier) {
        row = sheet_row(s);
        if (cell_str(b, s, row, 0, "Earlier sales voided (not subtracted)", b->fmt[F_LABEL]) < 0)
            return -1;
        for (c = 0; c < NCUR; c++)
            if (cell_money(b, s, row, (lxw_col_t)(1 + c), b->earlier_voided[c], c, 0) < 0)
                return -1;
    }
    if (b->n_unmatched && fact_count(b, s, "Unmatched voids (sale not seen yet)",
                                     b->n_unmatched, 1) < 0)
        return -1;
    sheet_row(s);
    return 0;
}

/* The charts stand right of every Summary table (the Inputs table is the
 * widest: columns A-I), the zone chart at the top, the daily one below. */
#define CHART_ROW 2
#define CHART_COL 10

/* The revenue-by-zone chart's height: about 20 pixels per zone. */
static double zone_chart_scale(const struct book *b)
{
    double y = b->zones.keys.n > 6 ? 1.0 + (double)(b->zones.keys.n - 6) / 7.0 : 1.0;

    return y > 6 ? 6 : y;
}

/* A revenue chart of the Summary: a series per currency (CAD and USD never
 * added) over the table rows first..last (categories in column A, CAD in
 * D, USD in E), the legend at the bottom. NULL when out of memory. */
static lxw_chart *revenue_chart(struct book *b, uint8_t type, const char *title,
                                lxw_row_t first, lxw_row_t last)
{
    lxw_chart *ch = workbook_add_chart(b->wb, type);
    lxw_chart_series *ser;
    int c;

    if (!ch)
        return NULL;
    chart_title_set_name(ch, title);
    for (c = 0; c < NCUR; c++) {
        ser = chart_add_series(ch, NULL, NULL);
        if (!ser)
            return NULL;
        chart_series_set_categories(ser, "Summary", first, 0, last, 0);
        chart_series_set_values(ser, "Summary", first, (lxw_col_t)(3 + c), last,
                                (lxw_col_t)(3 + c));
        chart_series_set_name(ser, c ? "USD" : "CAD");
    }
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    return ch;
}

/* Daily revenue, columns, from the by-day table's rows first..last, placed
 * at row `at`. */
static int daily_chart(struct book *b, struct sheet *s, lxw_row_t first, lxw_row_t last,
                       lxw_row_t at)
{
    lxw_chart *ch = revenue_chart(b, LXW_CHART_COLUMN, "Revenue by business day", first, last);
    lxw_chart_options co;

    if (!ch)
        return book_nomem(b);
    chart_axis_set_num_format(ch->y_axis, "#,##0");
    chart_axis_set_num_format(ch->x_axis, "yyyy-mm-dd");
    memset(&co, 0, sizeof(co));
    co.x_offset = 20;
    co.x_scale = last - first > 14 ? 2.2 : 1.6;
    co.y_scale = 1.0;
    return book_check(b, worksheet_insert_chart_opt(s->ws, at, CHART_COL, ch, &co), "chart");
}

/* Revenue by zone, bars, from the by-zone table's rows first..last, at the
 * top right of the Summary. */
static int zone_chart(struct book *b, struct sheet *s, lxw_row_t first, lxw_row_t last)
{
    lxw_chart *ch = revenue_chart(b, LXW_CHART_BAR, "Revenue by zone", first, last);
    lxw_chart_options co;
    lxw_chart_font small;

    if (!ch)
        return book_nomem(b);
    /* a bar chart's x axis is the value axis; zones read top-down */
    chart_axis_set_num_format(ch->x_axis, "#,##0");
    chart_axis_set_reverse(ch->y_axis);
    chart_axis_set_interval_unit(ch->y_axis, 1);   /* every zone named */
    memset(&small, 0, sizeof(small));
    small.size = 8;
    chart_axis_set_num_font(ch->y_axis, &small);
    memset(&co, 0, sizeof(co));
    co.x_offset = 20;
    co.y_offset = 0;
    co.x_scale = 1.6;
    /* about 20 pixels per zone, so every zone name shows */
    co.y_scale = zone_chart_scale(b);
    return book_check(b, worksheet_insert_chart_opt(s->ws, CHART_ROW, CHART_COL, ch, &co),
                      "chart");
}

static int summary_write(struct book *b, int aborted)
{
    static const char *const in_heads[] = {
        "File", "Profile", "Rows read", "Accepted", "Rejected", "Duplicates", "Voids",
        "Free sessions", "Status"
    };
    struct sheet *s = &b->sh[SH_SUMMARY];
    const struct summary_state *st = book_state(b, SH_SUMMARY);
    char buf[256];
    long tot[6] = { 0, 0, 0, 0, 0, 0 };
    lxw_row_t row, zfirst = 0, zlast = 0, dummy1, dummy2, dfirst = 0, dlast = 0;
    lxw_row_t zone_chart_end = 0;
    int *order = NULL, c, online = b->meta.online;
    char first_day[16], last_day[16];
    size_t i;
    int ret = -1;

    if (summary_days(b, first_day, sizeof(first_day), last_day, sizeof(last_day)) < 0)
        return book_nomem(b);
    if (!first_day[0])
        snprintf(buf, sizeof(buf), "%s: no business day (no records)", b->title);
    else if (!strcmp(first_day, last_day))
        snprintf(buf, sizeof(buf), "%s: business day %s", b->title, first_day);
    else
        snprintf(buf, sizeof(buf), "%s: business days %s to %s", b->title, first_day,
                 last_day);
    row = sheet_row(s);
    if (cell_title(b, s, row, 0, buf, b->fmt[F_TITLE]) < 0)
        return -1;
    /* ABORTED below the title: the title may run over column B */
    if (aborted && cell_str(b, s, sheet_row(s), 0, "ABORTED", b->fmt[F_ABORTED]) < 0)
        return -1;
    worksheet_freeze_panes(s->ws, 1, 0);
    if (book_check(b, worksheet_repeat_rows(s->ws, 0, 0), "print titles") < 0)
        return -1;
    sheet_row(s);
    row = sheet_row(s);
    snprintf(buf, sizeof(buf), "Run time (%s)", b->business_tz);
    if (cell_str(b, s, row, 0, buf, b->fmt[F_LABEL]) < 0 ||
        cell_local_time(b, s, row, 1, b->meta.run_time) < 0)
        return -1;
    row = sheet_row(s);
    if (cell_str(b, s, row, 0, "Run time (UTC)", b->fmt[F_LABEL]) < 0 ||
        cell_time(b, s, row, 1, b->meta.run_time) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "permit-etl %s", PERMIT_ETL_VERSION);
    if (fact(b, s, "Tool version", buf, NULL) < 0 ||
        fact(b, s, "Command", b->command ? b->command : "report", NULL) < 0 ||
        fact(b, s, "Config", b->config_path ? b->config_path : "none (offline)", NULL) < 0)
        return -1;
    if (first_day[0] && !strcmp(first_day, last_day)) {
        if (fact(b, s, "Business day", first_day, NULL) < 0)
            return -1;
    } else if (first_day[0]) {
        snprintf(buf, sizeof(buf), "%s to %s", first_day, last_day);
        if (fact(b, s, "Business days", buf, NULL) < 0)
            return -1;
    }
    if (fact(b, s, "Business time zone", b->business_tz, NULL) < 0)
        return -1;
    if (fact(b, s, "Exit status", exit_text(aborted ? EXIT_ABORTED : st->counts.exit_code),
             aborted ? b->fmt[F_ABORTED] : NULL) < 0 ||
        fact(b, s, "Run", aborted ? "ABORTED" : "completed",
             aborted ? b->fmt[F_ABORTED] : NULL) < 0)
        return -1;
    if (b->meta.redact &&
        fact(b, s, "Copy", "REDACTED: plates shown as their first 3 characters and ***, "
             "keys and raw rejected lines left out; amounts and counts untouched",
             b->fmt[F_BOLD]) < 0)
        return -1;
    sheet_row(s);
    if (write_causes(b, s, aborted) < 0 || write_silent_list(b, s) < 0 ||
        write_money_block(b, s) < 0)
        return -1;

    /* inputs */
    if (section(b, s, "Inputs", in_heads, (int)NELEM(in_heads)) < 0)
        return -1;
    for (i = 0; i < b->files.n; i++) {
        const struct file_agg *a = &b->file_a[i];
        long v[6];
        v[0] = a->has_facts ? a->f.st.rows : a->m.records;
        v[1] = a->has_facts ? a->f.st.accepted : a->m.records;
        v[2] = a->has_facts ? a->f.st.rejected : 0;
        v[3] = a->has_facts ? a->f.st.duplicates : 0;
        v[4] = a->has_facts ? a->f.st.voids : 0;
        v[5] = a->has_facts ? a->f.st.free_sessions : a->m.free_sessions;
        row = sheet_row(s);
        if (cell_str(b, s, row, 0, book_base_name(strmap_key(&b->files, (int)i)), NULL) < 0 ||
            cell_str(b, s, row, 1, a->profile, NULL) < 0)
            return -1;
        for (c = 0; c < 6; c++) {
            tot[c] += v[c];
            if (cell_count(b, s, row, (lxw_col_t)(c + 2), v[c], NULL) < 0)
                return -1;
        }
        if (cell_str(b, s, row, 8, a->status ? a->status : "ok", NULL) < 0)
            return -1;
    }
    row = sheet_row(s);
    if (cell_str(b, s, row, 0, "Total", b->fmt[F_TOTAL]) < 0)
        return -1;
    for (c = 0; c < 6; c++)
        if (cell_count(b, s, row, (lxw_col_t)(c + 2), tot[c], b->fmt[F_TOTAL_COUNT]) < 0)
            return -1;
    sheet_row(s);

    /* push counts */
    if (cell_title(b, s, sheet_row(s), 0, "OPSCOM push", b->fmt[F_SECTION]) < 0 ||
        fact_count(b, s, "Pushed", st->counts.pushed, online) < 0 ||
        fact_count(b, s, "Updated", st->counts.updated, online) < 0 ||
        fact_count(b, s, "Deleted", st->counts.deleted, online) < 0 ||
        fact_count(b, s, "Failed", st->counts.failed, online) < 0 ||
        fact_count(b, s, "Held", st->counts.held, online) < 0 ||
        fact_count(b, s, "Resent after doubt", st->counts.resent_after_doubt, online) < 0 ||
        fact_count(b, s, "Unlinked (no usable reference id)", st->counts.unlinked, online) < 0)
        return -1;
    sheet_row(s);

    order = report_map_sorted(&b->zones.keys);
    if (!order)
        return book_nomem(b);
    if (money_table(b, s, "Revenue by zone", "Zone", &b->zones.keys, b->zones.v, order, MT_NAME,
                    &zfirst, &zlast) < 0)
        goto out;
    {
        /* by source file: input order; the struct money lives in file_agg */
        struct money *fm = malloc((b->files.n ? b->files.n : 1) * sizeof(*fm));
        if (!fm) {
            book_nomem(b);
            goto out;
        }
        for (i = 0; i < b->files.n; i++)
            fm[i] = b->file_a[i].m;
        c = money_table(b, s, "Revenue by source file", "File", &b->files, fm, NULL, MT_FILE,
                        &dummy1, &dummy2);
        free(fm);
        if (c < 0)
            goto out;
    }
    free(order);
    order = report_map_sorted(&b->days.keys);
    if (!order) {
        book_nomem(b);
        goto out;
    }
    snprintf(buf, sizeof(buf), "Revenue by business day (%s, by start time)", b->business_tz);
    if (money_table(b, s, buf, "Business day", &b->days.keys, b->days.v, order, MT_DAY,
                    &dfirst, &dlast) < 0)
        goto out;
    /* the zone chart (inserted below) takes rows CHART_ROW .. zone_chart_end */
    zone_chart_end = CHART_ROW +
                     (lxw_row_t)(288.0 * zone_chart_scale(b) / 20.0) + 2;
    /* a daily revenue chart when the report spans days (a period lists
     * each of its days) */
    if (b->days.keys.n > 1) {
        lxw_row_t at = dfirst >= 2 ? dfirst - 2 : 0;
        if (b->zones.keys.n > 0 && at < zone_chart_end)
            at = zone_chart_end;
        if (daily_chart(b, s, dfirst, dlast, at) < 0)
            goto out;
    }

    /* the chart: revenue by zone, one series per currency */
    if (b->zones.keys.n > 0 && zone_chart(b, s, zfirst, zlast) < 0)
        goto out;
    ret = 0;
out:
    free(order);
    return ret;
}

static void summary_free(void *state)
{
    free_causes(state);
}

int report_add_void(struct report *r, const struct permit *p)
{
    return report_each(r, add_void, p);
}

int report_add_file(struct report *r, const struct report_file *f)
{
    return report_each(r, add_file, f);
}

void report_set_counts(struct report *r, const struct report_counts *c)
{
    (void)report_each(r, set_counts, c);
}

int report_set_causes(struct report *r, const struct run_cause *c, size_t n)
{
    struct causes_arg a = { c, n };

    return report_each(r, set_causes, &a);
}

const struct sheet_type sheet_summary = {
    .name = "Summary", .when = SHEET_AT_CLOSE, .write = summary_write,
    .state_size = sizeof(struct summary_state), .state_free = summary_free,
};
