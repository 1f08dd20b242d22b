/* test_settle.c — issue 21: the silent-zone rule (median, threshold,
 * history), the settlement amount and date parsers (tables), settlement
 * profiles (loading, never picked for record files), the config keys
 * settlements and silent_zones, and the ledger's settlement lines,
 * rejected rows and per-zone sale counts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "ledger.h"
#include "normalize.h"
#include "profile.h"
#include "settle.h"
#include "silent.h"

/* ---- the median / threshold rule ------------------------------------------ */

static const struct {
    long hist[8];
    int n;
    long sales;
    double fraction;
    int min_days;
    double median;     /* expected (0 when too little history) */
    int silent;
} rules[] = {
    { { 10, 10, 10, 10 }, 4, 0, 0.5, 3, 10, 1 },      /* stopped */
    { { 10, 10, 10, 10 }, 4, 7, 0.5, 3, 10, 0 },      /* 70% of the median: not */
    { { 10, 10, 10, 10 }, 4, 4, 0.5, 3, 10, 1 },      /* 40% */
    { { 10, 10, 10, 10 }, 4, 5, 0.5, 3, 10, 0 },      /* exactly half: not below */
    { { 8, 2, 6, 4 }, 4, 2, 0.5, 3, 5, 1 },           /* even count: mean of 4 and 6 */
    { { 8, 2, 6, 4 }, 4, 3, 0.5, 3, 5, 0 },           /* 3 < 2.5? no */
    { { 9, 1, 5 }, 3, 2, 0.5, 3, 5, 1 },              /* odd count: the middle one */
    { { 10, 10 }, 2, 0, 0.5, 3, 0, 0 },               /* two weeks of history: never */
    { { 10, 10 }, 2, 0, 0.5, 2, 10, 1 },              /* ... unless min_days allows it */
    { { 0, 0, 0, 6 }, 4, 0, 0.5, 3, 0, 0 },           /* median 0: nothing is below it */
    { { 0, 0, 6, 6 }, 4, 0, 0.5, 3, 3, 1 },           /* zeros count as history */
    { { 10, 10, 10, 10 }, 4, 8, 0.9, 3, 10, 1 },      /* another fraction */
    { { 0 }, 0, 0, 0.5, 1, 0, 0 },                    /* no history at all */
};

START_TEST(test_rule)
{
    struct silent_opts o;
    long hist[8];
    double med = -1;
    int got;

    o.weeks = 4;
    o.min_fraction = rules[_i].fraction;
    o.min_days = rules[_i].min_days;
    memcpy(hist, rules[_i].hist, sizeof(hist));
    got = silent_rule(rules[_i].sales, hist, (size_t)rules[_i].n, &o, &med);
    ck_assert_msg(got == rules[_i].silent, "case %d: silent %d, wanted %d", _i, got,
                  rules[_i].silent);
    ck_assert_msg(med == rules[_i].median, "case %d: median %g, wanted %g", _i, med,
                  rules[_i].median);
}
END_TEST

START_TEST(test_median)
{
    long a[] = { 5 }, b[] = { 3, 1 }, c[] = { 7, 1, 3, 9, 5 }, d[] = { 4, 4, 1, 100 };

    ck_assert(silent_median(a, 1) == 5);
    ck_assert(silent_median(b, 2) == 2);
    ck_assert(silent_median(c, 5) == 5);
    ck_assert(silent_median(d, 4) == 4);
}
END_TEST

/* ---- settlement amounts and dates -------------------------------------------- */

static struct profile *processor(void)
{
    struct etl_err err;
    struct profile *p;

    setenv("PERMIT_ETL_FORMATS", "formats", 1);
    p = profile_settle_load("processor", &err);
    ck_assert_msg(p != NULL, "%s", err.msg);
    return p;
}

