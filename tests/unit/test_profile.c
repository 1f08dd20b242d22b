/* test_profile.c — profile loading, the search path and detection. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "profile.h"

static char tmpdir[256];

static void make_tmp(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_profile.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_shipped)
{
    static const char *const names[] = { "paystation", "mobile", "hotspot", "opscom" };
    struct profile_set s = { { NULL }, 0 };
    struct etl_err err;
    size_t i;

    setenv("PERMIT_ETL_FORMATS", "formats", 1);
    ck_assert_int_eq(profile_set_load_all(&s, &err), 0);
    ck_assert_int_ge(s.n, 4);
    for (i = 0; i < 4; i++) {
        struct profile_set one = { { NULL }, 0 };
        ck_assert_msg(profile_set_load_one(&one, names[i], &err) == 0, "%s: %s", names[i], err.msg);
        ck_assert_str_eq(one.p[0]->norm.name, names[i]);
        profile_set_free(&one);
    }
    profile_set_free(&s);
}
END_TEST

START_TEST(test_paystation_fields)
{
    struct profile_set s = { { NULL }, 0 };
    struct etl_err err;
    const struct profile *p;
    int c;

    setenv("PERMIT_ETL_FORMATS", "formats", 1);
    ck_assert_int_eq(profile_set_load_one(&s, "formats/paystation.json", &err), 0);
    p = s.p[0];
    ck_assert_uint_eq(p->kinds, PK_CSV);
    ck_assert_int_eq(p->delimiter, ',');
    ck_assert_int_eq(p->norm.time_kind, TIME_PATTERN);
    ck_assert_int_eq(p->norm.npatterns, 1);
    ck_assert_int_eq(p->norm.default_currency, CUR_CAD);
    ck_assert_int_eq(p->norm.max_duration_days, 31);
    ck_assert_int_eq(p->nids, 1);
    c = profile_column_find(p, " receipt no ", 12);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(p->cols[c].field, RF_PERMITNO);
    ck_assert_int_eq(p->cols[c].id_index, 0);
    c = profile_column_find(p, "STATUS", 6);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(p->cols[c].field, RF_VOID);
    ck_assert_int_eq(p->cols[c].optional, 1);
    ck_assert_int_eq(p->norm.nvoid_values, 4);
    ck_assert_int_eq(profile_column_find(p, "Plat", 4), -1);
    profile_set_free(&s);
}
END_TEST

/* The columns of a minimal profile, and that profile (name t, kind csv).
 * A key is never written twice: a duplicate key is itself an error. */
#define COLS "\"columns\":[{\"names\":\"P\",\"field\":" \
             "\"LicencePlate\"},{\"names\":\"S\",\"field\":\"startTime\"},{\"names\":[\"E\",\"End\"]," \
             "\"field\":\"endTime\"}]"
#define BASE "\"name\":\"t\",\"kind\":\"csv\"," COLS

static const struct { const char *json; const char *err; } bad[] = {
    { "{" BASE ",\"bogus\":1}", "unknown key 'bogus'" },
    { "{\"name\":\"t\",\"kind\":\"xml\"," COLS "}", "unknown kind 'xml'" },
    { "{\"kind\":\"csv\",\"columns\":[]}", "missing key 'name'" },
    { "{" BASE ",\"delimiter\":\"ab\"}", "key 'delimiter' must be one character" },
    { "{" BASE ",\"default_currency\":\"EUR\"}", "'EUR' is not CAD or USD" },
    { "{" BASE ",\"amount_unit\":\"mills\"}", "'mills' is not units or cents" },
    { "{" BASE ",\"time_format\":\"pattern\"}", "time_format 'pattern' needs 'time_patterns'" },
    { "{" BASE ",\"time_format\":\"rfc822\"}", "unknown format 'rfc822'" },
    { "{" BASE ",\"max_duration_days\":\"31\"}", "key 'max_duration_days' must be an integer" },
    { "{" BASE ",\"decimal_comma\":1}", "key 'decimal_comma' must be true or false" },
    { "{" BASE ",\"void\":{\"column\":\"V\"}}", "key 'void' needs 'column' and 'values'" },
    { "{\"name\":\"t\",\"kind\":\"csv\",\"columns\":[{\"names\":\"P\",\"field\":\"LicencePlate\"}]}",
      "columns must map LicencePlate, startTime and endTime" },
    { "{\"name\":\"t\",\"kind\":\"csv\",\"columns\":[{\"names\":\"P\",\"field\":\"Plate\"}]}",
      "unknown field 'Plate'" },
    { "{\"name\":\"t\",\"kind\":\"csv\",\"columns\":[{\"names\":\"P\",\"field\":\"LicencePlate\"},"
      "{\"names\":\"p\",\"field\":\"zone\"}]}", "column 'p' is mapped twice" },
    { "{\"name\":\"t\",\"kind\":\"csv\",\"columns\":[{\"names\":\"P\",\"field\":\"LicencePlate\"},"
      "{\"names\":\"Q\",\"field\":\"LicencePlate\"}]}", "field 'LicencePlate' is mapped twice" },
    { "{\"name\":\"a b\",\"kind\":\"csv\"," COLS "}", "may only hold letters" },
    { "{" BASE ",}", "invalid JSON" },
    { "[]", "a profile is a JSON object" },
    { "{\"name\":\"t\",\"kind\":\"csv\",\"columns\":[{\"names\":\"P\",\"field\":\"LicencePlate\"},"
      "{\"names\":\"S\",\"field\":\"startTime\"},{\"names\":\"E\",\"field\":\"endTime\"},"
      "{\"names\":\"D\",\"field\":\"durationMinutes\"}]}", "both endTime and durationMinutes" },
};

