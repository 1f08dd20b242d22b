/*
 * book.h — inside the report (report.h): one workbook ("book") and the
 * sheet table. Only reports/ includes this header.
 *
 * A struct report feeds one book, or two with report_add_twin() (the
 * redacted copy): every public report_* call runs once per book through
 * report_each() / report_feed(), and a book's failure is its own (the
 * twin's never fails the call).
 *
 * THE SHEET TABLE. REPORT_SHEETS below lists every sheet in workbook
 * order, one row each; each sheet lives in its own file
 * reports/sheet_<var>.c, which defines `const struct sheet_type
 * sheet_<var>` (its name, table header, when it is created, the function
 * that adds one of its rows and the one that writes it at close) and its
 * public report_add_*() entry. A new sheet is one row here and one new
 * file (plus its report_add_*() prototype in report.h when it takes a new
 * kind of row). Everything else — creating it, its header, paging past
 * the row limit, widths, print setup, feeding the twin, writing it at
 * close, its place in the workbook — is done for it from the table.
 *
 * Errors are sticky per book: after the first failure (libxlsxwriter,
 * out of memory) b->failed is set, b->err holds it, and every writer
 * returns -1.
 */
#ifndef ETL_REPORT_BOOK_H
#define ETL_REPORT_BOOK_H

#include <stddef.h>

#include <xlsxwriter.h>

#include "buf.h"
#include "cell.h"
#include "err.h"
#include "report.h"
#include "report_map.h"
#include "report_money.h"
#include "sheet.h"

/*  id         var        (sheet_<var>, in reports/sheet_<var>.c)      */
#define REPORT_SHEETS(X)                                                    \
    X(SUMMARY,  summary)                                                    \
    X(RECON,    recon)                                                      \
    X(SILENT,   silent)                                                     \
    X(PROMO,    promo)                                                      \
    X(ZONES,    zones)                                                      \
    X(VOIDS,    voids)                                                      \
    X(REJECTED, rejected)                                                   \
    X(PUSH,     push)                                                       \
    X(STATS,    stats)                                                      \
    X(PERMITS,  permits)

enum sheet_id {
#define X(id, var) SH_##id,
    REPORT_SHEETS(X)
#undef X
    SH_COUNT
};

enum sheet_when {
    SHEET_STREAMED,   /* created at open, its header written then; rows as they come */
    SHEET_AT_CLOSE,   /* created at open, written by write() at close */
    SHEET_LAZY        /* created with its header by its first row (placed by the table) */
};

struct sheet_type {
    const char        *name;
    /* the table header ("%s" is replaced by business_tz); NULL: free-form */
    const char *const *heads;
    int                ncols;
    enum sheet_when    when;
    /* One row (the public report_add_*() argument); NULL: none. */
    int  (*add)(struct book *b, const void *row);
    /* At close, before the parts are finished; NULL: nothing. */
    int  (*write)(struct book *b, int aborted);
    /* At open instead of the header of a SHEET_STREAMED sheet; NULL: none. */
    int  (*open)(struct book *b);
    /* The sheet's own state (book_state()), zeroed at open; freed with
     * state_free (may be NULL) then free(). */
    size_t state_size;
    void (*state_free)(void *state);
};

#define X(id, var) extern const struct sheet_type sheet_##var;
REPORT_SHEETS(X)
#undef X
/* The table: report_sheet_types[SH_x] is &sheet_x. */
extern const struct sheet_type *const report_sheet_types[SH_COUNT];

enum fmt_id {
    F_HEAD, F_TITLE, F_ABORTED, F_LABEL, F_DATE, F_DAY, F_COUNT, F_PCT, F_MONEY_CAD,
    F_MONEY_USD, F_TOTAL, F_TOTAL_COUNT, F_TOTAL_CAD, F_TOTAL_USD, F_DIFF_BAD, F_SECTION,
    F_BOLD, F_AMOUNT, F_AMOUNT_BAD, F_MEDIAN, F_COUNT_MAX
};

