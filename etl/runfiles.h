/*
 * runfiles.h — the file bookkeeping of `permit-etl run`: expanding the
 * config's `inputs` globs, the per-file outcome, the report and summary
 * paths, archiving final files, and the summary JSON.
 *
 * A struct runfiles owns its array and strings; runfiles_free() releases
 * them and leaves the struct reusable.
 */
#ifndef ETL_RUNFILES_H
#define ETL_RUNFILES_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "ingest.h"

struct config;
struct ledger;
struct push_counts;

/* This run's sales per currency (indexed by enum currency): Gross, the
 * cancelled ones (Voids); Net = gross - voids. */
struct run_money {
    long long gross[3], voids[3];
};

/* The summary JSON's bucket names (also the metrics' outcome labels), in
 * the order of enum ledger_sale_bucket (then "not pushed"), enum
 * ledger_void_bucket, and the "earlier" counts. */
extern const char *const runfiles_sales_keys[];
extern const char *const runfiles_voids_keys[];
extern const char *const runfiles_earlier_keys[];

struct runfile {
    char       *path;          /* as the glob produced it (or as given) */
    char       *canon;         /* realpath(path), NULL if it has none (missing file):
                                  the name in the ledger's files table and records */
    size_t      same_as;       /* > 0: the same file as v[same_as - 1] (another
                                  spelling, a symlink): skipped, never read twice */
    const char *profile;       /* the input's profile (borrowed from the config), NULL = detect */
    const char *status;        /* "read", "skipped", "over_ratio", "error", "archived"; NULL = not read */
    char        status_text[512]; /* shown in the report: status and message */
    struct ingest_stats st;    /* ingest's counts of the file and the profile used */
    char *archived_to;         /* set when moved to archive_dir */
};

struct runfiles {
    struct runfile *v;
    size_t n, cap;
};

void runfiles_init(struct runfiles *rf);
void runfiles_free(struct runfiles *rf);

/* Expands every `inputs` glob (sorted by glob(3)); a path matched by two
 * inputs is taken once, with the first input's profile. A glob matching
 * nothing is not an error. A glob never matches the tool's own files
 * (paths compared canonical): the ledger with its -wal, -shm, -journal
 * and .lock, the config file, anything under archive_dir or under a
 * report_dir apart from the config's directory, and the reports and
 * summaries (permit-etl-*.xlsx, permit-etl-*-summary.json) in the report
 * directory. E_IO on a glob read error, E_NOMEM. */
int runfiles_expand(struct runfiles *rf, const struct config *cfg, struct etl_err *err);

/* The same for the config's `settlements` globs (their profile: the
 * settlement profile named). */
int runfiles_expand_settlements(struct runfiles *rf, const struct config *cfg,
                                struct etl_err *err);

/* Adds one input (a path already listed is ignored; another spelling of a
 * listed file is added with same_as set); -1: out of memory. */
int runfiles_add(struct runfiles *rf, const char *path, const char *profile);

void runfile_status(struct runfile *f, const char *status, const char *msg);
void runfile_stats(struct runfile *f, const struct ingest_stats *st);
size_t runfiles_count(const struct runfiles *rf, const char *status);
/* The name the ledger knows the file by: canon, else path. */
const char *runfile_ledger_path(const struct runfile *f);

/* REPORT_DIR/permit-etl-YYYYMMDD-HHMMSS.xlsx and ...-summary.json (UTC
 * time `t`); report_dir defaults to the config file's directory; it is
 * created if missing, private (fsutil.h), with its missing parents. */
int runfiles_report_paths(const struct config *cfg, time_t t, struct buf *xlsx,
                          struct buf *summary, struct etl_err *err);

/* Moves every read or skipped file whose ledger record says final into
 * dir (created private if missing, with its parents; an existing name gets
 * a .N suffix; a copy across file systems is private). */
int runfiles_archive(struct runfiles *rf, struct ledger *l, const char *dir,
                     struct etl_err *err);

/* Writes the summary JSON (temp file + rename): the run's facts, the
 * buckets `rows`, `sales`, `voids`, `earlier`, `money` (cents per currency),
 * the causes of exit 1; a private temp file + rename (fsutil.h). `pruned`:
 * records pruned by retention_days this run ("pruned": N), -1 for none
 * configured or not run ("pruned": null). */
struct push;
int runfiles_write_summary(const struct runfiles *rf, const char *path, const char *report,
                           const struct push *p, const struct run_money *run_money,
                           time_t started, int dry_run, const char *date, int exit_code,
                           int aborted, long pruned, struct etl_err *err);

#endif
