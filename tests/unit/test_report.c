/* test_report.c — the XLSX report writer, fed synthetic records; the
 * workbook is read back by tests/readback/check_report.py (openpyxl) and
 * compared with the same records written as --json-out JSON Lines. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "report.h"
#include "tz.h"
#include "zones.h"

#define PY "/usr/bin/python3"

static char tmpdir[64];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_report.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[512];

    if (getenv("TEST_REPORT_KEEP")) {   /* for looking at the workbooks */
        fprintf(stderr, "kept %s\n", tmpdir);
        return;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

/* The source tree's root, from this file's path as compiled. */
static void root_dir(char *out, size_t cap)
{
    const char *f = __FILE__, *p = strstr(f, "tests/unit/");

    snprintf(out, cap, "%.*s", p ? (int)(p - f) : 0, f);
    if (!out[0])
        snprintf(out, cap, ".");
}

static void fmt_time(long long t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* One record as the --json-out line (keys in order, absent fields omitted). */
static void json_line(FILE *f, const struct permit *p)
{
    struct buf b = BUF_INIT;
    char t1[32], t2[32];

    fmt_time(p->start, t1, sizeof(t1));
    fmt_time(p->end, t2, sizeof(t2));
    buf_addstr(&b, "{\"LicencePlate\":\"");
    buf_add_json_str(&b, p->plate, strlen(p->plate));
    buf_addstr(&b, "\"");
    if (p->cents)
        buf_addf(&b, ",\"Amount\":\"%lld.%02lld\"", p->cents / 100, p->cents % 100);
    buf_addf(&b, ",\"CurrencyID\":\"%s\",\"startTime\":\"%s\",\"endTime\":\"%s\"",
             currency_name(p->currency), t1, t2);
#define OPT(k, v) if ((v)[0]) { buf_addstr(&b, ",\"" k "\":\""); \
                                buf_add_json_str(&b, (v), strlen(v)); buf_addstr(&b, "\""); }
    OPT("zone", p->zone);
    OPT("permitNo", p->permit_no);
    OPT("TicketNumber", p->ticket);
    OPT("promoCode", p->promo);
    OPT("_source", p->source);
    buf_addf(&b, ",\"_line\":%ld", p->line);
    OPT("_key", p->key);
    OPT("_zone_status", zone_status_name(p->zone_status));
#undef OPT
    buf_addstr(&b, "}\n");
    fputs(b.ptr, f);
    buf_release(&b);
}

static const char *const zones[] = { "Lot 1", "Lot 2", "=1+1", "Garage B", "" };
static const char *const promos[] = { "", "SUMMER", "=HYPERLINK(\"X\")", "", "FREE" };
static const char *const files[] = { "a.csv", "dir/b.json" };
/* the first record's start: late November (EST), or a DST change */
static long long base_start = 1764300000LL;
#define DST_END_2025 1762052400LL   /* 2025-11-02T03:00Z: EDT ends at 06:00Z */

/* Record i of a deterministic synthetic run. */
static void make_permit(struct permit *p, int i)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->plate, sizeof(p->plate), i % 13 == 0 ? "=1+1" : "ABC%03d", i);
    p->cents = (i % 7 == 0) ? 0 : 100 + (long long)i * 37 % 99999;
    p->currency = (i % 3 == 0) ? CUR_USD : CUR_CAD;
    /* around local midnight in Toronto: business days differ from UTC days */
    p->start = base_start + (long long)i * 977;
    p->end = p->start + 3600;
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "%s", zones[i % 5]);
    snprintf(p->zone, sizeof(p->zone), "%s", zones[i % 5]);
    p->zone_status = i % 5 == 4 ? ZONE_MISSING : (i % 5 == 2 ? ZONE_DISCONNECTED : ZONE_MATCHED);
    if (i % 4 == 1)
        snprintf(p->permit_no, sizeof(p->permit_no), "P-%d", i);
    if (i % 6 == 2)
        snprintf(p->ticket, sizeof(p->ticket), "+T%d", i);
    snprintf(p->promo, sizeof(p->promo), "%s", promos[i % 5]);
    snprintf(p->key, sizeof(p->key), "paystation:%d", i);
    p->source = files[i % 2];
    p->line = i + 2;
}

static long toronto_offset(void *ctx, long long utc)
{
    return tz_offset(ctx, utc);
}