/* A key twice in one object (json-c alone keeps the last one silently) is
 * an error naming the file, the line of the second key, and the key: at
 * the top, inside a column, and written with an escape. Equal keys in
 * different objects are fine (every column has "names" and "field"). */
static const struct { const char *json; long line; const char *key; } dups[] = {
    { "{\n\"name\":\"t\",\n\"kind\":\"csv\",\n" COLS ",\n\"kind\":\"jsonl\"\n}", 5, "kind" },
    { "{\"name\":\"t\",\"kind\":\"csv\",\n\"columns\":[\n{\"names\":\"P\",\"field\":\"LicencePlate\"},\n"
      "{\"names\":\"S\",\"field\":\"startTime\",\n\"field\":\"endTime\"}]}", 5, "field" },
    { "{" BASE ",\"\\u006eame\":\"u\"}", 1, "name" },
    { "{" BASE ",\"void\":{\"column\":\"V\",\"values\":[\"x\"],\r\n\"column\":\"W\"}}", 2, "column" },
};

START_TEST(test_duplicate_keys)
{
    struct etl_err err;
    char path[512], where[600], msg[96];

    make_tmp();
    write_file(tmpdir, "t.json", dups[_i].json);
    snprintf(path, sizeof(path), "%s/t.json", tmpdir);
    etl_err_clear(&err);
    ck_assert_ptr_null(profile_load(path, &err));
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_int_eq(etl_exit_for(err.code), 2);
    snprintf(where, sizeof(where), "%s:%ld", path, dups[_i].line);
    ck_assert_str_eq(err.where, where);
    ck_assert_str_eq(err.field, dups[_i].key);
    snprintf(msg, sizeof(msg), "duplicate key '%s'", dups[_i].key);
    ck_assert_str_eq(err.msg, msg);
    rm_tmp();
}
END_TEST

/* Strict like the config: text after the profile object is refused (at
 * its byte), a UTF-8 BOM before it is skipped. */
START_TEST(test_strict_text)
{
    struct etl_err err;
    struct profile *p;
    char path[512];

    char want[96];

    make_tmp();
    snprintf(path, sizeof(path), "%s/t.json", tmpdir);
    write_file(tmpdir, "t.json", "{" BASE "} {}");
    ck_assert_ptr_null(profile_load(path, &err));
    ck_assert_int_eq(err.code, E_CONFIG);
    /* the second '{' stands one byte after the first object */
    snprintf(want, sizeof(want), "invalid JSON at byte %zu: ", strlen("{" BASE "}") + 1);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    write_file(tmpdir, "t.json", "\xEF\xBB\xBF{" BASE "}\n");
    p = profile_load(path, &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->norm.name, "t");
    profile_free(p);
    rm_tmp();
}
END_TEST

START_TEST(test_bad_profiles)
{
    struct etl_err err;
    struct profile *p;
    char path[512];

    make_tmp();
    write_file(tmpdir, "t.json", bad[_i].json);
    snprintf(path, sizeof(path), "%s/t.json", tmpdir);
    p = profile_load(path, &err);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_int_eq(etl_exit_for(err.code), 2);
    ck_assert_msg(strstr(err.msg, bad[_i].err) != NULL, "got '%s', want '%s'", err.msg, bad[_i].err);
    ck_assert_msg(strstr(err.where, "t.json") != NULL, "where '%s'", err.where);
    rm_tmp();
}
END_TEST

