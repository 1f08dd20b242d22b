/* test_normalize_record.c — whole records through normalize_record(), with
 * every reject collected and asserted. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "tz.h"
#include "utc.h"
#include "utf8.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXREJ 16

struct rejects {
    int n;
    char field[MAXREJ][48];
    char reason[MAXREJ][NORM_REASON_MAX];
    char raw[MAXREJ][128];
};

static void collect(void *ctx, const char *field, const char *reason, const char *raw,
                    size_t rawlen)
{
    struct rejects *r = ctx;

    ck_assert_int_lt(r->n, MAXREJ);
    snprintf(r->field[r->n], sizeof(r->field[0]), "%s", field);
    snprintf(r->reason[r->n], sizeof(r->reason[0]), "%s", reason);
    snprintf(r->raw[r->n], sizeof(r->raw[0]), "%.*s", (int)(rawlen > 127 ? 127 : rawlen), raw);
    r->n++;
}

static void set(struct raw_record *r, enum raw_field f, const char *s)
{
    r->v[f].ptr = s;
    r->v[f].len = s ? strlen(s) : 0;
    r->v[f].present = s != NULL;
}

static void paystation(struct norm_profile *p)
{
    struct etl_err e;

    norm_profile_init(p);
    snprintf(p->name, sizeof(p->name), "paystation");
    p->time_kind = TIME_PATTERN;
    snprintf(p->patterns[0], NORM_PATTERN_LEN, "MM/DD/YYYY hh:mm AM"); /* the paystation profile's */
    p->npatterns = 1;
    p->tz = tz_get("America/Toronto", &e);
    ck_assert_ptr_nonnull(p->tz);
    p->default_currency = CUR_CAD;
    ck_assert_int_eq(norm_profile_check(p, &e), 0);
}

static void iso(struct norm_profile *p)
{
    struct etl_err e;

    norm_profile_init(p);
    snprintf(p->name, sizeof(p->name), "app");
    p->tz = tz_get("America/Toronto", &e);
    ck_assert_ptr_nonnull(p->tz);
    p->default_currency = CUR_CAD;
    ck_assert_int_eq(norm_profile_check(p, &e), 0);
}

static struct raw_record row(const char *plate, const char *amount, const char *cur,
                             const char *start, const char *end, const char *zone)
{
    struct raw_record r;

    memset(&r, 0, sizeof(r));
    r.file = "in.csv";
    r.line = 7;
    set(&r, RF_PLATE, plate);
    set(&r, RF_AMOUNT, amount);
    set(&r, RF_CURRENCY, cur);
    set(&r, RF_START, start);
    set(&r, RF_END, end);
    set(&r, RF_ZONE, zone);
    return r;
}

static void t2s(long long t, char *out)
{
    utc_format(t, out);
}

static int has(const struct rejects *rj, const char *field, const char *reason)
{
    int i;

    for (i = 0; i < rj->n; i++)
        if (strcmp(rj->field[i], field) == 0 && strstr(rj->reason[i], reason))
            return 1;
    return 0;
}

static void dump(const struct rejects *rj, char *out, size_t cap)
{
    int i;
    size_t k = 0;

    out[0] = '\0';
    for (i = 0; i < rj->n && k < cap; i++) {
        int w = snprintf(out + k, cap - k, "[%s: %s] ", rj->field[i], rj->reason[i]);

        if (w < 0)
            break;
        k += (size_t)w;
    }
}

#define ASSERT_REJ(rj, f, why) do { \
        char d_[4096]; dump(&(rj), d_, sizeof(d_)); \
        ck_assert_msg(has(&(rj), f, why), "no %s reject with '%s': %s", f, why, d_); \
    } while (0)