static const struct {
    const char *text;
    int ok;
    long long cents;
    enum currency mark;
    const char *why;     /* part of the reason when not ok */
} amounts[] = {
    { "12.34", 1, 1234, CUR_NONE, NULL },
    { " 7,496.25 ", 1, 749625, CUR_NONE, NULL },
    { "-12.34", 1, -1234, CUR_NONE, NULL },          /* a minus sign is allowed */
    { "$-5", 1, -500, CUR_NONE, NULL },
    { "-$5.10", 1, -510, CUR_NONE, NULL },
    { "US$113.50", 1, 11350, CUR_USD, NULL },
    { "1000.00 CAD", 1, 100000, CUR_CAD, NULL },
    { "999,999,999.99", 1, 99999999999LL, CUR_NONE, NULL },   /* the settlement limit */
    { "1,000,000.00", 1, 100000000, CUR_NONE, NULL },         /* over a record's limit */
    { "1,000,000,000.00", 0, 0, CUR_NONE, "is over 999999999.99" },
    { "12.3.4", 0, 0, CUR_NONE, "not a valid amount" },
    { "12.345", 0, 0, CUR_NONE, "not a valid amount" },
    { "", 0, 0, CUR_NONE, "missing" },
    { "abc", 0, 0, CUR_NONE, "text next to the number" },
    { "1 234.00", 0, 0, CUR_NONE, "space" },
    { "EUR 5", 0, 0, CUR_NONE, "" },
};

START_TEST(test_amounts)
{
    struct profile *p = processor();
    char why[NORM_REASON_MAX] = "";
    long long cents = -1;
    enum currency mark = CUR_NONE;
    int r = settle_parse_amount(p, amounts[_i].text, strlen(amounts[_i].text), 0, &cents,
                                &mark, why);

    ck_assert_msg((r == 0) == amounts[_i].ok, "case %d '%s': %d (%s)", _i, amounts[_i].text, r,
                  why);
    if (amounts[_i].ok) {
        ck_assert_msg(cents == amounts[_i].cents, "case %d: %lld", _i, cents);
        ck_assert_int_eq(mark, amounts[_i].mark);
    } else {
        ck_assert_msg(strstr(why, amounts[_i].why) != NULL, "case %d: '%s'", _i, why);
    }
    profile_free(p);
}
END_TEST

START_TEST(test_decimal_comma_amount)
{
    struct profile *p = processor();
    char why[NORM_REASON_MAX];
    long long cents;

    p->norm.decimal_comma = 1;
    ck_assert_int_eq(settle_parse_amount(p, "1.234,56", 8, 0, &cents, NULL, why), 0);
    ck_assert_int_eq(cents, 123456);
    ck_assert_int_eq(settle_parse_amount(p, "-0,5", 4, 0, &cents, NULL, why), 0);
    ck_assert_int_eq(cents, -50);
    /* a JSON number: '.' is its decimal point whatever the profile says */
    ck_assert_int_eq(settle_parse_amount(p, "-12.5", 5, 1, &cents, NULL, why), 0);
    ck_assert_int_eq(cents, -1250);
    ck_assert_int_eq(settle_parse_amount(p, "1e3", 3, 1, &cents, NULL, why), -1);
    profile_free(p);
}
END_TEST

static const struct { const char *text; const char *day; } dates[] = {
    { "2026-11-28", "2026-11-28" },
    { " 11/28/2026 ", "2026-11-28" },
    { "1/2/2026", "2026-01-02" },
    { "2024-02-29", "2024-02-29" },
    { "2026-02-30", NULL },
    { "13/1/2026", NULL },
    { "2026-11-28 10:00", NULL },
    { "28.11.2026", NULL },
    { "", NULL },
    { "1999-12-31", NULL },
};

START_TEST(test_dates)
{
    struct profile *p = processor();
    char day[11] = "", why[NORM_REASON_MAX] = "";
    int r = settle_parse_date(p, dates[_i].text, strlen(dates[_i].text), day, why);

    if (dates[_i].day) {
        ck_assert_msg(r == 0, "case %d '%s': %s", _i, dates[_i].text, why);
        ck_assert_str_eq(day, dates[_i].day);
    } else {
        ck_assert_msg(r < 0, "case %d '%s' accepted as %s", _i, dates[_i].text, day);
        ck_assert(why[0]);
    }
    profile_free(p);
}
END_TEST

/* ---- reading files ----------------------------------------------------------------- */

struct got { char lines[1024]; char rejects[1024]; };

static int got_line(void *ctx, const struct ledger_money_line *l, struct etl_err *err)
{
    struct got *g = ctx;
    size_t n = strlen(g->lines);

    (void)err;
    snprintf(g->lines + n, sizeof(g->lines) - n, "%ld:%s:%s:%s:%lld:%ld;", l->line, l->day,
             l->vendor, currency_name(l->currency), l->cents, l->count);
    return 0;
}

