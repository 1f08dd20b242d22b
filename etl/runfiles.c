#include "runfiles.h"

#include "config.h"
#include "fsutil.h"
#include "ingest.h"
#include "ledger.h"
#include "normalize.h"
#include "push.h"
#include "utc.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void runfiles_init(struct runfiles *rf)
{
    memset(rf, 0, sizeof(*rf));
}

void runfiles_free(struct runfiles *rf)
{
    size_t i;

    for (i = 0; i < rf->n; i++) {
        free(rf->v[i].path);
        free(rf->v[i].canon);
        free(rf->v[i].archived_to);
    }
    free(rf->v);
    runfiles_init(rf);
}

int runfiles_add(struct runfiles *rf, const char *path, const char *profile)
{
    size_t i;
    struct runfile *f;

    for (i = 0; i < rf->n; i++)
        if (!strcmp(rf->v[i].path, path))
            return 0;
    if (rf->n == rf->cap) {
        size_t cap = rf->cap ? rf->cap * 2 : 16;
        struct runfile *v = realloc(rf->v, cap * sizeof(*v));

        if (!v)
            return -1;
        rf->v = v;
        rf->cap = cap;
    }
    f = &rf->v[rf->n];
    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    if (!f->path)
        return -1;
    f->canon = realpath(path, NULL);     /* NULL: missing; the read says why */
    if (!f->canon && errno == ENOMEM) {
        free(f->path);
        return -1;
    }
    f->profile = profile;
    for (i = 0; f->canon && i < rf->n; i++)
        if (rf->v[i].canon && !strcmp(rf->v[i].canon, f->canon)) {
            f->same_as = i + 1;
            break;
        }
    rf->n++;
    return 0;
}

/* The tool's own files, canonical (ledger_canonical_path()): a config
 * glob never matches them. */
struct own_files {
    struct buf ledger, config, report_dir, archive_dir;
    int        under_report_dir;  /* report_dir set apart from the config's directory */
};

static void own_release(struct own_files *o)
{
    buf_release(&o->ledger);
    buf_release(&o->config);
    buf_release(&o->report_dir);
    buf_release(&o->archive_dir);
}

/* A path that cannot be resolved (its directory missing) matches nothing. */
static void canon_or_empty(const char *path, struct buf *out)
{
    struct etl_err e;

    if (!path || ledger_canonical_path(path, out, &e) < 0)
        buf_reset(out);
}

static int own_init(struct own_files *o, const struct config *cfg, struct etl_err *err)
{
    struct buf lp = BUF_INIT, d = BUF_INIT;

    memset(o, 0, sizeof(*o));
    if (push_ledger_path(cfg, &lp, err) < 0)
        return -1;
    canon_or_empty(lp.ptr, &o->ledger);
    canon_or_empty(cfg->path, &o->config);
    canon_or_empty(cfg->report_dir ? cfg->report_dir : cfg->dir, &o->report_dir);
    canon_or_empty(cfg->archive_dir, &o->archive_dir);
    canon_or_empty(cfg->dir, &d);
    o->under_report_dir = cfg->report_dir && o->report_dir.len &&
                          (!d.ptr || strcmp(d.ptr, o->report_dir.ptr) != 0);
    buf_release(&lp);
    buf_release(&d);
    return 0;
}

static int has_prefix_dir(const char *path, const struct buf *dir)
{
    return dir->len && !strncmp(path, dir->ptr, dir->len) &&
           (path[dir->len] == '/' || (dir->len == 1 && dir->ptr[0] == '/'));
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);

    return n >= t && !strcmp(s + n - t, tail);
}

/* 1 when canonical path c is one of the tool's own files: the ledger
 * (and its -wal, -shm, -journal, .lock), the config, anything under
 * archive_dir or under a report_dir of its own, and the reports and
 * summaries (permit-etl-*.xlsx, permit-etl-*-summary.json) in report_dir. */
