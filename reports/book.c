/*
 * book.c — one report workbook: open (temp file, formats, the sheets of
 * the table), the shared aggregates' slots, and close (each sheet's
 * write(), parts finished and placed, properties, rename). book.h.
 */
#include "book.h"

#include "fsutil.h"
#include "report_recon.h"
#include "utc.h"
#include "version.h"
#include "zone_audit.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The table, in workbook order (book.h). */
const struct sheet_type *const report_sheet_types[SH_COUNT] = {
#define X(id, var) [SH_##id] = &sheet_##var,
    REPORT_SHEETS(X)
#undef X
};

/* ---- errors ---------------------------------------------------------------- */

int book_fail(struct book *b, int code, const char *what, const char *detail)
{
    if (!b->failed) {
        b->failed = 1;
        etl_fail(&b->err, code, "report %s: %s: %s", b->path, what, detail);
    }
    return -1;
}

int book_check(struct book *b, lxw_error e, const char *what)
{
    if (e == LXW_NO_ERROR)
        return 0;
    return book_fail(b, E_IO, what, lxw_strerror(e));
}

int book_nomem(struct book *b)
{
    return book_fail(b, E_NOMEM, "out of memory", "aggregates");
}

char *book_dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

static lxw_format *mkfmt(lxw_workbook *wb, const char *num, int bold, lxw_color_t color,
                         lxw_color_t bg, int size, int top)
{
    lxw_format *f = workbook_add_format(wb);

    if (!f)
        return NULL;
    if (num)
        format_set_num_format(f, num);
    if (bold)
        format_set_bold(f);
    if (color)
        format_set_font_color(f, color);
    if (bg) {
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, bg);
    }
    if (size)
        format_set_font_size(f, size);
    if (top)
        format_set_top(f, LXW_BORDER_THIN);
    return f;
}

static int make_formats(struct book *b)
{
    lxw_workbook *wb = b->wb;
    const char *cad = "#,##0.00 \"CAD\"", *usd = "#,##0.00 \"USD\"";
    int i;

    b->fmt[F_HEAD] = mkfmt(wb, NULL, 1, 0, 0xD9E1F2, 0, 0);
    if (b->fmt[F_HEAD])
        format_set_bottom(b->fmt[F_HEAD], LXW_BORDER_THIN);
    b->fmt[F_TITLE] = mkfmt(wb, NULL, 1, 0, 0, 14, 0);
    b->fmt[F_ABORTED] = mkfmt(wb, NULL, 1, LXW_COLOR_RED, 0, 14, 0);
    b->fmt[F_LABEL] = mkfmt(wb, NULL, 1, 0, 0, 0, 0);
    b->fmt[F_DATE] = mkfmt(wb, "yyyy-mm-dd hh:mm:ss", 0, 0, 0, 0, 0);
    b->fmt[F_DAY] = mkfmt(wb, "yyyy-mm-dd", 0, 0, 0, 0, 0);
    if (b->fmt[F_DAY])
        format_set_align(b->fmt[F_DAY], LXW_ALIGN_LEFT);
    b->fmt[F_COUNT] = mkfmt(wb, "#,##0", 0, 0, 0, 0, 0);
    b->fmt[F_PCT] = mkfmt(wb, "0.00%", 0, 0, 0, 0, 0);
    b->fmt[F_MONEY_CAD] = mkfmt(wb, cad, 0, 0, 0, 0, 0);
    b->fmt[F_MONEY_USD] = mkfmt(wb, usd, 0, 0, 0, 0, 0);
    b->fmt[F_TOTAL] = mkfmt(wb, NULL, 1, 0, 0, 0, 1);
    b->fmt[F_TOTAL_COUNT] = mkfmt(wb, "#,##0", 1, 0, 0, 0, 1);
    b->fmt[F_TOTAL_CAD] = mkfmt(wb, cad, 1, 0, 0, 0, 1);
    b->fmt[F_TOTAL_USD] = mkfmt(wb, usd, 1, 0, 0, 0, 1);
    b->fmt[F_DIFF_BAD] = mkfmt(wb, "#,##0", 1, 0x9C0006, 0xFFC7CE, 0, 0);
    b->fmt[F_SECTION] = mkfmt(wb, NULL, 1, 0x1F4E78, 0, 12, 0);
    b->fmt[F_BOLD] = mkfmt(wb, NULL, 1, 0, 0, 0, 0);
    b->fmt[F_AMOUNT] = mkfmt(wb, "#,##0.00", 0, 0, 0, 0, 0);
    b->fmt[F_AMOUNT_BAD] = mkfmt(wb, "#,##0.00", 1, 0x9C0006, 0xFFC7CE, 0, 0);
    b->fmt[F_MEDIAN] = mkfmt(wb, "#,##0.0", 0, 0, 0, 0, 0);
    for (i = 0; i < F_COUNT_MAX; i++)
        if (!b->fmt[i])
            return book_nomem(b);
    return 0;
}

