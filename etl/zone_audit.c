/*
 * zone_audit.c — per-vendor-zone-name accumulator. See zone_audit.h.
 */
#include "zone_audit.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct row_ext {
    size_t *file;       /* indexes into a->files */
    size_t  nfile, capfile;
    size_t *sidx;       /* suggestion indexes into zones */
};

struct zone_audit {
    const struct zones    *z;
    struct zone_audit_row *row;
    struct row_ext        *ext;
    size_t                 nrows, caprows;
    struct strmap          names;   /* vendor zone name -> its row index */
    size_t                *order;   /* row indexes in output order */
    char                 **files;   /* distinct paths (owned) */
    size_t                 nfiles, capfiles;
    size_t                 last_file; /* the index of the last source seen */
    long                   status_records[ZONE_MISSING + 1];
};

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

struct zone_audit *zone_audit_new(const struct zones *z, struct etl_err *err)
{
    struct zone_audit *a = calloc(1, sizeof(*a));

    if (!a) {
        etl_fail(err, E_NOMEM, "zone audit: out of memory");
        return NULL;
    }
    a->z = z;
    return a;
}

void zone_audit_free(struct zone_audit *a)
{
    size_t i;

    if (!a)
        return;
    for (i = 0; i < a->nrows; i++) {
        free((char *)a->row[i].vendor_zone);
        free(a->row[i].files);
        free(a->row[i].suggest);
        free(a->ext[i].file);
        free(a->ext[i].sidx);
    }
    for (i = 0; i < a->nfiles; i++)
        free(a->files[i]);
    free(a->files);
    free(a->row);
    free(a->ext);
    strmap_release(&a->names);
    free(a->order);
    free(a);
}

/* Finds or creates the row for name[0..n); NULL on out of memory. */
static struct zone_audit_row *find_row(struct zone_audit *a, const char *name, size_t n,
                                       enum zone_status rec_status, size_t *ri,
                                       struct etl_err *err)
{
    long found = strmap_find(&a->names, name, n);
    struct zone_audit_row *r;
    char *copy;

    if (found >= 0) {
        *ri = (size_t)found;
        return &a->row[found];
    }
    if (a->nrows == a->caprows) {
        size_t nc = a->caprows ? a->caprows * 2 : 64;
        struct zone_audit_row *nr = realloc(a->row, nc * sizeof(*nr));
        struct row_ext *ne;
        size_t *no;

        if (!nr)
            goto nomem;
        a->row = nr;
        ne = realloc(a->ext, nc * sizeof(*ne));
        if (!ne)
            goto nomem;
        a->ext = ne;
        no = realloc(a->order, nc * sizeof(*no));
        if (!no)
            goto nomem;
        a->order = no;
        a->caprows = nc;
    }
    copy = malloc(n + 1);
    if (!copy)
        goto nomem;
    memcpy(copy, name, n);
    copy[n] = '\0';
    r = &a->row[a->nrows];
    memset(r, 0, sizeof(*r));
    memset(&a->ext[a->nrows], 0, sizeof(a->ext[0]));
    r->vendor_zone = copy;
    r->vendor_len = n;
    r->suggest_dist = -1;
    if (a->z)
        r->status = zones_lookup(a->z, name, n, &r->zone);
    else
        r->status = rec_status;
    if (r->status != ZONE_MATCHED && r->status != ZONE_ALIAS)
        r->zone = NULL;
    a->order[a->nrows] = a->nrows;
    if (strmap_add(&a->names, name, n, NULL) < 0) {      /* index nrows */
        free(copy);
        goto nomem;
    }
    *ri = a->nrows++;
    return r;
nomem:
    etl_fail(err, E_NOMEM, "zone audit: out of memory");
    return NULL;
}

/* Index of path in a->files, added if new; -1 on out of memory. */
static long intern_file(struct zone_audit *a, const char *src, struct etl_err *err)
{
    size_t i;
    char *copy;

    /* the caller's buffer may be reused for another path (a ledger row):
     * compare the text, not the pointer */
    if (a->nfiles && strcmp(a->files[a->last_file], src) == 0)
        return (long)a->last_file;
    for (i = 0; i < a->nfiles; i++)
        if (strcmp(a->files[i], src) == 0)
            goto found;
    if (a->nfiles == a->capfiles) {
        size_t nc = a->capfiles ? a->capfiles * 2 : 16;
        char **nf = realloc(a->files, nc * sizeof(*nf));

        if (!nf)
            return etl_fail(err, E_NOMEM, "zone audit: out of memory");
        a->files = nf;
        a->capfiles = nc;
    }
    copy = strdup(src);
    if (!copy)
        return etl_fail(err, E_NOMEM, "zone audit: out of memory");
    a->files[a->nfiles++] = copy;
found:
    a->last_file = i;
    return (long)i;
}