/* One input file of the Summary (report_add_file(), or seen in a record). */
struct file_agg {
    struct money m;
    int  has_facts;
    struct report_file f;        /* strings owned (profile, status) */
    char *profile, *status;
};

/* One (promo code, zone) of Promo Codes: indices into promos and zones. */
struct promo_zone { int code; int zone; struct money m; };

struct book {
    lxw_workbook      *wb;
    char              *path, *tmp, *tmpdir;
    struct report_meta meta;          /* its strings: the owned copies below */
    char              *title, *command, *config_path, *business_tz, *business_day;
    char              *period_from, *period_to;
    long               max_rows;
    struct sheet       sh[SH_COUNT];
    void              *state[SH_COUNT];   /* sheet_type.state_size */
    const char       **heads[SH_COUNT];   /* the headers with business_tz filled in */
    char              *heads_text;
    lxw_format        *fmt[F_COUNT_MAX];
    struct buf         scratch;       /* sanitized cell text (cell.c) */
    struct buf         redacted;      /* cell_shown_reason() */
    struct buf         scratch2;
    int                failed;
    struct etl_err     err;

    /* the run's aggregates, fed by Permits and Voids rows, read by the
     * Summary, Promo Codes and Zone Audit: every revenue figure is Net
     * (cancelled sales never enter them); Gross and Voids per currency */
    long long          gross[NCUR], voided[NCUR], earlier_voided[NCUR];
    long               n_unmatched, n_earlier;
    struct money       total;
    long               accepted;
    struct money_map   zones, days, promos;
    struct strmap      files;         struct file_agg *file_a; size_t file_cap;
    struct strmap      promo_zones;   struct promo_zone *pz;   size_t pz_cap;
    struct zone_audit *za;            /* Zone Audit (zone_audit.h) */
    int                last_src_idx;  /* the file of the previous record */
    /* silent zones (Silent Zones rows), also listed on the Summary; owned */
    struct report_silent *silent;    size_t nsilent, silent_cap;
};

/* The error of a book: the first one sticks. Always -1. */
int  book_fail(struct book *b, int code, const char *what, const char *detail);
int  book_check(struct book *b, lxw_error e, const char *what);   /* 0 or book_fail */
int  book_nomem(struct book *b);
/* A sheet's own state (sheet_type.state_size). */
void *book_state(struct book *b, enum sheet_id id);
/* The UTC offset of business_tz at utc (0 without one). */
long book_local_offset(const struct book *b, long long utc);
/* Index of an input file in files/file_a (NULL: ""); -1 when out of memory. */
int  book_file_slot(struct book *b, const char *path);
/* Index of a business day "YYYY-MM-DD" in days; -1 when out of memory. */
int  book_day_slot(struct book *b, const char *day);

struct book *book_open(const char *path, const struct report_meta *meta, struct etl_err *err);
/* Writes, closes and renames; frees b. err may be NULL. */
int  book_close(struct book *b, int aborted, struct etl_err *err);
void book_discard(struct book *b);                 /* NULL-safe */

/* Runs fn on every book of r: the first book's result is the call's, a
 * twin's failure is its own. -1 when r is NULL. */
typedef int (*book_fn)(struct book *b, const void *arg);
int report_each(struct report *r, book_fn fn, const void *arg);
/* One row of sheet `id` into every book (sheet_type.add; a SHEET_LAZY
 * sheet is created first). */
int report_feed(struct report *r, enum sheet_id id, const void *row);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A sheet's public entry point, report_add_<name>(r, row): one row of type
 * T into every book (report_feed()). */
#define REPORT_SHEET_ENTRY(fn, T, id)                                       \
    int fn(struct report *r, const T *row) { return report_feed(r, id, row); }

char *book_dupstr(const char *s);
const char *book_base_name(const char *path);

#endif
