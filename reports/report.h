/*
 * report.h — the XLSX report (docs/ARCHITECTURE.md "The report"), written by libxlsxwriter
 * in constant_memory mode and fed record by record by the pipeline: the
 * report comes out of the same pass as ingest/push, inputs are never read
 * twice.
 *
 * Lifecycle:
 *     r = report_open(path, &meta, &err);        creates every sheet, in order:
 *         Summary, Promo Codes, Zone Audit, Voids, Rejected, Push Log, OPSCOM Stats,
 *         Permits (Reconciliation and Silent Zones are created by their first
 *         row and placed after Summary)
 *     during the pass, in any interleaving:
 *         report_add_permit()     streams a `Permits` row, updates the accumulators
 *         report_add_reject()     streams a `Rejected` row
 *         report_add_push()       streams a `Push Log` row
 *         report_add_void()       counts a voided row (no Permits row)
 *         report_add_file()       the per-input facts of the Summary
 *         report_set_counts()     the push counts and exit status of the Summary
 *         report_set_causes()     why the exit status is 1 (listed on the Summary)
 *         report_add_recon(), report_add_silent()   Reconciliation, Silent Zones
 *         report_add_stats_row(), report_add_live_disconnected()   OPSCOM Stats
 *     report_close(r, aborted, &err);   writes the aggregate sheets top to
 *         bottom, closes to PATH.tmp.PID and renames it to PATH; frees r.
 *         The temp file and the report are private (fsutil.h): 0600, 0640
 *         when group readable, and a replaced report keeps the stricter of
 *         its old mode and that.
 *     report_discard(r);   frees r and removes the temp file (no report).
 *
 * Streamed sheets write as they go (constant_memory: ascending rows per
 * sheet); memory grows only with the aggregates (zones, promo codes, vendor
 * zones, business days, files), never with the number of rows. Strings
 * given to report_* are borrowed for the call only.
 *
 * The workbook is laid out for finance staff: headers are words a person
 * uses (`Plate`, `Amount`, `Currency`, `Start (America/Toronto)`, ...),
 * never API keys (those stay in --json-out). Every sheet prints landscape,
 * one page wide, its header row repeated on each page, page numbers in the
 * footer; table sheets have a frozen header row and an autofilter; column
 * widths follow the widest cell written (tracked while writing).
 *
 * Money is summed in integer cents and written as a number (cents/100):
 * a plain `#,##0.00` where a Currency column stands beside the amount, a
 * format naming the currency in per-currency columns; CAD and USD are never
 * added together. Times are Excel dates with a date-time format, in
 * business_tz first (meta.local_offset; the header names the zone), UTC
 * after. Data strings are always written as strings
 * (a plate "=1+1" stays text); invalid UTF-8 and control characters are
 * shown as \xNN, cells over Excel's 32,767 characters are cut for display.
 *
 * Any sheet past REPORT_MAX_ROWS data rows (1,048,575; lowered by the
 * environment variable PERMIT_ETL_XLSX_MAX_ROWS, for tests) continues on
 * "NAME 2", "NAME 3", ..., placed right after NAME.
 *
 * Inside: one file per sheet (reports/sheet_<name>.c), listed in the sheet
 * table of reports/book.h, on shared helpers for sheets (sheet.h) and cells
 * (cell.h); docs/ARCHITECTURE.md "The report" and how to add a sheet.
 *
 * Errors are sticky: after the first failure (libxlsxwriter error, out of
 * memory) every report_add_* is a no-op returning -1 and report_close()
 * fails with that error; the previous file at PATH is left intact.
 */
#ifndef ETL_REPORT_H
#define ETL_REPORT_H

#include <stddef.h>

#include "err.h"
#include "ingest.h"
#include "permit.h"
#include "push_log.h"
#include "run_cause.h"

#define REPORT_MAX_ROWS 1048575L
#define REPORT_MAX_ROWS_ENV "PERMIT_ETL_XLSX_MAX_ROWS"

struct report;
struct zones;