static void got_reject(void *ctx, const char *file, long line, const char *field,
                       const char *reason, const char *raw, size_t rawlen)
{
    struct got *g = ctx;
    size_t n = strlen(g->rejects);

    (void)file;
    (void)reason;
    (void)raw;
    (void)rawlen;
    snprintf(g->rejects + n, sizeof(g->rejects) - n, "%ld:%s;", line, field);
}

static const struct { const char *text; const char *lines; const char *rejects; int ret; }
files[] = {
    /* CSV: BOM, CRLF, quotes, a blank line, no vendor column (vendor_default) */
    { "\xef\xbb\xbfSettlement Date,Currency,Net Settled,Transactions\r\n"
      "2026-11-28,CAD,\"1,234.50\",12\r\n\r\n11/29/2026,USD,-3.00,\r\n",
      "2:2026-11-28:paystation:CAD:123450:12;4:2026-11-29:paystation:USD:-300:-1;", "", 0 },
    /* CSV: each bad field of a line rejected, the good lines kept */
    { "Settlement Date,Merchant,Currency,Net Settled,Transactions\n"
      "2026-11-28,mobile,CAD,1.00,1\n"
      "2026-11-31,nobody,EUR,1.0.0,x\n"
      "2026-11-28,hotspot,US$,2.00,\n",
      "2:2026-11-28:mobile:CAD:100:1;4:2026-11-28:hotspot:USD:200:-1;",
      "3:date;3:amount;3:currency;3:vendor;3:count;", 0 },
    /* a required column missing: the file */
    { "Merchant,Net Settled\nmobile,1.00\n", "", "1:_file;", -1 },
    /* JSON Lines: numbers as written, a key missing, null = absent */
    { "{\"Business Day\": \"2026-11-28\", \"Amount\": 12.5, \"Vendor\": \"mobile\"}\n"
      "{\"Business Day\": \"2026-11-28\", \"Currency\": \"USD\"}\n"
      "{\"Business Day\": \"2026-11-29\", \"Amount\": \"7\", \"Vendor\": null, "
      "\"Count\": 3}\n",
      "1:2026-11-28:mobile:CAD:1250:-1;3:2026-11-29:paystation:CAD:700:3;", "2:amount;", 0 },
    /* a JSON array over several lines: each record's first line */
    { "[\n {\"Business Day\": \"2026-11-28\", \"Amount\": 1},\n"
      " {\"Business Day\": \"2026-11-28\", \"Amount\": 1e2}\n]\n",
      "2:2026-11-28:paystation:CAD:100:-1;", "3:amount;", 0 },
    /* broken JSON: the file, after the records before it */
    { "{\"Business Day\": \"2026-11-28\", \"Amount\": 1}\n{\"Amount\": }\n",
      "1:2026-11-28:paystation:CAD:100:-1;", "2:_file;", -1 },
};

START_TEST(test_read_files)
{
    char dir[] = "/tmp/test_settle.XXXXXX", path[600], cmd[700];
    struct profile *p = processor();
    struct profile_set vendors = { { NULL }, 0 };
    struct settle_sink sink;
    struct settle_stats st;
    struct etl_err err;
    struct got g;
    FILE *f;
    int r;

    ck_assert_int_eq(profile_set_load_all(&vendors, &err), 0);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/s", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(files[_i].text, f);
    fclose(f);
    memset(&g, 0, sizeof(g));
    sink.line = got_line;
    sink.reject = got_reject;
    sink.ctx = &g;
    r = settle_read_file(p, &vendors, path, &sink, &st, &err);
    ck_assert_msg(r == files[_i].ret, "case %d: %d (%s)", _i, r, err.msg);
    ck_assert_msg(!strcmp(g.lines, files[_i].lines), "case %d lines: %s", _i, g.lines);
    ck_assert_msg(!strcmp(g.rejects, files[_i].rejects), "case %d rejects: %s", _i, g.rejects);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    profile_set_free(&vendors);
    profile_free(p);
}
END_TEST

/* ---- profiles ------------------------------------------------------------------ */