static int tz_toronto(void *ctx, long long utc, int *y, int *m, int *d)
{
    /* EST (UTC-5) is enough for late November */
    time_t t = (time_t)(utc - 5 * 3600);
    struct tm tm;

    (void)ctx;
    gmtime_r(&t, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
    return 0;
}

/* Writes a report of n synthetic records (+ rejects) and the matching
 * JSONL / rejects CSV; runs the read-back checker with extra args. */
static int run_case(int n, int aborted, const char *extra)
{
    char xlsx[300], jsonl[300], rej[300], root[256], cmd[4096];
    struct report_meta meta;
    struct report *r;
    struct etl_err err;
    struct permit p;
    FILE *jf, *rf;
    struct buf cell = BUF_INIT;
    int i;

    path_in(xlsx, sizeof(xlsx), "out.xlsx");
    path_in(jsonl, sizeof(jsonl), "out.jsonl");
    path_in(rej, sizeof(rej), "rejects.csv");
    memset(&meta, 0, sizeof(meta));
    meta.command = "report";
    meta.business_tz = "America/Toronto";
    meta.local_date = tz_toronto;
    meta.local_offset = toronto_offset;
    meta.local_date_ctx = (void *)tz_get("America/Toronto", &err);
    ck_assert_ptr_nonnull(meta.local_date_ctx);
    r = report_open(xlsx, &meta, &err);
    ck_assert_msg(r != NULL, "report_open: %s", err.msg);
    jf = fopen(jsonl, "w");
    rf = fopen(rej, "w");
    ck_assert_ptr_nonnull(jf);
    ck_assert_ptr_nonnull(rf);
    fputs("file,line,field,reason,raw\n", rf);
    for (i = 0; i < n; i++) {
        make_permit(&p, i);
        ck_assert_int_eq(report_add_permit(r, &p), 0);
        json_line(jf, &p);
        if (i % 10 == 3) {
            static const char raw[] = "=cmd|' /C calc'!A0";
            ck_assert_int_eq(report_add_reject(r, files[i % 2], i + 100, "LicencePlate",
                                               "bad plate", raw, strlen(raw)), 0);
            buf_reset(&cell);
            buf_add_csv_cell(&cell, raw, strlen(raw), 1);
            fprintf(rf, "%s,%d,LicencePlate,bad plate,%s\n", files[i % 2], i + 100, cell.ptr);
        }
    }
    buf_release(&cell);
    fclose(jf);
    fclose(rf);
    {
        struct report_file f = { .path = "a.csv", .profile = "paystation", .status = "ok" };

        f.st.rows = f.st.accepted = n;
        ck_assert_int_eq(report_add_file(r, &f), 0);
    }
    ck_assert_int_eq(report_close(r, aborted, &err), 0);
    root_dir(root, sizeof(root));
    snprintf(cmd, sizeof(cmd),
             PY " %s/tests/readback/check_report.py %s --jsonl %s --rejects %s "
             "--tz America/Toronto --offline %s %s > %s/check.out 2>&1",
             root, xlsx, jsonl, rej, aborted ? "--aborted" : "", extra, tmpdir);
    i = system(cmd);
    if (i != 0) {
        snprintf(cmd, sizeof(cmd), "grep -v '^ok ' %s/check.out >&2", tmpdir);
        if (system(cmd) < 0)
            perror("system");
    }
    return i;
}

START_TEST(test_readback)
{
    ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
    ck_assert_int_eq(run_case(200, 0, ""), 0);
}
END_TEST

/* Records across the end of DST (2025-11-02 in Toronto): local times are
 * computed by the checker with zoneinfo, independently. */
START_TEST(test_readback_dst)
{
    ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
    base_start = DST_END_2025;
    ck_assert_int_eq(run_case(200, 0, ""), 0);
    base_start = 1764300000LL;
}
END_TEST

START_TEST(test_readback_aborted)
{
    ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
    ck_assert_int_eq(run_case(20, 1, ""), 0);
}
END_TEST

START_TEST(test_readback_empty)
{
    ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
    ck_assert_int_eq(run_case(0, 0, ""), 0);
}
END_TEST

/* 200 records over 7-row sheets: Permits, Permits 2, ... Permits 29;
 * Rejected (20 rows) continues too and must sit right after Rejected. */
START_TEST(test_continuation)
{
    char cmd[1024];

    ck_assert_int_eq(setenv(REPORT_MAX_ROWS_ENV, "7", 1), 0);
    ck_assert_int_eq(report_max_rows(), 7);
    ck_assert_int_eq(run_case(200, 0, "--max-rows 7"), 0);
    snprintf(cmd, sizeof(cmd),
             "grep -q '^ok sheet order' %s/check.out && "
             PY " -c \"import openpyxl,sys; n=openpyxl.load_workbook('%s/out.xlsx').sheetnames; "
             "sys.exit(0 if n[4:7]==['Rejected','Rejected 2','Rejected 3'] and "
             "n[-1]=='Permits 29' else 1)\"", tmpdir, tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
}
END_TEST

/* With a zone table: statuses from it, a suggestion for a misspelt name,
 * read back from the Zone Audit sheet. */
START_TEST(test_zone_audit_suggestion)
{
    static const char *const vendor[] = { "Harbourfront Grage", "lot01", "1001", "---" };
    char root[256], zpath[512], apath[512], xlsx[300], cmd[1024];
    struct report_meta meta;
    struct report *r;
    struct zones *z;
    struct etl_err err;
    struct permit p;
    int i;

    root_dir(root, sizeof(root));
    snprintf(zpath, sizeof(zpath), "%s/samples/zones.txt", root);
    snprintf(apath, sizeof(apath), "%s/samples/zone-aliases.csv", root);
    z = zones_load(zpath, apath, &err);
    ck_assert_msg(z != NULL, "zones_load: %s", err.msg);
    memset(&meta, 0, sizeof(meta));
    meta.zones = z;
    path_in(xlsx, sizeof(xlsx), "z.xlsx");
    r = report_open(xlsx, &meta, &err);
    ck_assert_ptr_nonnull(r);
    for (i = 0; i < 8; i++) {
        make_permit(&p, i);
        snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%s", vendor[i % 4]);
        snprintf(p.zone, sizeof(p.zone), "%s", vendor[i % 4]);
        zones_resolve(z, &p);
        ck_assert_int_eq(report_add_permit(r, &p), 0);
    }
    ck_assert_int_eq(report_close(r, 0, &err), 0);
    zones_free(z);
    snprintf(cmd, sizeof(cmd), PY " -c \"import openpyxl,sys; "
             "rows={r[0] or '':r for r in openpyxl.load_workbook('%s')['Zone Audit']"
             ".iter_rows(min_row=2, values_only=True)}; "
             "g=rows['Harbourfront Grage']; "
             "sys.exit(0 if g[2]=='disconnected' and g[4]==2 and g[3]=='Harbourfront Garage' "
             "and g[1]=='Harbourfront Grage' "
             "and rows['lot01'][2]=='matched' and rows['lot01'][1]=='Lot 01' "
             "and rows['1001'][2]=='alias' and rows['1001'][1] not in (None, '1001') "
             "and rows['---'][2]=='missing' and rows['---'][1]=='(none)' "
             "and list(rows)[0] in ('Harbourfront Grage','---') "
             "else 1)\"", xlsx);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static const struct { const char *env; long want; } max_rows_cases[] = {
    { NULL, REPORT_MAX_ROWS },
    { "", REPORT_MAX_ROWS },
    { "5", 5 },
    { "0", REPORT_MAX_ROWS },
    { "-3", REPORT_MAX_ROWS },
    { "12x", REPORT_MAX_ROWS },
    { "2000000", REPORT_MAX_ROWS },
};

START_TEST(test_max_rows_env)
{
    if (max_rows_cases[_i].env)
        ck_assert_int_eq(setenv(REPORT_MAX_ROWS_ENV, max_rows_cases[_i].env, 1), 0);
    else
        ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
    ck_assert_int_eq(report_max_rows(), max_rows_cases[_i].want);
    ck_assert_int_eq(unsetenv(REPORT_MAX_ROWS_ENV), 0);
}
END_TEST

START_TEST(test_open_unwritable)
{
    struct report_meta meta;
    struct etl_err err;

    memset(&meta, 0, sizeof(meta));
    ck_assert_ptr_null(report_open("/nonexistent-dir/x.xlsx", &meta, &err));
    ck_assert_int_eq(err.code, E_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/x.xlsx"));
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int count_files(const char *dir)
{
    char cmd[512];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    if (fscanf(p, "%d", &n) != 1)  /* test code: reading `wc` output */
        n = -1;
    pclose(p);
    return n;
}

/* A failed close (the destination can't be replaced) leaves what was there
 * and no temp file; discard leaves the previous report intact. */
START_TEST(test_previous_file_intact)
{
    char xlsx[512], inner[512], buf[64];
    struct report_meta meta;
    struct report *r;
    struct etl_err err;
    struct permit p;
    FILE *f;

    memset(&meta, 0, sizeof(meta));
    path_in(xlsx, sizeof(xlsx), "prev.xlsx");
    write_file(xlsx, "previous report");
    r = report_open(xlsx, &meta, &err);
    ck_assert_ptr_nonnull(r);
    make_permit(&p, 1);
    ck_assert_int_eq(report_add_permit(r, &p), 0);
    report_discard(r);
    f = fopen(xlsx, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    ck_assert_str_eq(buf, "previous report");
    ck_assert_int_eq(count_files(tmpdir), 1);

    /* the destination is a non-empty directory: rename fails */
    path_in(xlsx, sizeof(xlsx), "dest.xlsx");
    ck_assert_int_eq(mkdir(xlsx, 0755), 0);
    path_in(inner, sizeof(inner), "dest.xlsx/keep");
    write_file(inner, "x");
    r = report_open(xlsx, &meta, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(report_add_permit(r, &p), 0);
    ck_assert_int_eq(report_close(r, 0, &err), -1);
    ck_assert_int_eq(err.code, E_IO);
    ck_assert_int_eq(count_files(tmpdir), 2);   /* prev.xlsx, dest.xlsx: no temp left */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_readback);
    tcase_add_test(tc, test_readback_dst);
    tcase_add_test(tc, test_readback_aborted);
    tcase_add_test(tc, test_readback_empty);
    tcase_add_test(tc, test_continuation);
    tcase_add_loop_test(tc, test_max_rows_env, 0,
                        sizeof(max_rows_cases) / sizeof(max_rows_cases[0]));
    tcase_add_test(tc, test_zone_audit_suggestion);
    tcase_add_test(tc, test_open_unwritable);
    tcase_add_test(tc, test_previous_file_intact);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