START_TEST(test_good_row_with_id)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row(" pl8-rdr ", "$14.50", "", "7/2/2018 9:00 AM", "07/02/2018 09:30 am",
                              " Lot 4 ");
    char t[20];

    paystation(&p);
    set(&r, RF_ID, " 1138 ");
    set(&r, RF_PERMITNO, "L4-1138");
    set(&r, RF_PROMO, "discount20");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_int_eq(rj.n, 0);
    ck_assert_str_eq(out.plate, "PL8RDR");
    ck_assert_int_eq(out.cents, 1450);
    ck_assert_int_eq(out.currency, CUR_CAD);
    t2s(out.start, t);
    ck_assert_str_eq(t, "2018-07-02T13:00:00");
    t2s(out.end, t);
    ck_assert_str_eq(t, "2018-07-02T13:30:00");
    ck_assert_str_eq(out.vendor_zone, "Lot 4");
    ck_assert_str_eq(out.zone, "Lot 4");
    ck_assert_str_eq(out.permit_no, "L4-1138");
    ck_assert_str_eq(out.ticket, "");
    ck_assert_str_eq(out.promo, "DISCOUNT20");
    ck_assert_str_eq(out.key, "paystation:1138");
    ck_assert_int_eq(out.voided, 0);
    ck_assert_str_eq(out.source, "in.csv");
    ck_assert_int_eq(out.line, 7);
}
END_TEST

START_TEST(test_hash_key)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("abc-123", "$14.50", "cad", "7/2/2018 9:00 AM", "7/2/2018 9:30 AM",
                              "  Lot 4\t");

    paystation(&p);
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    /* printf '%s' 'ABC123|Lot 4|2018-07-02T13:00:00|2018-07-02T13:30:00|14.50' | sha256sum */
    ck_assert_str_eq(out.key,
        "paystation:8685477e73e273a2ba614aec1dadd30a47e7e8ff1f053edd14d7b19a3413f30a");
    /* an empty id column is no id */
    set(&r, RF_ID, "   ");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_str_eq(out.key,
        "paystation:8685477e73e273a2ba614aec1dadd30a47e7e8ff1f053edd14d7b19a3413f30a");
}
END_TEST

START_TEST(test_every_reason)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("AB*1", "14,50", "EUR", "13/2/2026 9:00 AM", "3/8/2026 2:30 AM",
                              "Lot\xff");

    paystation(&p);
    set(&r, RF_PROMO, "");
    set(&r, RF_TICKET, "T-0000000000000000000000000000000000000000000000000001"); /* 54 */
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 7);
    ck_assert_int_eq(rj.n, 7);
    ASSERT_REJ(rj, "LicencePlate", "'AB*1' has a character other than A-Z, 0-9");
    ASSERT_REJ(rj, "Amount", "'14,50' is not a valid amount");
    ASSERT_REJ(rj, "CurrencyID", "'EUR' is not CAD or USD");
    ASSERT_REJ(rj, "startTime", "'13/2/2026 9:00 AM' has month 13");
    ASSERT_REJ(rj, "endTime", "'3/8/2026 2:30 AM' does not exist in America/Toronto (DST gap)");
    ASSERT_REJ(rj, "zone", "invalid UTF-8");
    ASSERT_REJ(rj, "TicketNumber", "longer than 50 characters (54)");
    ck_assert_str_eq(rj.raw[1], "14,50");
    ck_assert_str_eq(out.key, "");
}
END_TEST

START_TEST(test_missing_fields)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row(NULL, "", NULL, "  ", NULL, NULL);

    paystation(&p);
    p.default_currency = CUR_NONE;
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 5);
    ASSERT_REJ(rj, "LicencePlate", "missing");
    ASSERT_REJ(rj, "Amount", "missing");
    ASSERT_REJ(rj, "CurrencyID", "missing");
    ASSERT_REJ(rj, "startTime", "missing");
    ASSERT_REJ(rj, "endTime", "missing");
}
END_TEST