struct report_meta {
    const char *title;          /* workbook title; NULL: "permit-etl report" */
    long long   run_time;       /* UTC seconds since the epoch; 0: now */
    const char *command;        /* "report", "push", "run", ... (shown) */
    const char *config_path;    /* NULL: none */
    const char *business_day;   /* --date YYYY-MM-DD when rebuilt from the ledger, else NULL */
    /* A period rebuilt from the ledger (report --from/--to, YYYY-MM-DD,
     * both or neither): the Summary's title names it, every day of it is a
     * row of the by-day table (zeros included) and a daily revenue chart
     * is drawn. NULL: the days are those of the records. */
    const char *period_from, *period_to;
    int         online;         /* 0: Push Log and OPSCOM Stats say "offline" */
    const char *business_tz;    /* IANA name shown; NULL: "UTC" */
    /* The business day of a UTC time (y, m, d); NULL: the UTC date. */
    int  (*local_date)(void *ctx, long long utc, int *y, int *m, int *d);
    /* The UTC offset (seconds east) of business_tz at a UTC time: local
     * times are utc + offset, and the business day is taken from that
     * when given. NULL: local_date, else UTC. Both use local_date_ctx. */
    long (*local_offset)(void *ctx, long long utc);
    void *local_date_ctx;
    /* The zone table (borrowed, must outlive the report): Zone Audit
     * statuses and suggestions (zone_audit.h); NULL: no zone list. */
    const struct zones *zones;
    /* 1: a redacted copy for readers outside finance (`report --redact`,
     * notify.mail.redact): plates shown as report_redact_plate() gives
     * them, the Key columns of Permits and Push Log and the raw value of
     * Rejected say REPORT_REDACTED, quoted values in rejection reasons
     * become '***', a Push Log error quoting the plate is REPORT_REDACTED;
     * every amount, count and total is the same as in the normal report,
     * and the Summary says the copy is redacted. */
    int redact;
};

#define REPORT_REDACTED "(redacted)"

/* A plate as a redacted copy shows it: its first 3 characters (UTF-8
 * characters, not bytes) and "***"; a plate of 3 characters or fewer keeps
 * one character less, so no plate is ever shown whole ("" stays "").
 * 0, or -1 if out (cap bytes) is too small. */
int report_redact_plate(const char *plate, char *out, size_t cap);

/* Facts of one input file (Summary "Inputs"). */
struct report_file {
    const char *path;           /* as given */
    const char *profile;        /* may be NULL */
    struct ingest_stats st;     /* ingest's counts of the file (its profile[] unused) */
    const char *status;         /* "ok", "skipped (reject ratio)", "error: ...", NULL = "ok" */
};

/* Run counts (Summary); -1 = not applicable (shown as "offline"/"-"). */
struct report_counts {
    long pushed, updated, deleted, unchanged, failed, held, pending, resent_after_doubt;
    long unlinked;              /* pushed without a usable reference id */
    int  exit_code;             /* enum etl_exit */
};

/* One reason the exit status is 1 (struct run_cause, run_cause.h: the push
 * engine's push_causes() produces them), listed on the Summary as "what:
 * count (see SHEET)": e.g. { "rows rejected", 3, "Rejected" }. */
#define REPORT_MAX_CAUSES 24

struct report *report_open(const char *path, const struct report_meta *meta,
                           struct etl_err *err);               /* NULL on error */

/* Attaches a second workbook at `path` (its own meta, e.g. redact set for
 * the copy mailed by notify.mail.redact) that is fed every later call made
 * on r — add, set, stats — and is closed (or discarded) with r. Its own
 * failures never fail r: after report_close() the twin's file exists only
 * if it was written. -1 (err) when it cannot be opened. */
int report_add_twin(struct report *r, const char *path, const struct report_meta *meta,
                    struct etl_err *err);
/* An accepted record (p->voided must be 0; use report_add_void()). */
int report_add_permit(struct report *r, const struct permit *p);
/* A voided row of `file` (counted per file, not listed: see report_add_voided). */
int report_add_void(struct report *r, const struct permit *p);

