/*
 * cmd_validate.c — `permit-etl validate`: ingest + normalize (+ zone
 * status) over one or more files; writes the accepted records as JSON
 * Lines (--json-out) and every rejected field as CSV (--rejects).
 */
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "fsutil.h"
#include "ingest.h"
#include "inputs.h"
#include "log.h"
#include "normalize.h"
#include "tz.h"
#include "utc.h"
#include "utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: permit-etl validate [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F]\n"
"                           [--json-out F] [--rejects F] FILE...\n"
"\n"
"Reads vendor files, applies the normalization rules and reports every\n"
"rejected field. Nothing is pushed.\n"
INPUTS_STREAMS_HELP
"\n"
INPUTS_HELP
"      --json-out F  accepted records as JSON Lines (F '-' = stdout)\n"
"      --rejects F   rejected fields as CSV: file,line,field,reason,raw\n"
"                    (UTF-8 with a byte order mark, for Excel)\n"
"\n"
"Exit: 0 all good; 1 a row rejected, a duplicate, a zone disconnected or\n"
"missing; 2 usage, configuration or profile error; 3 unreadable input.\n";

enum { OPT_JSON_OUT = CLI_FIRST_CMD_OPT, OPT_REJECTS };

#define MAX_GROUPS 64

/* Rejects grouped by field and the kind of reason (the reason without
 * the quoted values and details), for the summary. */
struct rgroup {
    char field[32];
    char reason[96];
    long n;
};

struct vctx {
    FILE *json, *rej;
    const char *json_path, *rej_path;
    struct buf line;
    int   have_zones;
    long  disconnected, missing, records;
    struct rgroup groups[MAX_GROUPS];
    int   ngroups;
    long  other_rejects;      /* past MAX_GROUPS kinds */
    int   write_failed;
};

/* "'14,50' is not a valid amount" -> "is not a valid amount";
 * "duplicate of F:L" -> "duplicate"; cut at '(' or ','; quoted values
 * become '...'. */
