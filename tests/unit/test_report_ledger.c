/* test_report_ledger.c — `report -c CONFIG --date D`: a business day rebuilt
 * from the ledger's stored records. A ledger is staged and partly "pushed"
 * through ledger.h, then the report command runs in-process
 * (command_main()); the workbook is read back
 * (tests/readback/check_report.py) against the day's records.
 * The API is unreachable here, so the run also shows how a failed stats
 * pull looks: exit 3, the report still written, ABORTED, the error on the
 * OPSCOM Stats sheet. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cmd.h"
#include "ledger.h"
#include "report.h"

#define PY "/usr/bin/python3"

static char tmpdir[64];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_report_ledger.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[256];

    if (getenv("TEST_REPORT_KEEP")) {
        fprintf(stderr, "kept %s\n", tmpdir);
        return;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

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

/* Record i: starts every 50 minutes from 2025-11-28 20:00 UTC (15:00 in
 * Toronto), so it spans three Toronto business days. */
static void make_permit(struct permit *p, int i)
{
    static const char *const zones[] = { "Lot 01", "Garage B", "=1+1" };

    memset(p, 0, sizeof(*p));
    snprintf(p->plate, sizeof(p->plate), "LED%03d", i);
    p->cents = i % 5 == 0 ? 0 : 250 + i * 13;
    p->currency = i % 4 == 0 ? CUR_USD : CUR_CAD;
    p->start = 1764360000LL + (long long)i * 3000;
    p->end = p->start + 1800;
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "%s", zones[i % 3]);
    snprintf(p->zone, sizeof(p->zone), "%s", zones[i % 3]);
    if (i % 2)
        snprintf(p->promo, sizeof(p->promo), "WINTER");
    snprintf(p->permit_no, sizeof(p->permit_no), "L%d", i);
    snprintf(p->key, sizeof(p->key), "paystation:L%d", i);
    p->source = i % 2 ? "a.csv" : "b.csv";
    p->line = i + 2;
}

/* Toronto business day of t (EST, UTC-5, is enough in late November). */
static void toronto_day(long long t, char *out, size_t cap)
{
    time_t tt = (time_t)(t - 5 * 3600);
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%d", &tm);
}

static void json_line(FILE *f, const struct permit *p)
{
    char t1[32], t2[32];

    fmt_time(p->start, t1, sizeof(t1));
    fmt_time(p->end, t2, sizeof(t2));
    fprintf(f, "{\"LicencePlate\":\"%s\"", p->plate);
    if (p->cents)
        fprintf(f, ",\"Amount\":\"%lld.%02lld\"", p->cents / 100, p->cents % 100);
    fprintf(f, ",\"CurrencyID\":\"%s\",\"startTime\":\"%s\",\"endTime\":\"%s\",\"zone\":\"%s\","
            "\"permitNo\":\"%s\"", currency_name(p->currency), t1, t2, p->zone, p->permit_no);
    if (p->promo[0])
        fprintf(f, ",\"promoCode\":\"%s\"", p->promo);
    fprintf(f, ",\"_source\":\"%s\",\"_line\":%ld,\"_key\":\"%s\"}\n", p->source, p->line,
            p->key);
}

/* tests/readback/check_report.py on xlsx against jsonl (Toronto); 0 if all pass. */
static int readback(const char *xlsx, const char *jsonl, const char *extra)
{
    char root[256], cmd[1024];

    root_dir(root, sizeof(root));
    snprintf(cmd, sizeof(cmd),
             PY " %s/tests/readback/check_report.py %s --jsonl %s --tz America/Toronto "
             "%s > %s/check.out 2>&1 || (grep -v '^ok ' %s/check.out >&2; exit 1)",
             root, xlsx, jsonl, extra, tmpdir, tmpdir);
    return system(cmd);
}

