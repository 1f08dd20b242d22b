/*
 * report.c — the report's public handle (report.h): the workbook and its
 * redacted twin, fed the same calls by one loop (report_each()), closed
 * and discarded together. The sheets are in the table of book.h, one file
 * each (reports/sheet_*.c).
 */
#include "report.h"

#include "book.h"

#include <errno.h>
#include <stdlib.h>

#define REPORT_MAX_BOOKS 2     /* the report and its twin */

struct report {
    struct book *book[REPORT_MAX_BOOKS];   /* book[0]: the report itself */
    size_t       nbooks;
};

long report_max_rows(void)
{
    const char *v = getenv(REPORT_MAX_ROWS_ENV);
    char *end;
    long n;

    if (!v || !*v)
        return REPORT_MAX_ROWS;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || n < 1 || n > REPORT_MAX_ROWS)
        return REPORT_MAX_ROWS;
    return n;
}

struct report *report_open(const char *path, const struct report_meta *meta,
                           struct etl_err *err)
{
    struct report *r = calloc(1, sizeof(*r));

    if (!r) {
        etl_fail(err, E_NOMEM, "report %s: out of memory", path);
        return NULL;
    }
    r->book[0] = book_open(path, meta, err);
    if (!r->book[0]) {
        free(r);
        return NULL;
    }
    r->nbooks = 1;
    return r;
}

int report_add_twin(struct report *r, const char *path, const struct report_meta *meta,
                    struct etl_err *err)
{
    if (r->nbooks >= REPORT_MAX_BOOKS)
        return etl_fail(err, E_INTERNAL, "report: a twin is already attached");
    r->book[r->nbooks] = book_open(path, meta, err);
    if (!r->book[r->nbooks])
        return -1;
    r->nbooks++;
    return 0;
}

int report_each(struct report *r, book_fn fn, const void *arg)
{
    size_t i;
    int ret;

    if (!r)
        return -1;
    ret = fn(r->book[0], arg);
    for (i = 1; i < r->nbooks; i++)
        (void)fn(r->book[i], arg);     /* a twin's failure is its own */
    return ret;
}

struct fed { enum sheet_id id; const void *row; };

static int feed_one(struct book *b, const void *arg)
{
    const struct fed *f = arg;
    const struct sheet_type *t = report_sheet_types[f->id];
    struct sheet *s = &b->sh[f->id];

    if (b->failed)
        return -1;
    if (t->when == SHEET_LAZY && s->nparts == 0 &&
        (sheet_new_part(b, s) < 0 || sheet_header(b, s) < 0))
        return -1;                     /* created by its first row */
    return t->add(b, f->row);
}

int report_feed(struct report *r, enum sheet_id id, const void *row)
{
    struct fed f;

    f.id = id;
    f.row = row;
    return report_each(r, feed_one, &f);
}

int report_close(struct report *r, int aborted, struct etl_err *err)
{
    size_t i;
    int ret;

    if (!r)
        return 0;
    /* the twin's failure is its own: its file is then not there */
    for (i = 1; i < r->nbooks; i++)
        (void)book_close(r->book[i], aborted, NULL);
    ret = book_close(r->book[0], aborted, err);
    free(r);
    return ret;
}

void report_discard(struct report *r)
{
    size_t i;

    if (!r)
        return;
    for (i = r->nbooks; i-- > 0; )
        book_discard(r->book[i]);
    free(r);
}
