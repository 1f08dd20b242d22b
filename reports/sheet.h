/*
 * sheet.h — one sheet of a report workbook and its parts: the table
 * header, column widths, the autofilter, print setup and paging.
 *
 * A sheet is written top to bottom (libxlsxwriter's constant_memory mode:
 * rows ascend). A table sheet has a header row (bold, frozen, repeated on
 * each printed page) and data rows taken with sheet_next_row(); past the
 * book's max_rows data rows (REPORT_MAX_ROWS, or the environment) the table
 * continues on a new part "NAME 2", "NAME 3", ... with the header again
 * (book.c puts each part right after its sheet at close). Every part
 * prints landscape, one page wide, with the sheet name and page numbers
 * in the footer. Column widths follow the widest cell written
 * (sheet_track(), called by every cell_*() writer, cell.h), set when the
 * part is finished.
 *
 * Errors are the book's (sticky, book.h): -1 after the first.
 */
#ifndef ETL_REPORT_SHEET_H
#define ETL_REPORT_SHEET_H

#include <stddef.h>

#include <xlsxwriter.h>

#define SHEET_MAX_COLS  20
#define SHEET_MAX_WIDTH 60.0

struct book;

struct sheet {
    const char        *base;     /* the sheet's name (its first part's) */
    const char *const *heads;    /* table header, NULL: free-form */
    int                ncols;
    lxw_worksheet     *ws;       /* current part */
    lxw_worksheet    **parts;
    size_t             nparts, parts_cap;
    lxw_row_t          row;      /* next row of ws */
    lxw_row_t          head_row; /* the table header's row in ws */
    long               data;     /* data rows in the current part */
    lxw_row_t          last_data; /* the table's last data row (autofilter) */
    double             width[SHEET_MAX_COLS];
    int                table;    /* a table is open on ws */
};

/* Starts a new part (the first one: the sheet itself) at row 0, finishing
 * the current one. */
int  sheet_new_part(struct book *b, struct sheet *s);
/* Sets the part's column widths and closes its table. */
int  sheet_finish_part(struct book *b, struct sheet *s);
/* Writes s->heads at the current row, freezes and repeats it: a table is
 * open. */
int  sheet_header(struct book *b, struct sheet *s);
/* The row of the table's next data row (a new part with its header when
 * the current one is full). */
int  sheet_next_row(struct book *b, struct sheet *s, lxw_row_t *row);
/* The autofilter over the table (header and data rows). Call it before
 * writing below the table: constant_memory takes it only while its last
 * row is the row being written. */
int  sheet_close_table(struct book *b, struct sheet *s);
/* A sheet with nothing to show: "offline" and why (rows 0-1). */
int  sheet_offline(struct book *b, struct sheet *s, const char *what);
/* A free-form row cursor (titles, facts, small tables). */
lxw_row_t sheet_row(struct sheet *s);
/* Widens column col to at least w characters (capped at SHEET_MAX_WIDTH). */
void sheet_track(struct sheet *s, lxw_col_t col, double w);

#endif
