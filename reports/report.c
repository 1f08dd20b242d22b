/* report.c — the XLSX report writer (report.h). */
#include "report.h"

#include "buf.h"
#include "fsutil.h"
#include "strmap.h"
#include "tz.h"
#include "utf8.h"
#include "utc.h"
#include "version.h"
#include "zone_audit.h"

#include <xlsxwriter.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_COLS        20
#define MAX_WIDTH       60.0
#define CELL_MAX_CHARS  32767
#define NCUR            2          /* CAD, USD */
#define EXCEL_EPOCH     25569.0    /* 1970-01-01 as an Excel serial date */


/* ---- growing arrays (the string -> index maps are strmap.h's) ----------- */

/* Grows an array to hold `need` elements (doubling); NULL on ENOMEM, the
 * old array still valid. Use through GROW(). */
static void *grow_to(void *p, size_t *cap, size_t need, size_t elsz)
{
    size_t nc = *cap ? *cap : 16;
    void *np;

    while (nc < need)
        nc *= 2;
    np = realloc(p, nc * elsz);
    if (np)
        *cap = nc;
    return np;
}

static void *grow_tmp;
/* 0, or -1 when out of memory (arr unchanged). */
#define GROW(arr, cap, need)                                                   \
    ((size_t)(need) <= (cap) ? 0 :                                             \
     (grow_tmp = grow_to((arr), &(cap), (size_t)(need), sizeof(*(arr)))) == NULL \
         ? -1 : ((arr) = grow_tmp, 0))

/* ---- aggregates ------------------------------------------------------------ */

struct money {
    long      records, free_sessions;
    long long cents[NCUR];
    long      n[NCUR];
};

struct promo_zone { int code; int zone; struct money m; };

struct file_agg {
    struct money m;
    int  has_facts;
    struct report_file f;        /* strings owned (profile, status) */
    char *profile, *status;
};

struct stats_row { int type, zone; long server, ledger; };

/* ---- sheets ---------------------------------------------------------------- */

/* Reconciliation and Silent Zones are created only when something is
 * written to them (report_add_recon(), report_add_silent()): the others at
 * open. reorder_sheets() puts them in this order. */
enum { SH_SUMMARY, SH_RECON, SH_SILENT, SH_PROMO, SH_ZONES, SH_VOIDS, SH_REJECTED, SH_PUSH,
       SH_STATS, SH_PERMITS, SH_COUNT };

static const char *const sheet_names[SH_COUNT] = {
    "Summary", "Reconciliation", "Silent Zones", "Promo Codes", "Zone Audit", "Voids", "Rejected", "Push Log", "OPSCOM Stats",
    "Permits"
};

struct sheet {
    const char        *base;
    const char *const *heads;    /* table header, NULL: free-form */
    int                ncols;
    lxw_worksheet     *ws;       /* current part */
    lxw_worksheet    **parts;
    size_t             nparts, parts_cap;
    lxw_row_t          row;      /* next row of ws */
    lxw_row_t          head_row; /* the table header's row in ws */
    long               data;     /* data rows in the current part */
    lxw_row_t          last_data; /* the table's last data row (autofilter) */
    double             width[MAX_COLS];
    int                table;    /* a table is open on ws */
};

/* Permits columns; "%s" is business_tz (filled in at open). */
enum {
    PC_PLATE, PC_AMOUNT, PC_CURRENCY, PC_START, PC_END, PC_ZONE, PC_ZONE_STATUS,
    PC_PERMIT_NO, PC_TICKET, PC_PROMO, PC_SOURCE, PC_LINE, PC_KEY, PC_START_UTC,
    PC_END_UTC, PC_COUNT
};
static const char *const permit_heads[PC_COUNT] = {
    "Plate", "Amount", "Currency", "Start (%s)", "End (%s)", "Zone", "Zone status",
    "Permit no.", "Ticket no.", "Promo code", "Source file", "Line", "Key",
    "Start (UTC)", "End (UTC)"
};
static const char *const reject_heads[] = { "File", "Line", "Field", "Reason", "Raw value" };
static const char *const void_heads[] = {
    "Kind", "Key", "Plate", "Zone", "Amount", "Currency", "Sale file", "Sale line",
    "Void file", "Void line", "Void amount", "Delete sent", "State"
};
static const char *const push_heads[] = {
    "Key", "Plate", "Zone", "Action", "Reference ID", "State", "Attempts", "Last error",
    "Resent after doubt", "Unlinked"
};
/* Promo Codes: the per-code table (columns A-F, the sheet's autofilter),
 * then the per-zone breakdown below it in columns H-M: no column and no
 * filtered row holds both. */
static const char *const promo_heads[] = {
    "Promo code", "Uses", "Revenue CAD", "Revenue USD", "Share of accepted",
    "Free sessions"
};
static const char *const promo_zone_heads[] = {
    "Promo code", "Zone", "Uses", "Revenue CAD", "Revenue USD", "Free sessions"
};
#define PROMO_ZONE_COL 7
enum {
    ZC_VENDOR, ZC_RESOLVED, ZC_STATUS, ZC_SUGGEST, ZC_ROWS, ZC_CAD, ZC_USD, ZC_FIRST,
    ZC_LAST, ZC_FILES, ZC_FIRST_UTC, ZC_LAST_UTC, ZC_COUNT
};
static const char *const zone_heads[ZC_COUNT] = {
    "Vendor zone", "Resolved zone", "Status", "Suggested zone", "Rows", "Revenue CAD",
    "Revenue USD", "First start (%s)", "Last start (%s)", "Files", "First start (UTC)",
    "Last start (UTC)"
};
static const char *const recon_heads[] = {
    "Business day", "Vendor", "Currency", "Net", "Settled", "Difference", "Rejected rows",
    "Rejected amount", "Unexplained", "Our count", "Settled count", "Note"
};
/* "%s" is business_tz (filled in at open) */
static const char *const silent_heads_fmt[] = {
    "Zone", "Business day", "Weekday median of sales", "Sales on the day",
    "Latest start (%s)", "Latest start (UTC)"
};
#define SILENT_NCOLS 6
static const char *const stats_heads[] = {
    "Type", "Zone", "Server total", "Ledger pushed (live)", "Difference"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum fmt_id {
    F_HEAD, F_TITLE, F_ABORTED, F_LABEL, F_DATE, F_DAY, F_COUNT, F_PCT, F_MONEY_CAD,
    F_MONEY_USD, F_TOTAL, F_TOTAL_COUNT, F_TOTAL_CAD, F_TOTAL_USD, F_DIFF_BAD, F_SECTION,
    F_BOLD, F_AMOUNT, F_AMOUNT_BAD, F_MEDIAN, F_COUNT_MAX
};

struct report {
    lxw_workbook      *wb;
    struct report     *twin;          /* report_add_twin(): fed the same calls */
    char              *path, *tmp, *tmpdir;
    struct report_meta meta;
    char              *title, *command, *config_path, *business_tz, *business_day;
    char              *period_from, *period_to;
    long               max_rows;
    struct sheet       sh[SH_COUNT];
    lxw_format        *fmt[F_COUNT_MAX];
    struct buf         scratch;       /* sanitized cell text */
    struct buf         redacted;      /* shown_reason() */
    struct buf         scratch2;
    int                failed;
    struct etl_err     err;

    /* accumulators: every revenue figure is Net (cancelled sales never
     * enter them); Gross and Voids per currency apart */
    long long          gross[NCUR], voided[NCUR], earlier_voided[NCUR];
    long               n_cancelled, n_unmatched, n_earlier;
    struct money       total;
    long               accepted, voids;
    struct strmap      zones;         struct money *zone_m;   size_t zone_cap;
    struct strmap      days;          struct money *day_m;    size_t day_cap;
    struct strmap      files;         struct file_agg *file_a; size_t file_cap;
    struct strmap      promos;        struct money *promo_m;  size_t promo_cap;
    struct strmap      promo_zones;   struct promo_zone *pz;  size_t pz_cap;
    struct zone_audit *za;            /* Zone Audit (zone_audit.h) */
    int                last_src_idx;  /* the file of the previous record */
    long               rejected_rows;
    struct report_counts counts;      int has_counts;
    struct run_cause causes[REPORT_MAX_CAUSES];   /* strings owned */
    size_t             ncauses;

    /* headers naming business_tz (owned; the arrays point into them) */
    char              *heads_text;
    const char        *permit_h[PC_COUNT];
    const char        *zone_h[ZC_COUNT];
    const char        *silent_h[SILENT_NCOLS];

    /* silent zones, also listed on the Summary (strings owned) */
    struct report_silent *silent;    size_t nsilent, silent_cap;

    /* OPSCOM stats */
    int                stats_online;
    char              *stats_error;
    char              *stats_offline;  /* not pulled on purpose: why */
    struct strmap      names;         /* type and zone names of stats rows */
    struct stats_row  *srows;         size_t nsrows, srows_cap;
    int               *live_zone;     long *live_n; size_t nlive, live_cap, live_ncap;
};

/* ---- errors ---------------------------------------------------------------- */

static int fail(struct report *r, int code, const char *what, const char *detail)
{
    if (!r->failed) {
        r->failed = 1;
        etl_fail(&r->err, code, "report %s: %s: %s", r->path, what, detail);
    }
    return -1;
}

static int lxw_check(struct report *r, lxw_error e, const char *what)
{
    if (e == LXW_NO_ERROR)
        return 0;
    return fail(r, E_IO, what, lxw_strerror(e));
}

static int nomem(struct report *r)
{
    return fail(r, E_NOMEM, "out of memory", "aggregates");
}

long report_max_rows(void)
{
    const char *v = getenv(REPORT_MAX_ROWS_ENV);
    char *end;
    long n;

    if (!v || !*v)
        return REPORT_MAX_ROWS;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || n < 1 || n > REPORT_MAX_ROWS)
        return REPORT_MAX_ROWS;
    return n;
}

/* ---- cell text --------------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid or
 * U+FFFE/U+FFFF (not allowed in XML). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = utf8_decode((const char *)s, n, &cp);

    return len && (cp == 0xfffe || cp == 0xffff) ? 0 : len;
}

/* Makes s[0..n) safe for a cell: invalid UTF-8 bytes and control characters
 * (except TAB and LF) become the text \xNN; cut at CELL_MAX_CHARS code
 * points. Returns the text (s itself when nothing changes and s is a C
 * string, `terminated`; never peek at s[n] of a length-delimited value: it
 * may be past the buffer or uninitialised) and its code point count in
 * *chars; NULL when out of memory. */
