/* test_normalize.c — the per-field normalizers, table by table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "tz.h"
#include "utc.h"
#include "utf8.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- amount --------------------------------------------------------------- */

enum { DC = 1, CENTS = 2, JSON = 4, VOID = 8 };

static const struct {
    const char *in;
    int flags;
    long long cents;        /* -1: rejected */
    enum currency mark;
    const char *why;        /* substring of the reason when rejected */
} amounts[] = {
    /* without decimal_comma */
    { "14.50", 0, 1450, CUR_NONE, NULL },
    { "14.5", 0, 1450, CUR_NONE, NULL },
    { "14", 0, 1400, CUR_NONE, NULL },
    { "1,234", 0, 123400, CUR_NONE, NULL },
    { "1,234.50", 0, 123450, CUR_NONE, NULL },
    { "1.234,50", 0, 123450, CUR_NONE, NULL },
    { "1,234,567.89", 0, -1, CUR_NONE, "over 999999.99" },
    { "123,456.78", 0, 12345678, CUR_NONE, NULL },
    { "14,50", 0, -1, CUR_NONE, "not a valid amount" },
    { "1.234", 0, -1, CUR_NONE, "not a valid amount" },
    { "14,505", 0, 1450500, CUR_NONE, NULL },         /* thousands: 14505.00 */
    { "14.505", 0, -1, CUR_NONE, "not a valid amount" },
    { ".50", 0, -1, CUR_NONE, "not a valid amount" },
    { "14.", 0, -1, CUR_NONE, "not a valid amount" },
    { "+1", 0, -1, CUR_NONE, "not a valid amount" },
    { "+14.50", 0, -1, CUR_NONE, "not a valid amount" },
    { "-1.00", 0, -1, CUR_NONE, "negative amount (refund?)" },
    { "-14.50", 0, -1, CUR_NONE, "negative amount (refund?)" },
    { "$-14.50", 0, -1, CUR_NONE, "negative amount (refund?)" },
    { "14.50-", 0, -1, CUR_NONE, "negative amount (refund?)" },
    { "-0.00", 0, -1, CUR_NONE, "negative amount (refund?)" },
    { "0.00", 0, 0, CUR_NONE, NULL },
    { "0", 0, 0, CUR_NONE, NULL },
    { "999999.99", 0, 99999999, CUR_NONE, NULL },
    { "999,999.99", 0, 99999999, CUR_NONE, NULL },
    { "1000000.00", 0, -1, CUR_NONE, "is over 999999.99" },
    { "1000000", 0, -1, CUR_NONE, "is over 999999.99" },
    { "99999999999999999999999", 0, -1, CUR_NONE, "is over 999999.99" },
    { "$14.50", 0, 1450, CUR_NONE, NULL },
    { "C$14.50", 0, 1450, CUR_CAD, NULL },
    { "CA$14.50", 0, 1450, CUR_CAD, NULL },
    { "US$14.50", 0, 1450, CUR_USD, NULL },
    { "14.50 USD", 0, 1450, CUR_USD, NULL },
    { "14.50 CAD", 0, 1450, CUR_CAD, NULL },
    { "  $14.50  ", 0, 1450, CUR_NONE, NULL },
    { "14.50USD", 0, -1, CUR_NONE, "text next to the number" },
    { "14.50 usd", 0, -1, CUR_NONE, "space" },
    { "us$14.50", 0, -1, CUR_NONE, "text next to the number" },
    { "$14.50 USD", 0, -1, CUR_NONE, "two currency marks" },
    { "US$14.50 USD", 0, -1, CUR_NONE, "two currency marks" },
    { "$$14.50", 0, -1, CUR_NONE, "two currency marks" },
    { "EUR14.50", 0, -1, CUR_NONE, "unknown currency mark" },
    { "14 .50", 0, -1, CUR_NONE, "space" },
    { "1 234.50", 0, -1, CUR_NONE, "space" },
    { "$ 14.50", 0, -1, CUR_NONE, "space" },
    { "14.50  USD", 0, -1, CUR_NONE, "space" },
    { "", 0, -1, CUR_NONE, "missing" },
    { "   ", 0, -1, CUR_NONE, "missing" },
    { "abc", 0, -1, CUR_NONE, "text next to the number" },
    { "$", 0, -1, CUR_NONE, "has no number" },
    { "1,23", 0, -1, CUR_NONE, "not a valid amount" },
    { "1234,567", 0, -1, CUR_NONE, "not a valid amount" },
    { "1,234,56", 0, -1, CUR_NONE, "not a valid amount" },
    { ",234", 0, -1, CUR_NONE, "not a valid amount" },
    { "1,,234", 0, -1, CUR_NONE, "not a valid amount" },
    { "1,234.", 0, -1, CUR_NONE, "not a valid amount" },
    { "1.234.50", 0, -1, CUR_NONE, "not a valid amount" },
    { "1,234.5,0", 0, -1, CUR_NONE, "not a valid amount" },
    { "1e3", 0, -1, CUR_NONE, "text next to the number" },
    { "14.50\xff", 0, -1, CUR_NONE, "invalid UTF-8" },
    /* decimal_comma */
    { "14.50", DC, 1450, CUR_NONE, NULL },
    { "14,50", DC, 1450, CUR_NONE, NULL },
    { "14,5", DC, 1450, CUR_NONE, NULL },
    { "1.234", DC, 123400, CUR_NONE, NULL },
    { "1.234,50", DC, 123450, CUR_NONE, NULL },
    { "1,234.50", DC, 123450, CUR_NONE, NULL },
    { "1.234.567", DC, -1, CUR_NONE, "over 999999.99" },
    { "14,505", DC, -1, CUR_NONE, "not a valid amount" },
    { "1,234", DC, -1, CUR_NONE, "not a valid amount" },
    { "14.505", DC, 1450500, CUR_NONE, NULL },         /* thousands: 14505.00 */
    { ",50", DC, -1, CUR_NONE, "not a valid amount" },
    { "14,", DC, -1, CUR_NONE, "not a valid amount" },
    { "14,50 CAD", DC, 1450, CUR_CAD, NULL },
    /* JSON numbers */
    { "14.5", JSON, 1450, CUR_NONE, NULL },
    { "14.50", JSON, 1450, CUR_NONE, NULL },
    { "14", JSON, 1400, CUR_NONE, NULL },
    { "14.500", JSON, 1450, CUR_NONE, NULL },
    { "14.505", JSON, -1, CUR_NONE, "not a valid amount" },
    { "1.234", JSON | DC, -1, CUR_NONE, "not a valid amount" },
    { "1e3", JSON, -1, CUR_NONE, "exponent" },
    { "1.45E1", JSON, -1, CUR_NONE, "exponent" },
    { "-1", JSON, -1, CUR_NONE, "negative amount (refund?)" },
    { "1000000", JSON, -1, CUR_NONE, "over 999999.99" },
    { "0", JSON, 0, CUR_NONE, NULL },
    /* amount_unit: cents */
    { "1450", CENTS, 1450, CUR_NONE, NULL },
    { "1450", CENTS | JSON, 1450, CUR_NONE, NULL },
    { "1450.0", CENTS | JSON, 1450, CUR_NONE, NULL },
    { "1450.0", CENTS, 1450, CUR_NONE, NULL },
    { "1450.5", CENTS | JSON, -1, CUR_NONE, "not a whole number of cents" },
    { "14.50", CENTS, -1, CUR_NONE, "not a whole number of cents" },
    { "1,450", CENTS, -1, CUR_NONE, "not a whole number of cents" },
    { "99999999", CENTS, 99999999, CUR_NONE, NULL },
    { "100000000", CENTS, -1, CUR_NONE, "over 999999.99" },
    { "123456789012345678", CENTS, -1, CUR_NONE, "over 999999.99" },
    { "US$1450", CENTS, 1450, CUR_USD, NULL },
    { "-1450", CENTS, -1, CUR_NONE, "negative amount (refund?)" },
    /* voided rows: the minus sign is allowed, the magnitude kept */
    { "-14.50", VOID, 1450, CUR_NONE, NULL },
    { "-$14.50", VOID, 1450, CUR_NONE, NULL },
    { "$-14.50", VOID, 1450, CUR_NONE, NULL },
    { "-14.50", VOID | JSON, 1450, CUR_NONE, NULL },
    { "14.50-", VOID, -1, CUR_NONE, "minus" },
    { "--14.50", VOID, -1, CUR_NONE, "minus" },
};