/* The table headers with "%s" replaced by business_tz ("Start (%s)" ->
 * "Start (America/Toronto)"): b->heads[i] of each sheet with a header. */
static int make_heads(struct book *b)
{
    struct buf t = BUF_INIT;
    size_t *offs, n = 0, k = 0;
    const char *pct;
    int i, c;

    for (i = 0; i < SH_COUNT; i++)
        if (report_sheet_types[i]->heads)
            n += (size_t)report_sheet_types[i]->ncols;
    offs = malloc((n ? n : 1) * sizeof(*offs));
    if (!offs)
        return book_nomem(b);
    for (i = 0; i < SH_COUNT; i++) {
        const struct sheet_type *ty = report_sheet_types[i];

        for (c = 0; ty->heads && c < ty->ncols; c++) {
            const char *tmpl = ty->heads[c];

            offs[k++] = t.len;
            pct = strstr(tmpl, "%s");
            if (pct ? buf_add(&t, tmpl, (size_t)(pct - tmpl)) < 0 ||
                          buf_addstr(&t, b->business_tz) < 0 || buf_addstr(&t, pct + 2) < 0
                    : buf_addstr(&t, tmpl) < 0)
                goto oom;
            if (buf_addch(&t, '\0') < 0)
                goto oom;
        }
    }
    b->heads_text = t.ptr;
    for (i = 0, k = 0; i < SH_COUNT; i++) {
        const struct sheet_type *ty = report_sheet_types[i];

        if (!ty->heads)
            continue;
        b->heads[i] = malloc((size_t)ty->ncols * sizeof(*b->heads[i]));
        if (!b->heads[i]) {
            free(offs);
            return book_nomem(b);
        }
        for (c = 0; c < ty->ncols; c++)
            b->heads[i][c] = b->heads_text + offs[k++];
    }
    free(offs);
    return 0;
oom:
    free(offs);
    buf_release(&t);
    return book_nomem(b);
}

/* A period report lists every day of the period, days without sales too
 * (ranges over ten years are left to the days of the records). */
static int prefill_days(struct book *b)
{
    long long t, t2;
    char day[16];

    if (!b->period_from || !b->period_to)
        return 0;
    t = recon_day_parse(b->period_from);
    t2 = recon_day_parse(b->period_to);
    if (t < 0 || t2 < 0)
        return 0;
    if (t2 < t || t2 - t > 3660)
        return 0;
    for (; t <= t2; t++) {
        recon_day_text(t, day);
        if (book_day_slot(b, day) < 0)
            return -1;
    }
    return 0;
}

struct book *book_open(const char *path, const struct report_meta *meta, struct etl_err *err)
{
    lxw_workbook_options opt = { LXW_TRUE, NULL, LXW_FALSE };
    struct book *b = calloc(1, sizeof(*b));
    size_t plen = strlen(path) + 32;
    int probe, i;