static const char *cell_text(struct report *r, const char *s, size_t n, int terminated,
                             size_t *chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, cps = 0;
    int clean = 1;

    for (i = 0; i < n; ) {
        size_t l = utf8_len(u + i, n - i);
        if (l == 0 || (l == 1 && ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') ||
                                  u[i] == 0x7f))) {
            clean = 0;
            break;
        }
        i += l;
        cps++;
    }
    if (clean && cps <= CELL_MAX_CHARS && terminated) {
        *chars = cps;
        return s;
    }
    buf_reset(&r->scratch);
    cps = 0;
    for (i = 0; i < n && cps < CELL_MAX_CHARS; ) {
        size_t l = utf8_len(u + i, n - i);
        int rc;
        if (l == 0 || (l == 1 && ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') ||
                                  u[i] == 0x7f))) {
            if (cps + 4 > CELL_MAX_CHARS)
                break;
            rc = buf_addf(&r->scratch, "\\x%02X", u[i]);
            i++;
            cps += 4;
        } else {
            rc = buf_add(&r->scratch, s + i, l);
            i += l;
            cps++;
        }
        if (rc < 0)
            return NULL;
    }
    if (buf_addch(&r->scratch, '\0') < 0)
        return NULL;
    r->scratch.len--;
    *chars = cps;
    return r->scratch.ptr;
}

static void track(struct sheet *s, lxw_col_t col, double w)
{
    if (col >= MAX_COLS)
        return;
    if (w > MAX_WIDTH)
        w = MAX_WIDTH;
    if (w > s->width[col])
        s->width[col] = w;
}

static int put_text(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                    const char *str, size_t n, int terminated, lxw_format *f)
{
    size_t chars;
    const char *t;

    if (n == 0)
        return 0;
    t = cell_text(r, str, n, terminated, &chars);
    if (!t)
        return nomem(r);
    track(s, col, (double)chars + 2);
    return lxw_check(r, worksheet_write_string(s->ws, row, col, t, f), "write");
}

/* s[0..n), not necessarily NUL-terminated (raw values, buffers). */
static int put_strn(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                    const char *str, size_t n, lxw_format *f)
{
    return put_text(r, s, row, col, str, n, 0, f);
}

/* A title that may overflow into the empty cells to its right: not counted
 * in the column's width. */
static int put_title(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                     const char *str, lxw_format *f)
{
    size_t chars;
    const char *t = cell_text(r, str, strlen(str), 1, &chars);

    if (!t)
        return nomem(r);
    return lxw_check(r, worksheet_write_string(s->ws, row, col, t, f), "write");
}

static int put_str(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                   const char *str, lxw_format *f)
{
    return str ? put_text(r, s, row, col, str, strlen(str), 1, f) : 0;
}

/* ---- redaction (report_meta.redact) ------------------------------------------ */

int report_redact_plate(const char *plate, char *out, size_t cap)
{
    size_t i = 0, chars = 0, keep, n;

    if (!cap)
        return -1;
    out[0] = '\0';
    if (!plate || !*plate)
        return 0;
    for (n = 0; plate[n]; n++)          /* characters: UTF-8 lead bytes */
        chars += ((unsigned char)plate[n] & 0xC0) != 0x80;
    keep = chars > 3 ? 3 : chars - 1;   /* never the whole plate */
    for (n = 0, chars = 0; plate[n]; n++) {
        if (((unsigned char)plate[n] & 0xC0) != 0x80 && chars++ == keep)
            break;
        i = n + 1;
    }
    if (i + 4 > cap)
        return -1;
    memcpy(out, plate, i);
    memcpy(out + i, "***", 4);
    return 0;
}

/* The plate as this report shows it: masked in a redacted copy. */
static const char *shown_plate(const struct report *r, const char *plate, char *tmp,
                               size_t cap)
{
    if (!r->meta.redact || !plate)
        return plate;
    if (report_redact_plate(plate, tmp, cap) < 0)
        return "***";
    return tmp;
}

/* A rejection reason in a redacted copy: every 'quoted' value (the
 * normalizer quotes the rejected text) becomes '***'. Into r->redacted. */
static const char *shown_reason(struct report *r, const char *reason)
{
    const char *p, *e;

    if (!r->meta.redact || !reason)
        return reason;
    buf_reset(&r->redacted);
    for (p = reason; *p; p++) {
        if (*p == '\'' && (p == reason || p[-1] == ' ') && (e = strchr(p + 1, '\''))) {
            if (buf_addstr(&r->redacted, "'***'") < 0)
                return "redacted";
            p = e;
            continue;
        }
        if (buf_addch(&r->redacted, *p) < 0)
            return "redacted";
    }
    return r->redacted.ptr ? r->redacted.ptr : "";
}

static int digits(long long v)
{
    int d = 1;

    if (v < 0) {
        d++;
        v = -v;
    }
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

static int put_num(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                   double v, double width, lxw_format *f)
{
    track(s, col, width);
    return lxw_check(r, worksheet_write_number(s->ws, row, col, v, f), "write");
}

static int put_count(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                     long long v, lxw_format *f)
{
    int w = digits(v);

    w += w / 3 + 2;   /* thousands separators, margin */
    return put_num(r, s, row, col, (double)v, w, f ? f : r->fmt[F_COUNT]);
}

/* Money: summed in cents, a double only here. */
static int put_money(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                     long long cents, int cur, int total)
{
    lxw_format *f = r->fmt[total ? (cur ? F_TOTAL_USD : F_TOTAL_CAD)
                                 : (cur ? F_MONEY_USD : F_MONEY_CAD)];

    int w = digits(cents / 100);

    w += w / 3 + 8;   /* separators, ".00 CAD", margin */
    return put_num(r, s, row, col, (double)cents / 100.0, w, f);
}

/* An amount beside a Currency column: a plain number format. */
static int put_amount(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                      long long cents)
{
    int w = digits(cents / 100);

    w += w / 3 + 5;   /* separators, ".00", margin */
    return put_num(r, s, row, col, (double)cents / 100.0, w, r->fmt[F_AMOUNT]);
}

/* The UTC offset of business_tz at utc (0 without one). */
static long local_offset(const struct report *r, long long utc)
{
    return r->meta.local_offset ? r->meta.local_offset(r->meta.local_date_ctx, utc) : 0;
}

static int put_time(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                    long long utc)
{
    return put_num(r, s, row, col, (double)utc / 86400.0 + EXCEL_EPOCH, 21,
                   r->fmt[F_DATE]);
}

/* utc shown as the wall-clock time of business_tz. */
static int put_local_time(struct report *r, struct sheet *s, lxw_row_t row, lxw_col_t col,
                          long long utc)
{
    return put_time(r, s, row, col, utc + local_offset(r, utc));
}

/* ---- table sheets and continuation --------------------------------------- */

/* The autofilter over the table (header and data rows). Call it before
 * writing below the table: constant_memory takes it only while its last
 * row is the row being written. */
static int sheet_close_table(struct report *r, struct sheet *s)
{
    if (!s->table || s->ncols <= 0)
        return 0;
    s->table = 0;
    return lxw_check(r, worksheet_autofilter(s->ws, s->head_row, 0,
                                             s->data > 0 ? s->last_data : s->head_row,
                                             (lxw_col_t)(s->ncols - 1)), "autofilter");
}

static int sheet_finish_part(struct report *r, struct sheet *s)
{
    int c;

    if (!s->ws)
        return 0;
    for (c = 0; c < MAX_COLS; c++)
        if (s->width[c] > 0 &&
            lxw_check(r, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c,
                                              s->width[c], NULL), "set column") < 0)
            return -1;
    return sheet_close_table(r, s);
}

static int sheet_new_part(struct report *r, struct sheet *s)
{
    char name[40];
    lxw_worksheet *ws;

    if (s->ws && sheet_finish_part(r, s) < 0)
        return -1;
    if (s->nparts == 0)
        snprintf(name, sizeof(name), "%s", s->base);
    else
        snprintf(name, sizeof(name), "%s %zu", s->base, s->nparts + 1);
    ws = workbook_add_worksheet(r->wb, name);
    if (!ws)
        return fail(r, E_IO, "cannot add sheet", name);
    if (GROW(s->parts, s->parts_cap, s->nparts + 1) < 0) /* NOLINT(bugprone-sizeof-expression) */
        return nomem(r);
    s->parts[s->nparts++] = ws;
    s->ws = ws;
    /* every sheet prints: landscape, one page wide, page numbers */
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    if (lxw_check(r, worksheet_set_footer(ws, "&L&A&RPage &P of &N"), "footer") < 0)
        return -1;
    s->row = 0;
    s->head_row = 0;
    s->data = 0;
    s->table = 0;
    memset(s->width, 0, sizeof(s->width));
    return 0;
}

/* Writes the table header at the current row and freezes above it. */
static int sheet_header(struct report *r, struct sheet *s, const char *const *heads,
                        int ncols)
{
    int c;

    s->heads = heads;
    s->ncols = ncols;
    s->head_row = s->row;
    for (c = 0; c < ncols; c++)
        if (put_str(r, s, s->row, (lxw_col_t)c, heads[c], r->fmt[F_HEAD]) < 0)
            return -1;
    /* header text is bold: a little wider */
    for (c = 0; c < ncols; c++)
        track(s, (lxw_col_t)c, (double)strlen(heads[c]) + 4);
    worksheet_freeze_panes(s->ws, s->row + 1, 0);
    if (lxw_check(r, worksheet_repeat_rows(s->ws, s->row, s->row), "print titles") < 0)
        return -1;
    s->table = 1;
    s->data = 0;
    s->row++;
    return 0;
}

/* The row for the next data row of the sheet's table (starts a part when
 * the current one is full). */
static int sheet_next_row(struct report *r, struct sheet *s, lxw_row_t *row)
{
    if (r->failed)
        return -1;
    if (s->data >= r->max_rows) {
        if (sheet_new_part(r, s) < 0 || sheet_header(r, s, s->heads, s->ncols) < 0)
            return -1;
    }
    *row = s->row++;
    s->last_data = *row;
    s->data++;
    return 0;
}

/* ---- open ------------------------------------------------------------------ */

static char *dupstr(const char *s)
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