START_TEST(test_good_minimal)
{
    struct etl_err err;
    struct profile *p;
    char path[512];

    make_tmp();
    write_file(tmpdir, "t.json", "{" BASE ",\"id\":[\"P\",\"X\"],\"void\":{\"column\":\"V\","
               "\"values\":[\"void\"]}}");
    snprintf(path, sizeof(path), "%s/t.json", tmpdir);
    p = profile_load(path, &err);
    ck_assert_msg(p != NULL, "%s", err.msg);
    ck_assert_int_eq(p->nids, 2);
    ck_assert_int_eq(p->ncols, 5);       /* P S E + id-only X + void V */
    ck_assert_int_eq(p->cols[profile_column_find(p, "x", 1)].field, RF_COUNT);
    ck_assert_int_eq(p->cols[profile_column_find(p, "x", 1)].id_index, 1);
    ck_assert_int_eq(p->cols[profile_column_find(p, "x", 1)].optional, 0);
    ck_assert_int_eq(p->cols[profile_column_find(p, "end", 3)].field, RF_END);
    ck_assert_int_eq(p->norm.max_duration_days, 31);
    ck_assert_int_eq(p->multiline_fields, 0);
    profile_free(p);
    rm_tmp();
}
END_TEST

/* --- detection ------------------------------------------------------------ */

struct hdr {
    const char *cells[16];
    int n;
};

static int hdr_fn(void *ctx, char delim, struct profile_header *h)
{
    const struct hdr *x = ctx;
    int i;

    (void)delim;
    for (i = 0; i < x->n; i++) {
        h->name[i] = x->cells[i];
        h->len[i] = strlen(x->cells[i]);
    }
    h->n = x->n;
    return 0;
}

static const struct {
    unsigned kind;
    struct hdr h;
    const char *want;   /* profile name, or "!" + error text */
} det[] = {
    { PK_CSV, { { "Receipt No", "Plate", "Zone", "Start", "End", "Amount", "Currency", "Promo",
                  "Ticket No" }, 9 }, "paystation" },
    { PK_CSV, { { " receipt no ", "PLATE", "zone", "start", "end", "amount", "Extra" }, 7 },
      "paystation" },
    { PK_CSV, { { "transaction_id", "licence_plate", "parking_zone", "start_time", "end_time",
                  "amount", "currency", "promo_code", "ticket_number" }, 9 }, "mobile" },
    { PK_JSON_ARRAY, { { "sessionId", "ticketNumber", "plate", "zoneName", "startEpoch",
                         "durationMinutes", "price", "currency", "promoCode" }, 9 }, "hotspot" },
    { PK_JSON_LINES, { { "LicencePlate", "Amount", "CurrencyID", "startTime", "endTime", "zone",
                         "_source", "_line", "_key" }, 9 }, "opscom" },
    { PK_CSV, { { "plate", "StartDateUtc", "EndDateUtc" }, 3 }, "opscom" },
    { PK_JSON_LINES, { { "sessionId", "plate", "startEpoch", "durationMinutes" }, 4 },
      "!no JSON Lines profile matches" },
    { PK_CSV, { { "Receipt No", "Plate", "Zone", "Begin", "End", "Amount" }, 6 },
      "!paystation: no column 'Start'" },
    { PK_CSV, { { "a", "b" }, 2 }, "!mobile: no column 'transaction_id'" },
};

START_TEST(test_detect)
{
    struct profile_set s = { { NULL }, 0 };
    struct etl_err err;
    const struct profile *p;
    struct hdr h = det[_i].h;

    setenv("PERMIT_ETL_FORMATS", "formats", 1);
    ck_assert_int_eq(profile_set_load_all(&s, &err), 0);
    p = profile_detect(&s, det[_i].kind, hdr_fn, &h, &err);
    if (det[_i].want[0] == '!') {
        ck_assert_ptr_null(p);
        ck_assert_int_eq(err.code, E_CONFIG);
        ck_assert_msg(strstr(err.msg, det[_i].want + 1) != NULL, "got '%s'", err.msg);
    } else {
        ck_assert_msg(p != NULL, "%s", err.msg);
        ck_assert_str_eq(p->norm.name, det[_i].want);
    }
    profile_set_free(&s);
}
END_TEST

/* Two profiles with the same columns: ambiguous, both named. A profile
 * that matches more columns wins over a less specific one. A profile
 * earlier in the search path hides one of the same name. */