static int own_file(const struct own_files *o, const char *c)
{
    static const char *const side[] = { "", "-wal", "-shm", "-journal", ".lock" };
    const char *base = strrchr(c, '/');
    size_t i;

    if (o->ledger.len && !strncmp(c, o->ledger.ptr, o->ledger.len))
        for (i = 0; i < sizeof(side) / sizeof(side[0]); i++)
            if (!strcmp(c + o->ledger.len, side[i]))
                return 1;
    if (o->config.len && !strcmp(c, o->config.ptr))
        return 1;
    if (has_prefix_dir(c, &o->archive_dir) || (o->under_report_dir &&
                                               has_prefix_dir(c, &o->report_dir)))
        return 1;
    base = base ? base + 1 : c;
    return o->report_dir.len && has_prefix_dir(c, &o->report_dir) &&
           (size_t)(base - c) == o->report_dir.len + (o->report_dir.len > 1) &&
           !strncmp(base, "permit-etl-", 11) &&
           (ends_with(base, ".xlsx") || ends_with(base, "-summary.json"));
}

const char *runfile_ledger_path(const struct runfile *f)
{
    return f->canon ? f->canon : f->path;
}

int runfiles_expand(struct runfiles *rf, const struct config *cfg, struct etl_err *err)
{
    size_t i, k;
    struct own_files own;
    struct buf canon = BUF_INIT;
    int ret = -1;

    if (own_init(&own, cfg, err) < 0)
        return -1;

    for (i = 0; i < cfg->ninputs; i++) {
        glob_t g;
        int rc;

        memset(&g, 0, sizeof(g));
        rc = glob(cfg->inputs[i].glob, GLOB_ERR, NULL, &g);
        if (rc == GLOB_NOMATCH) {
            globfree(&g);
            continue;
        }
        if (rc != 0) {
            globfree(&g);
            etl_fail(err, rc == GLOB_NOSPACE ? E_NOMEM : E_IO,
                     "inputs: cannot expand '%s'", cfg->inputs[i].glob);
            goto out;
        }
        for (k = 0; k < g.gl_pathc; k++) {
            struct stat st;

            /* a directory matched by a glob is not an input file */
            if (stat(g.gl_pathv[k], &st) == 0 && S_ISDIR(st.st_mode))
                continue;
            /* nor is one of the tool's own files (ledger, reports, ...) */
            canon_or_empty(g.gl_pathv[k], &canon);
            if (canon.len && own_file(&own, canon.ptr))
                continue;
            if (runfiles_add(rf, g.gl_pathv[k], cfg->inputs[i].profile) < 0) {
                globfree(&g);
                etl_fail(err, E_NOMEM, "out of memory");
                goto out;
            }
        }
        globfree(&g);
    }
    ret = 0;
out:
    own_release(&own);
    buf_release(&canon);
    return ret;
}

void runfile_status(struct runfile *f, const char *status, const char *msg)
{
    f->status = status;
    if (msg && *msg)
        snprintf(f->status_text, sizeof(f->status_text), "%s: %s", status, msg);
    else if (!strcmp(status, "read"))
        snprintf(f->status_text, sizeof(f->status_text), "ok");
    else if (!strcmp(status, "over_ratio"))
        snprintf(f->status_text, sizeof(f->status_text),
                 "not pushed: reject ratio over max_reject_ratio");
    else
        snprintf(f->status_text, sizeof(f->status_text), "%s", status);
}

void runfile_stats(struct runfile *f, const struct ingest_stats *st)
{
    f->st = *st;
}

size_t runfiles_count(const struct runfiles *rf, const char *status)
{
    size_t i, n = 0;

    for (i = 0; i < rf->n; i++)
        n += rf->v[i].status && !strcmp(rf->v[i].status, status);
    return n;
}

static int make_dir(const char *dir, struct etl_err *err)
{
    struct stat st;

    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return etl_fail(err, E_IO, "%s: not a directory", dir);
        return 0;
    }
    /* private, with its missing parents (fsutil.h) */
    if (fsutil_mkdirs(dir, fsutil_dir_mode()) < 0)
        return etl_fail(err, E_IO, "%s: cannot create directory: %s", dir, strerror(errno));
    return 0;
}

int runfiles_report_paths(const struct config *cfg, time_t t, struct buf *xlsx,
                          struct buf *summary, struct etl_err *err)
{
    const char *dir = cfg->report_dir ? cfg->report_dir : cfg->dir;
    struct tm tm;
    char stamp[32], suffix[16] = "";
    int n;