START_TEST(test_amount)
{
    struct norm_profile p;
    struct norm_amount a;
    char why[NORM_REASON_MAX] = "";
    int f = amounts[_i].flags, r;

    norm_profile_init(&p);
    p.decimal_comma = !!(f & DC);
    p.amount_in_cents = !!(f & CENTS);
    r = norm_amount(&p, amounts[_i].in, strlen(amounts[_i].in), !!(f & JSON), !!(f & VOID),
                    &a, why);
    if (amounts[_i].cents < 0) {
        ck_assert_msg(r == -1, "'%s' (flags %d) accepted as %lld", amounts[_i].in, f, a.cents);
        ck_assert_msg(strstr(why, amounts[_i].why) != NULL, "'%s': reason '%s' lacks '%s'",
                      amounts[_i].in, why, amounts[_i].why);
    } else {
        ck_assert_msg(r == 0, "'%s' (flags %d) rejected: %s", amounts[_i].in, f, why);
        ck_assert_int_eq(a.cents, amounts[_i].cents);
        ck_assert_int_eq(a.mark_currency, amounts[_i].mark);
    }
}
END_TEST

START_TEST(test_amount_reason_quotes)
{
    struct norm_profile p;
    struct norm_amount a;
    char why[NORM_REASON_MAX];

    norm_profile_init(&p);
    ck_assert_int_eq(norm_amount(&p, "1000000.00", 10, 0, 0, &a, why), -1);
    ck_assert_str_eq(why, "'1000000.00' is over 999999.99");
    ck_assert_int_eq(norm_amount(&p, " -1.00 ", 7, 0, 0, &a, why), -1);
    ck_assert_str_eq(why, "'-1.00' is a negative amount (refund?)");
}
END_TEST