/* The end-time overlap rule on fall-back night (America/Toronto). */
static const struct {
    const char *start, *end, *ustart, *uend, *why;
} overlaps[] = {
    /* 01:52 -> 01:22: the end's earlier instant is before the start: later one */
    { "2026-11-01T01:52:00", "2026-11-01T01:22:00", "2026-11-01T05:52:00",
      "2026-11-01T06:22:00", NULL },
    /* 01:56 -> 01:56: a one-hour session */
    { "2026-11-01T01:56:00", "2026-11-01T01:56:00", "2026-11-01T05:56:00",
      "2026-11-01T06:56:00", NULL },
    /* both ambiguous, end after start: both earlier */
    { "2026-11-01T01:10:00", "2026-11-01T01:40:00", "2026-11-01T05:10:00",
      "2026-11-01T05:40:00", NULL },
    /* unambiguous start before the overlap */
    { "2026-11-01T00:50:00", "2026-11-01T01:20:00", "2026-11-01T04:50:00",
      "2026-11-01T05:20:00", NULL },
    /* start after the overlap, end inside it: later instant still before start */
    { "2026-11-01T02:30:00", "2026-11-01T01:30:00", NULL, NULL,
      "'2026-11-01T01:30:00' is not after startTime" },
    /* a start in the overlap takes the earlier instant */
    { "2026-11-01T01:30:00", "2026-11-01T02:10:00", "2026-11-01T05:30:00",
      "2026-11-01T07:10:00", NULL },
    { "2026-07-02T10:00:00", "2026-07-02T09:00:00", NULL, NULL, "is not after startTime" },
    { "2026-07-02T10:00:00", "2026-07-02T10:00:00", NULL, NULL, "is not after startTime" },
    /* max_duration_days 31: exactly 31 days is fine, one second more is not */
    { "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "2026-07-01T00:00:00",
      "2026-08-01T00:00:00", NULL },
    { "2026-07-01T00:00:00Z", "2026-08-01T00:00:01Z", NULL, NULL,
      "session of 31 days 00:00:01, longer than max_duration_days 31" },
    /* elapsed time across DST: 31 local days containing fall-back are 31 days + 1 h */
    { "2026-10-15T12:00:00", "2026-11-15T12:00:00", NULL, NULL, "31 days 01:00:00" },
    { "2026-10-15T12:00:00", "2026-11-15T11:00:00", "2026-10-15T16:00:00",
      "2026-11-15T16:00:00", NULL },
    /* UTC years 2000-2099 */
    { "1999-12-31T23:59:59Z", "2000-01-01T00:30:00Z", NULL, NULL, "is 1999 in UTC" },
    { "2000-01-01T00:00:00Z", "2000-01-01T00:30:00Z", "2000-01-01T00:00:00",
      "2000-01-01T00:30:00", NULL },
    { "1999-12-31T20:00:00", "1999-12-31T20:30:00", "2000-01-01T01:00:00",
      "2000-01-01T01:30:00", NULL },       /* local 1999, UTC 2000: fine */
    { "2099-12-31T23:00:00Z", "2099-12-31T23:59:59Z", "2099-12-31T23:00:00",
      "2099-12-31T23:59:59", NULL },
    { "2099-12-31T23:00:00Z", "2100-01-01T00:00:00Z", NULL, NULL, "is 2100 in UTC" },
    { "2099-12-31T18:00:00", "2099-12-31T19:30:00", NULL, NULL, "is 2100 in UTC" },
};

START_TEST(test_overlap_and_bounds)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("X1", "1.00", "", overlaps[_i].start, overlaps[_i].end, "Lot 1");
    char t[20];
    int n;

    iso(&p);
    n = normalize_record(&p, &r, &out, collect, &rj);
    if (overlaps[_i].why) {
        ck_assert_int_eq(n, 1);
        ck_assert_msg(strstr(rj.reason[0], overlaps[_i].why) != NULL, "%s: %s", rj.field[0],
                      rj.reason[0]);
        ck_assert_str_eq(rj.field[0], strstr(overlaps[_i].why, "1999") ? "startTime"
                                                                      : "endTime");
        return;
    }
    ck_assert_msg(n == 0, "%s: %s", rj.field[0], rj.reason[0]);
    t2s(out.start, t);
    ck_assert_str_eq(t, overlaps[_i].ustart);
    t2s(out.end, t);
    ck_assert_str_eq(t, overlaps[_i].uend);
}
END_TEST