START_TEST(test_detect_ambiguous_and_path)
{
    struct profile_set s = { { NULL }, 0 };
    struct etl_err err;
    const struct profile *p;
    struct hdr h = { { "P", "S", "E" }, 3 };
    struct hdr h2 = { { "P", "S", "E", "Z" }, 4 };
    char env[600], sub[300];

    make_tmp();
    snprintf(sub, sizeof(sub), "%s/second", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    write_file(tmpdir, "a.json", "{\"name\":\"alpha\",\"kind\":\"csv\"," COLS "}");
    write_file(tmpdir, "b.json", "{\"name\":\"beta\",\"kind\":\"csv\"," COLS "}");
    write_file(tmpdir, "c.json", "{\"name\":\"gamma\",\"kind\":\"csv\",\"columns\":[{\"names\":\"P\","
               "\"field\":\"LicencePlate\"},{\"names\":\"S\",\"field\":\"startTime\"},{\"names\":"
               "\"E\",\"field\":\"endTime\"},{\"names\":\"Z\",\"field\":\"zone\"}]}");
    /* "paystation" in the first directory hides the shipped one */
    write_file(tmpdir, "mine.json", "{\"name\":\"paystation\",\"kind\":\"json\"," COLS "}");
    write_file(sub, "alpha.json", "{\"name\":\"alpha\",\"kind\":\"jsonl\"," COLS "}");
    snprintf(env, sizeof(env), "%s:%s:formats", tmpdir, sub);
    setenv("PERMIT_ETL_FORMATS", env, 1);
    ck_assert_int_eq(profile_set_load_all(&s, &err), 0);
    p = profile_detect(&s, PK_CSV, hdr_fn, &h, &err);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, "ambiguous format: the header matches profiles alpha, beta") != NULL,
                  "%s", err.msg);
    p = profile_detect(&s, PK_CSV, hdr_fn, &h2, &err);
    ck_assert_msg(p != NULL, "%s", err.msg);
    ck_assert_str_eq(p->norm.name, "gamma");
    profile_set_free(&s);
    ck_assert_int_eq(profile_set_load_one(&s, "paystation", &err), 0);
    ck_assert_uint_eq(s.p[0]->kinds, PK_JSON_ARRAY);
    profile_set_free(&s);
    ck_assert_int_eq(profile_set_load_one(&s, "alpha", &err), 0);
    ck_assert_uint_eq(s.p[0]->kinds, PK_CSV);        /* a.json in the first dir */
    profile_set_free(&s);
    ck_assert_int_eq(profile_set_load_one(&s, "nosuch", &err), -1);
    ck_assert_msg(strstr(err.msg, "unknown profile 'nosuch' (known: ") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "mobile") != NULL, "%s", err.msg);
    /* a broken profile in the path is an error naming it */
    write_file(tmpdir, "broken.json", "{");
    ck_assert_int_eq(profile_set_load_all(&s, &err), -1);
    ck_assert_msg(strstr(err.where, "broken.json") != NULL, "%s", err.where);
    profile_set_free(&s);
    rm_tmp();
    setenv("PERMIT_ETL_FORMATS", "formats", 1);
}
END_TEST

START_TEST(test_search_dirs)
{
    char d[512];

    setenv("PERMIT_ETL_FORMATS", "/a::/b", 1);
    ck_assert_int_eq(profile_search_dir(0, d, sizeof(d)), 0);
    ck_assert_str_eq(d, "/a");
    ck_assert_int_eq(profile_search_dir(1, d, sizeof(d)), 0);
    ck_assert_str_eq(d, "/b");
    ck_assert_int_eq(profile_search_dir(2, d, sizeof(d)), 0);
    ck_assert_msg(strstr(d, "/../formats") != NULL, "%s", d);
    ck_assert_int_eq(profile_search_dir(3, d, sizeof(d)), 0);
    ck_assert_str_eq(d, PERMIT_ETL_PREFIX "/share/permit-etl/formats");
    ck_assert_int_eq(profile_search_dir(4, d, sizeof(d)), -1);
    unsetenv("PERMIT_ETL_FORMATS");
    ck_assert_int_eq(profile_search_dir(0, d, sizeof(d)), 0);
    ck_assert_msg(strstr(d, "/../formats") != NULL, "%s", d);
    setenv("PERMIT_ETL_FORMATS", "formats", 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_shipped);
    tcase_add_test(tc, test_paystation_fields);
    tcase_add_loop_test(tc, test_bad_profiles, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_loop_test(tc, test_duplicate_keys, 0, (int)(sizeof(dups) / sizeof(dups[0])));
    tcase_add_test(tc, test_strict_text);
    tcase_add_test(tc, test_good_minimal);
    tcase_add_loop_test(tc, test_detect, 0, (int)(sizeof(det) / sizeof(det[0])));
    tcase_add_test(tc, test_detect_ambiguous_and_path);
    tcase_add_test(tc, test_search_dirs);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