static const struct { long long c; const char *s; } cents_fmt[] = {
    { 0, "0.00" }, { 5, "0.05" }, { 1450, "14.50" }, { 99999999, "999999.99" }, { 100, "1.00" },
};

START_TEST(test_format_cents)
{
    char out[24];

    norm_format_cents(cents_fmt[_i].c, out);
    ck_assert_str_eq(out, cents_fmt[_i].s);
}
END_TEST

/* ---- currency ------------------------------------------------------------ */

static const struct {
    const char *col, *amount;
    enum currency dflt, want;    /* want CUR_NONE: rejected */
    const char *why;
} currencies[] = {
    { "CAD", "14.50", CUR_NONE, CUR_CAD, NULL },
    { "usd", "14.50", CUR_NONE, CUR_USD, NULL },
    { " Cad ", "14.50", CUR_USD, CUR_CAD, NULL },
    { "c$", "14.50", CUR_NONE, CUR_CAD, NULL },
    { "CA$", "14.50", CUR_NONE, CUR_CAD, NULL },
    { "US$", "14.50", CUR_NONE, CUR_USD, NULL },
    { "", "14.50 USD", CUR_CAD, CUR_USD, NULL },      /* mark wins over the default */
    { "", "C$14.50", CUR_USD, CUR_CAD, NULL },
    { "", "CA$14.50", CUR_NONE, CUR_CAD, NULL },
    { "", "US$14.50", CUR_NONE, CUR_USD, NULL },
    { "", "14.50 CAD", CUR_NONE, CUR_CAD, NULL },
    { "", "$14.50", CUR_USD, CUR_USD, NULL },         /* bare $ names none */
    { "", "$14.50", CUR_NONE, CUR_NONE, "missing" },
    { "", "14.50", CUR_CAD, CUR_CAD, NULL },
    { "", "14.50", CUR_NONE, CUR_NONE, "missing" },
    { "USD", "C$14.50", CUR_NONE, CUR_NONE, "conflicts with the amount's currency mark 'C$'" },
    { "CAD", "14.50 USD", CUR_NONE, CUR_NONE, "conflicts" },
    { "CAD", "C$14.50", CUR_NONE, CUR_CAD, NULL },
    { "USD", "$14.50", CUR_CAD, CUR_USD, NULL },
    { "EUR", "14.50", CUR_CAD, CUR_NONE, "'EUR' is not CAD or USD" },
    { "$", "14.50", CUR_CAD, CUR_NONE, "not CAD or USD" },
    { "CADD", "14.50", CUR_CAD, CUR_NONE, "not CAD or USD" },
    { "Canadian dollars", "14.50", CUR_CAD, CUR_NONE, "not CAD or USD" },
};

