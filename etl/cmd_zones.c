/*
 * cmd_zones.c — `permit-etl zones`: the zone audit of vendor files.
 *
 * Reads every FILE through ingest (normalize + zone resolution), feeds the
 * accepted records to the zone audit (zone_audit.h), then prints one row
 * per distinct vendor zone name as it appears (trimmed):
 *   default         a human table on stdout;
 *   --json          a JSON array on stdout, one object per row with exactly
 *                   the keys vendor_zone (string), status ("matched" |
 *                   "alias" | "disconnected" | "missing"), rows (number),
 *                   revenue (object: currency code -> decimal string "%d.%02d",
 *                   only the currencies that occurred, e.g.
 *                   {"CAD":"14.50","USD":"3.00"}; {} never happens since
 *                   every row has a currency), first_start and last_start
 *                   ("YYYY-MM-DDTHH:MM:SS", UTC), files (array of paths as
 *                   given, first-seen order), suggestion (array of known zone
 *                   names, ties in zones.txt order; null when there is none
 *                   or the name is not disconnected);
 *   --csv-out F     the same rows as CSV (UTF-8 with a byte order mark,
 *                   for Excel) with the header
 *                   vendor_zone,status,rows,revenue_cad,revenue_usd,
 *                   first_start,last_start,files,suggestion — revenue empty
 *                   when the currency did not occur, files and suggestions
 *                   joined with "; ", cells starting with = + - @ prefixed
 *                   with ' (formula guard);
 *   --aliases-out F writes the whole proposed aliases file, replacing F
 *                   (atomically): a byte order mark, the header
 *                   `alias,zone`, the lines of the aliases file in effect
 *                   (--aliases or the config's; each distinct line once),
 *                   then an `alias,zone` line for every disconnected name
 *                   with exactly one suggestion (one line per alias key),
 *                   RFC 4180 quoting, no formula guard (the file is read
 *                   back by zones_load()). F may be zone-aliases.csv
 *                   itself: review, then the next run reports those names
 *                   as `alias`; a rerun writes the same file again, never
 *                   a line twice.
 * Exit: 0 all good; 1 a record disconnected or missing, a row rejected or
 * a duplicate; 2 usage/configuration (no zones list, bad zones file);
 * 3 an input could not be read.
 */
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "filepass.h"
#include "config.h"
#include "err.h"
#include "fsutil.h"
#include "ingest.h"
#include "log.h"
#include "normalize.h"
#include "utc.h"
#include "utf8.h"
#include "zone_audit.h"
#include "zones.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
"usage: permit-etl zones [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F]\n"
"                        [--json] [--csv-out F] [--aliases-out F] FILE...\n"
"\n"
"Audits the vendor zone names of FILE... against the known zones: one row\n"
"per distinct name with its status (matched, alias, disconnected, missing),\n"
"rows, revenue per currency, first/last start time (UTC), files and the\n"
"suggested zone. Disconnected and missing names come first, then by revenue\n"
"(CAD, then USD; currencies are never added).\n"
INPUTS_STREAMS_HELP
"\n"
INPUTS_HELP
"                    (a zone list is required: --zones or the config's)\n"
"      --json        print a JSON array instead of the table\n"
"      --csv-out F   also write the rows as CSV to F (UTF-8 with a BOM)\n"
"      --aliases-out F  write the proposed aliases file: the aliases in effect\n"
"                    and alias,zone lines for disconnected names with\n"
"                    exactly one suggestion (F is replaced: a rerun writes\n"
"                    no line twice; F may be the aliases file itself)\n"
"\n"
"Exit: 0 all good; 1 a zone disconnected or missing, or a row rejected;\n"
"2 usage or configuration error; 3 an input could not be read.\n";

struct run {
    const char *csv_out, *aliases_out;   /* the options */
    int json;
    struct zone_audit *audit;
};

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct run *r = ctx;

    log_progress_tick();
    return zone_audit_add(r->audit, p, err);
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    (void)ctx;
    (void)raw;
    (void)rawlen;
    log_row_error(file, line, field, reason);
}