START_TEST(test_free_session_hash)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("PL8RDR", "0.00", "USD", "2026-11-01T01:52:00",
                              "2026-11-01T01:22:00", NULL);

    iso(&p);
    snprintf(p.name, sizeof(p.name), "app");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_int_eq(out.cents, 0);
    ck_assert_int_eq(out.currency, CUR_USD);
    /* printf '%s' 'PL8RDR||2026-11-01T05:52:00|2026-11-01T06:22:00|0.00' | sha256sum */
    ck_assert_str_eq(out.key,
        "app:481af8812f21801d00e27d4c1cdd0f298580e2c352b07a7fb50eb1b97f623e0a");
}
END_TEST

START_TEST(test_currency_marks_in_records)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("X1", "C$14.50", "USD", "2026-07-02T09:00:00",
                              "2026-07-02T10:00:00", NULL);

    iso(&p);
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
    ASSERT_REJ(rj, "CurrencyID", "'USD' conflicts with the amount's currency mark 'C$'");
    rj.n = 0;
    r = row("X1", "14.50 USD", "", "2026-07-02T09:00:00", "2026-07-02T10:00:00", NULL);
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_int_eq(out.currency, CUR_USD);      /* not the CAD default */
    ck_assert_int_eq(out.cents, 1450);
}
END_TEST

START_TEST(test_void_and_refund)
{
    struct norm_profile p;
    struct permit sale, refund, out;
    struct rejects rj = { 0 };
    struct raw_record r = row("X1", "14.50", "", "2026-07-02T09:00:00", "2026-07-02T10:00:00",
                              "Lot 1");

    iso(&p);
    snprintf(p.void_values[0], NORM_VOID_VALUE_LEN, "VOID");
    snprintf(p.void_values[1], NORM_VOID_VALUE_LEN, "refunded");
    p.nvoid_values = 2;
    ck_assert_int_eq(normalize_record(&p, &r, &sale, collect, &rj), 0);
    ck_assert_int_eq(sale.voided, 0);
    set(&r, RF_AMOUNT, "-14.50");
    set(&r, RF_VOID, " Refunded ");
    ck_assert_int_eq(normalize_record(&p, &r, &refund, collect, &rj), 0);
    ck_assert_int_eq(refund.voided, 1);
    ck_assert_int_eq(refund.cents, 1450);
    ck_assert_str_eq(refund.key, sale.key);       /* the refund finds its sale */
    /* a value not in the list is no void: the minus sign rejects */
    set(&r, RF_VOID, "OK");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
    ASSERT_REJ(rj, "Amount", "'-14.50' is a negative amount (refund?)");
    ck_assert_int_eq(out.voided, 0);
}
END_TEST

START_TEST(test_duration_profile)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("X1", "2.00", "", "1530536400", NULL, NULL);
    char t[20];

    iso(&p);
    p.time_kind = TIME_EPOCH_S;
    p.end_is_duration = 1;
    set(&r, RF_DURATION, "90");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    t2s(out.end, t);
    ck_assert_str_eq(t, "2018-07-02T14:30:00");
    set(&r, RF_DURATION, "0");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
    ASSERT_REJ(rj, "endTime", "is not after startTime");
    rj.n = 0;
    set(&r, RF_DURATION, "44641");     /* 31 days + 1 minute */
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
    ASSERT_REJ(rj, "endTime", "longer than max_duration_days 31");
    rj.n = 0;
    set(&r, RF_DURATION, "44640");     /* exactly 31 days */
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    set(&r, RF_DURATION, "30.5");
    set(&r, RF_START, "soon");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 2);
    ASSERT_REJ(rj, "endTime", "'30.5' is not a whole number of minutes");
    ASSERT_REJ(rj, "startTime", "'soon' is not epoch seconds");
}
END_TEST

