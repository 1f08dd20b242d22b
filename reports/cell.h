/*
 * cell.h — writing one cell of a report sheet: safe text, counts, money,
 * times, and how a redacted copy shows plates and reasons.
 *
 * Text: data strings are always written as strings (a plate "=1+1" stays
 * text); invalid UTF-8 and control characters (but TAB and LF) are shown
 * as \xNN, a cell is cut at Excel's 32,767 characters; an empty or NULL
 * string writes nothing. Money is integer cents until the cell
 * (cents / 100): cell_money() with a format naming the currency,
 * cell_amount() a plain #,##0.00 beside a Currency column. Times are
 * Excel dates (UTC seconds), cell_local_time() in business_tz.
 *
 * Every writer widens the column to its text (sheet_track()) but
 * cell_title(), whose text may run over the empty cells to its right.
 * Strings are borrowed for the call. 0, or -1 with the book's sticky error.
 */
#ifndef ETL_REPORT_CELL_H
#define ETL_REPORT_CELL_H

#include <stddef.h>

#include <xlsxwriter.h>

#define CELL_MAX_CHARS 32767
#define EXCEL_EPOCH    25569.0    /* 1970-01-01 as an Excel serial date */

struct book;
struct sheet;

int cell_str(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
             const char *str, lxw_format *f);
/* str[0..n), not necessarily NUL-terminated (raw values, buffers). */
int cell_strn(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
              const char *str, size_t n, lxw_format *f);
int cell_title(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
               const char *str, lxw_format *f);
/* v as a number, the column at least `width` wide. */
int cell_num(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
             double v, double width, lxw_format *f);
/* An integer; f NULL: #,##0. */
int cell_count(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
               long long v, lxw_format *f);
/* cur: cur_index() (report_money.h); total: the bold total-row format. */
int cell_money(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
               long long cents, int cur, int total);
int cell_amount(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
                long long cents);
int cell_time(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
              long long utc);
int cell_local_time(struct book *b, struct sheet *s, lxw_row_t row, lxw_col_t col,
                    long long utc);

/* The plate as this book shows it: masked in a redacted copy
 * (report_redact_plate() into tmp). */
const char *cell_shown_plate(const struct book *b, const char *plate, char *tmp, size_t cap);
/* A rejection reason in a redacted copy: every 'quoted' value becomes
 * '***' (valid until the next call on b). */
const char *cell_shown_reason(struct book *b, const char *reason);

#endif