START_TEST(test_profiles_apart)
{
    struct profile_set s = { { NULL }, 0 };
    struct etl_err err;
    struct profile *p;
    int i;

    setenv("PERMIT_ETL_FORMATS", "formats", 1);
    /* a record profile set never holds the settlement profile ... */
    ck_assert_int_eq(profile_set_load_all(&s, &err), 0);
    for (i = 0; i < s.n; i++)
        ck_assert(!s.p[i]->role_settlement);
    profile_set_free(&s);
    ck_assert_int_eq(profile_set_load_one(&s, "processor", &err), -1);
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_int_eq(profile_set_load_one(&s, "formats/settlement-processor.json", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "settlement profile"));
    /* ... and a record profile is never a settlement profile */
    ck_assert_ptr_null(profile_settle_load("paystation", &err));
    ck_assert_ptr_null(profile_settle_load("formats/paystation.json", &err));
    p = profile_settle_load("formats/settlement-processor.json", &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->norm.name, "processor");
    ck_assert_str_eq(p->settle.vendor_default, "paystation");
    ck_assert_int_eq(p->settle.ndate_patterns, 2);
    ck_assert_int_eq(p->settle.optional[SF_VENDOR], 1);
    profile_free(p);
}
END_TEST

static const struct { const char *json; const char *err; } bad_profiles[] = {
    { "{\"name\":\"s\",\"role\":\"settlement\",\"kind\":\"csv\",\"vendor_default\":\"x\","
      "\"columns\":[{\"names\":\"D\",\"field\":\"date\"}]}", "must map date and amount" },
    { "{\"name\":\"s\",\"role\":\"settlement\",\"kind\":\"csv\",\"default_currency\":\"CAD\","
      "\"columns\":[{\"names\":\"D\",\"field\":\"date\"},{\"names\":\"A\",\"field\":\"amount\"}]}",
      "vendor column or vendor_default" },
    { "{\"name\":\"s\",\"role\":\"settlement\",\"kind\":\"csv\",\"vendor_default\":\"x\","
      "\"columns\":[{\"names\":\"D\",\"field\":\"date\"},{\"names\":\"A\",\"field\":\"amount\"}]}",
      "currency column or default_currency" },
    { "{\"name\":\"s\",\"role\":\"settlement\",\"kind\":\"csv\",\"vendor_default\":\"x\","
      "\"default_currency\":\"CAD\",\"date_patterns\":\"YYYY-MM-DD HH:mm\","
      "\"columns\":[{\"names\":\"D\",\"field\":\"date\"},{\"names\":\"A\",\"field\":\"amount\"}]}",
      "only YYYY, MM, M, DD, D" },
    { "{\"name\":\"s\",\"role\":\"settlement\",\"kind\":\"csv\",\"vendor_default\":\"x\","
      "\"default_currency\":\"CAD\",\"time_zone\":\"UTC\","
      "\"columns\":[{\"names\":\"D\",\"field\":\"date\"},{\"names\":\"A\",\"field\":\"amount\"}]}",
      "unknown key 'time_zone'" },
    { "{\"name\":\"s\",\"role\":\"settlement\",\"kind\":\"csv\",\"vendor_default\":\"x\","
      "\"default_currency\":\"CAD\",\"columns\":[{\"names\":\"D\",\"field\":\"date\"},"
      "{\"names\":\"A\",\"field\":\"Amount\"}]}", "is not one of date" },
    { "{\"name\":\"s\",\"role\":\"bank\",\"kind\":\"csv\",\"columns\":[]}",
      "key 'role' must be" },
};

