/*
 * xlsx_bare.c — the baseline for the report's overhead: a bare
 * libxlsxwriter program (constant_memory) writing the same Permits cells
 * (header + one row per record, same formats) as permit-etl's report, and
 * nothing else. usage: xlsx-bare ROWS OUT.xlsx
 */
#include <stdio.h>
#include <stdlib.h>
#include <xlsxwriter.h>

#include "synth.h"

int main(int argc, char **argv)
{
    static const char *const heads[] = {
        "LicencePlate", "Amount", "CurrencyID", "startTime (UTC)", "endTime (UTC)", "zone",
        "permitNo", "TicketNumber", "promoCode", "_source", "_line", "_key", "_zone_status"
    };
    lxw_workbook_options opt = { LXW_TRUE, NULL, LXW_FALSE };
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *cad, *usd, *date, *count, *head;
    struct permit p;
    long n, i;
    lxw_error e = LXW_NO_ERROR;
    char *end;
    int c;

    if (argc != 3 || (n = strtol(argv[1], &end, 10)) < 0 || *end) {
        fprintf(stderr, "usage: xlsx-bare ROWS OUT.xlsx\n");
        return 2;
    }
    wb = workbook_new_opt(argv[2], &opt);
    ws = wb ? workbook_add_worksheet(wb, "Permits") : NULL;
    if (!ws)
        return 3;
    cad = workbook_add_format(wb);
    format_set_num_format(cad, "#,##0.00 \"CAD\"");
    usd = workbook_add_format(wb);
    format_set_num_format(usd, "#,##0.00 \"USD\"");
    date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd hh:mm:ss");
    count = workbook_add_format(wb);
    format_set_num_format(count, "#,##0");
    head = workbook_add_format(wb);
    format_set_bold(head);
    for (c = 0; c < 13; c++)
        e |= worksheet_write_string(ws, 0, (lxw_col_t)c, heads[c], head);
    memset(&p, 0, sizeof(p));
    for (i = 0; i < n && i < 1048575; i++) {
        lxw_row_t r = (lxw_row_t)(i + 1);
        synth_permit(&p, i);
        e |= worksheet_write_string(ws, r, 0, p.plate, NULL);
        e |= worksheet_write_number(ws, r, 1, (double)p.cents / 100.0,
                                    p.currency == CUR_USD ? usd : cad);
        e |= worksheet_write_string(ws, r, 2, currency_name(p.currency), NULL);
        e |= worksheet_write_number(ws, r, 3, (double)p.start / 86400.0 + 25569.0, date);
        e |= worksheet_write_number(ws, r, 4, (double)p.end / 86400.0 + 25569.0, date);
        e |= worksheet_write_string(ws, r, 5, p.zone, NULL);
        if (p.permit_no[0])
            e |= worksheet_write_string(ws, r, 6, p.permit_no, NULL);
        if (p.ticket[0])
            e |= worksheet_write_string(ws, r, 7, p.ticket, NULL);
        if (p.promo[0])
            e |= worksheet_write_string(ws, r, 8, p.promo, NULL);
        e |= worksheet_write_string(ws, r, 9, p.source, NULL);
        e |= worksheet_write_number(ws, r, 10, (double)p.line, count);
        e |= worksheet_write_string(ws, r, 11, p.key, NULL);
        e |= worksheet_write_string(ws, r, 12, zone_status_name(p.zone_status), NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
    e |= worksheet_autofilter(ws, 0, 0, (lxw_row_t)(n < 1048575 ? n : 1048575), 12);
    if (e != LXW_NO_ERROR)
        return 3;
    e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        fprintf(stderr, "xlsx-bare: %s\n", lxw_strerror(e));
        return 3;
    }
    return 0;
}
