/*
 * run_outcome.h — what one `run` came to, as the nightly-job outputs
 * (metrics.h, notify.h) read it: exit status, times, the summary line and
 * the causes needing attention, the files it wrote, and its figures.
 *
 * Filled once at the end of the run by the pipeline (one function,
 * pipeline.c run_outcome_fill()); every pointer is borrowed from the
 * pipeline and valid for the calls that take the struct.
 */
#ifndef ETL_RUN_OUTCOME_H
#define ETL_RUN_OUTCOME_H

#include <time.h>

#define RUN_OUTCOME_MAX_COUNTS 16

struct run_count {
    const char *kind;          /* a second label value ("sale", "void", ...), NULL: none */
    const char *outcome;       /* a label value: "sales", "pushed", ... */
    long n;
};

struct run_outcome {
    int         exit_code;     /* enum etl_exit */
    time_t      finished;      /* UTC */
    const char *summary;       /* the summary line's text, without "(exit N)" */
    const char *causes;        /* what needs attention, one per line; "" none */
    const char *xlsx;          /* the run's workbook, NULL when not written */
    const char *xlsx_redacted; /* its redacted copy (notify.mail.redact), NULL when none */
    const char *summary_json;  /* the run's summary JSON file, NULL when not written */
    struct run_count rows[RUN_OUTCOME_MAX_COUNTS];     /* this run's rows by bucket */
    int nrows;
    struct run_count records[RUN_OUTCOME_MAX_COUNTS * 2]; /* records by kind and bucket */
    int nrecords;
    long long   net_cents[3];  /* Net = Gross - Voids, by enum currency ([0] unused) */
    int         have_figures;  /* 0: the run stopped before counting anything */
};

#endif