START_TEST(test_currency)
{
    struct norm_profile p;
    struct norm_amount a;
    char why[NORM_REASON_MAX] = "";
    enum currency c;
    int r;

    norm_profile_init(&p);
    ck_assert_int_eq(norm_amount(&p, currencies[_i].amount, strlen(currencies[_i].amount), 0, 0,
                                 &a, why), 0);
    r = norm_currency(currencies[_i].col, strlen(currencies[_i].col), &a, currencies[_i].dflt,
                      &c, why);
    if (currencies[_i].want == CUR_NONE) {
        ck_assert_int_eq(r, -1);
        ck_assert_msg(strstr(why, currencies[_i].why) != NULL, "reason '%s'", why);
    } else {
        ck_assert_msg(r == 0, "%s/%s: %s", currencies[_i].col, currencies[_i].amount, why);
        ck_assert_int_eq(c, currencies[_i].want);
    }
}
END_TEST

/* ---- plate ------------------------------------------------------------------ */

static const struct { const char *in, *out, *why; } plates[] = {
    { "ABC123", "ABC123", NULL },
    { "abc123", "ABC123", NULL },
    { "abc-123", "ABC123", NULL },
    { "A.B.C 1 2 3", "ABC123", NULL },
    { "  pl8rdr\t", "PL8RDR", NULL },
    { "ABCDEFGHIJKLMNOPQRSTUVWXY", "ABCDEFGHIJKLMNOPQRSTUVWXY", NULL },   /* 25 */
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZ", NULL, "longer than 25 characters (26)" },
    { "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY", "ABCDEFGHIJKLMNOPQRSTUVWXY", NULL },
    { "AB\tC123", NULL, "character other than" },
    { "AB*123", NULL, "'AB*123' has a character other than" },
    { "ABC_123", NULL, "character other than" },
    { "\xc3\x89T\xc3\x89", NULL, "character other than" },
    { "AB\xff", NULL, "invalid UTF-8" },
    { "", NULL, "missing" },
    { " \t ", NULL, "missing" },
    { "- . -", NULL, "no letters or digits" },
};

START_TEST(test_plate)
{
    char out[PLATE_MAX + 1], why[NORM_REASON_MAX] = "";
    int r = norm_plate(plates[_i].in, strlen(plates[_i].in), out, why);

    if (plates[_i].out) {
        ck_assert_msg(r == 0, "'%s': %s", plates[_i].in, why);
        ck_assert_str_eq(out, plates[_i].out);
    } else {
        ck_assert_int_eq(r, -1);
        ck_assert_msg(strstr(why, plates[_i].why) != NULL, "'%s': reason '%s'", plates[_i].in, why);
    }
}
END_TEST

/* ---- times ----------------------------------------------------------------- */

#define TOR "America/Toronto"