START_TEST(test_key_limits)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("X1", "2.00", "", "2026-07-02T09:00:00", "2026-07-02T10:00:00",
                              NULL);
    char id[600];

    iso(&p);                           /* name "app": key = "app:" + id */
    memset(id, 'k', sizeof(id));
    id[508] = '\0';                    /* 4 + 508 = 512: fits */
    set(&r, RF_ID, id);
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_uint_eq(strlen(out.key), 512);
    id[508] = 'k';
    id[509] = '\0';                    /* 513: rejected, never cut */
    set(&r, RF_ID, id);
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
    ASSERT_REJ(rj, "_key", "longer than 512 bytes (513)");
    ck_assert_str_eq(out.key, "");
    rj.n = 0;
    set(&r, RF_ID, "12.0");
    r.v[RF_ID].json_number = 1;
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_str_eq(out.key, "app:12");
    set(&r, RF_ID, "1e5");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
    ASSERT_REJ(rj, "_key", "exponent");
    rj.n = 0;
    r.v[RF_ID].json_number = 0;
    set(&r, RF_ID, "A|7");             /* two id columns joined by ingest */
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_str_eq(out.key, "app:A|7");
}
END_TEST

START_TEST(test_opscom_keys)
{
    struct norm_profile p;
    struct permit out;
    struct rejects rj = { 0 };
    struct raw_record r = row("PL8RDR", NULL, "CAD", "2018-07-02T13:00:00",
                              "2018-07-02T13:30:00", "Lot 4");

    norm_profile_init(&p);
    snprintf(p.name, sizeof(p.name), "opscom");
    p.opscom_keys = 1;
    p.amount_optional = 1;             /* absent Amount = free session */
    set(&r, RF_KEY, "paystation:1138");
    set(&r, RF_PERMITNO, "L4-1138");
    set(&r, RF_TICKET, "T9");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_str_eq(out.key, "paystation:1138");
    ck_assert_int_eq(out.cents, 0);
    ck_assert_int_eq(out.currency, CUR_CAD);
    set(&r, RF_KEY, NULL);
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_str_eq(out.key, "opscom:L4-1138");
    set(&r, RF_PERMITNO, "");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    ck_assert_str_eq(out.key, "opscom:t:T9");
    set(&r, RF_TICKET, NULL);
    set(&r, RF_AMOUNT, "14.50");
    ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 0);
    /* printf '%s' 'PL8RDR|Lot 4|2018-07-02T13:00:00|2018-07-02T13:30:00|14.50' | sha256sum */
    ck_assert_str_eq(out.key,
        "opscom:38e47aa609740e6d704f48a698aa3995a1f82d8dc98dcf39bed89c6d2f18775b");
    ck_assert_int_eq(rj.n, 0);
    {
        static char longkey[514];

        memset(longkey, 'k', 513);     /* a `_key` of 513 bytes: rejected, never cut */
        set(&r, RF_KEY, longkey);
        ck_assert_int_eq(normalize_record(&p, &r, &out, collect, &rj), 1);
        ASSERT_REJ(rj, "_key", "is longer than 512 bytes (513)");
        ck_assert_str_eq(out.key, "");
        ck_assert_uint_eq(strlen(rj.raw[0]), 127);   /* raw = the _key value */
        ck_assert_int_eq(rj.raw[0][0], 'k');
    }
}
END_TEST


/* Random junk and near-miss values in every field: never a crash (run
 * under ASan too), and whatever is accepted satisfies the output rules. */