static void reason_kind(const char *r, char *out, size_t cap)
{
    size_t o = 0;

    if (!strncmp(r, "duplicate of ", 13)) {
        snprintf(out, cap, "duplicate");
        return;
    }
    if (r[0] == '\'') {
        const char *e = strstr(r + 1, "' ");
        if (e)
            r = e + 2;
    }
    while (*r && *r != '(' && *r != ',' && o + 4 < cap) {
        if (*r == '\'' && (o == 0 || out[o - 1] == ' ')) {   /* not an apostrophe */
            const char *e = strchr(r + 1, '\'');
            if (e) {
                const char *q = "'...'";
                while (*q && o + 1 < cap)
                    out[o++] = *q++;
                r = e + 1;
                continue;
            }
        }
        out[o++] = *r++;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

static void count_reject(struct vctx *v, const char *field, const char *reason)
{
    char kind[96];
    int i;

    reason_kind(reason, kind, sizeof(kind));
    for (i = 0; i < v->ngroups; i++)
        if (!strcmp(v->groups[i].field, field) && !strcmp(v->groups[i].reason, kind)) {
            v->groups[i].n++;
            return;
        }
    if (v->ngroups == MAX_GROUPS) {
        v->other_rejects++;
        return;
    }
    snprintf(v->groups[v->ngroups].field, sizeof(v->groups[0].field), "%s", field);
    snprintf(v->groups[v->ngroups].reason, sizeof(v->groups[0].reason), "%s", kind);
    v->groups[v->ngroups++].n = 1;
}

/* One line per field: "rejected Amount: 6 (is not a valid amount 3, ...)". */
static void log_reject_groups(const struct vctx *v)
{
    struct buf b = BUF_INIT;
    int i, j;

    for (i = 0; i < v->ngroups; i++) {
        long total = 0;
        int seen = 0;
        for (j = 0; j < i; j++)
            if (!strcmp(v->groups[j].field, v->groups[i].field))
                seen = 1;
        if (seen)
            continue;
        for (j = i; j < v->ngroups; j++)
            if (!strcmp(v->groups[j].field, v->groups[i].field))
                total += v->groups[j].n;
        buf_reset(&b);
        for (j = i; j < v->ngroups; j++)
            if (!strcmp(v->groups[j].field, v->groups[i].field))
                buf_addf(&b, "%s%s %ld", b.len ? ", " : "", v->groups[j].reason[0] ?
                         v->groups[j].reason : "rejected", v->groups[j].n);
        log_info("rejected %s: %ld (%s)", v->groups[i].field, total, b.ptr ? b.ptr : "");
    }
    if (v->other_rejects)
        log_info("rejected, other reasons: %ld", v->other_rejects);
    buf_release(&b);
}

/*
 * The JSON Lines writer: one reusable buffer, grown once to the worst case
 * of a record (every byte escaped as \u00XX), then filled with plain
 * stores. No printf on this path.
 */
/* Copies n bytes; returns the end. (Output is not NUL-terminated until
 * the record is complete: the buffer's length is set at the end.) */
static char *put_mem(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

static char *put_num(char *o, long long n)
{
    char t[24];
    int i = (int)sizeof(t);
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;

    do {
        t[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        t[--i] = '-';
    return put_mem(o, t + i, sizeof(t) - (size_t)i);
}

static char *put_2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* YYYY-MM-DDTHH:MM:SS of a UTC time: utc_format()'s text (at most
 * 19 bytes and a NUL, which the next put overwrites). */
static char *put_time(char *o, long long utc)
{
    utc_format(utc, o);
    return o[19] == '\0' ? o + 19 : o + strlen(o);
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero if a byte of w is < 0x20, '"', '\\', 0x7f or >= 0x80 (needs a look). */
static uint64_t needs_escape(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\'), d = w ^ (ONES * 0x7f);

    /* a byte >= 0x80 also goes the slow way: it may be invalid UTF-8 */
    return ((((w - ONES * 0x20) | (q - ONES) | (b - ONES) | (d - ONES)) & ~w) | w) & HIGHS;
}

/* The escaping copy: buf_json_unit(), the escaper of every JSON writer. */
static char *put_str_slow(char *o, const char *s, size_t n)
{
    size_t i, k;

    for (i = 0; i < n; i += k) {
        char esc[6];
        size_t elen;

        k = buf_json_unit(s + i, n - i, esc, &elen);
        o = elen ? put_mem(o, esc, elen) : put_mem(o, s + i, k);
    }
    return o;
}

/* A JSON string's content: plain text is checked and copied with word
 * loads (overlapping at the end; the output has room for the worst case),
 * anything to escape goes the slow way. */
static char *put_str(char *o, const char *s, size_t n)
{
    size_t i;
    uint64_t w;

    if (n >= 8) {
        for (i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            if (needs_escape(w))
                return put_str_slow(o + i, s + i, n - i);
            memcpy(o + i, &w, 8);
        }
        if (i < n) {
            memcpy(&w, s + n - 8, 8);
            if (needs_escape(w))
                return put_str_slow(o + i, s + i, n - i);
            memcpy(o + n - 8, &w, 8);
        }
        return o + n;
    }
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        if (needs_escape((uint64_t)a | (uint64_t)b << 32))
            return put_str_slow(o, s, n);
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
        return o + n;
    }
    return put_str_slow(o, s, n);
}

/* ,"key":"value" (key plain ASCII) */
static char *put_kv(char *o, const char *key, size_t klen, const char *val, size_t n)
{
    *o++ = ',';
    *o++ = '"';
    o = put_mem(o, key, klen);
    o = put_mem(o, "\":\"", 3);
    o = put_str(o, val, n);
    *o++ = '"';
    return o;
}

#define KV(o, k, v, n) put_kv(o, k, sizeof(k) - 1, v, n)

static int on_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    struct vctx *v = ctx;
    struct buf *b = &v->line;
    size_t lplate, lzone, lpno, ltick, lpromo, lsrc, lkey, worst;
    const char *src = p->source ? p->source : "";
    char *o;

    if (p->voided)
        return 0;
    v->records++;
    log_progress_tick();
    if (p->zone_status == ZONE_DISCONNECTED)
        v->disconnected++;
    else if (p->zone_status == ZONE_MISSING)
        v->missing++;
    if (!v->json)
        return 0;
    lplate = strlen(p->plate);
    lzone = strlen(p->zone);
    lpno = strlen(p->permit_no);
    ltick = strlen(p->ticket);
    lpromo = strlen(p->promo);
    lsrc = strlen(src);
    lkey = strlen(p->key);
    worst = 6 * (lplate + lzone + lpno + ltick + lpromo + lsrc + lkey) + 400;
    buf_reset(b);
    if (buf_grow(b, worst) < 0)
        return etl_fail(err, E_NOMEM, "out of memory");
    o = b->ptr;
    o = put_mem(o, "{\"LicencePlate\":\"", 17);
    o = put_str(o, p->plate, lplate);
    *o++ = '"';
    if (p->cents > 0) {
        long long c = p->cents;
        o = put_mem(o, ",\"Amount\":\"", 11);
        o = put_num(o, c / 100);
        *o++ = '.';
        o = put_2(o, (int)(c % 100));
        *o++ = '"';
    }
    if (p->currency != CUR_NONE) {         /* "CAD" / "USD": nothing to escape */
        o = put_mem(o, ",\"CurrencyID\":\"", 15);
        o = put_mem(o, currency_name(p->currency), 3);
        *o++ = '"';
    }
    o = put_mem(o, ",\"startTime\":\"", 14);
    o = put_time(o, p->start);
    o = put_mem(o, "\",\"endTime\":\"", 13);
    o = put_time(o, p->end);
    *o++ = '"';
    if (lzone)
        o = KV(o, "zone", p->zone, lzone);
    if (lpno)
        o = KV(o, "permitNo", p->permit_no, lpno);
    if (ltick)
        o = KV(o, "TicketNumber", p->ticket, ltick);
    if (lpromo)
        o = KV(o, "promoCode", p->promo, lpromo);
    o = KV(o, "_source", src, lsrc);
    o = put_mem(o, ",\"_line\":", 9);
    o = put_num(o, p->line);
    o = KV(o, "_key", p->key, lkey);
    if (v->have_zones) {
        const char *zs = zone_status_name(p->zone_status);   /* plain words */
        o = put_mem(o, ",\"_zone_status\":\"", 17);
        o = put_mem(o, zs, strlen(zs));
        *o++ = '"';
    }
    *o++ = '}';
    *o++ = '\n';
    b->len = (size_t)(o - b->ptr);
    b->ptr[b->len] = '\0';
    if (fwrite(b->ptr, 1, b->len, v->json) != b->len) {
        v->write_failed = 1;
        return etl_fail(err, E_IO, "%s: write error: %s", v->json_path, strerror(errno));
    }
    return 0;
}

static void add_num(struct buf *b, long long n)
{
    char t[24];
    char *e = put_num(t, n);

    buf_add(b, t, (size_t)(e - t));
}

static void on_reject(void *ctx, const char *file, long line, const char *field,
                      const char *reason, const char *raw, size_t rawlen)
{
    struct vctx *v = ctx;
    struct buf *b = &v->line;

    if (!strcmp(field, "_file")) {
        /* a whole file: always shown, never hidden behind "... and N more" */
        if (line > 0)
            log_error("%s:%ld: %s: %s", file, line, field, reason);
        else
            log_error("%s: %s: %s", file, field, reason);
    } else {
        log_row_error(file, line, field, reason);
        log_progress_tick();
    }
    count_reject(v, field, reason);
    if (!v->rej || v->write_failed)
        return;
    buf_reset(b);
    buf_add_csv_cell(b, file, strlen(file), 1);
    buf_addch(b, ',');
    if (line > 0)
        add_num(b, line);
    buf_addch(b, ',');
    buf_add_csv_cell(b, field, strlen(field), 1);
    buf_addch(b, ',');
    buf_add_csv_cell(b, reason, strlen(reason), 1);
    buf_addch(b, ',');
    buf_add_csv_cell(b, raw, rawlen, 1);
    buf_addch(b, '\n');
    if (!b->ptr || fwrite(b->ptr, 1, b->len, v->rej) != b->len)
        v->write_failed = 1;
}

static FILE *open_out(const char *path, struct etl_err *err)
{
    FILE *f;

    if (!strcmp(path, "-"))
        return stdout;
    f = fsutil_fopen(path, "w", fsutil_file_mode());   /* private (fsutil.h) */
    if (!f)
        etl_fail_at(err, E_IO, path, 0, "", "cannot write: %s", strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path, struct etl_err *err)
{
    int bad;

    if (!f)
        return 0;
    bad = fflush(f) != 0 || ferror(f);
    if (f != stdout)
        bad |= fclose(f) != 0;
    if (bad)
        return etl_fail_at(err, E_IO, path, 0, "", "write error: %s", strerror(errno));
    return 0;
}

static int worse(int a, int b)
{
    return a > b ? a : b;
}

int cmd_validate(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        INPUTS_LONGOPTS,
        { "json-out", required_argument, NULL, OPT_JSON_OUT },
        { "rejects",  required_argument, NULL, OPT_REJECTS },
        { NULL, 0, NULL, 0 }
    };
    struct inputs inp;
    struct vctx v;
    struct ingest *in = NULL;
    struct ingest_opts io;
    struct ingest_sink sink;
    struct ingest_stats st, tot;
    struct etl_err err;
    int c, i, status = EXIT_GOOD;

    memset(&v, 0, sizeof(v));
    memset(&tot, 0, sizeof(tot));
    buf_init(&v.line, 0);
    inputs_init(&inp);
    etl_err_clear(&err);
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, ":" CLI_GLOBAL_SHORT INPUTS_SHORT, lo, NULL)) != -1) {
        if (inputs_opt(&inp, c, optarg))
            continue;
        if (c == OPT_JSON_OUT) {
            v.json_path = optarg;
            continue;
        }
        if (c == OPT_REJECTS) {
            v.rej_path = optarg;
            continue;
        }
        switch (cli_global_opt(c, "validate", usage, argv)) {
        case CLI_OK:
            continue;
        case CLI_EXIT_HELP:
            return EXIT_GOOD;
        default:
            return EXIT_USAGE;
        }
    }
    inputs_files(&inp, argc, argv, optind);
    if (inp.nfiles == 0)
        return cli_usage_error("validate", "no input files");
    timing_begin("validate");
    if (inputs_load(&inp, &err) < 0) {
        log_err(&err);
        status = etl_exit_for(err.code);
        goto done;
    }
    v.have_zones = inp.zones != NULL;
    memset(&io, 0, sizeof(io));
    io.profile = inp.profile;
    io.zones = inp.zones;
    io.streams = 1;
    in = ingest_new(&io, &err);
    if (!in) {
        log_err(&err);
        status = etl_exit_for(err.code);
        goto done;
    }
    if (v.json_path && !(v.json = open_out(v.json_path, &err))) {
        log_err(&err);
        status = EXIT_ABORTED;
        goto done;
    }
    if (v.rej_path) {
        if (!(v.rej = open_out(v.rej_path, &err))) {
            log_err(&err);
            status = EXIT_ABORTED;
            goto done;
        }
        if (fputs(UTF8_BOM "file,line,field,reason,raw\n", v.rej) == EOF)
            v.write_failed = 1;
    }
    if (v.json && v.json != stdout)
        setvbuf(v.json, NULL, _IOFBF, 1 << 20);
    sink.record = on_record;
    sink.reject = on_reject;
    sink.ctx = &v;
    for (i = 0; i < inp.nfiles; i++) {
        const char *path = inp.files[i];
        char rows[24], acc[24], rej[24];
        const char *kv[] = { "file", path, "profile", st.profile, "rows", rows,
                             "accepted", acc, "rejected", rej, NULL };
        int r;

        log_progress_file("validate", (size_t)i + 1, (size_t)inp.nfiles, path, &st.rows);
        r = ingest_file(in, path, &sink, &st, &err);
        tot.rows += st.rows;
        tot.accepted += st.accepted;
        tot.rejected += st.rejected;
        tot.duplicates += st.duplicates;
        tot.voids += st.voids;
        tot.free_sessions += st.free_sessions;
        snprintf(rows, sizeof(rows), "#%ld", st.rows);
        snprintf(acc, sizeof(acc), "#%ld", st.accepted);
        snprintf(rej, sizeof(rej), "#%ld", st.rejected);
        log_json_line(r < 0 ? "error" : "info", "ingest", kv);
        if (r < 0) {
            if (v.write_failed || strcmp(err.field, "_file") != 0) {
                /* our own output failed: stop */
                log_err(&err);
                status = EXIT_ABORTED;
                break;
            }
            /* already reported as a "_file" reject */
            status = worse(status, etl_exit_for(err.code));
            continue;
        }
        log_debug("%s: profile %s, %ld rows, %ld accepted, %ld rejected", path, st.profile,
                  st.rows, st.accepted, st.rejected);
    }
    log_progress_done();
    if (close_out(v.json, v.json_path, &err) < 0 || v.write_failed) {
        if (err.code == E_OK)
            etl_fail_at(&err, E_IO, v.rej_path, 0, "", "write error");
        log_err(&err);
        status = EXIT_ABORTED;
    }
    v.json = NULL;
    if (close_out(v.rej, v.rej_path, &err) < 0) {
        log_err(&err);
        status = EXIT_ABORTED;
    }
    v.rej = NULL;
    if (tot.rejected || tot.duplicates || v.disconnected || v.missing)
        status = worse(status, EXIT_ATTENTION);
    log_row_errors_where(v.rej_path ? "the --rejects file" : "--rejects F");
    log_row_errors_flush();
    log_reject_groups(&v);
done:
    timing_end("validate");
    if (v.json && v.json != stdout)
        fclose(v.json);
    if (v.rej && v.rej != stdout)
        fclose(v.rej);
    if (v.have_zones)
        log_summary(status, "validate: %d file%s, %ld rows read, %ld accepted, %ld rejected, "
                    "%ld duplicates, %ld voids, %ld free sessions, %ld disconnected, "
                    "%ld missing zone", inp.nfiles, inp.nfiles == 1 ? "" : "s", tot.rows,
                    tot.accepted, tot.rejected, tot.duplicates, tot.voids,
                    tot.free_sessions, v.disconnected, v.missing);
    else
        log_summary(status, "validate: %d file%s, %ld rows read, %ld accepted, %ld rejected, "
                    "%ld duplicates, %ld voids, %ld free sessions", inp.nfiles,
                    inp.nfiles == 1 ? "" : "s", tot.rows, tot.accepted, tot.rejected,
                    tot.duplicates, tot.voids, tot.free_sessions);
    timing_report();
    ingest_free(in);
    inputs_free(&inp);
    buf_release(&v.line);
    return status;
}