static const struct {
    enum time_kind kind;
    const char *pat1, *pat2;  /* TIME_PATTERN */
    const char *zone;         /* NULL: UTC */
    const char *in;
    int n;                    /* 0: rejected */
    const char *u0, *u1;      /* expected UTC text */
    const char *why;
} times[] = {
    /* ISO-8601 */
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00", 1, "2026-07-02T13:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00Z", 1, "2026-07-02T09:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00+00:00", 1, "2026-07-02T09:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00-05:00", 1, "2026-07-02T14:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00+05:30", 1, "2026-07-02T03:30:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00.123", 1, "2026-07-02T13:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:59.999Z", 1, "2026-07-02T09:00:59", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00.5-04:00", 1, "2026-07-02T13:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00+0500", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00z", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02 09:00:00", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02t09:00:00", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00Z", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00.Z", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-07-02T09:00:00+05", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-7-2T09:00:00", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "20260702T090000", 0, NULL, NULL, "not ISO-8601" },
    { TIME_ISO8601, NULL, NULL, TOR, "", 0, NULL, NULL, "missing" },
    /* DST in America/Toronto */
    { TIME_ISO8601, NULL, NULL, TOR, "2026-03-08T02:30:00", 0, NULL, NULL,
      "'2026-03-08T02:30:00' does not exist in America/Toronto (DST gap)" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-03-08T02:30:00-05:00", 1, "2026-03-08T07:30:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-01T01:30:00", 2, "2026-11-01T05:30:00",
      "2026-11-01T06:30:00", NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-01T01:30:00-05:00", 1, "2026-11-01T06:30:00", NULL, NULL },
    /* calendar */
    { TIME_ISO8601, NULL, NULL, TOR, "2028-02-29T12:00:00", 1, "2028-02-29T17:00:00", NULL, NULL },
    { TIME_ISO8601, NULL, NULL, TOR, "2027-02-29T12:00:00", 0, NULL, NULL, "not a calendar date (Feb 29 2027)" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-13-01T12:00:00", 0, NULL, NULL, "has month 13" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-00-01T12:00:00", 0, NULL, NULL, "has month 0" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-31T12:00:00", 0, NULL, NULL, "not a calendar date (Nov 31 2026)" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-00T12:00:00", 0, NULL, NULL, "not a calendar date" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-30T25:00:00", 0, NULL, NULL, "has hour 25" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-30T24:00:00", 0, NULL, NULL, "has hour 24" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-30T12:60:00", 0, NULL, NULL, "has minute 60" },
    { TIME_ISO8601, NULL, NULL, TOR, "2026-11-30T12:00:60", 0, NULL, NULL, "has second 60" },
    /* patterns: the paystation one, padded and unpadded, any case of AM/PM */
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "07/02/2018 09:00 AM", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "7/2/2018 9:00 am", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "7/2/2018 9:00 Pm", 1, "2018-07-03T01:00:00", NULL, NULL },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "12/31/2026 12:00 AM", 1, "2026-12-31T05:00:00", NULL, NULL },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "12/31/2026 12:30 pm", 1, "2026-12-31T17:30:00", NULL, NULL },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "12/31/2026 13:00 PM", 0, NULL, NULL, "hour 13 on a 12-hour clock" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "12/31/2026 0:00 AM", 0, NULL, NULL, "hour 0 on a 12-hour clock" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "7/2/2018 9:00", 0, NULL, NULL, "does not match the pattern 'M/D/YYYY h:mm AM'" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "7/2/2018 9:00 XM", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "7/2/2018  9:00 AM", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "7/2/2018 9:00 AM x", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "007/2/2018 9:00 AM", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "13/2/2018 9:00 AM", 0, NULL, NULL, "has month 13" },
    { TIME_PATTERN, "M/D/YYYY h:mm AM", NULL, TOR, "3/8/2026 2:30 AM", 0, NULL, NULL, "DST gap" },
    { TIME_PATTERN, "MM/DD/YYYY hh:mm AM", NULL, TOR, "07/02/2018 09:00 AM", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_PATTERN, "MM/DD/YYYY hh:mm AM", NULL, TOR, "7/2/2018 9:00 am", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_PATTERN, "MM/DD/YYYY hh:mm AM", NULL, TOR, "7/2/2018 9:0 am", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "MM/DD/YYYY hh:mm AM", NULL, TOR, "7/2/18 9:00 am", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "MM/DD/YYYY hh:mm AM", NULL, TOR, "7/2/2018 09:00:00 AM", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "YYYYMMDDHHmmss", NULL, NULL, "20260702093005", 1, "2026-07-02T09:30:05", NULL, NULL },
    { TIME_PATTERN, "YYYYMMDDHHmmss", NULL, NULL, "2026072093005", 0, NULL, NULL, "does not match" },
    { TIME_PATTERN, "YYYYMMDD HH:mm", NULL, NULL, "20260702 9:30", 1, "2026-07-02T09:30:00", NULL, NULL },
    { TIME_PATTERN, "YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD HH:mm", TOR, "2026-11-01 01:52", 2,
      "2026-11-01T05:52:00", "2026-11-01T06:52:00", NULL },
    { TIME_PATTERN, "YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD HH:mm", TOR, "2026-07-01 23:59:59", 1,
      "2026-07-02T03:59:59", NULL, NULL },
    { TIME_PATTERN, "YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD HH:mm", TOR, "2026-07-01T23:59", 0,
      NULL, NULL, "does not match any of the profile's 2 time patterns" },
    { TIME_PATTERN, "DD.MM.YYYY H\\hmm", NULL, NULL, "02.07.2018 9h05", 1, "2018-07-02T09:05:00", NULL, NULL },
    /* epochs */
    { TIME_EPOCH_S, NULL, NULL, TOR, "1530536400", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_EPOCH_S, NULL, NULL, TOR, "1530536400.0", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_EPOCH_S, NULL, NULL, TOR, "1530536400.00", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_EPOCH_S, NULL, NULL, TOR, "1530536400.5", 0, NULL, NULL, "not epoch seconds" },
    { TIME_EPOCH_S, NULL, NULL, TOR, "1530536400.", 0, NULL, NULL, "not epoch seconds" },
    { TIME_EPOCH_S, NULL, NULL, TOR, "1.5305364e9", 0, NULL, NULL, "not epoch seconds" },
    { TIME_EPOCH_S, NULL, NULL, TOR, "-1", 0, NULL, NULL, "not epoch seconds" },
    { TIME_EPOCH_S, NULL, NULL, TOR, "+1530536400", 0, NULL, NULL, "not epoch seconds" },
    { TIME_EPOCH_S, NULL, NULL, TOR, "2018-07-02T13:00:00", 0, NULL, NULL, "not epoch seconds" },
    { TIME_EPOCH_MS, NULL, NULL, TOR, "1530536400000", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_EPOCH_MS, NULL, NULL, TOR, "1530536400999", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_EPOCH_MS, NULL, NULL, TOR, "1530536400000.0", 1, "2018-07-02T13:00:00", NULL, NULL },
    { TIME_EPOCH_MS, NULL, NULL, TOR, "1530536400000.1", 0, NULL, NULL, "not epoch milliseconds" },
};

