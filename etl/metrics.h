/*
 * metrics.h — the `metrics_file` of the config: a Prometheus text-format
 * file (node_exporter's textfile collector) rewritten after every `run`
 * that got past its configuration (never after exit 2 or a dry run).
 *
 * Metrics, each with # HELP and # TYPE:
 *   permit_etl_last_run_timestamp_seconds       gauge, end of this run (Unix s)
 *   permit_etl_last_success_timestamp_seconds   gauge, end of the last run that
 *       completed (exit 0 or 1); after an exit 3 the value is read back from
 *       the previous file (absent if no run ever completed)
 *   permit_etl_exit_status                      gauge
 *   permit_etl_rows{outcome=...}                gauge, this run's rows by bucket
 *       (sales, rejected, duplicates, voids: they add up to the rows read)
 *   permit_etl_records{kind=...,outcome=...}    gauge, kind "sale" / "void" (this
 *       run's, by bucket) and "earlier" (earlier runs' records it settled);
 *       the outcomes are the summary JSON's words ("pushed", "left pending")
 *   permit_etl_net_revenue{currency=...}        gauge, Net (gross - voids), units
 *   permit_etl_stage_seconds{stage=...}         gauge, wall time per stage
 * Label values are escaped as the text format says (\\ \" \n).
 *
 * The file is written atomically: a temp file in the same directory, mode
 * 0644 whatever the umask (it holds no plate; the collector must read it),
 * fsync, rename. Errors: E_IO (the caller logs them; a run's result never
 * depends on its metrics), E_NOMEM.
 */
#ifndef ETL_METRICS_H
#define ETL_METRICS_H

#include "buf.h"
#include "err.h"
#include "run_outcome.h"

/* Appends the file's text to out (the stage times from log.h's timing). */
int metrics_format(struct buf *out, const struct run_outcome *o, long long last_success);

/* The last-success value of an existing metrics file: 1 and *t when found,
 * 0 when the file or the sample is absent or unreadable. */
int metrics_read_last_success(const char *path, long long *t);

int metrics_write(const char *path, const struct run_outcome *o, struct etl_err *err);

#endif