/* A file-level error: printed once by the file pass. */
static void on_file_reject(void *ctx, const char *file, long line, const char *field,
                           const char *reason, const char *raw, size_t rawlen)
{
    (void)ctx;
    (void)file;
    (void)line;
    (void)field;
    (void)reason;
    (void)raw;
    (void)rawlen;
}

/* ---- output ----------------------------------------------------------- */

static size_t width_of(const char *s)
{
    size_t w = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void fmt_money(const struct zone_audit_row *r, enum currency c, char *out)
{
    if (r->cur_rows[c])
        norm_format_cents(r->cents[c], out);
    else
        out[0] = '\0';
}

/* "a; b; c" into b (reset first). */
static int join(struct buf *b, const char *const *v, size_t n)
{
    size_t i;

    buf_reset(b);
    if (buf_addstr(b, "") < 0)
        return -1;
    for (i = 0; i < n; i++)
        if ((i && buf_addstr(b, "; ") < 0) || buf_addstr(b, v[i]) < 0)
            return -1;
    return 0;
}

enum { C_NAME, C_STATUS, C_ROWS, C_CAD, C_USD, C_FIRST, C_LAST, C_ZONE, C_FILES, NCOLS };

static const char *const col_title[NCOLS] = {
    "VENDOR ZONE", "STATUS", "ROWS", "CAD", "USD", "FIRST START (UTC)",
    "LAST START (UTC)", "ZONE / SUGGESTION", "FILES"
};

/* Fills the cells of one row of the human table (strings in bufs). */
static int table_cells(const struct zone_audit_row *r, struct buf *cell)
{
    char tmp[32];
    size_t i;

    for (i = 0; i < NCOLS; i++)
        buf_reset(&cell[i]);
    if (buf_addstr(&cell[C_NAME], r->vendor_len ? r->vendor_zone : "(empty)") < 0 ||
        buf_addstr(&cell[C_STATUS], zone_status_name(r->status)) < 0 ||
        buf_addf(&cell[C_ROWS], "%ld", r->rows) < 0)
        return -1;
    fmt_money(r, CUR_CAD, tmp);
    if (buf_addstr(&cell[C_CAD], tmp[0] ? tmp : "-") < 0)
        return -1;
    fmt_money(r, CUR_USD, tmp);
    if (buf_addstr(&cell[C_USD], tmp[0] ? tmp : "-") < 0)
        return -1;
    utc_format(r->first_start, tmp);
    if (buf_addstr(&cell[C_FIRST], tmp) < 0)
        return -1;
    utc_format(r->last_start, tmp);
    if (buf_addstr(&cell[C_LAST], tmp) < 0)
        return -1;
    if (r->zone) {
        if (buf_addstr(&cell[C_ZONE], r->zone) < 0)
            return -1;
    } else if (r->nsuggest) {
        for (i = 0; i < r->nsuggest; i++)
            if ((i && buf_addstr(&cell[C_ZONE], " | ") < 0) ||
                buf_addstr(&cell[C_ZONE], r->suggest[i]) < 0)
                return -1;
        if (buf_addch(&cell[C_ZONE], '?') < 0)
            return -1;
    } else if (buf_addstr(&cell[C_ZONE], "-") < 0) {
        return -1;
    }
    for (i = 0; i < r->nfiles; i++)
        if ((i && buf_addstr(&cell[C_FILES], ", ") < 0) ||
            buf_addstr(&cell[C_FILES], r->files[i]) < 0)
            return -1;
    return 0;
}

static int print_table(const struct zone_audit *a, FILE *out)
{
    struct buf cell[NCOLS];
    size_t w[NCOLS], i, j, n = zone_audit_count(a);
    int ret = -1;

    for (i = 0; i < NCOLS; i++) {
        buf_init(&cell[i], 0);
        w[i] = width_of(col_title[i]);
    }
    for (j = 0; j < n; j++) {
        if (table_cells(zone_audit_row(a, j), cell) < 0)
            goto out;
        for (i = 0; i < NCOLS; i++)
            if (width_of(cell[i].ptr ? cell[i].ptr : "") > w[i])
                w[i] = width_of(cell[i].ptr ? cell[i].ptr : "");
    }
    for (j = 0; j <= n; j++) {
        if (j && table_cells(zone_audit_row(a, j - 1), cell) < 0)
            goto out;
        for (i = 0; i < NCOLS; i++) {
            const char *s = j ? (cell[i].ptr ? cell[i].ptr : "") : col_title[i];
            size_t pad = w[i] - width_of(s);
            int right = i == C_ROWS || i == C_CAD || i == C_USD;

            if (right)
                fprintf(out, "%*s", (int)pad, "");
            fputs(s, out);
            if (i + 1 < NCOLS)
                fprintf(out, "%*s", (int)(right ? 2 : pad + 2), "");
        }
        fputc('\n', out);
    }
    ret = 0;
out:
    for (i = 0; i < NCOLS; i++)
        buf_release(&cell[i]);
    return ret;
}

static int json_str(struct buf *b, const char *s, size_t n)
{
    return buf_addch(b, '"') < 0 || buf_add_json_str(b, s, n) < 0 || buf_addch(b, '"') < 0
               ? -1 : 0;
}

static int json_row(struct buf *b, const struct zone_audit_row *r)
{
    char tmp[32];
    size_t i;
    int first = 1;
    static const enum currency curs[] = { CUR_CAD, CUR_USD };

    if (buf_addstr(b, "{\"vendor_zone\":") < 0 || json_str(b, r->vendor_zone, r->vendor_len) < 0 ||
        buf_addf(b, ",\"status\":\"%s\",\"rows\":%ld,\"revenue\":{",
                 zone_status_name(r->status), r->rows) < 0)
        return -1;
    for (i = 0; i < sizeof(curs) / sizeof(curs[0]); i++) {
        if (!r->cur_rows[curs[i]])
            continue;
        norm_format_cents(r->cents[curs[i]], tmp);
        if (buf_addf(b, "%s\"%s\":\"%s\"", first ? "" : ",", currency_name(curs[i]), tmp) < 0)
            return -1;
        first = 0;
    }
    utc_format(r->first_start, tmp);
    if (buf_addf(b, "},\"first_start\":\"%s\"", tmp) < 0)
        return -1;
    utc_format(r->last_start, tmp);
    if (buf_addf(b, ",\"last_start\":\"%s\",\"files\":[", tmp) < 0)
        return -1;
    for (i = 0; i < r->nfiles; i++)
        if ((i && buf_addch(b, ',') < 0) || json_str(b, r->files[i], strlen(r->files[i])) < 0)
            return -1;
    if (buf_addstr(b, "],\"suggestion\":") < 0)
        return -1;
    if (r->status == ZONE_DISCONNECTED && r->nsuggest) {
        if (buf_addch(b, '[') < 0)
            return -1;
        for (i = 0; i < r->nsuggest; i++)
            if ((i && buf_addch(b, ',') < 0) ||
                json_str(b, r->suggest[i], strlen(r->suggest[i])) < 0)
                return -1;
        if (buf_addch(b, ']') < 0)
            return -1;
    } else if (buf_addstr(b, "null") < 0) {
        return -1;
    }
    return buf_addch(b, '}');
}

static int print_json(const struct zone_audit *a, FILE *out)
{
    struct buf b = BUF_INIT;
    size_t j, n = zone_audit_count(a);

    fputc('[', out);
    for (j = 0; j < n; j++) {
        buf_reset(&b);
        if (json_row(&b, zone_audit_row(a, j)) < 0) {
            buf_release(&b);
            return -1;
        }
        fprintf(out, "%s\n  %s", j ? "," : "", b.ptr);
    }
    fputs(n ? "\n]\n" : "]\n", out);
    buf_release(&b);
    return 0;
}

static int write_all(FILE *f, const struct buf *b)
{
    return b->len && fwrite(b->ptr, 1, b->len, f) != b->len ? -1 : 0;
}

static int write_csv(const struct zone_audit *a, const char *path, struct etl_err *err)
{
    static const char header[] =
        "vendor_zone,status,rows,revenue_cad,revenue_usd,first_start,last_start,files,"
        "suggestion\n";
    struct buf line = BUF_INIT, tmp = BUF_INIT;
    FILE *f = fsutil_fopen(path, "w", fsutil_file_mode());   /* private (fsutil.h) */
    size_t j, n = zone_audit_count(a);
    int ret = -1;

    if (!f)
        return etl_fail_at(err, E_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
    if (fputs(UTF8_BOM, f) < 0 || fputs(header, f) < 0)
        goto io;
    for (j = 0; j < n; j++) {
        const struct zone_audit_row *r = zone_audit_row(a, j);
        char cad[32], usd[32], t1[32], t2[32];

        fmt_money(r, CUR_CAD, cad);
        fmt_money(r, CUR_USD, usd);
        utc_format(r->first_start, t1);
        utc_format(r->last_start, t2);
        buf_reset(&line);
        if (buf_add_csv_cell(&line, r->vendor_zone, r->vendor_len, 1) < 0 ||
            buf_addf(&line, ",%s,%ld,%s,%s,%s,%s,", zone_status_name(r->status), r->rows,
                     cad, usd, t1, t2) < 0 ||
            join(&tmp, r->files, r->nfiles) < 0 ||
            buf_add_csv_cell(&line, tmp.ptr, tmp.len, 1) < 0 || buf_addch(&line, ',') < 0 ||
            join(&tmp, r->suggest, r->status == ZONE_DISCONNECTED ? r->nsuggest : 0) < 0 ||
            buf_add_csv_cell(&line, tmp.ptr, tmp.len, 1) < 0 || buf_addstr(&line, "\n") < 0) {
            etl_fail(err, E_NOMEM, "zones: out of memory");
            goto out;
        }
        if (write_all(f, &line) < 0)
            goto io;
    }
    if (fflush(f) != 0 || ferror(f))
        goto io;
    ret = 0;
    goto out;
io:
    etl_fail_at(err, E_IO, path, 0, NULL, "cannot write: %s", strerror(errno ? errno : EIO));
out:
    if (fclose(f) != 0 && ret == 0)
        ret = etl_fail_at(err, E_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
    buf_release(&line);
    buf_release(&tmp);
    return ret;
}

/* Adds "LINE\n" to out unless seen holds it ("\nLINE1\nLINE2\n...": a
 * line never contains '\n' or NUL). 1 added, 0 already there, -1 out of
 * memory. */
static int add_line_once(struct buf *out, struct buf *seen, const char *s, size_t n)
{
    size_t mark;
    int dup;

    if (!seen->ptr && buf_addch(seen, '\n') < 0)
        return -1;
    mark = seen->len;
    if (buf_add(seen, s, n) < 0 || buf_addch(seen, '\n') < 0)
        return -1;
    /* "\nLINE\n" (from mark - 1) anywhere before it? */
    dup = strstr(seen->ptr, seen->ptr + mark - 1) != seen->ptr + mark - 1;
    if (dup) {
        seen->len = mark;
        seen->ptr[mark] = '\0';
        return 0;
    }
    if (buf_add(out, s, n) < 0 || buf_addch(out, '\n') < 0)
        return -1;
    return 1;
}

/* The data lines of the aliases file in effect (no BOM, no header, no
 * blank line, CR stripped), each distinct line once, into out. */
static int copy_aliases(const char *from, struct buf *out, struct buf *seen,
                        struct etl_err *err)
{
    FILE *f = fopen(from, "rb");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int ret = -1;

    if (!f)
        return etl_fail_at(err, E_IO, from, 0, NULL, "cannot read: %s", strerror(errno));
    while ((got = getline(&line, &cap, f)) >= 0) {
        const char *s = line;
        size_t n = (size_t)got;

        if (++lineno == 1) {
            continue;           /* the header (zones_load() checked it) */
        }
        while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
            n--;
        if (n == 0 || strspn(s, " \t") == n)
            continue;
        if (add_line_once(out, seen, s, n) < 0) {
            etl_fail(err, E_NOMEM, "zones: out of memory");
            goto out;
        }
    }
    if (ferror(f)) {
        etl_fail_at(err, E_IO, from, 0, NULL, "cannot read: %s", strerror(errno));
        goto out;
    }
    ret = 0;
out:
    free(line);
    fclose(f);
    return ret;
}

/* Writes the whole proposed aliases file to path (a temp file renamed over
 * it): the lines of `current` (the aliases in effect, may be NULL), then
 * the proposals. Returns the number of proposals or -1. */
static long write_aliases(const struct zone_audit *a, const char *path, const char *current,
                          struct etl_err *err)
{
    struct buf out = BUF_INIT, keys = BUF_INIT, seen = BUF_INIT, tmp = BUF_INIT;
    struct buf line = BUF_INIT;
    FILE *f;
    int fd;
    size_t j, n = zone_audit_count(a);
    long written = 0;

    if (buf_addstr(&out, UTF8_BOM "alias,zone\n") < 0)
        goto nomem;
    if (current && copy_aliases(current, &out, &seen, err) < 0)
        goto fail;
    for (j = 0; j < n; j++) {
        const struct zone_audit_row *r = zone_audit_row(a, j);
        char key[ZONE_KEY_MAX + 3];
        int kl;

        if (r->status != ZONE_DISCONNECTED || r->nsuggest != 1 ||
            memchr(r->vendor_zone, '\n', r->vendor_len) ||
            memchr(r->vendor_zone, '\r', r->vendor_len))
            continue;
        /* one line per alias key: "LTO 01" and "Lto-01" are the same alias;
         * keys holds "\nKEY1\nKEY2\n..." (a key never contains '\n') */
        kl = zone_key(r->vendor_zone, r->vendor_len, key + 1, sizeof(key) - 2);
        if (kl <= 0)
            continue;
        key[0] = '\n';
        key[kl + 1] = '\n';
        key[kl + 2] = '\0';
        if (!keys.ptr && buf_addch(&keys, '\n') < 0)
            goto nomem;
        if (strstr(keys.ptr, key))
            continue;
        buf_reset(&line);
        if (buf_add(&keys, key + 1, (size_t)kl + 1) < 0 ||
            buf_add_csv_cell(&line, r->vendor_zone, r->vendor_len, 0) < 0 ||
            buf_addch(&line, ',') < 0 ||
            buf_add_csv_cell(&line, r->suggest[0], strlen(r->suggest[0]), 0) < 0)
            goto nomem;
        switch (add_line_once(&out, &seen, line.ptr, line.len)) {
        case -1: goto nomem;
        case 1:  written++; break;
        default: break;
        }
    }
    fd = fsutil_tmp_open(path, fsutil_file_mode(), &tmp);   /* private (fsutil.h) */
    f = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!f && fd >= 0)
        close(fd);
    if (!f) {
        etl_fail_at(err, E_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
        goto fail;
    }
    if (write_all(f, &out) < 0 || fflush(f) != 0) {
        etl_fail_at(err, E_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
        fclose(f);
        unlink(tmp.ptr);
        goto fail;
    }
    if (fclose(f) != 0 || fsutil_replace(tmp.ptr, path) != 0) {
        etl_fail_at(err, E_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
        unlink(tmp.ptr);
        goto fail;
    }
    buf_release(&out);
    buf_release(&keys);
    buf_release(&seen);
    buf_release(&tmp);
    buf_release(&line);
    return written;
nomem:
    etl_fail(err, E_NOMEM, "zones: out of memory");
fail:
    buf_release(&out);
    buf_release(&keys);
    buf_release(&seen);
    buf_release(&tmp);
    buf_release(&line);
    return -1;
}

/* ---- the command ------------------------------------------------------ */

static const struct cmd_option options[] = {
    CMD_FLAG("json",          struct run, json),
    CMD_STRING("csv-out",     struct run, csv_out),
    CMD_STRING("aliases-out", struct run, aliases_out),
    CMD_OPTIONS_END
};

static const char no_zones[] =
    "a zones list is required (--zones F or \"zones\" in the configuration)";

static int check(struct cmd_env *e)
{
    if (e->in.nfiles == 0)
        return cli_usage_error("zones", "no input FILE given");
    if (!e->in.zones_path && !e->in.config_path)
        return cli_usage_error("zones", "%s", no_zones);
    return 0;
}

static void failed(struct cmd_env *e, int exit_code)
{
    (void)e;
    log_summary(exit_code, "zones: failed");
}

static int run(struct cmd_env *e)
{
    struct run *run = e->args;
    struct zones *z = e->in.zones;
    struct filepass fp;
    int rc = EXIT_GOOD;

    filepass_init(&fp, "zones", NULL, on_record, on_reject, run);
    if (!z)                            /* a config without "zones" */
        return cli_usage_error("zones", "%s", no_zones);
    log_debug("zones: %zu known zones, %zu aliases", zones_count(z), zones_alias_count(z));
    run->audit = zone_audit_new(z, &e->err);
    if (!run->audit)
        goto fail;
    fp.in = command_ingest(e);
    if (!fp.in)
        goto fail;
    fp.file_reject = on_file_reject;
    fp.log_failures = 1;
    timing_begin("zones");
    if (filepass_run(&fp, (const char *const *)e->in.files, (size_t)e->in.nfiles, &e->err) < 0)
        goto fail;
    rc = fp.exit_code;
    log_row_errors_where("permit-etl validate --rejects F");
    log_row_errors_flush();
    if (zone_audit_finish(run->audit, &e->err) < 0)
        goto fail;
    timing_end("zones");
    if ((run->json ? print_json(run->audit, stdout) : print_table(run->audit, stdout)) < 0) {
        etl_fail(&e->err, E_NOMEM, "zones: out of memory");
        goto fail;
    }
    if (fflush(stdout) != 0) {
        etl_fail(&e->err, E_IO, "cannot write to stdout: %s", strerror(errno));
        goto fail;
    }
    if (run->csv_out && write_csv(run->audit, run->csv_out, &e->err) < 0)
        goto fail;
    if (run->aliases_out) {
        long k = write_aliases(run->audit, run->aliases_out, e->in.aliases_path, &e->err);

        if (k < 0)
            goto fail;
        log_info("zones: %s written: %ld alias line%s proposed%s%s (review before use)",
                 run->aliases_out, k, k == 1 ? "" : "s",
                 e->in.aliases_path ? ", after the aliases of " : "",
                 e->in.aliases_path ? e->in.aliases_path : "");
    }
    if (zone_audit_attention(run->audit) || fp.total.rejected || fp.total.duplicates)
        rc = etl_exit_worse(rc, EXIT_ATTENTION);
    {
        char nrec[32], nd[32], nm[32];
        const char *kv[] = { "names", nrec, "disconnected", nd, "missing", nm, NULL };

        snprintf(nrec, sizeof(nrec), "#%zu", zone_audit_count(run->audit));
        snprintf(nd, sizeof(nd), "#%ld", zone_audit_records(run->audit, ZONE_DISCONNECTED));
        snprintf(nm, sizeof(nm), "#%ld", zone_audit_records(run->audit, ZONE_MISSING));
        log_json_line("info", "zones", kv);
    }
    log_summary(rc, "zones: %ld rows, %ld accepted, %ld rejected, %ld duplicates, %ld voids"
                "%s; %zu zone names: %ld records matched, %ld alias, %ld disconnected, "
                "%ld missing", fp.total.rows, fp.total.accepted, fp.total.rejected,
                fp.total.duplicates, fp.total.voids, fp.failed ? " (a file failed)" : "",
                zone_audit_count(run->audit), zone_audit_records(run->audit, ZONE_MATCHED),
                zone_audit_records(run->audit, ZONE_ALIAS),
                zone_audit_records(run->audit, ZONE_DISCONNECTED),
                zone_audit_records(run->audit, ZONE_MISSING));
    timing_report();
    goto out;
fail:
    rc = etl_exit_worse(rc, command_fail(e));
    failed(e, rc);
out:
    ingest_free(fp.in);
    zone_audit_free(run->audit);
    return rc;
}

const struct command cmd_zones = {
    .name = "zones", .summary = "audit vendor zone names against the known zones",
    .flags = CMD_INPUTS, .usage = usage, .options = options,
    .args_size = sizeof(struct run), .check = check, .run = run, .failed = failed,
};