    if (make_dir(dir, err) < 0)
        return -1;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    /* two runs in one second: the second gets -2, -3, ... (never replaces) */
    for (n = 1; n < 1000; n++) {
        struct stat st;

        if (n > 1)
            snprintf(suffix, sizeof(suffix), "-%d", n);
        buf_reset(xlsx);
        buf_reset(summary);
        if (buf_addf(xlsx, "%s/permit-etl-%s%s.xlsx", dir, stamp, suffix) < 0 ||
            buf_addf(summary, "%s/permit-etl-%s%s-summary.json", dir, stamp, suffix) < 0)
            return etl_fail(err, E_NOMEM, "out of memory");
        if (lstat(xlsx->ptr, &st) < 0 && lstat(summary->ptr, &st) < 0)
            return 0;
    }
    return etl_fail(err, E_IO, "%s: too many reports named permit-etl-%s", dir, stamp);
}

/* rename(2), or copy + fsync + unlink across file systems. */
static int move_file(const char *from, const char *to, struct etl_err *err)
{
    char chunk[65536];
    int in = -1, out = -1, ret = -1;
    ssize_t n;

    if (rename(from, to) == 0)
        return 0;
    if (errno != EXDEV)
        return etl_fail(err, E_IO, "%s: cannot move to %s: %s", from, to, strerror(errno));
    in = open(from, O_RDONLY);
    /* the copy is ours: private, or stricter if the input was */
    out = in < 0 ? -1
                 : fsutil_open(to, O_WRONLY | O_EXCL, fsutil_stricter(from, fsutil_file_mode()));
    if (in < 0 || out < 0) {
        etl_fail(err, E_IO, "%s: cannot copy to %s: %s", from, to, strerror(errno));
        goto out;
    }
    while ((n = read(in, chunk, sizeof(chunk))) > 0)
        if (write(out, chunk, (size_t)n) != n) {
            etl_fail(err, E_IO, "%s: write failed: %s", to, strerror(errno));
            goto out;
        }
    if (n < 0 || fsync(out) < 0) {
        etl_fail(err, E_IO, "%s: copy failed: %s", to, strerror(errno));
        goto out;
    }
    if (close(out) < 0) {
        out = -1;
        etl_fail(err, E_IO, "%s: copy failed: %s", to, strerror(errno));
        goto out;
    }
    out = -1;
    if (unlink(from) < 0) {
        etl_fail(err, E_IO, "%s: cannot remove after copying: %s", from, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (in >= 0)
        close(in);
    if (out >= 0) {
        close(out);
        unlink(to);
    }
    return ret;
}

int runfiles_archive(struct runfiles *rf, struct ledger *l, const char *dir,
                     struct etl_err *err)
{
    size_t i;
    int ret = 0;

    if (make_dir(dir, err) < 0)
        return -1;
    for (i = 0; i < rf->n; i++) {
        struct runfile *f = &rf->v[i];
        struct ledger_file lf;
        struct buf to = BUF_INIT;
        const char *base;
        int found, k;
        struct stat st;

        if (f->same_as || !f->status ||
            (strcmp(f->status, "read") != 0 && strcmp(f->status, "skipped") != 0))
            continue;
        found = ledger_file_get(l, runfile_ledger_path(f), &lf, err);
        if (found < 0)
            return -1;
        if (!found || !lf.final)
            continue;
        base = strrchr(f->path, '/');
        base = base ? base + 1 : f->path;
        for (k = 0; k < 1000; k++) {
            buf_reset(&to);
            if ((k ? buf_addf(&to, "%s/%s.%d", dir, base, k)
                   : buf_addf(&to, "%s/%s", dir, base)) < 0) {
                buf_release(&to);
                return etl_fail(err, E_NOMEM, "out of memory");
            }
            if (lstat(to.ptr, &st) < 0)
                break;
        }
        if (move_file(f->path, to.ptr, err) < 0) {
            buf_release(&to);
            ret = -1;
            continue;
        }
        f->archived_to = buf_detach(&to, NULL);
        f->status = "archived";
    }
    return ret;
}

static void json_str(struct buf *b, const char *s)
{
    buf_addch(b, '"');
    buf_add_json_str(b, s, strlen(s));
    buf_addch(b, '"');
}

/* "name": {"k1": v1, ...} with n counts. */
static void json_counts(struct buf *b, const char *name, const char *const *keys,
                        const long *v, size_t n)
{
    size_t i;

    buf_addf(b, "  \"%s\": {", name);
    for (i = 0; i < n; i++)
        buf_addf(b, "%s\"%s\": %ld", i ? ", " : "", keys[i], v[i]);
    buf_addstr(b, "},\n");
}

const char *const runfiles_sales_keys[LB_S_COUNT + 1] = {
    "pushed", "updated", "repushed", "unchanged", "cancelled", "held", "failed",
    "left pending", "not pushed" };
const char *const runfiles_voids_keys[LB_V_COUNT] = {
    "cancelling", "deleted", "unmatched", "failed", "left pending", "unchanged" };
const char *const runfiles_earlier_keys[6] = {
    "pushed", "updated", "deleted", "failed", "left pending", "still held/failed" };

/* The buckets (push.h): every row of the run in exactly one. */
static void json_buckets(struct buf *b, const struct push *p, const struct run_money *money)
{
    static const char *const rows_k[] = { "read", "sales", "rejected", "duplicates", "voids" };
    const struct push_counts *c = push_counts(p);
    long sales[LB_S_COUNT + 1], voids[LB_V_COUNT], rows[5], earlier[6], ns = 0, nv = 0;
    struct run_cause causes[RUN_CAUSES_MAX];
    size_t i, nc;
    int cur;

    /* the keys are in the order of enum ledger_sale_bucket / ledger_void_bucket */
    memcpy(sales, c->sales, sizeof(c->sales));
    sales[LB_S_COUNT] = c->not_pushed;
    memcpy(voids, c->voids_b, sizeof(c->voids_b));
    for (i = 0; i <= LB_S_COUNT; i++)
        ns += sales[i];
    for (i = 0; i < LB_V_COUNT; i++)
        nv += voids[i];
    rows[0] = c->rows;
    rows[1] = ns;
    rows[2] = c->rejected;
    rows[3] = c->duplicates;
    rows[4] = nv;
    earlier[0] = c->earlier_pushed;
    earlier[1] = c->earlier_updated;
    earlier[2] = c->earlier_deleted;
    earlier[3] = c->earlier_failed;
    earlier[4] = c->earlier_pending;
    earlier[5] = c->earlier_attention;
    json_counts(b, "rows", rows_k, rows, 5);
    json_counts(b, "sales", runfiles_sales_keys, sales, LB_S_COUNT + 1);
    json_counts(b, "voids", runfiles_voids_keys, voids, LB_V_COUNT);
    json_counts(b, "earlier", runfiles_earlier_keys, earlier, 6);
    buf_addstr(b, "  \"money\": {");
    for (cur = CUR_CAD; cur <= CUR_USD; cur++)
        buf_addf(b, "%s\"%s\": {\"gross\": %lld, \"voids\": %lld, \"net\": %lld}",
                 cur == CUR_CAD ? "" : ", ", currency_name((enum currency)cur),
                 money->gross[cur], money->voids[cur], money->gross[cur] - money->voids[cur]);
    buf_addstr(b, "},\n  \"causes\": [");
    nc = push_causes(p, causes, RUN_CAUSES_MAX);
    for (i = 0; i < nc; i++) {
        buf_addstr(b, i ? ", {\"cause\": " : "{\"cause\": ");
        json_str(b, causes[i].what);
        buf_addf(b, ", \"count\": %ld, \"sheet\": ", causes[i].count);
        json_str(b, causes[i].sheet);
        buf_addch(b, '}');
    }
    buf_addstr(b, "],\n");
}

int runfiles_write_summary(const struct runfiles *rf, const char *path, const char *report,
                           const struct push *p, const struct run_money *run_money,
                           time_t started, int dry_run, const char *date, int exit_code,
                           int aborted, long pruned, struct etl_err *err)
{
    struct buf b = BUF_INIT, tmp = BUF_INIT;
    char when[UTC_Z_SIZE], money[24];
    time_t now = time(NULL);
    size_t i;
    FILE *f = NULL;
    int ret = -1, fd;
    const struct push_counts *pc = push_counts(p);

    utc_format_z((long long)started, when);
    buf_addf(&b, "{\n  \"tool\": \"permit-etl %s\",\n  \"started\": \"%s\",\n",
             PERMIT_ETL_VERSION, when);
    utc_format_z((long long)now, when);
    buf_addf(&b, "  \"finished\": \"%s\",\n  \"exit_status\": %d,\n  \"aborted\": %s,\n"
                 "  \"dry_run\": %s,\n  \"date\": ",
             when, exit_code, aborted ? "true" : "false", dry_run ? "true" : "false");
    if (date)
        json_str(&b, date);
    else
        buf_addstr(&b, "null");
    buf_addstr(&b, ",\n  \"report\": ");
    if (report)
        json_str(&b, report);
    else
        buf_addstr(&b, "null");
    buf_addf(&b, ",\n  \"counts\": {\"files\": %zu, \"files_skipped\": %zu, "
                 "\"rows\": %ld, \"accepted\": %ld, \"rejected\": %ld, \"duplicates\": %ld, "
                 "\"voids\": %ld, \"pushed\": %ld, \"updated\": %ld, \"deleted\": %ld, "
                 "\"unchanged\": %ld, \"failed\": %ld, \"held\": %ld, \"pending\": %ld, "
                 "\"resent_after_doubt\": %ld, \"unlinked\": %ld, \"zone_disconnected\": %ld, "
                 "\"zone_missing\": %ld},\n",
             rf->n, runfiles_count(rf, "skipped"), pc->rows, pc->accepted, pc->rejected,
             pc->duplicates, pc->voids, pc->pushed, pc->updated, pc->deleted, pc->unchanged,
             pc->failed, pc->held, pc->retry_later + pc->aborted, pc->resent_after_doubt,
             pc->unlinked, pc->zone_disconnected, pc->zone_missing);
    if (pruned >= 0)
        buf_addf(&b, "  \"pruned\": %ld,\n", pruned);
    else
        buf_addstr(&b, "  \"pruned\": null,\n");
    json_buckets(&b, p, run_money);
    /* Net per currency, as text */
    buf_addstr(&b, "  \"totals\": {");
    norm_format_cents(run_money->gross[CUR_CAD] - run_money->voids[CUR_CAD], money);
    buf_addf(&b, "\"CAD\": \"%s\", ", money);
    norm_format_cents(run_money->gross[CUR_USD] - run_money->voids[CUR_USD], money);
    buf_addf(&b, "\"USD\": \"%s\"},\n  \"files\": [", money);
    for (i = 0; i < rf->n; i++) {
        const struct runfile *r = &rf->v[i];

        buf_addstr(&b, i ? ",\n    {\"path\": " : "\n    {\"path\": ");
        json_str(&b, r->path);
        buf_addstr(&b, ", \"profile\": ");
        json_str(&b, r->st.profile[0] ? r->st.profile : r->profile ? r->profile : "");
        buf_addstr(&b, ", \"status\": ");
        json_str(&b, r->status ? r->status : "not read");
        buf_addstr(&b, ", \"message\": ");
        json_str(&b, r->status_text);
        buf_addf(&b, ", \"rows\": %ld, \"accepted\": %ld, \"rejected\": %ld, "
                     "\"duplicates\": %ld, \"voids\": %ld, \"free_sessions\": %ld",
                 r->st.rows, r->st.accepted, r->st.rejected, r->st.duplicates, r->st.voids,
                 r->st.free_sessions);
        if (r->archived_to) {
            buf_addstr(&b, ", \"archived_to\": ");
            json_str(&b, r->archived_to);
        }
        buf_addch(&b, '}');
    }
    buf_addstr(&b, rf->n ? "\n  ]\n}\n" : "]\n}\n");
    if (!b.ptr) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto out;
    }
    fd = fsutil_tmp_open(path, fsutil_file_mode(), &tmp);
    f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        etl_fail(err, E_IO, "%s: cannot write: %s", tmp.ptr ? tmp.ptr : path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    if (fwrite(b.ptr, 1, b.len, f) != b.len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        etl_fail(err, E_IO, "%s: write failed: %s", tmp.ptr, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        etl_fail(err, E_IO, "%s: write failed: %s", tmp.ptr, strerror(errno));
        goto out;
    }
    f = NULL;
    if (fsutil_replace(tmp.ptr, path) < 0) {
        etl_fail(err, E_IO, "%s: cannot rename: %s", path, strerror(errno));
        goto out;
    }
    ret = 0;
out:
    if (f)
        fclose(f);
    if (ret < 0 && tmp.ptr)
        unlink(tmp.ptr);
    buf_release(&b);
    buf_release(&tmp);
    return ret;
}

int runfiles_expand_settlements(struct runfiles *rf, const struct config *cfg,
                                struct etl_err *err)
{
    struct config c = *cfg;

    c.inputs = cfg->settlements;
    c.ninputs = cfg->nsettlements;
    return runfiles_expand(rf, &c, err);
}