    if (!b) {
        etl_fail(err, E_NOMEM, "report %s: out of memory", path);
        return NULL;
    }
    b->meta = *meta;
    b->path = strdup(path);
    b->tmp = malloc(plen);
    b->title = book_dupstr(meta->title ? meta->title : "permit-etl report");
    b->command = book_dupstr(meta->command);
    b->config_path = book_dupstr(meta->config_path);
    b->business_tz = book_dupstr(meta->business_tz ? meta->business_tz : "UTC");
    b->business_day = book_dupstr(meta->business_day);
    b->period_from = book_dupstr(meta->period_from);
    b->period_to = book_dupstr(meta->period_to);
    if (!b->path || !b->tmp || !b->title || !b->business_tz ||
        (meta->command && !b->command) || (meta->config_path && !b->config_path) ||
        (meta->business_day && !b->business_day) ||
        (meta->period_from && !b->period_from) || (meta->period_to && !b->period_to)) {
        etl_fail(err, E_NOMEM, "report %s: out of memory", path);
        book_discard(b);
        return NULL;
    }
    if (!b->meta.run_time)
        b->meta.run_time = (long long)time(NULL);
    b->max_rows = report_max_rows();
    snprintf(b->tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    /* libxlsxwriter opens the file only at close: find an unwritable
     * directory now, before the pass. The temp file is created private
     * (fsutil.h); libxlsxwriter truncates it in place at close. */
    {
        struct buf tb = BUF_INIT;

        probe = fsutil_tmp_open(path, fsutil_file_mode(), &tb);
        if (probe < 0) {
            etl_fail(err, E_IO, "report %s: cannot write: %s", path, strerror(errno));
            buf_release(&tb);
            free(b->tmp);
            b->tmp = NULL;
            book_discard(b);
            return NULL;
        }
        close(probe);
        snprintf(b->tmp, plen, "%s", tb.ptr);
        buf_release(&tb);
    }
    /* libxlsxwriter's own temporary files go next to the output, so a full
     * disk there fails workbook_close() instead of truncating silently */
    b->tmpdir = strdup(path);
    if (b->tmpdir) {
        char *slash = strrchr(b->tmpdir, '/');
        if (slash == b->tmpdir)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            snprintf(b->tmpdir, strlen(path) + 1, ".");
    }
    opt.tmpdir = b->tmpdir;
    b->wb = workbook_new_opt(b->tmp, &opt);
    if (!b->wb) {
        etl_fail(err, E_IO, "report %s: cannot create the workbook", path);
        book_discard(b);
        return NULL;
    }
    b->za = zone_audit_new(meta->zones, &b->err);
    if (!b->za) {
        *err = b->err;
        book_discard(b);
        return NULL;
    }
    if (make_formats(b) < 0 || make_heads(b) < 0)
        goto fail;
    for (i = 0; i < SH_COUNT; i++) {
        const struct sheet_type *t = report_sheet_types[i];
        struct sheet *sh = &b->sh[i];

        sh->base = t->name;
        sh->heads = b->heads[i];
        sh->ncols = t->heads ? t->ncols : 0;
        if (t->state_size && !(b->state[i] = calloc(1, t->state_size))) {
            book_nomem(b);
            goto fail;
        }
        if (t->when != SHEET_LAZY && sheet_new_part(b, sh) < 0)
            goto fail;
    }
    /* streamed sheets: headers now */
    for (i = 0; i < SH_COUNT; i++) {
        const struct sheet_type *t = report_sheet_types[i];

        if (t->open ? t->open(b) < 0
                    : t->when == SHEET_STREAMED && sheet_header(b, &b->sh[i]) < 0)
            goto fail;
    }
    b->last_src_idx = -1;
    if (prefill_days(b) < 0)
        goto fail;
    return b;
fail:
    *err = b->err;
    book_discard(b);
    return NULL;
}

int book_file_slot(struct book *b, const char *path)
{
    int created, idx;

    if (!path)
        path = "";
    /* the caller's pointer may be reused for another path (a ledger row
     * buffer): compare the text */
    if (b->last_src_idx >= 0 && !strcmp(strmap_key(&b->files, b->last_src_idx), path))
        return b->last_src_idx;
    idx = strmap_add(&b->files, path, strlen(path), &created);
    if (idx < 0)
        return book_nomem(b);
    if (created) {
        if (REPORT_GROW(b->file_a, b->file_cap, (size_t)idx + 1) < 0)
            return book_nomem(b);
        memset(&b->file_a[idx], 0, sizeof(*b->file_a));
    }
    b->last_src_idx = idx;
    return idx;
}

int book_day_slot(struct book *b, const char *day)
{
    int idx = money_map_slot(&b->days, day, strlen(day));

    return idx < 0 ? book_nomem(b) : idx;
}

void *book_state(struct book *b, enum sheet_id id)
{
    return b->state[id];
}

long book_local_offset(const struct book *b, long long utc)
{
    return b->meta.local_offset ? b->meta.local_offset(b->meta.local_date_ctx, utc) : 0;
}

const char *book_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* Continuation sheets were appended at the end of the workbook; put each
 * right after its base sheet. libxlsxwriter has no API for this: the sheet
 * lists are rebuilt and the indices renumbered before workbook_close()
 * (which derives sheetId, rId and localSheetId from them). */
static int reorder_sheets(struct book *b)
{
    lxw_workbook *wb = b->wb;
    size_t total = 0, k = 0, i, j;
    lxw_worksheet **order;
    lxw_sheet **entries;
    lxw_worksheet *w;
    lxw_sheet *e;
    int moved = 0;

    for (i = 0; i < SH_COUNT; i++)
        total += b->sh[i].nparts;
    order = malloc((total ? total : 1) * sizeof(lxw_worksheet *));
    entries = malloc((total ? total : 1) * sizeof(lxw_sheet *));
    if (!order || !entries) {
        free(order);
        free(entries);
        return book_nomem(b);
    }
    for (i = 0; i < SH_COUNT; i++)
        for (j = 0; j < b->sh[i].nparts; j++)
            order[k++] = b->sh[i].parts[j];
    k = 0;
    STAILQ_FOREACH(w, wb->worksheets, list_pointers)
        if (k >= total || order[k++] != w)
            moved = 1;
    if (!moved) {
        free(order);
        free(entries);
        return 0;
    }
    for (i = 0; i < total; i++) {
        entries[i] = NULL;
        STAILQ_FOREACH(e, wb->sheets, list_pointers)
            if (!e->is_chartsheet && e->u.worksheet == order[i])
                entries[i] = e;
        if (!entries[i]) {
            free(order);
            free(entries);
            return book_fail(b, E_INTERNAL, "reorder", "sheet not found");
        }
    }
    STAILQ_INIT(wb->sheets);
    STAILQ_INIT(wb->worksheets);
    for (i = 0; i < total; i++) {
        order[i]->index = (uint16_t)i;
        STAILQ_INSERT_TAIL(wb->sheets, entries[i], list_pointers);
        STAILQ_INSERT_TAIL(wb->worksheets, order[i], list_pointers);
    }
    free(order);
    free(entries);
    return 0;
}

static void free_all(struct book *b)
{
    size_t i;

    for (i = 0; i < SH_COUNT; i++) {
        free(b->sh[i].parts);
        free(b->heads[i]);
        if (b->state[i] && report_sheet_types[i]->state_free)
            report_sheet_types[i]->state_free(b->state[i]);
        free(b->state[i]);
    }
    for (i = 0; i < b->files.n; i++) {
        free(b->file_a[i].profile);
        free(b->file_a[i].status);
    }
    money_map_free(&b->zones);
    money_map_free(&b->days);
    money_map_free(&b->promos);
    strmap_release(&b->files);
    strmap_release(&b->promo_zones);
    free(b->file_a);
    free(b->pz);
    zone_audit_free(b->za);
    free(b->heads_text);
    for (i = 0; i < b->nsilent; i++) {
        free((char *)b->silent[i].zone);
        free((char *)b->silent[i].day);
    }
    free(b->silent);
    free(b->period_from);
    free(b->period_to);
    buf_release(&b->scratch);
    buf_release(&b->redacted);
    buf_release(&b->scratch2);
    free(b->title);
    free(b->command);
    free(b->config_path);
    free(b->business_tz);
    free(b->business_day);
    free(b->path);
    free(b->tmp);
    free(b->tmpdir);
    free(b);
}

int book_close(struct book *b, int aborted, struct etl_err *err)
{
    lxw_doc_properties props;
    char comments[512];
    lxw_error le;
    int i;

    if (!b)
        return 0;
    /* each sheet's aggregate part, top to bottom, then every part finished */
    for (i = 0; i < SH_COUNT && !b->failed; i++)
        if (report_sheet_types[i]->write)
            report_sheet_types[i]->write(b, aborted);
    for (i = 0; i < SH_COUNT && !b->failed; i++)
        sheet_finish_part(b, &b->sh[i]);
    if (!b->failed)
        reorder_sheets(b);
    if (!b->failed) {
        memset(&props, 0, sizeof(props));
        snprintf(comments, sizeof(comments), "permit-etl %s; run %lld (UTC epoch)%s",
                 PERMIT_ETL_VERSION, b->meta.run_time, aborted ? "; ABORTED" : "");
        props.title = b->title;
        props.subject = "Parking permits: revenue, zones, push and OPSCOM stats";
        props.author = "permit-etl";
        props.comments = comments;
        props.status = aborted ? "ABORTED" : "completed";
        props.created = (time_t)b->meta.run_time;
        if (book_check(b, workbook_set_properties(b->wb, &props), "properties") == 0)
            book_check(b, workbook_set_custom_property_string(b->wb, "permit-etl version",
                                                              PERMIT_ETL_VERSION), "properties");
        if (!b->failed) {
            char rt[UTC_Z_SIZE];
            if (utc_format_z(b->meta.run_time, rt) == 0)
                book_check(b, workbook_set_custom_property_string(b->wb, "run time (UTC)", rt),
                           "properties");
        }
    }
    if (b->failed) {
        if (err)
            *err = b->err;
        book_discard(b);
        return -1;
    }
    le = workbook_close(b->wb);
    b->wb = NULL;
    if (le != LXW_NO_ERROR) {
        book_fail(b, E_IO, "cannot write", lxw_strerror(le));
    } else if (chmod(b->tmp, fsutil_stricter(b->path, fsutil_file_mode())) < 0 ||
               fsutil_replace(b->tmp, b->path) < 0) {
        /* the mode again in case the temp file was recreated; the rename
         * keeps the stricter of the old report's mode and ours */
        book_fail(b, E_IO, "cannot rename", strerror(errno));
    }
    if (b->failed) {
        if (err)
            *err = b->err;
        unlink(b->tmp);
        free_all(b);
        return -1;
    }
    free_all(b);
    return 0;
}

void book_discard(struct book *b)
{
    if (!b)
        return;
    if (b->wb) {
        /* libxlsxwriter has no "free without writing": close to the temp
         * file, then remove it. */
        workbook_close(b->wb);
        b->wb = NULL;
    }
    if (b->tmp)
        unlink(b->tmp);
    free_all(b);
}