/* One row of the `Voids` sheet. A cancelled sale (a sale of this run whose
 * key has a void, from any run) counts in Gross and Voids and never goes
 * through report_add_permit(); an unmatched void (its sale not seen yet)
 * and an earlier run's sale voided now are listed, never subtracted. */
enum report_void_kind { RV_CANCELLED, RV_UNMATCHED, RV_EARLIER };
struct report_void {
    enum report_void_kind kind;
    const char *key, *plate, *zone;
    long long   cents;            /* the sale's (unmatched: not shown) */
    enum currency currency;
    const char *sale_file;        /* NULL: no sale seen */
    long        sale_line;
    const char *void_file;
    long        void_line;
    long long   void_cents;       /* the void row's own amount */
    enum currency void_currency;
    int         delete_sent;      /* a delete request was sent for it */
    const char *state;            /* the ledger state */
};
int report_add_voided(struct report *r, const struct report_void *v);
/* A rejected field; raw may hold any bytes. */
int report_add_reject(struct report *r, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen);
/* One key handled by this run (Push Log; push_log.h). */
int report_add_push(struct report *r, const struct push_log_entry *p);
/* Replaces the facts of f->path if already added (files keep their first order). */
int report_add_file(struct report *r, const struct report_file *f);
void report_set_counts(struct report *r, const struct report_counts *c);
/* The causes of exit 1 (copied; replaces any set before; entries with a
 * count of 0 are left out; at most REPORT_MAX_CAUSES kept). Listed on the
 * Summary when the exit status is 1. -1 when out of memory (sticky). */
int report_set_causes(struct report *r, const struct run_cause *c, size_t n);
/* OPSCOM Stats: one (type, zone) of a known zone: the server's total and the
 * ledger-wide count of live pushed records. Marks the sheet online. */
int report_add_stats_row(struct report *r, const char *type, const char *zone,
                         long server_total, long ledger_pushed);
/* OPSCOM Stats: live disconnected records of one vendor zone. */
int report_add_live_disconnected(struct report *r, const char *vendor_zone, long count);
/* OPSCOM Stats were pulled (the sheet shows its tables even when empty). */
void report_set_stats_pulled(struct report *r);
/* OPSCOM Stats could not be pulled: the sheet says so (message shown). */
void report_set_stats_error(struct report *r, const char *message);
/* OPSCOM Stats were deliberately not pulled: the sheet says "offline" and why. */
void report_set_stats_offline(struct report *r, const char *why);

/* One row of the `Reconciliation` sheet (created with the first row, placed
 * after Summary): a business day (NULL: "day unknown", rejected rows whose
 * start could not be read) x vendor x currency. Difference = Settled - Net
 * and Unexplained = Difference - rejected amount are computed here;
 * Unexplained is shown (highlighted when not zero) only when both Net and
 * Settled are known. Strings borrowed for the call. */
struct report_recon_row {
    const char   *day;
    const char   *vendor;
    enum currency currency;
    int           has_net;        /* 0: Net and Our count blank */
    long long     net_cents;
    long          net_count;
    int           settled;        /* 0: no settlement (Settled, Difference blank) */
    long long     settled_cents;
    long          settled_count;  /* -1: not given */
    long          rej_count;
    long long     rej_cents;
    const char   *note;           /* may be NULL */
};
int report_add_recon(struct report *r, const struct report_recon_row *row);

/* One row of the `Silent Zones` sheet (created with the first row, placed
 * after Summary and Reconciliation), also listed on the Summary. */
struct report_silent {
    const char *zone;
    const char *day;              /* YYYY-MM-DD */
    double      median;           /* weekday median of sales */
    long        sales;            /* on the day */
    long long   last_start;       /* the zone's latest start (UTC), 0: none */
};
int report_add_silent(struct report *r, const struct report_silent *z);

/* Writes the aggregate sheets, closes and renames; frees r (NULL-safe).
 * `aborted`: the Summary says ABORTED in red. 0 or -1 with err (E_IO). */
int report_close(struct report *r, int aborted, struct etl_err *err);
void report_discard(struct report *r);                         /* NULL-safe */

/* The data rows per sheet in effect (REPORT_MAX_ROWS or the environment). */
long report_max_rows(void);

#endif