START_TEST(test_time)
{
    struct norm_profile p;
    struct norm_time t;
    struct etl_err e;
    char why[NORM_REASON_MAX] = "", u[20];
    int r;

    norm_profile_init(&p);
    snprintf(p.name, sizeof(p.name), "t");
    p.time_kind = times[_i].kind;
    if (times[_i].pat1)
        snprintf(p.patterns[p.npatterns++], NORM_PATTERN_LEN, "%s", times[_i].pat1);
    if (times[_i].pat2)
        snprintf(p.patterns[p.npatterns++], NORM_PATTERN_LEN, "%s", times[_i].pat2);
    if (times[_i].zone)
        p.tz = tz_get(times[_i].zone, &e);
    ck_assert_msg(norm_profile_check(&p, &e) == 0, "%s", e.msg);
    if (_i % 2) /* both ways: patterns compiled once, and interpreted */
        p.patterns_compiled = 0;
    r = norm_time(&p, times[_i].in, strlen(times[_i].in), &t, why);
    if (times[_i].n == 0) {
        ck_assert_msg(r == -1, "'%s' accepted", times[_i].in);
        ck_assert_msg(strstr(why, times[_i].why) != NULL, "'%s': reason '%s' lacks '%s'",
                      times[_i].in, why, times[_i].why);
        return;
    }
    ck_assert_msg(r == 0, "'%s': %s", times[_i].in, why);
    ck_assert_int_eq(t.n, times[_i].n);
    utc_format(t.utc[0], u);
    ck_assert_str_eq(u, times[_i].u0);
    if (t.n == 2) {
        utc_format(t.utc[1], u);
        ck_assert_str_eq(u, times[_i].u1);
    }
}
END_TEST