START_TEST(test_bad_profiles)
{
    char dir[] = "/tmp/test_settle.XXXXXX", path[600], cmd[700];
    struct etl_err err;
    struct profile *p;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/s.json", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(bad_profiles[_i].json, f);
    fclose(f);
    p = profile_load(path, &err);
    ck_assert_msg(p == NULL, "case %d accepted", _i);
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_msg(strstr(err.msg, bad_profiles[_i].err) != NULL, "case %d: %s", _i, err.msg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- config ---------------------------------------------------------------------- */

static struct config *config_text(const char *text, struct etl_err *err)
{
    char dir[] = "/tmp/test_settle.XXXXXX", path[600], cmd[700];
    struct config *c;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/c.json", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    c = config_load(path, err);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    return c;
}

START_TEST(test_config_keys)
{
    struct etl_err err;
    struct config *c = config_text("{}", &err);

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->silent_zones, 1);             /* on by default */
    ck_assert_int_eq(c->silent_weeks, 4);
    ck_assert(c->silent_min_fraction == 0.5);
    ck_assert_int_eq(c->silent_min_days, 3);
    ck_assert_uint_eq(c->nsettlements, 0);
    config_free(c);
    c = config_text("{\"silent_zones\": false, \"settlements\": [{\"glob\": \"s/*.csv\", "
                    "\"profile\": \"processor\"}]}", &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->silent_zones, 0);
    ck_assert_uint_eq(c->nsettlements, 1);
    ck_assert_str_eq(c->settlements[0].profile, "processor");
    ck_assert_ptr_nonnull(strstr(c->settlements[0].glob, "/s/*.csv"));
    config_free(c);
    c = config_text("{\"silent_zones\": {\"weeks\": 6, \"min_fraction\": 0.25, "
                    "\"min_days\": 4}}", &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->silent_weeks, 6);
    ck_assert(c->silent_min_fraction == 0.25);
    ck_assert_int_eq(c->silent_min_days, 4);
    config_free(c);
    c = config_text("{\"silent_zones\": {\"weeks\": 6}, \"retention_days\": 49}", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    config_free(c);
}
END_TEST

static const struct { const char *json; const char *key; } bad_configs[] = {
    { "{\"settlements\": \"s.csv\"}", "settlements" },
    { "{\"settlements\": [{\"glob\": \"s.csv\"}]}", "settlements[0].profile" },
    { "{\"settlements\": [{\"glob\": \"s.csv\", \"profile\": \"p\", \"x\": 1}]}",
      "settlements[0]" },
    { "{\"silent_zones\": 1}", "silent_zones" },
    { "{\"silent_zones\": {\"weeks\": \"4\"}}", "silent_zones.weeks" },
    { "{\"silent_zones\": {\"weeks\": 0}}", "silent_zones.weeks" },
    { "{\"silent_zones\": {\"min_fraction\": 0}}", "silent_zones.min_fraction" },
    { "{\"silent_zones\": {\"min_days\": 1.5}}", "silent_zones.min_days" },
    { "{\"silent_zones\": {\"days\": 3}}", "silent_zones" },
    /* retention must keep the look-back: 7 x 6 + 7 = 49 days */
    { "{\"silent_zones\": {\"weeks\": 6}, \"retention_days\": 40}", "retention_days" },
};

START_TEST(test_bad_config)
{
    struct etl_err err;
    struct config *c = config_text(bad_configs[_i].json, &err);

    ck_assert_msg(c == NULL, "case %d accepted", _i);
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_msg(!strcmp(err.field, bad_configs[_i].key), "case %d: field '%s' (%s)", _i,
                  err.field, err.msg);
}
END_TEST

/* ---- the ledger ------------------------------------------------------------------- */

static int collect(void *ctx, const struct ledger_money_line *m)
{
    char *out = ctx;
    size_t n = strlen(out);

    snprintf(out + n, 1024 - n, "%s:%ld:%s:%s:%s:%lld:%ld;", m->file, m->line,
             m->day ? m->day : "-", m->vendor, currency_name(m->currency), m->cents, m->count);
    return 0;
}

struct counts { long total; long long quarters; char zones[256]; };

static void on_count(void *ctx, const char *zone, long long quarter, long count)
{
    struct counts *c = ctx;
    size_t n = strlen(c->zones);

    c->total += count;
    ck_assert_int_eq(quarter % 900, 0);
    c->quarters++;
    snprintf(c->zones + n, sizeof(c->zones) - n, "%s=%ld;", zone, count);
}

START_TEST(test_ledger_lines)
{
    char path[] = "/tmp/test_settle_ledger.XXXXXX";
    struct etl_err err;
    struct ledger *l;
    struct ledger_money_line m;
    struct permit p;
    struct counts cn;
    enum ledger_stage_outcome out;
    char got[1024] = "";
    long long last = -1;
    int fd = mkstemp(path), i;

    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path);
    l = ledger_open(path, LEDGER_LOCK, &err);
    ck_assert_msg(l != NULL, "%s", err.msg);
    memset(&m, 0, sizeof(m));
    m.file = "s.csv";
    m.vendor = "paystation";
    m.currency = CUR_CAD;
    m.count = -1;
    for (i = 1; i <= 3; i++) {
        m.line = i + 1;
        m.day = i == 3 ? "2026-11-29" : "2026-11-28";
        m.cents = i == 2 ? -500 : 1000 * i;
        m.count = i == 1 ? 7 : -1;
        ck_assert_int_eq(ledger_settle_add(l, &m, &err), 0);
    }
    ck_assert_int_eq(ledger_each_settlement(l, "2026-11-28", "2026-11-28", collect, got, &err), 0);
    ck_assert_str_eq(got, "s.csv:2:2026-11-28:paystation:CAD:1000:7;"
                          "s.csv:3:2026-11-28:paystation:CAD:-500:-1;");
    /* a changed file replaces its lines */
    ck_assert_int_eq(ledger_settle_clear(l, "s.csv", &err), 0);
    got[0] = '\0';
    ck_assert_int_eq(ledger_each_settlement(l, "2026-01-01", "2026-12-31", collect, got, &err), 0);
    ck_assert_str_eq(got, "");
    /* rejected rows: dated ones by day, undated ones of the run asked for */
    m.file = "r.csv";
    m.reason = "LicencePlate: not a valid plate";
    m.run = 5;
    m.line = 2;
    m.day = "2026-11-28";
    ck_assert_int_eq(ledger_rejrow_add(l, &m, &err), 0);
    m.line = 3;
    m.day = NULL;
    ck_assert_int_eq(ledger_rejrow_add(l, &m, &err), 0);
    got[0] = '\0';
    ck_assert_int_eq(ledger_each_rejrow(l, "2026-11-28", "2026-11-28", 0, collect, got, &err), 0);
    ck_assert_str_eq(got, "r.csv:2:2026-11-28:paystation:CAD:3000:-1;");
    got[0] = '\0';
    ck_assert_int_eq(ledger_each_rejrow(l, "", "", 5, collect, got, &err), 0);
    ck_assert_str_eq(got, "r.csv:3:-:paystation:CAD:3000:-1;");
    ck_assert_int_eq(ledger_rejrow_clear(l, "r.csv", &err), 0);
    got[0] = '\0';
    ck_assert_int_eq(ledger_each_rejrow(l, "2026-01-01", "2026-12-31", 5, collect, got, &err), 0);
    ck_assert_str_eq(got, "");
    /* sale counts per zone and quarter hour; a zone's latest start */
    for (i = 0; i < 3; i++) {
        memset(&p, 0, sizeof(p));
        snprintf(p.plate, sizeof(p.plate), "P%d", i);
        snprintf(p.key, sizeof(p.key), "paystation:%d", i);
        snprintf(p.zone, sizeof(p.zone), "%s", i < 2 ? "Lot A" : "Lot B");
        snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%s", p.zone);
        p.cents = 100;
        p.currency = CUR_CAD;
        p.start = 1795864500LL + i * 60;       /* a quarter-hour boundary + minutes */
        p.end = p.start + 3600;
        p.source = "r.csv";
        p.line = i + 2;
        ck_assert_int_eq(ledger_stage(l, &p, 0, &out, &err), 0);
    }
    memset(&cn, 0, sizeof(cn));
    ck_assert_int_eq(ledger_sale_counts(l, 1795864500LL, 1795864500LL + 900, on_count, &cn,
                                        &err), 0);
    ck_assert_int_eq(cn.total, 3);
    ck_assert_int_eq(cn.quarters, 2);
    ck_assert_ptr_nonnull(strstr(cn.zones, "Lot A=2;"));
    ck_assert_int_eq(ledger_zone_last_start(l, "Lot A", &last, &err), 0);
    ck_assert_int_eq(last, 1795864500LL + 60);
    ck_assert_int_eq(ledger_zone_last_start(l, "Nowhere", &last, &err), 0);
    ck_assert_int_eq(last, 0);
    ledger_close(l);
    unlink(path);
    {
        char side[600];

        snprintf(side, sizeof(side), "%s.lock", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("settle");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_rule, 0, (int)(sizeof(rules) / sizeof(rules[0])));
    tcase_add_test(tc, test_median);
    tcase_add_loop_test(tc, test_amounts, 0, (int)(sizeof(amounts) / sizeof(amounts[0])));
    tcase_add_test(tc, test_decimal_comma_amount);
    tcase_add_loop_test(tc, test_dates, 0, (int)(sizeof(dates) / sizeof(dates[0])));
    tcase_add_loop_test(tc, test_read_files, 0, (int)(sizeof(files) / sizeof(files[0])));
    tcase_add_test(tc, test_profiles_apart);
    tcase_add_loop_test(tc, test_bad_profiles, 0,
                        (int)(sizeof(bad_profiles) / sizeof(bad_profiles[0])));
    tcase_add_test(tc, test_config_keys);
    tcase_add_loop_test(tc, test_bad_config, 0,
                        (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
    tcase_add_test(tc, test_ledger_lines);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