START_TEST(test_date_rebuilt_from_ledger)
{
    char lpath[128], cfg[128], xlsx[128], jsonl[128], cmd[1024], day[16];
    char *argv[9];
    struct ledger *l;
    struct ledger_rec rec;
    struct etl_err err;
    struct permit p;
    enum ledger_stage_outcome out;
    FILE *f, *jf;
    int i, more, rc, in_day = 0;

    snprintf(lpath, sizeof(lpath), "%s/ledger.sqlite", tmpdir);
    snprintf(cfg, sizeof(cfg), "%s/config.json", tmpdir);
    snprintf(xlsx, sizeof(xlsx), "%s/day.xlsx", tmpdir);
    snprintf(jsonl, sizeof(jsonl), "%s/day.jsonl", tmpdir);
    l = ledger_open(lpath, LEDGER_LOCK, &err);
    ck_assert_msg(l != NULL, "ledger_open: %s", err.msg);
    ledger_rec_init(&rec);
    jf = fopen(jsonl, "w");
    ck_assert_ptr_nonnull(jf);
    for (i = 0; i < 60; i++) {
        make_permit(&p, i);
        ck_assert_int_eq(ledger_stage(l, &p, 0, &out, &err), 0);
        ck_assert_int_eq(ledger_get(l, p.key, &rec, &err), 1);
        if (i % 3 != 2) {            /* pushed; every third stays pending */
            char ref[32];
            snprintf(ref, sizeof(ref), "ref-%d", i);
            ck_assert_int_eq(ledger_mark_sending(l, rec.id, 0, &err), 0);
            ck_assert_int_eq(ledger_done_ok(l, rec.id, LA_PUSH, ref, &more, &err), 0);
        }
        toronto_day(p.start, day, sizeof(day));
        if (!strcmp(day, "2025-11-29")) {
            json_line(jf, &p);
            in_day++;
        }
    }
    fclose(jf);
    ck_assert_int_gt(in_day, 10);
    ck_assert_int_lt(in_day, 60);
    ledger_rec_release(&rec);
    ledger_close(l);

    f = fopen(cfg, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"api_url\": \"http://127.0.0.1:9\", \"ledger\": \"ledger.sqlite\", "
            "\"business_tz\": \"America/Toronto\", \"connect_timeout_s\": 1, "
            "\"timeout_s\": 1, \"max_attempts\": 1}\n");
    fclose(f);
    ck_assert_int_eq(setenv("OPSCOM_API_TOKEN", "test-token-123", 1), 0);
    /* offline: no token needed, nothing sent (the API URL is unreachable) */
    ck_assert_int_eq(unsetenv("OPSCOM_API_TOKEN"), 0);
    argv[0] = "report";
    argv[1] = "-q";
    argv[2] = "-c";
    argv[3] = cfg;
    argv[4] = "--date=2025-11-29";
    argv[5] = "-o";
    argv[6] = xlsx;
    argv[7] = NULL;
    rc = command_main(&cmd_report, 7, argv);
    ck_assert_int_eq(rc, EXIT_GOOD);
    ck_assert_int_eq(readback(xlsx, jsonl, "--days 2025-11-29 2025-11-29 --any-order"), 0);
    snprintf(cmd, sizeof(cmd), PY " -c \"import openpyxl,sys; wb=openpyxl.load_workbook('%s'); "
             "sys.exit(0 if wb['OPSCOM Stats']['A1'].value=='offline' else 1)\"", xlsx);
    ck_assert_int_eq(system(cmd), 0);

    /* --stats: the token is read and the stats pulled (here: unreachable) */
    ck_assert_int_eq(setenv("OPSCOM_API_TOKEN", "test-token-123", 1), 0);
    argv[7] = "--stats";
    rc = command_main(&cmd_report, 8, argv);
    ck_assert_int_eq(rc, EXIT_ABORTED);   /* stats could not be pulled */

    ck_assert_int_eq(readback(xlsx, jsonl, "--aborted --token test-token-123"), 0);
    /* Push Log: the ledger's state of each record of the day; the stats
     * error is on the OPSCOM Stats sheet; the Summary names the day */
    snprintf(cmd, sizeof(cmd), PY " -c \"import openpyxl,sys; wb=openpyxl.load_workbook('%s'); "
             "pl=list(wb['Push Log'].iter_rows(min_row=2, values_only=True)); "
             "ok=len(pl)==%d and all((r[5]=='pushed' and r[4]=='ref-'+r[0].split(':L')[1]) or "
             "(r[5]=='pending' and r[3]=='push' and r[4] is None) for r in pl) and "
             "any(r[5]=='pending' for r in pl) and "
             "wb['OPSCOM Stats']['A2'].value=='stats error' and "
             "any(r[0]=='Business day' and r[1]=='2025-11-29' for r in "
             "wb['Summary'].iter_rows(values_only=True)); sys.exit(0 if ok else 1)\"",
             xlsx, in_day);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* --date without a ledger on disk: configuration error, nothing written. */
START_TEST(test_date_without_ledger)
{
    char cfg[128], xlsx[128];
    char *argv[8];
    FILE *f;

    snprintf(cfg, sizeof(cfg), "%s/config.json", tmpdir);
    snprintf(xlsx, sizeof(xlsx), "%s/day.xlsx", tmpdir);
    f = fopen(cfg, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"api_url\": \"http://127.0.0.1:9\", \"ledger\": \"none.sqlite\"}\n");
    fclose(f);
    ck_assert_int_eq(setenv("OPSCOM_API_TOKEN", "test-token-123", 1), 0);
    argv[0] = "report";
    argv[1] = "-q";
    argv[2] = "-c";
    argv[3] = cfg;
    argv[4] = "--date=2025-11-29";
    argv[5] = "-o";
    argv[6] = xlsx;
    argv[7] = NULL;
    ck_assert_int_eq(command_main(&cmd_report, 7, argv), EXIT_USAGE);
    f = fopen(xlsx, "r");
    ck_assert_ptr_null(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report_ledger");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_date_rebuilt_from_ledger);
    tcase_add_test(tc, test_date_without_ledger);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