static const struct { const char *pat; int ok; } patterns[] = {
    { "M/D/YYYY h:mm AM", 1 }, { "MM/DD/YYYY hh:mm AM", 1 }, { "MM/DD/YYYY hh:mm PM", 1 },
    { "YYYY-MM-DDTHH:mm:ss", 1 }, { "YYYY-MM-DD HH:mm", 1 }, { "D.M.YYYY H:mm", 1 },
    { "DD.MM.YYYY H\\hmm", 1 },
    { "", 0 }, { "YY-MM-DD HH:mm", 0 }, { "YYYY-MMM-DD HH:mm", 0 }, { "YYYY-MM-DD HH:m", 0 },
    { "YYYY-MM-DD hh:mm", 0 },          /* 12-hour without AM */
    { "YYYY-MM-DD HH:mm AM", 0 },       /* 24-hour with AM */
    { "YYYY-MM-DD", 0 },                /* no time */
    { "YYYY-MM-DD HH:mm:s", 0 }, { "MDYYYY HH:mm", 0 }, { "YYYYMD HH:mm", 0 },
    { "YYYY-MM-DD HH:mm YYYY", 0 }, { "YYYY-MM-DD HH:mm\\", 0 },
    { "YYYY-MM-DD HH:mm:ss.................................................", 0 },
};

START_TEST(test_pattern_check)
{
    struct etl_err e;
    int r = norm_pattern_check(patterns[_i].pat, &e);

    ck_assert_msg((r == 0) == patterns[_i].ok, "'%s': %d %s", patterns[_i].pat, r,
                  r ? e.msg : "");
    if (r)
        ck_assert_int_eq(e.code, E_CONFIG);
}
END_TEST

static const struct { const char *in; long long min; const char *why; } durations[] = {
    { "30", 30, NULL }, { "60.0", 60, NULL }, { " 1440 ", 1440, NULL }, { "0", 0, NULL },
    { "30.5", -1, "not a whole number of minutes" }, { "-30", -1, "not a whole" },
    { "+30", -1, "not a whole" }, { "1e2", -1, "not a whole" }, { "1,440", -1, "not a whole" },
    { "", -1, "missing" }, { "1234567890", -1, "not a whole" }, { "30 min", -1, "not a whole" },
};

START_TEST(test_duration)
{
    long long m = -1;
    char why[NORM_REASON_MAX] = "";
    int r = norm_duration(durations[_i].in, strlen(durations[_i].in), &m, why);

    if (durations[_i].min >= 0) {
        ck_assert_int_eq(r, 0);
        ck_assert_int_eq(m, durations[_i].min);
    } else {
        ck_assert_int_eq(r, -1);
        ck_assert_msg(strstr(why, durations[_i].why) != NULL, "reason '%s'", why);
    }
}
END_TEST

/* ---- text, UTF-8 -------------------------------------------------------- */

static char *repeat(const char *unit, int count)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * (size_t)count + 1);
    int i;

    ck_assert_ptr_nonnull(s);
    for (i = 0; i < count; i++)
        memcpy(s + ul * (size_t)i, unit, ul);
    s[ul * (size_t)count] = '\0';
    return s;
}

