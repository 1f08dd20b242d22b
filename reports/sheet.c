/* sheet.c — a sheet's parts, table header, widths and paging (sheet.h). */
#include "sheet.h"

#include "book.h"

#include <stdio.h>
#include <string.h>

void sheet_track(struct sheet *s, lxw_col_t col, double w)
{
    if (col >= SHEET_MAX_COLS)
        return;
    if (w > SHEET_MAX_WIDTH)
        w = SHEET_MAX_WIDTH;
    if (w > s->width[col])
        s->width[col] = w;
}

lxw_row_t sheet_row(struct sheet *s)
{
    return s->row++;
}

int sheet_close_table(struct book *b, struct sheet *s)
{
    if (!s->table || s->ncols <= 0)
        return 0;
    s->table = 0;
    return book_check(b, worksheet_autofilter(s->ws, s->head_row, 0,
                                              s->data > 0 ? s->last_data : s->head_row,
                                              (lxw_col_t)(s->ncols - 1)), "autofilter");
}

int sheet_finish_part(struct book *b, struct sheet *s)
{
    int c;

    if (!s->ws)
        return 0;
    for (c = 0; c < SHEET_MAX_COLS; c++)
        if (s->width[c] > 0 &&
            book_check(b, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c,
                                               s->width[c], NULL), "set column") < 0)
            return -1;
    return sheet_close_table(b, s);
}

int sheet_new_part(struct book *b, struct sheet *s)
{
    char name[40];
    lxw_worksheet *ws;

    if (s->ws && sheet_finish_part(b, s) < 0)
        return -1;
    if (s->nparts == 0)
        snprintf(name, sizeof(name), "%s", s->base);
    else
        snprintf(name, sizeof(name), "%s %zu", s->base, s->nparts + 1);
    ws = workbook_add_worksheet(b->wb, name);
    if (!ws)
        return book_fail(b, E_IO, "cannot add sheet", name);
    if (REPORT_GROW(s->parts, s->parts_cap, s->nparts + 1) < 0)
        return book_nomem(b);
    s->parts[s->nparts++] = ws;
    s->ws = ws;
    /* every sheet prints: landscape, one page wide, page numbers */
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    if (book_check(b, worksheet_set_footer(ws, "&L&A&RPage &P of &N"), "footer") < 0)
        return -1;
    s->row = 0;
    s->head_row = 0;
    s->data = 0;
    s->table = 0;
    memset(s->width, 0, sizeof(s->width));
    return 0;
}

int sheet_header(struct book *b, struct sheet *s)
{
    int c;

    s->head_row = s->row;
    for (c = 0; c < s->ncols; c++)
        if (cell_str(b, s, s->row, (lxw_col_t)c, s->heads[c], b->fmt[F_HEAD]) < 0)
            return -1;
    /* header text is bold: a little wider */
    for (c = 0; c < s->ncols; c++)
        sheet_track(s, (lxw_col_t)c, (double)strlen(s->heads[c]) + 4);
    worksheet_freeze_panes(s->ws, s->row + 1, 0);
    if (book_check(b, worksheet_repeat_rows(s->ws, s->row, s->row), "print titles") < 0)
        return -1;
    s->table = 1;
    s->data = 0;
    s->row++;
    return 0;
}

int sheet_next_row(struct book *b, struct sheet *s, lxw_row_t *row)
{
    if (b->failed)
        return -1;
    if (s->data >= b->max_rows) {
        if (sheet_new_part(b, s) < 0 || sheet_header(b, s) < 0)
            return -1;
    }
    *row = s->row++;
    s->last_data = *row;
    s->data++;
    return 0;
}

int sheet_offline(struct book *b, struct sheet *s, const char *what)
{
    if (cell_str(b, s, 0, 0, "offline", b->fmt[F_TITLE]) < 0 ||
        cell_title(b, s, 1, 0, what, NULL) < 0 ||
        book_check(b, worksheet_repeat_rows(s->ws, 0, 0), "print titles") < 0)
        return -1;
    s->row = 2;
    return 0;
}
