/*
 * report_synth.c — the report writer (reports/report.h) fed ROWS synthetic
 * records, as the pipeline would feed it: Permits streamed, accumulators
 * updated, all sheets written. Compare with xlsx-bare for the overhead.
 * usage: report-synth ROWS OUT.xlsx
 */
#include <stdio.h>
#include <stdlib.h>

#include "report.h"
#include "synth.h"

int main(int argc, char **argv)
{
    struct report_meta meta;
    struct report_file f;
    struct report *r;
    struct etl_err err;
    struct permit p;
    long n, i;
    char *end;

    if (argc != 3 || (n = strtol(argv[1], &end, 10)) < 0 || *end) {
        fprintf(stderr, "usage: report-synth ROWS OUT.xlsx\n");
        return 2;
    }
    memset(&meta, 0, sizeof(meta));
    meta.command = "report";
    r = report_open(argv[2], &meta, &err);
    if (!r) {
        fprintf(stderr, "report-synth: %s\n", err.msg);
        return 3;
    }
    memset(&p, 0, sizeof(p));
    for (i = 0; i < n; i++) {
        synth_permit(&p, i);
        if (report_add_permit(r, &p) < 0)
            break;
    }
    memset(&f, 0, sizeof(f));
    f.path = "exports/paystation-1128.csv";
    f.st.rows = f.st.accepted = n / 2;
    report_add_file(r, &f);
    f.path = "exports/mobile-1128.json";
    f.st.rows = f.st.accepted = n - n / 2;
    report_add_file(r, &f);
    if (report_close(r, 0, &err) < 0) {
        fprintf(stderr, "report-synth: %s\n", err.msg);
        return 3;
    }
    return 0;
}