START_TEST(test_text_lengths)
{
    char out[ZONE_MAX * 4 + 1], why[NORM_REASON_MAX];
    char *z200 = repeat("\xc3\xa9", 200);          /* é: 2 bytes each */
    char *z201 = repeat("\xc3\xa9", 201);
    char *e200 = repeat("\xf0\x9f\x85\xbf", 200);   /* 4-byte code points */
    char *a51 = repeat("x", 51);

    ck_assert_int_eq(norm_text(z200, strlen(z200), ZONE_MAX, 0, out, why), 0);
    ck_assert_str_eq(out, z200);
    ck_assert_int_eq(norm_text(z201, strlen(z201), ZONE_MAX, 0, out, why), -1);
    ck_assert_msg(strstr(why, "longer than 200 characters (201)") != NULL, "%s", why);
    ck_assert_int_eq(norm_text(e200, strlen(e200), ZONE_MAX, 0, out, why), 0);
    ck_assert_uint_eq(strlen(out), 800);
    ck_assert_int_eq(norm_text(a51, 51, PROMO_MAX, 1, out, why), -1);
    ck_assert_int_eq(norm_text(a51, 50, PROMO_MAX, 1, out, why), 0);
    ck_assert_int_eq(norm_text("  summer20 ", 11, PROMO_MAX, 1, out, why), 0);
    ck_assert_str_eq(out, "SUMMER20");
    ck_assert_int_eq(norm_text(" \t ", 3, PROMO_MAX, 1, out, why), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(norm_text("Lot\0 4", 6, ZONE_MAX, 0, out, why), -1);
    ck_assert_str_eq(why, "contains a NUL character");
    ck_assert_int_eq(norm_text("Lot\xc3", 4, ZONE_MAX, 0, out, why), -1);
    ck_assert_str_eq(why, "invalid UTF-8");
    free(z200);
    free(z201);
    free(e200);
    free(a51);
}
END_TEST

static const struct { const char *s; long cp; } utf8s[] = {
    { "", 0 }, { "abc", 3 }, { "H\xc3\xb4tel", 5 }, { "\xe2\x82\xac", 1 },
    { "\xf0\x9f\x85\xbf", 1 }, { "\xf4\x8f\xbf\xbf", 1 },
    { "\xc3", -1 }, { "\x80", -1 }, { "\xc0\xaf", -1 }, { "\xc1\xbf", -1 },
    { "\xe0\x80\xaf", -1 }, { "\xed\xa0\x80", -1 }, { "\xf4\x90\x80\x80", -1 },
    { "\xf5\x80\x80\x80", -1 }, { "\xff", -1 }, { "a\xe2\x82", -1 }, { "\xf0\x80\x80\x80", -1 },
};

START_TEST(test_utf8)
{
    ck_assert_int_eq(utf8_count(utf8s[_i].s, strlen(utf8s[_i].s)), utf8s[_i].cp);
    ck_assert_int_eq(utf8_valid(utf8s[_i].s, strlen(utf8s[_i].s)), utf8s[_i].cp >= 0);
}
END_TEST

START_TEST(test_utf8_prefix)
{
    ck_assert_uint_eq(utf8_prefix("H\xc3\xb4tel", 6, 2), 1);
    ck_assert_uint_eq(utf8_prefix("H\xc3\xb4tel", 6, 3), 3);
    ck_assert_uint_eq(utf8_prefix("abc", 3, 10), 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("normalize");
    TCase *tc = tcase_create("fields");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_amount, 0, N(amounts));
    tcase_add_test(tc, test_amount_reason_quotes);
    tcase_add_loop_test(tc, test_format_cents, 0, N(cents_fmt));
    tcase_add_loop_test(tc, test_currency, 0, N(currencies));
    tcase_add_loop_test(tc, test_plate, 0, N(plates));
    tcase_add_loop_test(tc, test_time, 0, N(times));
    tcase_add_loop_test(tc, test_pattern_check, 0, N(patterns));
    tcase_add_loop_test(tc, test_duration, 0, N(durations));
    tcase_add_test(tc, test_text_lengths);
    tcase_add_loop_test(tc, test_utf8, 0, N(utf8s));
    tcase_add_test(tc, test_utf8_prefix);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    norm_thread_cleanup();
    tz_cache_free();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