static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const seeds[] = {
    "14.50", "$1,234.50", "1.234,50", "C$0.00", "-1", "7/2/2018 9:00 AM", "12/31/2099 11:59 PM",
    "2026-11-01T01:30:00", "2026-03-08T02:30:00Z", "1530536400", "60.0", "ABC-123", "Lot 4",
    "\xc3\xa9", "\xf0\x9f\x85\xbf", "\xff", " ", "USD", "CA$", "1e5", "0", "99999999999999999999",
};

static void junk(char *buf, size_t cap, size_t *len)
{
    size_t n = 0, want = rnd(4) == 0 ? rnd((unsigned)cap - 1) : rnd(40);

    while (n < want) {
        if (rnd(3) == 0) {
            const char *sd = seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))];
            size_t k = strlen(sd);

            if (n + k > want)
                break;
            memcpy(buf + n, sd, k);
            n += k;
        } else {
            buf[n++] = (char)(rnd(4) ? (unsigned)"0123456789.,:/- $TAMPZ+"[rnd(24)] : rnd(256));
        }
    }
    buf[n] = '\0';
    *len = n;
}

/* three plausible values per field (for either profile kind) */
static const char *const valid[RF_COUNT][3] = {
    [RF_PLATE] = { "abc-123", "PL8RDR", "x 1" },
    [RF_AMOUNT] = { "14.50", "$1,234.50", "0" },
    [RF_CURRENCY] = { "", "usd", "CAD" },
    [RF_START] = { "7/2/2018 9:00 AM", "2026-11-01T01:52:00", "1530536400" },
    [RF_END] = { "7/2/2018 9:30 AM", "2026-11-01T01:22:00", "1530538200" },
    [RF_DURATION] = { "30", "60.0", "1" },
    [RF_ZONE] = { "Lot 4", "", "\xc3\xa9" },
    [RF_PERMITNO] = { "", "P1", "" },
    [RF_TICKET] = { "", "T1", "" },
    [RF_PROMO] = { "", "summer", "" },
    [RF_ID] = { "", "17", "" },
    [RF_VOID] = { "", "", "" },
    [RF_KEY] = { "", "k:1", "" },
};

static void discard(void *ctx, const char *field, const char *reason, const char *raw,
                    size_t rawlen)
{
    (void)field;
    (void)raw;
    (void)rawlen;
    ck_assert(reason[0] != '\0');
    ++*(int *)ctx;
}

START_TEST(test_random_records)
{
    static char bufs[RF_COUNT][1400];
    struct norm_profile p;
    struct raw_record r;
    struct permit out;
    int iter, f, accepted = 0;

    for (iter = 0; iter < 30000; iter++) {
        int nrej = 0, n;

        if (iter % 3 == 0)
            paystation(&p);
        else
            iso(&p);
        p.decimal_comma = iter % 5 == 0;
        p.end_is_duration = iter % 7 == 0;
        p.opscom_keys = iter % 11 == 0;
        p.time_kind = iter % 13 == 0 ? TIME_EPOCH_S : p.time_kind;
        memset(&r, 0, sizeof(r));
        r.file = "fuzz";
        for (f = 0; f < RF_COUNT; f++) {
            size_t len;

            if (rnd(20) == 0 && f != RF_PLATE)
                continue;
            if (rnd(8) != 0 && valid[f][0]) {   /* mostly plausible values */
                const char *v = valid[f][rnd(3)];

                len = strlen(v);
                memcpy(bufs[f], v, len + 1);
            } else {
                junk(bufs[f], sizeof(bufs[f]), &len);
            }
            r.v[f].ptr = bufs[f];
            r.v[f].len = len;
            r.v[f].present = 1;
            r.v[f].json_number = rnd(4) == 0;
        }
        n = normalize_record(&p, &r, &out, discard, &nrej);
        ck_assert_int_eq(n, nrej);
        if (n == 0) {
            size_t i, pl = strlen(out.plate);

            accepted++;
            ck_assert(pl >= 1 && pl <= PLATE_MAX);
            for (i = 0; i < pl; i++)
                ck_assert((out.plate[i] >= 'A' && out.plate[i] <= 'Z') ||
                          (out.plate[i] >= '0' && out.plate[i] <= '9'));
            ck_assert(out.cents >= 0 && out.cents <= AMOUNT_MAX_CENTS);
            ck_assert(out.currency == CUR_CAD || out.currency == CUR_USD);
            ck_assert(norm_year_ok(out.start) && norm_year_ok(out.end));
            ck_assert(out.end > out.start && out.end - out.start <= 31 * 86400LL);
            ck_assert(out.key[0] != '\0' && strlen(out.key) <= KEY_BYTES_MAX);
        }
    }
    /* the plausible values make enough records valid to test the invariants */
    ck_assert_int_gt(accepted, 1000);
}
END_TEST


