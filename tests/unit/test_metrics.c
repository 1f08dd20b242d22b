/* test_metrics.c — the Prometheus text file (metrics.h). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "metrics.h"

static char dir[PATH_MAX];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_metrics.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void outcome(struct run_outcome *o, int exit_code)
{
    memset(o, 0, sizeof(*o));
    o->exit_code = exit_code;
    o->finished = 1796400000;
    o->rows[o->nrows++] = (struct run_count){ NULL, "sales", 12 };
    o->rows[o->nrows++] = (struct run_count){ NULL, "we\"ird\\label\n", 1 };
    o->records[o->nrecords++] = (struct run_count){ "sale", "left pending", 10 };
    o->net_cents[1] = 123456;   /* CAD 1234.56 */
    o->net_cents[2] = -5;       /* USD -0.05 */
}

START_TEST(test_format)
{
    struct run_outcome o;
    struct buf b = BUF_INIT;

    outcome(&o, 1);
    ck_assert_int_eq(metrics_format(&b, &o, 1796400000), 0);
    ck_assert_ptr_nonnull(strstr(b.ptr, "# HELP permit_etl_last_run_timestamp_seconds "));
    ck_assert_ptr_nonnull(strstr(b.ptr, "# TYPE permit_etl_last_run_timestamp_seconds gauge\n"
                                        "permit_etl_last_run_timestamp_seconds 1796400000\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_last_success_timestamp_seconds 1796400000\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_exit_status 1\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_rows{outcome=\"sales\"} 12\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_rows{outcome=\"we\\\"ird\\\\label\\n\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_records{kind=\"sale\",outcome=\"left pending\"} 10\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_net_revenue{currency=\"CAD\"} 1234.56\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\npermit_etl_net_revenue{currency=\"USD\"} -0.05\n"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "# TYPE permit_etl_stage_seconds gauge\n"));
    buf_release(&b);

    /* never a success: the metric is left out, not written as 0 */
    ck_assert_int_eq(metrics_format(&b, &o, 0), 0);
    ck_assert_ptr_null(strstr(b.ptr, "permit_etl_last_success_timestamp_seconds"));
    buf_release(&b);
}
END_TEST

START_TEST(test_write_and_keep_success)
{
    struct run_outcome o;
    struct etl_err err;
    char path[PATH_MAX + 32];
    struct stat st;
    long long t = 0;
    mode_t old = umask(077);

    snprintf(path, sizeof(path), "%s/permit-etl.prom", dir);
    ck_assert_int_eq(metrics_read_last_success(path, &t), 0);   /* no file */
    outcome(&o, 0);
    etl_err_clear(&err);
    ck_assert_int_eq(metrics_write(path, &o, &err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);                 /* whatever the umask */
    ck_assert_int_eq(metrics_read_last_success(path, &t), 1);
    ck_assert_int_eq(t, 1796400000);

    /* an abort later: the last success is read back from the old file */
    outcome(&o, 3);
    o.finished = 1796500000;
    ck_assert_int_eq(metrics_write(path, &o, &err), 0);
    t = 0;
    ck_assert_int_eq(metrics_read_last_success(path, &t), 1);
    ck_assert_int_eq(t, 1796400000);

    /* a directory that does not exist: E_IO naming metrics_file, nothing left */
    snprintf(path, sizeof(path), "%s/nodir/permit-etl.prom", dir);
    ck_assert_int_eq(metrics_write(path, &o, &err), -1);
    ck_assert_int_eq(err.code, E_IO);
    ck_assert_str_eq(err.field, "metrics_file");
    umask(old);
}
END_TEST

START_TEST(test_read_strict)
{
    static const struct { const char *text; int found; long long t; } cases[] = {
        { "permit_etl_last_success_timestamp_seconds 42\n", 1, 42 },
        { "# HELP x\npermit_etl_last_success_timestamp_seconds 7\npermit_etl_exit_status 3\n", 1, 7 },
        { "permit_etl_last_success_timestamp_seconds 4x\n", 0, 0 },
        { "permit_etl_last_success_timestamp_seconds -1\n", 0, 0 },
        { "permit_etl_last_success_timestamp_seconds_total 9\n", 0, 0 },
        { "", 0, 0 },
    };
    char path[PATH_MAX + 32];
    size_t i;

    snprintf(path, sizeof(path), "%s/m.prom", dir);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FILE *f = fopen(path, "w");
        long long t = 0;

        ck_assert_ptr_nonnull(f);
        fputs(cases[i].text, f);
        fclose(f);
        ck_assert_int_eq(metrics_read_last_success(path, &t), cases[i].found);
        if (cases[i].found)
            ck_assert_int_eq(t, cases[i].t);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_write_and_keep_success);
    tcase_add_test(tc, test_read_strict);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
