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
 */
#ifndef ETL_PIPELINE_H
#define ETL_PIPELINE_H

struct config;
struct runfiles;
struct zones;

struct pipeline_opts {
    const char *command;        /* "push" or "run": names the summary line */
    const char *config_path;    /* as given (shown in the report) */
    const struct config *cfg;
    const struct zones *zones;  /* NULL: no zone list */
    const char *zones_path;     /* the zone tables in effect (fingerprint of */
    const char *aliases_path;   /*   what staging depends on) */
    const char *profile;        /* -f for every file, else NULL (per file) */
    struct runfiles *files;     /* the inputs; their outcomes are filled in */
    int dry_run, force, retry_failed;
    const char *date;           /* run --date YYYY-MM-DD, else NULL */
    int write_report;           /* report + summary JSON into report_dir */
    int archive;                /* move final files into archive_dir */
};

/* Runs the pass; returns the exit code (enum etl_exit). */
int pipeline_run(const struct pipeline_opts *o);

#endif