/* Two threads normalizing (and hashing) at once with one shared profile:
 * each thread has its own digest context; results equal the serial ones. */
struct thr {
    const struct norm_profile *p;
    int base;
    char keys[2000][KEY_BYTES_MAX + 1];
};

static void nop_reject(void *ctx, const char *f, const char *r, const char *raw, size_t n)
{
    (void)f;
    (void)r;
    (void)raw;
    (void)n;
    ++*(int *)ctx;
}

static void *thr_run(void *arg)
{
    struct thr *t = arg;
    struct permit out;
    char plate[16];
    int i, bad = 0;

    for (i = 0; i < 2000; i++) {
        struct raw_record r = row(plate, "14.50", "", "2026-07-02T09:00:00",
                                  "2026-07-02T10:00:00", "Lot 1");

        snprintf(plate, sizeof(plate), "P%d", t->base + i);
        r.v[RF_PLATE].len = strlen(plate);
        if (normalize_record(t->p, &r, &out, nop_reject, &bad) == 0)
            snprintf(t->keys[i], sizeof(t->keys[i]), "%s", out.key);
    }
    norm_thread_cleanup();
    return bad ? t : NULL;
}

START_TEST(test_threads)
{
    static struct thr a, b, serial;
    struct norm_profile p;
    pthread_t ta, tb;
    void *ra, *rb;
    int i;

    iso(&p);
    a.p = b.p = serial.p = &p;
    a.base = 0;
    b.base = 0;
    serial.base = 0;
    ck_assert_ptr_null(thr_run(&serial));
    ck_assert_int_eq(pthread_create(&ta, NULL, thr_run, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, thr_run, &b), 0);
    ck_assert_int_eq(pthread_join(ta, &ra), 0);
    ck_assert_int_eq(pthread_join(tb, &rb), 0);
    ck_assert_ptr_null(ra);
    ck_assert_ptr_null(rb);
    for (i = 0; i < 2000; i++) {
        ck_assert_str_eq(a.keys[i], serial.keys[i]);
        ck_assert_str_eq(b.keys[i], serial.keys[i]);
    }
    ck_assert_str_ne(serial.keys[0], serial.keys[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("normalize_record");
    TCase *tc = tcase_create("records");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_good_row_with_id);
    tcase_add_test(tc, test_hash_key);
    tcase_add_test(tc, test_every_reason);
    tcase_add_test(tc, test_missing_fields);
    tcase_add_loop_test(tc, test_overlap_and_bounds, 0, N(overlaps));
    tcase_add_test(tc, test_free_session_hash);
    tcase_add_test(tc, test_currency_marks_in_records);
    tcase_add_test(tc, test_void_and_refund);
    tcase_add_test(tc, test_duration_profile);
    tcase_add_test(tc, test_key_limits);
    tcase_add_test(tc, test_opscom_keys);
    tcase_add_test(tc, test_random_records);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    norm_thread_cleanup();
    tz_cache_free();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