static int make_formats(struct report *r)
{
    lxw_workbook *wb = r->wb;
    const char *cad = "#,##0.00 \"CAD\"", *usd = "#,##0.00 \"USD\"";
    int i;

    r->fmt[F_HEAD] = mkfmt(wb, NULL, 1, 0, 0xD9E1F2, 0, 0);
    if (r->fmt[F_HEAD])
        format_set_bottom(r->fmt[F_HEAD], LXW_BORDER_THIN);
    r->fmt[F_TITLE] = mkfmt(wb, NULL, 1, 0, 0, 14, 0);
    r->fmt[F_ABORTED] = mkfmt(wb, NULL, 1, LXW_COLOR_RED, 0, 14, 0);
    r->fmt[F_LABEL] = mkfmt(wb, NULL, 1, 0, 0, 0, 0);
    r->fmt[F_DATE] = mkfmt(wb, "yyyy-mm-dd hh:mm:ss", 0, 0, 0, 0, 0);
    r->fmt[F_DAY] = mkfmt(wb, "yyyy-mm-dd", 0, 0, 0, 0, 0);
    if (r->fmt[F_DAY])
        format_set_align(r->fmt[F_DAY], LXW_ALIGN_LEFT);
    r->fmt[F_COUNT] = mkfmt(wb, "#,##0", 0, 0, 0, 0, 0);
    r->fmt[F_PCT] = mkfmt(wb, "0.00%", 0, 0, 0, 0, 0);
    r->fmt[F_MONEY_CAD] = mkfmt(wb, cad, 0, 0, 0, 0, 0);
    r->fmt[F_MONEY_USD] = mkfmt(wb, usd, 0, 0, 0, 0, 0);
    r->fmt[F_TOTAL] = mkfmt(wb, NULL, 1, 0, 0, 0, 1);
    r->fmt[F_TOTAL_COUNT] = mkfmt(wb, "#,##0", 1, 0, 0, 0, 1);
    r->fmt[F_TOTAL_CAD] = mkfmt(wb, cad, 1, 0, 0, 0, 1);
    r->fmt[F_TOTAL_USD] = mkfmt(wb, usd, 1, 0, 0, 0, 1);
    r->fmt[F_DIFF_BAD] = mkfmt(wb, "#,##0", 1, 0x9C0006, 0xFFC7CE, 0, 0);
    r->fmt[F_SECTION] = mkfmt(wb, NULL, 1, 0x1F4E78, 0, 12, 0);
    r->fmt[F_BOLD] = mkfmt(wb, NULL, 1, 0, 0, 0, 0);
    r->fmt[F_AMOUNT] = mkfmt(wb, "#,##0.00", 0, 0, 0, 0, 0);
    r->fmt[F_AMOUNT_BAD] = mkfmt(wb, "#,##0.00", 1, 0x9C0006, 0xFFC7CE, 0, 0);
    r->fmt[F_MEDIAN] = mkfmt(wb, "#,##0.0", 0, 0, 0, 0, 0);
    for (i = 0; i < F_COUNT_MAX; i++)
        if (!r->fmt[i])
            return nomem(r);
    return 0;
}

/* The headers that name business_tz: "Start (%s)" -> "Start (America/Toronto)". */
static int make_heads(struct report *r)
{
    struct buf b = BUF_INIT;
    size_t offs[PC_COUNT + ZC_COUNT + SILENT_NCOLS];
    const char *tmpl, *pct;
    int i;

    for (i = 0; i < PC_COUNT + ZC_COUNT + SILENT_NCOLS; i++) {
        tmpl = i < PC_COUNT ? permit_heads[i]
               : i < PC_COUNT + ZC_COUNT ? zone_heads[i - PC_COUNT]
               : silent_heads_fmt[i - PC_COUNT - ZC_COUNT];
        offs[i] = b.len;
        pct = strstr(tmpl, "%s");
        if (pct ? buf_add(&b, tmpl, (size_t)(pct - tmpl)) < 0 ||
                      buf_addstr(&b, r->business_tz) < 0 || buf_addstr(&b, pct + 2) < 0
                : buf_addstr(&b, tmpl) < 0)
            goto oom;
        if (buf_addch(&b, '\0') < 0)
            goto oom;
    }
    r->heads_text = b.ptr;
    for (i = 0; i < PC_COUNT; i++)
        r->permit_h[i] = r->heads_text + offs[i];
    for (i = 0; i < ZC_COUNT; i++)
        r->zone_h[i] = r->heads_text + offs[PC_COUNT + i];
    for (i = 0; i < SILENT_NCOLS; i++)
        r->silent_h[i] = r->heads_text + offs[PC_COUNT + ZC_COUNT + i];
    return 0;
oom:
    buf_release(&b);
    return nomem(r);
}

static int parse_day(const char *s, int *y, int *m, int *d)
{
    int i;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return 0;
}

static int day_slot(struct report *r, const char *day);

/* A period report lists every day of the period, days without sales too
 * (ranges over ten years are left to the days of the records). */
static int prefill_days(struct report *r)
{
    int y, m, d, y2, m2, d2;
    long long t, t2;
    char day[16];

    if (!r->period_from || !r->period_to ||
        parse_day(r->period_from, &y, &m, &d) < 0 || parse_day(r->period_to, &y2, &m2, &d2) < 0)
        return 0;
    t = tz_days_from_civil(y, m, d);
    t2 = tz_days_from_civil(y2, m2, d2);
    if (t2 < t || t2 - t > 3660)
        return 0;
    for (; t <= t2; t++) {
        tz_civil_from_days(t, &y, &m, &d);
        snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
        if (day_slot(r, day) < 0)
            return -1;
    }
    return 0;
}

struct report *report_open(const char *path, const struct report_meta *meta,
                           struct etl_err *err)
{
    lxw_workbook_options opt = { LXW_TRUE, NULL, LXW_FALSE };
    struct report *r = calloc(1, sizeof(*r));
    size_t plen = strlen(path) + 32;
    int probe, i;

