/*
 * pipeline.h — the one pass behind `push` and `run`: every input file is
 * read once and its records staged in the ledger (and streamed into the
 * report), then everything pending is pushed, OPSCOM's stats pulled, the
 * XLSX report and its summary JSON written, and final files archived.
 * `run` also reads the config's settlement files after the inputs; both
 * commands then reconcile the business days they touched against the
 * settlements (Reconciliation, when the config lists settlements) and
 * judge those days for silent zones (report_recon.h, silent.h): their
 * findings are causes of exit 1 (push_add_cause()).
 *
 * The caller has parsed its flags and loaded the config and zone table;
 * pipeline_run() owns everything else (token, ledger and its lock, ingest,
 * push engine, report) and prints the row errors and the one summary line.
 *
 * Inputs: regular files only (each is hashed, and compared on the next
 * run); a file is known to the ledger by its runfile_ledger_path() (the
 * real path), so another spelling of a file already in the run is
 * skipped. Row errors and the report keep the path as given.
 *
 * Dry run: no token, the ledger copied into memory, nothing sent; it
 * prints the plan and returns right after push_finish(), before every
 * end-of-run writer (stats pull, archive, report, summary JSON, and any
 * writer added after them): nothing is written anywhere.
 */
#ifndef ETL_PIPELINE_H
#define ETL_PIPELINE_H

struct config;
struct inputs;
struct runfiles;
struct zones;

struct pipeline_opts {
    const char *command;        /* "push" or "run": names the summary line */
    const struct inputs *in;    /* the command's loaded inputs (inputs.h): -c as
                                   given, the config, the zone tables in effect
                                   and their paths (the fingerprint of what
                                   staging depends on), -f or NULL (per file) */
    struct runfiles *files;     /* the inputs; their outcomes are filled in */
    int dry_run, force, retry_failed;   /* --dry-run: a plan, nothing written */
    const char *date;           /* run --date YYYY-MM-DD, else NULL */
    int write_report;           /* report + summary JSON into report_dir */
    int archive;                /* move final files into archive_dir */
    int retention;              /* end with pruning per retention_days (run) */
    int nightly;                /* `run`: metrics_file and notify at the end */
};

/* The options push and run share (command.h), into a struct pipeline_opts. */
#define PIPELINE_OPTIONS                                  \
    CMD_FLAG("dry-run", struct pipeline_opts, dry_run),   \
    CMD_FLAG("force",   struct pipeline_opts, force)

/* Fills what o takes from the command's loaded inputs (inputs.h: config,
 * zones and their paths, -f) and names the command and its files. */
void pipeline_opts_inputs(struct pipeline_opts *o, const char *command,
                          const struct inputs *in, struct runfiles *files);

/* Runs the pass; returns the exit code (enum etl_exit). */
int pipeline_run(const struct pipeline_opts *o);

/*
 * The end of a `run` that was not a dry run: writes cfg->metrics_file and
 * sends the notifications (metrics.h, notify.h). Nothing after exit 2
 * (configuration error). `pc` and `money` are NULL when the run stopped
 * before counting; `causes` (what needs attention, one per line),
 * `xlsx` and `summary_json` NULL when there are none. Failures are logged
 * and change nothing else.
 */
struct push_counts;
struct run_money;
void pipeline_nightly(const struct config *cfg, int exit_code, const char *summary,
                      const struct push_counts *pc, const struct run_money *money,
                      const char *causes, const char *xlsx, const char *summary_json);

/* The redacted copy mailed with notify.mail.redact: beside the run's
 * workbook, "<name>-redacted.xlsx" (a report_dir file of the tool's own),
 * into out. -1: out of memory. */
struct buf;
int pipeline_redacted_path(const char *xlsx, struct buf *out);

#endif