static int add_file(struct zone_audit *a, size_t ri, size_t fi, struct etl_err *err)
{
    struct row_ext *x = &a->ext[ri];
    struct zone_audit_row *r = &a->row[ri];
    size_t i;

    if (x->nfile && x->file[x->nfile - 1] == fi)
        return 0;
    for (i = 0; i < x->nfile; i++)
        if (x->file[i] == fi)
            return 0;
    if (x->nfile == x->capfile) {
        size_t nc = x->capfile ? x->capfile * 2 : 2;
        size_t *nf = realloc(x->file, nc * sizeof(*nf));
        const char **np;

        if (!nf)
            return etl_fail(err, E_NOMEM, "zone audit: out of memory");
        x->file = nf;
        np = realloc(r->files, nc * sizeof(*np));
        if (!np)
            return etl_fail(err, E_NOMEM, "zone audit: out of memory");
        r->files = np;
        x->capfile = nc;
    }
    x->file[x->nfile++] = fi;
    r->files[r->nfiles++] = a->files[fi];
    return 0;
}

int zone_audit_add(struct zone_audit *a, const struct permit *p, struct etl_err *err)
{
    const char *s = p->vendor_zone;
    size_t n = strnlen(p->vendor_zone, sizeof(p->vendor_zone) - 1), ri;
    struct zone_audit_row *r;
    int cur = (int)p->currency;

    if (p->voided)
        return 0;
    while (n && is_ws((unsigned char)s[0])) {
        s++;
        n--;
    }
    while (n && is_ws((unsigned char)s[n - 1]))
        n--;
    r = find_row(a, s, n, p->zone_status, &ri, err);
    if (!r)
        return -1;
    if (r->rows == 0 || p->start < r->first_start)
        r->first_start = p->start;
    if (r->rows == 0 || p->start > r->last_start)
        r->last_start = p->start;
    r->rows++;
    if (cur < 0 || cur >= ZONE_AUDIT_NCUR)
        cur = CUR_NONE;
    r->cur_rows[cur]++;
    r->cents[cur] += p->cents;
    if ((int)r->status >= 0 && r->status <= ZONE_MISSING)
        a->status_records[r->status]++;
    if (p->source) {
        long fi = intern_file(a, p->source, err);

        if (fi < 0 || add_file(a, ri, (size_t)fi, err) < 0)
            return -1;
    }
    return 0;
}

static int attention(enum zone_status s)
{
    return s == ZONE_DISCONNECTED || s == ZONE_MISSING;
}

static const struct zone_audit_row *sort_rows;

static int cmp_rows(const void *pa, const void *pb)
{
    const struct zone_audit_row *a = &sort_rows[*(const size_t *)pa];
    const struct zone_audit_row *b = &sort_rows[*(const size_t *)pb];
    size_t n;
    int c;

    if (attention(a->status) != attention(b->status))
        return attention(a->status) ? -1 : 1;
    if (a->cents[CUR_CAD] != b->cents[CUR_CAD])
        return a->cents[CUR_CAD] > b->cents[CUR_CAD] ? -1 : 1;
    if (a->cents[CUR_USD] != b->cents[CUR_USD])
        return a->cents[CUR_USD] > b->cents[CUR_USD] ? -1 : 1;
    if (a->rows != b->rows)
        return a->rows > b->rows ? -1 : 1;
    n = a->vendor_len < b->vendor_len ? a->vendor_len : b->vendor_len;
    c = memcmp(a->vendor_zone, b->vendor_zone, n);
    if (c)
        return c;
    return a->vendor_len < b->vendor_len ? -1 : a->vendor_len > b->vendor_len;
}

int zone_audit_finish(struct zone_audit *a, struct etl_err *err)
{
    size_t i, j;

    for (i = 0; i < a->nrows; i++) {
        struct zone_audit_row *r = &a->row[i];
        struct row_ext *x = &a->ext[i];
        size_t idx[ZONE_SUGGEST_MAX];
        int k;

        if (r->suggested || r->status != ZONE_DISCONNECTED || !a->z)
            continue;
        k = zones_suggest(a->z, r->vendor_zone, r->vendor_len, idx, ZONE_SUGGEST_MAX,
                          &r->suggest_dist, err);
        if (k < 0)
            return -1;
        r->suggested = 1;
        if (k == 0)
            continue;
        x->sidx = malloc((size_t)k * sizeof(*x->sidx));
        r->suggest = malloc((size_t)k * sizeof(*r->suggest));
        if (!x->sidx || !r->suggest)
            return etl_fail(err, E_NOMEM, "zone audit: out of memory");
        for (j = 0; j < (size_t)k; j++) {
            x->sidx[j] = idx[j];
            r->suggest[j] = zones_name(a->z, idx[j]);
        }
        r->nsuggest = (size_t)k;
    }
    if (a->nrows) {
        for (i = 0; i < a->nrows; i++)
            a->order[i] = i;
        sort_rows = a->row;
        qsort(a->order, a->nrows, sizeof(*a->order), cmp_rows);
        sort_rows = NULL;
    }
    return 0;
}

size_t zone_audit_count(const struct zone_audit *a)
{
    return a ? a->nrows : 0;
}

const struct zone_audit_row *zone_audit_row(const struct zone_audit *a, size_t i)
{
    if (!a || i >= a->nrows)
        return NULL;
    return &a->row[a->order[i]];
}

long zone_audit_records(const struct zone_audit *a, enum zone_status s)
{
    if (!a || (int)s < 0 || s > ZONE_MISSING)
        return 0;
    return a->status_records[s];
}

int zone_audit_attention(const struct zone_audit *a)
{
    return zone_audit_records(a, ZONE_DISCONNECTED) + zone_audit_records(a, ZONE_MISSING) > 0;
}