    if (!r) {
        etl_fail(err, E_NOMEM, "report %s: out of memory", path);
        return NULL;
    }
    r->meta = *meta;
    r->path = strdup(path);
    r->tmp = malloc(plen);
    r->title = dupstr(meta->title ? meta->title : "permit-etl report");
    r->command = dupstr(meta->command);
    r->config_path = dupstr(meta->config_path);
    r->business_tz = dupstr(meta->business_tz ? meta->business_tz : "UTC");
    r->business_day = dupstr(meta->business_day);
    r->period_from = dupstr(meta->period_from);
    r->period_to = dupstr(meta->period_to);
    if (!r->path || !r->tmp || !r->title || !r->business_tz ||
        (meta->command && !r->command) || (meta->config_path && !r->config_path) ||
        (meta->business_day && !r->business_day) ||
        (meta->period_from && !r->period_from) || (meta->period_to && !r->period_to)) {
        etl_fail(err, E_NOMEM, "report %s: out of memory", path);
        report_discard(r);
        return NULL;
    }
    if (!r->meta.run_time)
        r->meta.run_time = (long long)time(NULL);
    r->max_rows = report_max_rows();
    snprintf(r->tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    /* libxlsxwriter opens the file only at close: find an unwritable
     * directory now, before the pass. The temp file is created private
     * (fsutil.h); libxlsxwriter truncates it in place at close. */
    {
        struct buf tb = BUF_INIT;

        probe = fsutil_tmp_open(path, fsutil_file_mode(), &tb);
        if (probe < 0) {
            etl_fail(err, E_IO, "report %s: cannot write: %s", path, strerror(errno));
            buf_release(&tb);
            free(r->tmp);
            r->tmp = NULL;
            report_discard(r);
            return NULL;
        }
        close(probe);
        snprintf(r->tmp, plen, "%s", tb.ptr);
        buf_release(&tb);
    }
    /* libxlsxwriter's own temporary files go next to the output, so a full
     * disk there fails workbook_close() instead of truncating silently */
    r->tmpdir = strdup(path);
    if (r->tmpdir) {
        char *slash = strrchr(r->tmpdir, '/');
        if (slash == r->tmpdir)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            snprintf(r->tmpdir, strlen(path) + 1, ".");
    }
    opt.tmpdir = r->tmpdir;
    r->wb = workbook_new_opt(r->tmp, &opt);
    if (!r->wb) {
        etl_fail(err, E_IO, "report %s: cannot create the workbook", path);
        report_discard(r);
        return NULL;
    }
    r->za = zone_audit_new(meta->zones, &r->err);
    if (!r->za) {
        *err = r->err;
        report_discard(r);
        return NULL;
    }
    if (make_formats(r) < 0 || make_heads(r) < 0)
        goto fail;
    for (i = 0; i < SH_COUNT; i++) {
        r->sh[i].base = sheet_names[i];
        if (i != SH_RECON && i != SH_SILENT && sheet_new_part(r, &r->sh[i]) < 0)
            goto fail;
    }
    /* streamed sheets: headers now */
    if (sheet_header(r, &r->sh[SH_PERMITS], r->permit_h, PC_COUNT) < 0 ||
        sheet_header(r, &r->sh[SH_VOIDS], void_heads, (int)NELEM(void_heads)) < 0 ||
        sheet_header(r, &r->sh[SH_REJECTED], reject_heads, (int)NELEM(reject_heads)) < 0)
        goto fail;
    if (r->meta.online &&
        sheet_header(r, &r->sh[SH_PUSH], push_heads, (int)NELEM(push_heads)) < 0)
        goto fail;
    r->last_src_idx = -1;
    if (prefill_days(r) < 0)
        goto fail;
    return r;
fail:
    *err = r->err;
    report_discard(r);
    return NULL;
}

/* ---- accumulators ----------------------------------------------------------- */

static int cur_index(enum currency c)
{
    return c == CUR_USD ? 1 : 0;
}

static void money_add(struct money *m, const struct permit *p)
{
    int c = cur_index(p->currency);

    m->records++;
    m->n[c]++;
    m->cents[c] += p->cents;
    if (p->cents == 0)
        m->free_sessions++;
}

/* Index in a map whose values are `struct money`, growing the array. */
static int money_slot(struct report *r, struct strmap *m, struct money **arr, size_t *cap,
                      const char *key, size_t n)
{
    int created, idx = strmap_add(m, key, n, &created);
    struct money *a = *arr;

    if (idx < 0)
        return nomem(r);
    if (created) {
        if (GROW(a, *cap, (size_t)idx + 1) < 0)
            return nomem(r);
        *arr = a;
        memset(&a[idx], 0, sizeof(*a));
    }
    return idx;
}

static int file_slot(struct report *r, const char *path)
{
    int created, idx;

    if (!path)
        path = "";
    /* the caller's pointer may be reused for another path (a ledger row
     * buffer): compare the text */
    if (r->last_src_idx >= 0 && !strcmp(strmap_key(&r->files, r->last_src_idx), path))
        return r->last_src_idx;
    idx = strmap_add(&r->files, path, strlen(path), &created);
    if (idx < 0)
        return nomem(r);
    if (created) {
        if (GROW(r->file_a, r->file_cap, (size_t)idx + 1) < 0)
            return nomem(r);
        memset(&r->file_a[idx], 0, sizeof(*r->file_a));
    }
    r->last_src_idx = idx;
    return idx;
}

static void utc_date(long long t, int *y, int *m, int *d)
{
    /* days since 1970-01-01 -> civil date (Howard Hinnant's algorithm) */
    long long z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int day_slot(struct report *r, const char *day)
{
    return money_slot(r, &r->days, &r->day_m, &r->day_cap, day, strlen(day));
}

static int add_promo(struct report *r, const struct permit *p)
{
    size_t cl = strlen(p->promo), zl = strlen(p->zone);
    int code, zone, created, idx;

    code = money_slot(r, &r->promos, &r->promo_m, &r->promo_cap, p->promo, cl);
    if (code < 0)
        return -1;
    money_add(&r->promo_m[code], p);
    /* key: code \x1f zone */
    buf_reset(&r->scratch2);
    if (buf_add(&r->scratch2, p->promo, cl) < 0 || buf_addch(&r->scratch2, '\x1f') < 0 ||
        buf_add(&r->scratch2, p->zone, zl) < 0)
        return nomem(r);
    idx = strmap_add(&r->promo_zones, r->scratch2.ptr, r->scratch2.len, &created);
    if (idx < 0)
        return nomem(r);
    if (created) {
        zone = strmap_add(&r->zones, p->zone, zl, &created);  /* exists: added before */
        if (zone < 0 || GROW(r->pz, r->pz_cap, (size_t)idx + 1) < 0)
            return nomem(r);
        memset(&r->pz[idx], 0, sizeof(*r->pz));
        r->pz[idx].code = code;
        r->pz[idx].zone = zone;
    }
    money_add(&r->pz[idx].m, p);
    return 0;
}

static int write_permit_row(struct report *r, const struct permit *p, int file)
{
    struct sheet *s = &r->sh[SH_PERMITS];
    int cur = cur_index(p->currency);
    lxw_row_t row;
    char masked[64];

    (void)file;
    (void)cur;
    if (sheet_next_row(r, s, &row) < 0)
        return -1;
    if (put_str(r, s, row, PC_PLATE, shown_plate(r, p->plate, masked, sizeof(masked)), NULL) < 0 ||
        put_amount(r, s, row, PC_AMOUNT, p->cents) < 0 ||
        put_str(r, s, row, PC_CURRENCY, currency_name(p->currency), NULL) < 0 ||
        put_local_time(r, s, row, PC_START, p->start) < 0 ||
        put_local_time(r, s, row, PC_END, p->end) < 0 ||
        put_str(r, s, row, PC_ZONE, p->zone, NULL) < 0 ||
        put_str(r, s, row, PC_ZONE_STATUS, zone_status_name(p->zone_status), NULL) < 0 ||
        put_str(r, s, row, PC_PERMIT_NO, p->permit_no, NULL) < 0 ||
        put_str(r, s, row, PC_TICKET, p->ticket, NULL) < 0 ||
        put_str(r, s, row, PC_PROMO, p->promo, NULL) < 0 ||
        put_str(r, s, row, PC_SOURCE, p->source, NULL) < 0 ||
        put_count(r, s, row, PC_LINE, p->line, NULL) < 0 ||
        put_str(r, s, row, PC_KEY, r->meta.redact ? REPORT_REDACTED : p->key, NULL) < 0 ||
        put_time(r, s, row, PC_START_UTC, p->start) < 0 ||
        put_time(r, s, row, PC_END_UTC, p->end) < 0)
        return -1;
    return 0;
}

int report_add_twin(struct report *r, const char *path, const struct report_meta *meta,
                    struct etl_err *err)
{
    if (r->twin)
        return etl_fail(err, E_INTERNAL, "report: a twin is already attached");
    r->twin = report_open(path, meta, err);
    return r->twin ? 0 : -1;
}

int report_add_permit(struct report *r, const struct permit *p)
{
    char day[16];
    int file, zone, idx, y, m, d;

    if (r->twin)
        (void)report_add_permit(r->twin, p);
    if (r->failed)
        return -1;
    file = file_slot(r, p->source);
    if (file < 0 || write_permit_row(r, p, file) < 0)
        return -1;
    r->accepted++;
    r->gross[cur_index(p->currency)] += p->cents;
    money_add(&r->total, p);
    money_add(&r->file_a[file].m, p);
    zone = money_slot(r, &r->zones, &r->zone_m, &r->zone_cap, p->zone, strlen(p->zone));
    if (zone < 0)
        return -1;
    money_add(&r->zone_m[zone], p);
    if (r->meta.local_offset)
        utc_date(p->start + local_offset(r, p->start), &y, &m, &d);
    else if (!r->meta.local_date ||
             r->meta.local_date(r->meta.local_date_ctx, p->start, &y, &m, &d) < 0)
        utc_date(p->start, &y, &m, &d);
    snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
    idx = day_slot(r, day);
    if (idx < 0)
        return -1;
    money_add(&r->day_m[idx], p);
    if (p->promo[0] && add_promo(r, p) < 0)
        return -1;
    if (zone_audit_add(r->za, p, &r->err) < 0)
        return nomem(r);
    return 0;
}

int report_add_void(struct report *r, const struct permit *p)
{
    if (r->twin)
        (void)report_add_void(r->twin, p);
    if (r->failed)
        return -1;
    if (file_slot(r, p->source) < 0)
        return -1;
    r->voids++;
    return 0;
}

int report_add_voided(struct report *r, const struct report_void *v)
{
    struct sheet *s = &r->sh[SH_VOIDS];
    int cur = cur_index(v->currency);
    lxw_row_t row;
    char masked[64];

    if (r->twin)
        (void)report_add_voided(r->twin, v);
    if (r->failed)
        return -1;
    switch (v->kind) {
    case RV_CANCELLED:
        r->gross[cur] += v->cents;
        r->voided[cur] += v->cents;
        r->n_cancelled++;
        break;
    case RV_EARLIER:
        r->earlier_voided[cur] += v->cents;
        r->n_earlier++;
        break;
    default:
        r->n_unmatched++;
        break;
    }
    if (sheet_next_row(r, s, &row) < 0)
        return -1;
    if (put_str(r, s, row, 0, v->kind == RV_CANCELLED ? "cancelled sale"
                              : v->kind == RV_EARLIER ? "earlier sale voided"
                              : "unmatched void", NULL) < 0 ||
        put_str(r, s, row, 1, r->meta.redact ? REPORT_REDACTED : v->key, NULL) < 0 ||
        put_str(r, s, row, 2, shown_plate(r, v->plate, masked, sizeof(masked)), NULL) < 0 ||
        put_str(r, s, row, 3, v->zone, NULL) < 0 ||
        (v->kind != RV_UNMATCHED && put_money(r, s, row, 4, v->cents, cur, 0) < 0) ||
        put_str(r, s, row, 5, currency_name(v->currency), NULL) < 0 ||
        (v->sale_file && put_str(r, s, row, 6, v->sale_file, NULL) < 0) ||
        (v->sale_line > 0 && put_count(r, s, row, 7, v->sale_line, NULL) < 0) ||
        put_str(r, s, row, 8, v->void_file, NULL) < 0 ||
        (v->void_line > 0 && put_count(r, s, row, 9, v->void_line, NULL) < 0) ||
        put_money(r, s, row, 10, v->void_cents, cur_index(v->void_currency), 0) < 0 ||
        put_str(r, s, row, 11, v->delete_sent ? "yes" : "no", NULL) < 0 ||
        put_str(r, s, row, 12, v->state, NULL) < 0)
        return -1;
    return 0;
}

int report_add_reject(struct report *r, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct sheet *s = &r->sh[SH_REJECTED];
    lxw_row_t row;

    if (r->twin)
        (void)report_add_reject(r->twin, file, line, field, reason, raw, rawlen);
    if (sheet_next_row(r, s, &row) < 0)
        return -1;
    r->rejected_rows++;
    if (put_str(r, s, row, 0, file, NULL) < 0 ||
        (line > 0 && put_count(r, s, row, 1, line, NULL) < 0) ||
        put_str(r, s, row, 2, field, NULL) < 0 ||
        put_str(r, s, row, 3, shown_reason(r, reason), NULL) < 0 ||
        (raw && r->meta.redact && put_str(r, s, row, 4, REPORT_REDACTED, NULL) < 0) ||
        (raw && !r->meta.redact && put_strn(r, s, row, 4, raw, rawlen, NULL) < 0))
        return -1;
    return 0;
}

int report_add_push(struct report *r, const struct report_push *p)
{
    struct sheet *s = &r->sh[SH_PUSH];
    lxw_row_t row;
    char masked[64];
    const char *last_error = p->last_error;

    if (r->twin)
        (void)report_add_push(r->twin, p);
    if (r->failed)
        return -1;
    if (!s->table && sheet_header(r, s, push_heads, (int)NELEM(push_heads)) < 0)
        return -1;
    r->meta.online = 1;
    if (sheet_next_row(r, s, &row) < 0)
        return -1;
    if (r->meta.redact && p->last_error && p->plate && p->plate[0] &&
        strstr(p->last_error, p->plate))
        last_error = REPORT_REDACTED;    /* the server's message quoted the plate */
    if (put_str(r, s, row, 0, r->meta.redact ? REPORT_REDACTED : p->key, NULL) < 0 ||
        put_str(r, s, row, 1, shown_plate(r, p->plate, masked, sizeof(masked)), NULL) < 0 ||
        put_str(r, s, row, 2, p->zone, NULL) < 0 ||
        put_str(r, s, row, 3, p->action, NULL) < 0 ||
        put_str(r, s, row, 4, p->reference_id, NULL) < 0 ||
        put_str(r, s, row, 5, p->state, NULL) < 0 ||
        put_count(r, s, row, 6, p->attempts, NULL) < 0 ||
        put_str(r, s, row, 7, last_error, NULL) < 0 ||
        put_str(r, s, row, 8, p->resent_after_doubt ? "yes" : "no", NULL) < 0 ||
        put_str(r, s, row, 9, p->unlinked ? "yes" : "no", NULL) < 0)
        return -1;
    return 0;
}

int report_add_file(struct report *r, const struct report_file *f)
{
    struct file_agg *a;
    int idx;

    if (r->twin)
        (void)report_add_file(r->twin, f);
    if (r->failed)
        return -1;
    idx = file_slot(r, f->path);
    if (idx < 0)
        return -1;
    a = &r->file_a[idx];
    free(a->profile);
    free(a->status);
    a->profile = dupstr(f->profile);
    a->status = dupstr(f->status ? f->status : "ok");
    if ((f->profile && !a->profile) || !a->status)
        return nomem(r);
    a->f = *f;
    a->f.path = NULL;
    a->has_facts = 1;
    return 0;
}

void report_set_counts(struct report *r, const struct report_counts *c)
{
    if (r->twin)
        (void)report_set_counts(r->twin, c);
    r->counts = *c;
    r->has_counts = 1;
}

int report_set_causes(struct report *r, const struct run_cause *c, size_t n)
{
    size_t i;

    if (r->twin)
        (void)report_set_causes(r->twin, c, n);
    if (r->failed)
        return -1;
    for (i = 0; i < r->ncauses; i++) {
        free((char *)r->causes[i].what);
        free((char *)r->causes[i].sheet);
    }
    r->ncauses = 0;
    for (i = 0; i < n && r->ncauses < REPORT_MAX_CAUSES; i++) {
        struct run_cause *d = &r->causes[r->ncauses];
        if (c[i].count <= 0 || !c[i].what)
            continue;
        d->what = dupstr(c[i].what);
        d->sheet = dupstr(c[i].sheet);
        d->count = c[i].count;
        r->ncauses++;
        if (!d->what || (c[i].sheet && !d->sheet))
            return nomem(r);
    }
    return 0;
}

int report_add_stats_row(struct report *r, const char *type, const char *zone,
                         long server_total, long ledger_pushed)
{
    int created, t, z;

    if (r->twin)
        (void)report_add_stats_row(r->twin, type, zone, server_total, ledger_pushed);
    if (r->failed)
        return -1;
    r->stats_online = 1;
    t = strmap_add(&r->names, type, strlen(type), &created);
    z = strmap_add(&r->names, zone, strlen(zone), &created);
    if (t < 0 || z < 0 || GROW(r->srows, r->srows_cap, r->nsrows + 1) < 0)
        return nomem(r);
    r->srows[r->nsrows].type = t;
    r->srows[r->nsrows].zone = z;
    r->srows[r->nsrows].server = server_total;
    r->srows[r->nsrows].ledger = ledger_pushed;
    r->nsrows++;
    return 0;
}

int report_add_live_disconnected(struct report *r, const char *vendor_zone, long count)
{
    int created, z;

    if (r->twin)
        (void)report_add_live_disconnected(r->twin, vendor_zone, count);
    if (r->failed)
        return -1;
    r->stats_online = 1;
    z = strmap_add(&r->names, vendor_zone, strlen(vendor_zone), &created);
    if (z < 0 || GROW(r->live_zone, r->live_cap, r->nlive + 1) < 0 ||
        GROW(r->live_n, r->live_ncap, r->nlive + 1) < 0)
        return nomem(r);
    r->live_zone[r->nlive] = z;
    r->live_n[r->nlive] = count;
    r->nlive++;
    return 0;
}

void report_set_stats_pulled(struct report *r)
{
    if (r->twin)
        (void)report_set_stats_pulled(r->twin);
    r->stats_online = 1;
}

void report_set_stats_offline(struct report *r, const char *why)
{
    if (r->twin)
        (void)report_set_stats_offline(r->twin, why);
    free(r->stats_offline);
    r->stats_offline = dupstr(why ? why : "OPSCOM stats were not pulled");
}

void report_set_stats_error(struct report *r, const char *message)
{
    if (r->twin)
        (void)report_set_stats_error(r->twin, message);
    free(r->stats_error);
    r->stats_error = dupstr(message ? message : "stats could not be pulled");
}

/* ---- aggregate sheets --------------------------------------------------------- */

static const struct strmap *sort_map;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(strmap_key(sort_map, *(const int *)a), strmap_key(sort_map, *(const int *)b));
}

/* Indices 0..n-1 of a map, sorted by key; NULL on ENOMEM (n == 0: non-NULL). */
static int *sorted_keys(const struct strmap *m)
{
    int *ix = malloc((m->n ? m->n : 1) * sizeof(*ix));
    size_t i;

    if (!ix)
        return NULL;
    for (i = 0; i < m->n; i++)
        ix[i] = (int)i;
    sort_map = m;
    qsort(ix, m->n, sizeof(*ix), cmp_key);
    return ix;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* A free-form row cursor of the Summary. */
static lxw_row_t next_row(struct sheet *s)
{
    return s->row++;
}

enum { MT_NAME, MT_DAY, MT_FILE };   /* what money_table()'s keys are */

/* Writes a money table: name | Records | Free sessions | Revenue CAD | Revenue USD,
 * then a total row per currency column. Returns the first and last data rows. */
static int money_table(struct report *r, struct sheet *s, const char *title,
                       const char *first_head, const struct strmap *m,
                       const struct money *vals, const int *order, int kind,
                       lxw_row_t *first, lxw_row_t *last)
{
    static const char *const heads[] = { "", "Records", "Free sessions", "Revenue CAD",
                                         "Revenue USD" };
    struct money tot;
    lxw_row_t row;
    size_t i;
    int c;

    memset(&tot, 0, sizeof(tot));
    if (put_title(r, s, next_row(s), 0, title, r->fmt[F_SECTION]) < 0)
        return -1;
    row = next_row(s);
    for (c = 0; c < 5; c++)
        if (put_str(r, s, row, (lxw_col_t)c, c ? heads[c] : first_head, r->fmt[F_HEAD]) < 0)
            return -1;
    *first = s->row;
    for (i = 0; i < m->n; i++) {
        int k = order ? order[i] : (int)i;
        const struct money *v = &vals[k];
        const char *name = strmap_key(m, k);
        row = next_row(s);
        if (kind == MT_DAY) {
            int y = 0, mo = 0, d = 0;
            /* "YYYY-MM-DD" -> an Excel date */
            long long t;
            y = (name[0] - '0') * 1000 + (name[1] - '0') * 100 + (name[2] - '0') * 10 +
                (name[3] - '0');
            mo = (name[5] - '0') * 10 + (name[6] - '0');
            d = (name[8] - '0') * 10 + (name[9] - '0');
            {
                /* days from civil (inverse of utc_date) */
                long long yy = y - (mo <= 2);
                long long era = (yy >= 0 ? yy : yy - 399) / 400;
                long long yoe = yy - era * 400;
                long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
                long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                t = era * 146097 + doe - 719468;
            }
            if (put_num(r, s, row, 0, (double)t + EXCEL_EPOCH, 12, r->fmt[F_DAY]) < 0)
                return -1;
        } else if (put_str(r, s, row, 0, !name[0] ? "(none)" : kind == MT_FILE
                                              ? base_name(name) : name, NULL) < 0) {
            return -1;
        }
        if (put_count(r, s, row, 1, v->records, NULL) < 0 ||
            put_count(r, s, row, 2, v->free_sessions, NULL) < 0 ||
            put_money(r, s, row, 3, v->cents[0], 0, 0) < 0 ||
            put_money(r, s, row, 4, v->cents[1], 1, 0) < 0)
            return -1;
        tot.records += v->records;
        tot.free_sessions += v->free_sessions;
        tot.cents[0] += v->cents[0];
        tot.cents[1] += v->cents[1];
    }
    *last = s->row ? s->row - 1 : 0;
    row = next_row(s);
    if (put_str(r, s, row, 0, "Total", r->fmt[F_TOTAL]) < 0 ||
        put_count(r, s, row, 1, tot.records, r->fmt[F_TOTAL_COUNT]) < 0 ||
        put_count(r, s, row, 2, tot.free_sessions, r->fmt[F_TOTAL_COUNT]) < 0 ||
        put_money(r, s, row, 3, tot.cents[0], 0, 1) < 0 ||
        put_money(r, s, row, 4, tot.cents[1], 1, 1) < 0)
        return -1;
    next_row(s);
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

static int fact(struct report *r, struct sheet *s, const char *label, const char *value,
                lxw_format *f)
{
    lxw_row_t row = next_row(s);

    if (put_str(r, s, row, 0, label, r->fmt[F_LABEL]) < 0)
        return -1;
    /* a fact's value runs over the empty cells to its right: it does not
     * widen column B (the tables below share it) */
    return value ? put_title(r, s, row, 1, value, f) : 0;
}

static int fact_count(struct report *r, struct sheet *s, const char *label, long v,
                      int online)
{
    lxw_row_t row = next_row(s);

    if (put_str(r, s, row, 0, label, r->fmt[F_LABEL]) < 0)
        return -1;
    if (!online)
        return put_str(r, s, row, 1, "offline", NULL);
    if (v < 0)
        return put_str(r, s, row, 1, "-", NULL);
    return put_count(r, s, row, 1, v, NULL);
}

/* The business day(s) the report covers, "YYYY-MM-DD" each ("" when
 * none): the period asked for, else --date, else the days of the records. */
static int summary_days(struct report *r, char *first, size_t fcap, char *last, size_t lcap)
{
    int *order;

    first[0] = last[0] = '\0';
    if (r->period_from && r->period_to) {
        snprintf(first, fcap, "%s", r->period_from);
        snprintf(last, lcap, "%s", r->period_to);
        return 0;
    }
    if (r->business_day) {
        snprintf(first, fcap, "%s", r->business_day);
        snprintf(last, lcap, "%s", r->business_day);
        return 0;
    }
    if (r->days.n == 0)
        return 0;
    order = sorted_keys(&r->days);
    if (!order)
        return -1;
    snprintf(first, fcap, "%s", strmap_key(&r->days, order[0]));
    snprintf(last, lcap, "%s", strmap_key(&r->days, order[r->days.n - 1]));
    free(order);
    return 0;
}

/* Exit status 1: each cause, its count and the sheet that shows it. */
static int write_causes(struct report *r, struct sheet *s, int aborted)
{
    static const char *const heads[] = { "Needs attention", "Count", "See sheet" };
    lxw_row_t row;
    size_t i;
    int c;

    if (aborted || r->counts.exit_code != EXIT_ATTENTION || r->ncauses == 0)
        return 0;
    if (put_title(r, s, next_row(s), 0, "Why the exit status is 1", r->fmt[F_SECTION]) < 0)
        return -1;
    row = next_row(s);
    for (c = 0; c < 3; c++)
        if (put_str(r, s, row, (lxw_col_t)c, heads[c], r->fmt[F_HEAD]) < 0)
            return -1;
    for (i = 0; i < r->ncauses; i++) {
        row = next_row(s);
        if (put_str(r, s, row, 0, r->causes[i].what, NULL) < 0 ||
            put_count(r, s, row, 1, r->causes[i].count, NULL) < 0 ||
            put_str(r, s, row, 2, r->causes[i].sheet ? r->causes[i].sheet : "-", NULL) < 0)
            return -1;
    }
    next_row(s);
    return 0;
}

/* The silent zones, on the Summary too (the Silent Zones sheet has them
 * with the latest start times). */
static int write_silent_list(struct report *r, struct sheet *s)
{
    static const char *const heads[] = { "Silent zone", "Business day",
                                         "Weekday median of sales", "Sales on the day" };
    lxw_row_t row;
    size_t i;
    int c;

    if (r->nsilent == 0)
        return 0;
    if (put_title(r, s, next_row(s), 0, "Silent zones (sales far below their weekday median)",
                  r->fmt[F_SECTION]) < 0)
        return -1;
    row = next_row(s);
    for (c = 0; c < 4; c++)
        if (put_str(r, s, row, (lxw_col_t)c, heads[c], r->fmt[F_HEAD]) < 0)
            return -1;
    for (i = 0; i < r->nsilent; i++) {
        row = next_row(s);
        if (put_str(r, s, row, 0, r->silent[i].zone, NULL) < 0 ||
            put_str(r, s, row, 1, r->silent[i].day, NULL) < 0 ||
            put_num(r, s, row, 2, r->silent[i].median, 8, r->fmt[F_MEDIAN]) < 0 ||
            put_count(r, s, row, 3, r->silent[i].sales, NULL) < 0)
            return -1;
    }
    next_row(s);
    return 0;
}

/* ---- Reconciliation and Silent Zones (created on first use) ---------------- */

static int lazy_sheet(struct report *r, int which, const char *const *heads, int ncols)
{
    struct sheet *s = &r->sh[which];

    if (r->failed)
        return -1;
    if (s->nparts)
        return 0;
    if (sheet_new_part(r, s) < 0)
        return -1;
    return sheet_header(r, s, heads, ncols);
}

int report_add_recon(struct report *r, const struct report_recon_row *x)
{
    struct sheet *s;
    lxw_row_t row;
    long long diff = 0, unexpl = 0;

    if (!r)
        return -1;
    if (r->twin)
        (void)report_add_recon(r->twin, x);     /* no plate in it: the same row */
    s = &r->sh[SH_RECON];
    if (lazy_sheet(r, SH_RECON, recon_heads, (int)NELEM(recon_heads)) < 0 ||
        sheet_next_row(r, s, &row) < 0)
        return -1;
    if (put_str(r, s, row, 0, x->day ? x->day : "day unknown", NULL) < 0 ||
        put_str(r, s, row, 1, x->vendor, NULL) < 0 ||
        put_str(r, s, row, 2, currency_name(x->currency), NULL) < 0)
        return -1;
    if (x->has_net && put_amount(r, s, row, 3, x->net_cents) < 0)
        return -1;
    if (x->settled) {
        diff = x->settled_cents - x->net_cents;
        unexpl = diff - x->rej_cents;
        if (put_amount(r, s, row, 4, x->settled_cents) < 0 ||
            put_amount(r, s, row, 5, diff) < 0)
            return -1;
    }
    if (put_count(r, s, row, 6, x->rej_count, NULL) < 0 ||
        put_amount(r, s, row, 7, x->rej_cents) < 0)
        return -1;
    if (x->settled && x->has_net) {
        if (put_num(r, s, row, 8, (double)unexpl / 100.0, 12,
                    r->fmt[unexpl ? F_AMOUNT_BAD : F_AMOUNT]) < 0)
            return -1;
    }
    if (x->has_net && put_count(r, s, row, 9, x->net_count, NULL) < 0)
        return -1;
    if (x->settled && x->settled_count >= 0 &&
        put_count(r, s, row, 10, x->settled_count, NULL) < 0)
        return -1;
    if (x->note && put_str(r, s, row, 11, x->note, NULL) < 0)
        return -1;
    return 0;
}

int report_add_silent(struct report *r, const struct report_silent *z)
{
    struct sheet *s;
    struct report_silent *c;
    lxw_row_t row;

    if (!r)
        return -1;
    if (r->twin)
        (void)report_add_silent(r->twin, z);
    s = &r->sh[SH_SILENT];
    if (lazy_sheet(r, SH_SILENT, r->silent_h, SILENT_NCOLS) < 0 ||
        sheet_next_row(r, s, &row) < 0)
        return -1;
    if (put_str(r, s, row, 0, z->zone, NULL) < 0 ||
        put_str(r, s, row, 1, z->day, NULL) < 0 ||
        put_num(r, s, row, 2, z->median, 8, r->fmt[F_MEDIAN]) < 0 ||
        put_count(r, s, row, 3, z->sales, NULL) < 0)
        return -1;
    if (z->last_start &&
        (put_local_time(r, s, row, 4, z->last_start) < 0 ||
         put_time(r, s, row, 5, z->last_start) < 0))
        return -1;
    if (GROW(r->silent, r->silent_cap, r->nsilent + 1) < 0) /* NOLINT(bugprone-sizeof-expression) */
        return nomem(r);
    c = &r->silent[r->nsilent];
    c->zone = dupstr(z->zone);
    c->day = dupstr(z->day);
    c->median = z->median;
    c->sales = z->sales;
    c->last_start = z->last_start;
    if (!c->zone || !c->day) {
        free((char *)c->zone);
        free((char *)c->day);
        return nomem(r);
    }
    r->nsilent++;
    return 0;
}

/*
 * Money as finance reads it: per currency (never added together) Gross =
 * every sale of the run, Voids = those cancelled, Net = Gross - Voids (every
 * other revenue figure of the workbook is Net); voids of earlier runs' sales
 * apart, never subtracted.
 */
static int write_money_block(struct report *r, struct sheet *s)
{
    static const char *const heads[] = { "Money", "CAD", "USD" };
    static const char *const labels[] = { "Gross (all sales)", "Voids (sales cancelled)",
                                          "Net (Gross - Voids)" };
    lxw_row_t row;
    int c, k;

    if (put_title(r, s, next_row(s), 0, "Gross, Voids, Net", r->fmt[F_SECTION]) < 0)
        return -1;
    row = next_row(s);
    for (c = 0; c < 3; c++)
        if (put_str(r, s, row, (lxw_col_t)c, heads[c], r->fmt[F_HEAD]) < 0)
            return -1;
    for (k = 0; k < 3; k++) {
        row = next_row(s);
        if (put_str(r, s, row, 0, labels[k], k == 2 ? r->fmt[F_TOTAL] : r->fmt[F_LABEL]) < 0)
            return -1;
        for (c = 0; c < NCUR; c++) {
            long long v = k == 0 ? r->gross[c] : k == 1 ? r->voided[c]
                                                        : r->gross[c] - r->voided[c];
            if (put_money(r, s, row, (lxw_col_t)(1 + c), v, c, k == 2) < 0)
                return -1;
        }
    }
    if (r->n_earlier) {
        row = next_row(s);
        if (put_str(r, s, row, 0, "Earlier sales voided (not subtracted)", r->fmt[F_LABEL]) < 0)
            return -1;
        for (c = 0; c < NCUR; c++)
            if (put_money(r, s, row, (lxw_col_t)(1 + c), r->earlier_voided[c], c, 0) < 0)
                return -1;
    }
    if (r->n_unmatched && fact_count(r, s, "Unmatched voids (sale not seen yet)",
                                     r->n_unmatched, 1) < 0)
        return -1;
    next_row(s);
    return 0;
}

/* The charts stand right of every Summary table (the Inputs table is the
 * widest: columns A-I), the zone chart at the top, the daily one below. */
#define CHART_ROW 2
#define CHART_COL 10

/* The revenue-by-zone chart's height: about 20 pixels per zone. */
static double zone_chart_scale(const struct report *r)
{
    double y = r->zones.n > 6 ? 1.0 + (double)(r->zones.n - 6) / 7.0 : 1.0;

    return y > 6 ? 6 : y;
}

/* Daily revenue, a column series per currency (CAD and USD never added),
 * from the by-day table's rows first..last, placed at row `at`. */
static int daily_chart(struct report *r, struct sheet *s, lxw_row_t first, lxw_row_t last,
                       lxw_row_t at)
{
    lxw_chart *ch = workbook_add_chart(r->wb, LXW_CHART_COLUMN);
    lxw_chart_options co;
    lxw_chart_series *ser;
    int c;

    if (!ch)
        return nomem(r);
    chart_title_set_name(ch, "Revenue by business day");
    for (c = 0; c < NCUR; c++) {
        ser = chart_add_series(ch, NULL, NULL);
        if (!ser)
            return nomem(r);
        chart_series_set_categories(ser, "Summary", first, 0, last, 0);
        chart_series_set_values(ser, "Summary", first, (lxw_col_t)(3 + c), last,
                                (lxw_col_t)(3 + c));
        chart_series_set_name(ser, c ? "USD" : "CAD");
    }
    chart_axis_set_num_format(ch->y_axis, "#,##0");
    chart_axis_set_num_format(ch->x_axis, "yyyy-mm-dd");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    memset(&co, 0, sizeof(co));
    co.x_offset = 20;
    co.x_scale = last - first > 14 ? 2.2 : 1.6;
    co.y_scale = 1.0;
    return lxw_check(r, worksheet_insert_chart_opt(s->ws, at, CHART_COL, ch, &co), "chart");
}

static int write_summary(struct report *r, int aborted)
{
    static const char *const in_heads[] = {
        "File", "Profile", "Rows read", "Accepted", "Rejected", "Duplicates", "Voids",
        "Free sessions", "Status"
    };
    struct sheet *s = &r->sh[SH_SUMMARY];
    char buf[256];
    long tot[6] = { 0, 0, 0, 0, 0, 0 };
    lxw_row_t row, zfirst = 0, zlast = 0, dummy1, dummy2, dfirst = 0, dlast = 0;
    lxw_row_t zone_chart_end = 0;
    int *order = NULL, c, online = r->meta.online;
    char first_day[16], last_day[16];
    size_t i;
    int ret = -1;

    if (summary_days(r, first_day, sizeof(first_day), last_day, sizeof(last_day)) < 0)
        return nomem(r);
    if (!first_day[0])
        snprintf(buf, sizeof(buf), "%s: no business day (no records)", r->title);
    else if (!strcmp(first_day, last_day))
        snprintf(buf, sizeof(buf), "%s: business day %s", r->title, first_day);
    else
        snprintf(buf, sizeof(buf), "%s: business days %s to %s", r->title, first_day,
                 last_day);
    row = next_row(s);
    if (put_title(r, s, row, 0, buf, r->fmt[F_TITLE]) < 0)
        return -1;
    /* ABORTED below the title: the title may run over column B */
    if (aborted && put_str(r, s, next_row(s), 0, "ABORTED", r->fmt[F_ABORTED]) < 0)
        return -1;
    worksheet_freeze_panes(s->ws, 1, 0);
    if (lxw_check(r, worksheet_repeat_rows(s->ws, 0, 0), "print titles") < 0)
        return -1;
    next_row(s);
    row = next_row(s);
    snprintf(buf, sizeof(buf), "Run time (%s)", r->business_tz);
    if (put_str(r, s, row, 0, buf, r->fmt[F_LABEL]) < 0 ||
        put_local_time(r, s, row, 1, r->meta.run_time) < 0)
        return -1;
    row = next_row(s);
    if (put_str(r, s, row, 0, "Run time (UTC)", r->fmt[F_LABEL]) < 0 ||
        put_time(r, s, row, 1, r->meta.run_time) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "permit-etl %s", PERMIT_ETL_VERSION);
    if (fact(r, s, "Tool version", buf, NULL) < 0 ||
        fact(r, s, "Command", r->command ? r->command : "report", NULL) < 0 ||
        fact(r, s, "Config", r->config_path ? r->config_path : "none (offline)", NULL) < 0)
        return -1;
    if (first_day[0] && !strcmp(first_day, last_day)) {
        if (fact(r, s, "Business day", first_day, NULL) < 0)
            return -1;
    } else if (first_day[0]) {
        snprintf(buf, sizeof(buf), "%s to %s", first_day, last_day);
        if (fact(r, s, "Business days", buf, NULL) < 0)
            return -1;
    }
    if (fact(r, s, "Business time zone", r->business_tz, NULL) < 0)
        return -1;
    if (fact(r, s, "Exit status", exit_text(aborted ? EXIT_ABORTED : r->counts.exit_code),
             aborted ? r->fmt[F_ABORTED] : NULL) < 0 ||
        fact(r, s, "Run", aborted ? "ABORTED" : "completed",
             aborted ? r->fmt[F_ABORTED] : NULL) < 0)
        return -1;
    if (r->meta.redact &&
        fact(r, s, "Copy", "REDACTED: plates shown as their first 3 characters and ***, "
             "keys and raw rejected lines left out; amounts and counts untouched",
             r->fmt[F_BOLD]) < 0)
        return -1;
    next_row(s);
    if (write_causes(r, s, aborted) < 0 || write_silent_list(r, s) < 0 ||
        write_money_block(r, s) < 0)
        return -1;

    /* inputs */
    if (put_title(r, s, next_row(s), 0, "Inputs", r->fmt[F_SECTION]) < 0)
        return -1;
    row = next_row(s);
    for (c = 0; c < (int)NELEM(in_heads); c++)
        if (put_str(r, s, row, (lxw_col_t)c, in_heads[c], r->fmt[F_HEAD]) < 0)
            return -1;
    for (i = 0; i < r->files.n; i++) {
        const struct file_agg *a = &r->file_a[i];
        long v[6];
        v[0] = a->has_facts ? a->f.rows : a->m.records;
        v[1] = a->has_facts ? a->f.accepted : a->m.records;
        v[2] = a->has_facts ? a->f.rejected : 0;
        v[3] = a->has_facts ? a->f.duplicates : 0;
        v[4] = a->has_facts ? a->f.voids : 0;
        v[5] = a->has_facts ? a->f.free_sessions : a->m.free_sessions;
        row = next_row(s);
        if (put_str(r, s, row, 0, base_name(strmap_key(&r->files, (int)i)), NULL) < 0 ||
            put_str(r, s, row, 1, a->profile, NULL) < 0)
            return -1;
        for (c = 0; c < 6; c++) {
            tot[c] += v[c];
            if (put_count(r, s, row, (lxw_col_t)(c + 2), v[c], NULL) < 0)
                return -1;
        }
        if (put_str(r, s, row, 8, a->status ? a->status : "ok", NULL) < 0)
            return -1;
    }
    row = next_row(s);
    if (put_str(r, s, row, 0, "Total", r->fmt[F_TOTAL]) < 0)
        return -1;
    for (c = 0; c < 6; c++)
        if (put_count(r, s, row, (lxw_col_t)(c + 2), tot[c], r->fmt[F_TOTAL_COUNT]) < 0)
            return -1;
    next_row(s);

    /* push counts */
    if (put_title(r, s, next_row(s), 0, "OPSCOM push", r->fmt[F_SECTION]) < 0 ||
        fact_count(r, s, "Pushed", r->counts.pushed, online) < 0 ||
        fact_count(r, s, "Updated", r->counts.updated, online) < 0 ||
        fact_count(r, s, "Deleted", r->counts.deleted, online) < 0 ||
        fact_count(r, s, "Failed", r->counts.failed, online) < 0 ||
        fact_count(r, s, "Held", r->counts.held, online) < 0 ||
        fact_count(r, s, "Resent after doubt", r->counts.resent_after_doubt, online) < 0 ||
        fact_count(r, s, "Unlinked (no usable reference id)", r->counts.unlinked, online) < 0)
        return -1;
    next_row(s);

    order = sorted_keys(&r->zones);
    if (!order)
        return nomem(r);
    if (money_table(r, s, "Revenue by zone", "Zone", &r->zones, r->zone_m, order, MT_NAME,
                    &zfirst, &zlast) < 0)
        goto out;
    {
        /* by source file: input order; the struct money lives in file_agg */
        struct money *fm = malloc((r->files.n ? r->files.n : 1) * sizeof(*fm));
        if (!fm) {
            nomem(r);
            goto out;
        }
        for (i = 0; i < r->files.n; i++)
            fm[i] = r->file_a[i].m;
        c = money_table(r, s, "Revenue by source file", "File", &r->files, fm, NULL, MT_FILE,
                        &dummy1, &dummy2);
        free(fm);
        if (c < 0)
            goto out;
    }
    free(order);
    order = sorted_keys(&r->days);
    if (!order) {
        nomem(r);
        goto out;
    }
    snprintf(buf, sizeof(buf), "Revenue by business day (%s, by start time)", r->business_tz);
    if (money_table(r, s, buf, "Business day", &r->days, r->day_m, order, MT_DAY,
                    &dfirst, &dlast) < 0)
        goto out;
    /* the zone chart (inserted below) takes rows CHART_ROW .. zone_chart_end */
    zone_chart_end = CHART_ROW +
                     (lxw_row_t)(288.0 * zone_chart_scale(r) / 20.0) + 2;
    /* a daily revenue chart when the report spans days (a period lists
     * each of its days) */
    if (r->days.n > 1) {
        lxw_row_t at = dfirst >= 2 ? dfirst - 2 : 0;
        if (r->zones.n > 0 && at < zone_chart_end)
            at = zone_chart_end;
        if (daily_chart(r, s, dfirst, dlast, at) < 0)
            goto out;
    }

    /* the chart: revenue by zone, one series per currency */
    if (r->zones.n > 0) {
        lxw_chart *ch = workbook_add_chart(r->wb, LXW_CHART_BAR);
        lxw_chart_options co;
        lxw_chart_series *ser;
        if (!ch) {
            nomem(r);
            goto out;
        }
        chart_title_set_name(ch, "Revenue by zone");
        for (c = 0; c < NCUR; c++) {
            ser = chart_add_series(ch, NULL, NULL);
            if (!ser) {
                nomem(r);
                goto out;
            }
            chart_series_set_categories(ser, "Summary", zfirst, 0, zlast, 0);
            chart_series_set_values(ser, "Summary", zfirst, (lxw_col_t)(3 + c), zlast,
                                    (lxw_col_t)(3 + c));
            chart_series_set_name(ser, c ? "USD" : "CAD");
        }
        /* a bar chart's x axis is the value axis; zones read top-down */
        chart_axis_set_num_format(ch->x_axis, "#,##0");
        chart_axis_set_reverse(ch->y_axis);
        chart_axis_set_interval_unit(ch->y_axis, 1);   /* every zone named */
        {
            lxw_chart_font small;
            memset(&small, 0, sizeof(small));
            small.size = 8;
            chart_axis_set_num_font(ch->y_axis, &small);
        }
        chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
        memset(&co, 0, sizeof(co));
        co.x_offset = 20;
        co.y_offset = 0;
        co.x_scale = 1.6;
        /* about 20 pixels per zone, so every zone name shows */
        co.y_scale = zone_chart_scale(r);
        if (lxw_check(r, worksheet_insert_chart_opt(s->ws, CHART_ROW, CHART_COL, ch, &co),
                      "chart") < 0)
            goto out;
    }
    ret = 0;
out:
    free(order);
    return ret;
}

static const struct report *sort_r;

static int cmp_pz(const void *a, const void *b)
{
    const struct promo_zone *x = &sort_r->pz[*(const int *)a], *y = &sort_r->pz[*(const int *)b];
    int c = strcmp(strmap_key(&sort_r->promos, x->code), strmap_key(&sort_r->promos, y->code));

    if (c)
        return c;
    return strcmp(strmap_key(&sort_r->zones, x->zone), strmap_key(&sort_r->zones, y->zone));
}

/* The per-code table: one row per code (columns A-F). */
static int promo_code_row(struct report *r, struct sheet *s, const char *code,
                          const struct money *m)
{
    lxw_row_t row;

    if (sheet_next_row(r, s, &row) < 0)
        return -1;
    if (put_str(r, s, row, 0, code, NULL) < 0 ||
        put_count(r, s, row, 1, m->records, NULL) < 0 ||
        put_money(r, s, row, 2, m->cents[0], 0, 0) < 0 ||
        put_money(r, s, row, 3, m->cents[1], 1, 0) < 0 ||
        put_num(r, s, row, 4, r->accepted ? (double)m->records / (double)r->accepted : 0.0,
                10, r->fmt[F_PCT]) < 0 ||
        put_count(r, s, row, 5, m->free_sessions, NULL) < 0)
        return -1;
    return 0;
}

/* Promo Codes: the per-code table (the sheet's autofilter), then, below it
 * and to its right (columns H-M), the per-zone breakdown: a column sum or a
 * filter of one table never takes in a row of the other. */
static int write_promos(struct report *r)
{
    struct sheet *s = &r->sh[SH_PROMO];
    int *codes = sorted_keys(&r->promos), *pz = NULL;
    size_t i, n = r->promo_zones.n;
    lxw_col_t c0 = PROMO_ZONE_COL;
    int c, ret = -1;

    pz = malloc((n ? n : 1) * sizeof(*pz));
    if (!codes || !pz) {
        nomem(r);
        goto out;
    }
    for (i = 0; i < n; i++)
        pz[i] = (int)i;
    sort_r = r;
    qsort(pz, n, sizeof(*pz), cmp_pz);
    if (sheet_header(r, s, promo_heads, (int)NELEM(promo_heads)) < 0)
        goto out;
    for (i = 0; i < r->promos.n; i++)
        if (promo_code_row(r, s, strmap_key(&r->promos, codes[i]), &r->promo_m[codes[i]]) < 0)
            goto out;
    /* the breakdown is free-form below the table (it never continues) */
    if (sheet_close_table(r, s) < 0)
        goto out;
    s->row++;
    if (put_title(r, s, s->row++, c0, "By zone (the codes above, zone by zone)",
                  r->fmt[F_SECTION]) < 0)
        goto out;
    for (c = 0; c < (int)NELEM(promo_zone_heads); c++) {
        if (put_str(r, s, s->row, c0 + (lxw_col_t)c, promo_zone_heads[c], r->fmt[F_HEAD]) < 0)
            goto out;
        track(s, c0 + (lxw_col_t)c, (double)strlen(promo_zone_heads[c]) + 4);
    }
    s->row++;
    for (i = 0; i < n; i++) {
        const struct promo_zone *z = &r->pz[pz[i]];
        lxw_row_t row = s->row++;
        const char *zone = strmap_key(&r->zones, z->zone);
        if (put_str(r, s, row, c0, strmap_key(&r->promos, z->code), NULL) < 0 ||
            put_str(r, s, row, c0 + 1, zone[0] ? zone : "(none)", NULL) < 0 ||
            put_count(r, s, row, c0 + 2, z->m.records, NULL) < 0 ||
            put_money(r, s, row, c0 + 3, z->m.cents[0], 0, 0) < 0 ||
            put_money(r, s, row, c0 + 4, z->m.cents[1], 1, 0) < 0 ||
            put_count(r, s, row, c0 + 5, z->m.free_sessions, NULL) < 0)
            goto out;
    }
    ret = 0;
out:
    free(codes);
    free(pz);
    return ret;
}

/* One row per distinct vendor zone name, in zone_audit.h's order
 * (attention first, then by revenue): the zone its records resolve to on
 * every row, the suggestion next to the status, files by base name. */
static int write_zone_audit(struct report *r)
{
    struct sheet *s = &r->sh[SH_ZONES];
    struct buf files = BUF_INIT, sugg = BUF_INIT;
    size_t i, k, n;
    int ret = -1;

    if (zone_audit_finish(r->za, &r->err) < 0)
        return nomem(r);
    if (sheet_header(r, s, r->zone_h, ZC_COUNT) < 0)
        return -1;
    n = zone_audit_count(r->za);
    for (i = 0; i < n; i++) {
        const struct zone_audit_row *v = zone_audit_row(r->za, i);
        lxw_row_t row;
        buf_reset(&files);
        buf_reset(&sugg);
        for (k = 0; k < v->nfiles; k++) {
            const char *b = base_name(v->files[k]);
            size_t j2;
            for (j2 = 0; j2 < k && strcmp(base_name(v->files[j2]), b) != 0; j2++)
                ;
            if (j2 < k)
                continue;       /* two directories, one base name: listed once */
            if ((files.len && buf_addstr(&files, ", ") < 0) || buf_addstr(&files, b) < 0) {
                nomem(r);
                goto out;
            }
        }
        for (k = 0; k < v->nsuggest; k++)
            if ((k && buf_addstr(&sugg, ", ") < 0) || buf_addstr(&sugg, v->suggest[k]) < 0) {
                nomem(r);
                goto out;
            }
        if (sheet_next_row(r, s, &row) < 0 ||
            put_strn(r, s, row, ZC_VENDOR, v->vendor_zone, v->vendor_len, NULL) < 0)
            goto out;
        if (v->zone) {
            if (put_str(r, s, row, ZC_RESOLVED, v->zone, NULL) < 0)
                goto out;
        } else if (v->status == ZONE_MISSING || v->vendor_len == 0) {
            if (put_str(r, s, row, ZC_RESOLVED, "(none)", NULL) < 0)
                goto out;
        } else if (put_strn(r, s, row, ZC_RESOLVED, v->vendor_zone, v->vendor_len, NULL) < 0) {
            goto out;
        }
        if (put_str(r, s, row, ZC_STATUS, v->status == ZONE_UNCHECKED
                                              ? "unchecked" : zone_status_name(v->status),
                    NULL) < 0 ||
            (sugg.len && put_strn(r, s, row, ZC_SUGGEST, sugg.ptr, sugg.len, NULL) < 0) ||
            put_count(r, s, row, ZC_ROWS, v->rows, NULL) < 0 ||
            put_money(r, s, row, ZC_CAD, v->cents[CUR_CAD], 0, 0) < 0 ||
            put_money(r, s, row, ZC_USD, v->cents[CUR_USD], 1, 0) < 0 ||
            put_local_time(r, s, row, ZC_FIRST, v->first_start) < 0 ||
            put_local_time(r, s, row, ZC_LAST, v->last_start) < 0 ||
            (files.len && put_strn(r, s, row, ZC_FILES, files.ptr, files.len, NULL) < 0) ||
            put_time(r, s, row, ZC_FIRST_UTC, v->first_start) < 0 ||
            put_time(r, s, row, ZC_LAST_UTC, v->last_start) < 0)
            goto out;
    }
    ret = 0;
out:
    buf_release(&files);
    buf_release(&sugg);
    return ret;
}

static int write_offline(struct report *r, struct sheet *s, const char *what)
{
    if (put_str(r, s, 0, 0, "offline", r->fmt[F_TITLE]) < 0 ||
        put_title(r, s, 1, 0, what, NULL) < 0 ||
        lxw_check(r, worksheet_repeat_rows(s->ws, 0, 0), "print titles") < 0)
        return -1;
    s->row = 2;
    return 0;
}

static int write_stats(struct report *r)
{
    static const char *const live_heads[] = { "Vendor zone", "Live disconnected records" };
    struct sheet *s = &r->sh[SH_STATS];
    size_t i;
    int c;

    if (r->stats_offline && !r->stats_online && !r->stats_error)
        return write_offline(r, s, r->stats_offline);
    if (!r->stats_online && !r->stats_error)
        return write_offline(r, s, "no config (-c): OPSCOM stats were not pulled");
    if (sheet_header(r, s, stats_heads, (int)NELEM(stats_heads)) < 0)
        return -1;
    for (i = 0; i < r->nsrows; i++) {
        const struct stats_row *x = &r->srows[i];
        long diff = x->server - x->ledger;
        lxw_row_t row;
        if (sheet_next_row(r, s, &row) < 0 ||
            put_str(r, s, row, 0, strmap_key(&r->names, x->type), NULL) < 0 ||
            put_str(r, s, row, 1, strmap_key(&r->names, x->zone), NULL) < 0 ||
            put_count(r, s, row, 2, x->server, NULL) < 0 ||
            put_count(r, s, row, 3, x->ledger, NULL) < 0 ||
            put_count(r, s, row, 4, diff, diff ? r->fmt[F_DIFF_BAD] : NULL) < 0)
            return -1;
    }
    if (sheet_close_table(r, s) < 0)
        return -1;
    if (r->stats_error) {
        lxw_row_t row = s->row++;
        if (put_str(r, s, row, 0, "stats error", r->fmt[F_ABORTED]) < 0 ||
            put_str(r, s, row, 1, r->stats_error, NULL) < 0)
            return -1;
    }
    /* second table: no autofilter (one per sheet), same header style */
    s->row++;
    if (put_title(r, s, s->row++, 0, "Live disconnected records (the server does not count them)",
                r->fmt[F_SECTION]) < 0)
        return -1;
    for (c = 0; c < 2; c++)
        if (put_str(r, s, s->row, (lxw_col_t)c, live_heads[c], r->fmt[F_HEAD]) < 0)
            return -1;
    s->row++;
    for (i = 0; i < r->nlive; i++) {
        lxw_row_t row = s->row++;
        if (put_str(r, s, row, 0, strmap_key(&r->names, r->live_zone[i]), NULL) < 0 ||
            put_count(r, s, row, 1, r->live_n[i], NULL) < 0)
            return -1;
    }
    return 0;
}

/* Continuation sheets were appended at the end of the workbook; put each
 * right after its base sheet. libxlsxwriter has no API for this: the sheet
 * lists are rebuilt and the indices renumbered before workbook_close()
 * (which derives sheetId, rId and localSheetId from them). */
static int reorder_sheets(struct report *r)
{
    lxw_workbook *wb = r->wb;
    size_t total = 0, k = 0, i, j;
    lxw_worksheet **order;
    lxw_sheet **entries;
    lxw_sheet *e;
    int moved = 0;

    for (i = 0; i < SH_COUNT; i++) {
        total += r->sh[i].nparts;
        if ((r->sh[i].nparts > 1 && i != SH_COUNT - 1) ||
            ((i == SH_RECON || i == SH_SILENT) && r->sh[i].nparts))
            moved = 1;
    }
    if (!moved)
        return 0;
    order = malloc(total * sizeof(lxw_worksheet *));
    entries = malloc(total * sizeof(lxw_sheet *));
    if (!order || !entries) {
        free(order);
        free(entries);
        return nomem(r);
    }
    for (i = 0; i < SH_COUNT; i++)
        for (j = 0; j < r->sh[i].nparts; j++)
            order[k++] = r->sh[i].parts[j];
    for (i = 0; i < total; i++) {
        entries[i] = NULL;
        STAILQ_FOREACH(e, wb->sheets, list_pointers)
            if (!e->is_chartsheet && e->u.worksheet == order[i])
                entries[i] = e;
        if (!entries[i]) {
            free(order);
            free(entries);
            return fail(r, E_INTERNAL, "reorder", "sheet not found");
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

static void free_all(struct report *r)
{
    size_t i;

    for (i = 0; i < SH_COUNT; i++)
        free(r->sh[i].parts);
    for (i = 0; i < r->files.n; i++) {
        free(r->file_a[i].profile);
        free(r->file_a[i].status);
    }
    strmap_release(&r->zones);
    strmap_release(&r->days);
    strmap_release(&r->files);
    strmap_release(&r->promos);
    strmap_release(&r->promo_zones);
    strmap_release(&r->names);
    free(r->zone_m);
    free(r->day_m);
    free(r->file_a);
    free(r->promo_m);
    free(r->pz);
    zone_audit_free(r->za);
    free(r->srows);
    free(r->live_zone);
    free(r->live_n);
    free(r->stats_error);
    free(r->stats_offline);
    free(r->heads_text);
    for (i = 0; i < r->nsilent; i++) {
        free((char *)r->silent[i].zone);
        free((char *)r->silent[i].day);
    }
    free(r->silent);
    free(r->period_from);
    free(r->period_to);
    for (i = 0; i < r->ncauses; i++) {
        free((char *)r->causes[i].what);
        free((char *)r->causes[i].sheet);
    }
    buf_release(&r->scratch);
    buf_release(&r->redacted);
    buf_release(&r->scratch2);
    free(r->title);
    free(r->command);
    free(r->config_path);
    free(r->business_tz);
    free(r->business_day);
    free(r->path);
    free(r->tmp);
    free(r->tmpdir);
    free(r);
}

int report_close(struct report *r, int aborted, struct etl_err *err)
{
    lxw_doc_properties props;
    char comments[512];
    lxw_error le;
    int i;

    if (!r)
        return 0;
    if (r->twin) {
        /* the twin's failure is its own: its file is then not there */
        (void)report_close(r->twin, aborted, NULL);
        r->twin = NULL;
    }
    if (!r->failed) {
        if (!r->meta.online)
            write_offline(r, &r->sh[SH_PUSH], "no config (-c): nothing was pushed");
        write_summary(r, aborted);
        if (!r->failed)
            write_promos(r);
        if (!r->failed)
            write_zone_audit(r);
        if (!r->failed)
            write_stats(r);
        for (i = 0; i < SH_COUNT && !r->failed; i++)
            sheet_finish_part(r, &r->sh[i]);
        if (!r->failed)
            reorder_sheets(r);
    }
    if (!r->failed) {
        memset(&props, 0, sizeof(props));
        snprintf(comments, sizeof(comments), "permit-etl %s; run %lld (UTC epoch)%s",
                 PERMIT_ETL_VERSION, r->meta.run_time, aborted ? "; ABORTED" : "");
        props.title = r->title;
        props.subject = "Parking permits: revenue, zones, push and OPSCOM stats";
        props.author = "permit-etl";
        props.comments = comments;
        props.status = aborted ? "ABORTED" : "completed";
        props.created = (time_t)r->meta.run_time;
        if (lxw_check(r, workbook_set_properties(r->wb, &props), "properties") == 0)
            lxw_check(r, workbook_set_custom_property_string(r->wb, "permit-etl version",
                                                             PERMIT_ETL_VERSION), "properties");
        if (!r->failed) {
            char rt[UTC_Z_SIZE];
            if (utc_format_z(r->meta.run_time, rt) == 0)
                lxw_check(r, workbook_set_custom_property_string(r->wb, "run time (UTC)", rt),
                          "properties");
        }
    }
    if (r->failed) {
        if (err)
            *err = r->err;
        report_discard(r);
        return -1;
    }
    le = workbook_close(r->wb);
    r->wb = NULL;
    if (le != LXW_NO_ERROR) {
        fail(r, E_IO, "cannot write", lxw_strerror(le));
    } else if (chmod(r->tmp, fsutil_stricter(r->path, fsutil_file_mode())) < 0 ||
               fsutil_replace(r->tmp, r->path) < 0) {
        /* the mode again in case the temp file was recreated; the rename
         * keeps the stricter of the old report's mode and ours */
        fail(r, E_IO, "cannot rename", strerror(errno));
    }
    if (r->failed) {
        if (err)
            *err = r->err;
        unlink(r->tmp);
        free_all(r);
        return -1;
    }
    free_all(r);
    return 0;
}

void report_discard(struct report *r)
{
    if (!r)
        return;
    report_discard(r->twin);
    r->twin = NULL;
    if (r->wb) {
        /* libxlsxwriter has no "free without writing": close to the temp
         * file, then remove it. */
        workbook_close(r->wb);
        r->wb = NULL;
    }
    if (r->tmp)
        unlink(r->tmp);
    free_all(r);
}
