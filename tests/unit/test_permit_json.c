/* test_permit_json.c — the permit wire codec: push, update and delete
 * bodies, the record line, the diff of two permits and the parser. Every
 * expected body is written out here by hand from the API's field list
 * (names, order, "absent = omitted"), not taken from the program. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "permit.h"
#include "permit_json.h"

#define T_1400 1795874400LL          /* 2026-11-28T14:00:00Z */
#define T_2000 946684800LL           /* 2000-01-01T00:00:00Z */
#define T_2099 4102444799LL          /* 2099-12-31T23:59:59Z */

/* ABC123, 14.50 CAD, 2026-11-28 14:00-15:00, Lot 4. */
static void base(struct permit *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->plate, sizeof(p->plate), "ABC123");
    p->cents = 1450;
    p->currency = CUR_CAD;
    p->start = T_1400;
    p->end = T_1400 + 3600;
    snprintf(p->zone, sizeof(p->zone), "Lot 4");
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "LOT-04");
    snprintf(p->key, sizeof(p->key), "ps:1");
}

/* s repeated n times into out (cap bytes). */
static void rep(char *out, size_t cap, const char *s, int n)
{
    size_t k = strlen(s), o = 0;
    int i;

    for (i = 0; i < n; i++) {
        ck_assert_uint_lt(o + k, cap);
        memcpy(out + o, s, k);
        o += k;
    }
    out[o] = '\0';
}

#define BASE_MEMBERS "\"LicencePlate\":\"ABC123\",\"Amount\":\"14.50\",\"CurrencyID\":\"CAD\"," \
                     "\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\"," \
                     "\"zone\":\"Lot 4\""

START_TEST(test_field_table)
{
    static const char *const want[] = { "LicencePlate", "Amount", "CurrencyID", "startTime",
                                        "endTime", "zone", "permitNo", "TicketNumber",
                                        "promoCode" };
    int i;

    ck_assert_int_eq(PF_COUNT, 9);
    for (i = 0; i < PF_COUNT; i++)
        ck_assert_str_eq(permit_field_name((enum permit_field)i), want[i]);
    ck_assert_str_eq(permit_field_name(PF_COUNT), "");
    ck_assert_str_eq(PERMIT_PLATE_NAME, "LicencePlate");
}
END_TEST

START_TEST(test_push_body)
{
    struct buf b = BUF_INIT, m = BUF_INIT;
    struct permit p;

    /* every field, in the API's order */
    base(&p);
    p.start = 1700000420LL;                   /* 2023-11-14T22:20:20Z */
    p.end = p.start + 1800;
    p.cents = 1457;
    snprintf(p.zone, sizeof(p.zone), "Lot 2");
    snprintf(p.permit_no, sizeof(p.permit_no), "P-7");
    snprintf(p.ticket, sizeof(p.ticket), "T\"1");
    snprintf(p.promo, sizeof(p.promo), "SAVE10");
    ck_assert_int_eq(buf_addstr(&b, "<"), 0);    /* builders append */
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "<{\"LicencePlate\":\"ABC123\",\"Amount\":\"14.57\",\"CurrencyID\":\"CAD\","
                            "\"startTime\":\"2023-11-14T22:20:20\",\"endTime\":\"2023-11-14T22:50:20\","
                            "\"zone\":\"Lot 2\",\"permitNo\":\"P-7\",\"TicketNumber\":\"T\\\"1\","
                            "\"promoCode\":\"SAVE10\"}");
    ck_assert_uint_eq(b.len, strlen(b.ptr));
    /* the push request: the members without braces */
    ck_assert_int_eq(permit_json_body_members(b.ptr + 1, b.len - 1, &m), 0);
    ck_assert_uint_eq(m.len, b.len - 3);
    ck_assert_int_eq(memcmp(m.ptr, b.ptr + 2, m.len), 0);
    ck_assert_int_eq(permit_json_body_members("", 0, &m), -1);
    ck_assert_int_eq(permit_json_body_members("{", 1, &m), -1);
    ck_assert_int_eq(permit_json_body_members("[1]", 3, &m), -1);
    buf_reset(&m);
    ck_assert_int_eq(permit_json_body_members("{}", 2, &m), 0);
    ck_assert_uint_eq(m.len, 0);

    /* a free session: no Amount; absent optional fields omitted */
    buf_reset(&b);
    p.cents = 0;
    p.zone[0] = p.permit_no[0] = p.ticket[0] = p.promo[0] = '\0';
    p.currency = CUR_USD;
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"ABC123\",\"CurrencyID\":\"USD\","
                            "\"startTime\":\"2023-11-14T22:20:20\",\"endTime\":\"2023-11-14T22:50:20\"}");
    /* no currency: omitted; the largest amount */
    buf_reset(&b);
    p.currency = CUR_NONE;
    p.cents = 99999999;
    p.start = T_2000;
    p.end = T_2099;
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"ABC123\",\"Amount\":\"999999.99\","
                            "\"startTime\":\"2000-01-01T00:00:00\",\"endTime\":\"2099-12-31T23:59:59\"}");
    /* a leap day; one cent, ten cents */
    buf_reset(&b);
    p.start = 951782400LL;                    /* 2000-02-29T00:00:00Z */
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.ptr, "\"startTime\":\"2000-02-29T00:00:00\""));
    buf_reset(&b);
    p.cents = 1;
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.ptr, "\"Amount\":\"0.01\""));
    buf_reset(&b);
    p.cents = 10;
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.ptr, "\"Amount\":\"0.10\""));
    buf_release(&b);
    buf_release(&m);
}
END_TEST

/* The escaping policy: JSON escapes for '"', '\\' and control characters,
 * valid UTF-8 as it is, a byte that is not valid UTF-8 as the text \xHH. */
static const struct { const char *in, *out; } esc_cases[] = {
    { "plain", "plain" },
    { "Kiosk \"North\"", "Kiosk \\\"North\\\"" },
    { "a\\b", "a\\\\b" },
    { "Lot 1;\r\nnorth", "Lot 1;\\r\\nnorth" },
    { "tab\there", "tab\\there" },
    { "\x01\x1f\x7f", "\\u0001\\u001f\\u007f" },
    { "\x08\x0c", "\\u0008\\u000c" },
    { "H\xc3\xb4tel de Ville", "H\xc3\xb4tel de Ville" },                  /* é, ô: as is */
    { "\xe2\x82\xac 5 \xf0\x9f\x9a\x97", "\xe2\x82\xac 5 \xf0\x9f\x9a\x97" }, /* €, 🚗 */
    { "AAA\xff" "119", "AAA\\\\xFF119" },                                  /* not UTF-8 */
    { "end\xc3", "end\\\\xC3" },                                           /* cut sequence */
    { "\xc0\xaf", "\\\\xC0\\\\xAF" },                                      /* overlong */
    { "\xed\xa0\x80", "\\\\xED\\\\xA0\\\\x80" },                           /* surrogate */
    { "\xf4\x90\x80\x80", "\\\\xF4\\\\x90\\\\x80\\\\x80" },                /* > U+10FFFF */
    { "0123456789abcdef\"", "0123456789abcdef\\\"" },        /* past the word loads */
};

START_TEST(test_escaping)
{
    struct buf b = BUF_INIT, want = BUF_INIT;
    struct permit p;

    base(&p);
    snprintf(p.zone, sizeof(p.zone), "%s", esc_cases[_i].in);
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_int_eq(buf_addstr(&want, "{" BASE_MEMBERS), 0);
    want.len -= strlen("Lot 4\"");
    ck_assert_int_eq(buf_addstr(&want, esc_cases[_i].out), 0);
    ck_assert_int_eq(buf_addstr(&want, "\"}"), 0);
    ck_assert_str_eq(b.ptr, want.ptr);
    buf_release(&b);
    buf_release(&want);
}
END_TEST

/* The word-at-a-time copy: one character to escape at every position of
 * texts of 1 to 24 bytes, and none. */
START_TEST(test_escape_positions)
{
    static const struct { char c; const char *esc; } specials[] = {
        { '"', "\\\"" }, { '\\', "\\\\" }, { '\n', "\\n" }, { '\x02', "\\u0002" },
        { '\x7f', "\\u007f" }, { '\x80', "\\\\x80" }, { 'x', "x" },
    };
    struct buf b = BUF_INIT, want = BUF_INIT;
    struct permit p;
    size_t n, pos, k;

    base(&p);
    for (k = 0; k < sizeof(specials) / sizeof(specials[0]); k++)
        for (n = 1; n <= 24; n++)
            for (pos = 0; pos < n; pos++) {
                memset(p.promo, 'a', n);
                p.promo[n] = '\0';
                p.promo[pos] = specials[k].c;
                buf_reset(&b);
                buf_reset(&want);
                ck_assert_int_eq(permit_json_body(&p, &b), 0);
                buf_addstr(&want, "{" BASE_MEMBERS ",\"promoCode\":\"");
                for (size_t i = 0; i < n; i++)
                    buf_addstr(&want, i == pos ? specials[k].esc : "a");
                buf_addstr(&want, "\"}");
                ck_assert_msg(!strcmp(b.ptr, want.ptr), "n %zu pos %zu: %s", n, pos, b.ptr);
            }
    buf_release(&b);
    buf_release(&want);
}
END_TEST

/* Every wire field goes out and comes back, at its limit in code points
 * (multi-byte text included), and the rest of the permit is untouched. */
START_TEST(test_round_trip)
{
    struct buf b = BUF_INIT;
    struct permit p, q;

    memset(&p, 0, sizeof(p));
    rep(p.plate, sizeof(p.plate), "Z", PLATE_MAX);
    p.cents = 99999999;
    p.currency = CUR_USD;
    p.start = T_2000;
    p.end = T_2099;
    rep(p.zone, sizeof(p.zone), "\xc3\xa9", ZONE_MAX);                 /* 200 x é */
    rep(p.permit_no, sizeof(p.permit_no), "\xe2\x82\xac", PERMITNO_MAX); /* 50 x € */
    rep(p.ticket, sizeof(p.ticket), "\xf0\x9f\x9a\x97", TICKET_MAX);    /* 50 x 🚗 */
    rep(p.promo, sizeof(p.promo), "\"\\\n\x01", PROMO_MAX / 4);         /* escapes */
    ck_assert_int_eq(permit_json_body(&p, &b), 0);

    memset(&q, 0, sizeof(q));
    snprintf(q.key, sizeof(q.key), "keep:1");
    snprintf(q.vendor_zone, sizeof(q.vendor_zone), "vendor");
    q.zone_status = ZONE_ALIAS;
    q.voided = 1;
    q.line = 77;
    ck_assert_int_eq(permit_json_parse(b.ptr, &q), 0);
    ck_assert_str_eq(q.plate, p.plate);
    ck_assert_int_eq(q.cents, p.cents);
    ck_assert_int_eq(q.currency, CUR_USD);
    ck_assert_int_eq(q.start, T_2000);
    ck_assert_int_eq(q.end, T_2099);
    ck_assert_str_eq(q.zone, p.zone);
    ck_assert_str_eq(q.permit_no, p.permit_no);
    ck_assert_str_eq(q.ticket, p.ticket);
    ck_assert_str_eq(q.promo, p.promo);
    ck_assert_str_eq(q.key, "keep:1");
    ck_assert_str_eq(q.vendor_zone, "vendor");
    ck_assert_int_eq(q.zone_status, ZONE_ALIAS);
    ck_assert_int_eq(q.voided, 1);
    ck_assert_int_eq(q.line, 77);
    ck_assert_int_eq(permit_json_diff(&p, &q, NULL), PERMIT_SAME);

    /* absent fields come back absent; the same body again */
    base(&p);
    p.cents = 0;
    buf_reset(&b);
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_int_eq(permit_json_parse(b.ptr, &q), 0);
    ck_assert_int_eq(q.cents, 0);
    ck_assert_str_eq(q.permit_no, "");
    ck_assert_str_eq(q.ticket, "");
    ck_assert_str_eq(q.promo, "");
    ck_assert_int_eq(permit_json_diff(&p, &q, NULL), PERMIT_SAME);
    {
        struct buf b2 = BUF_INIT;

        ck_assert_int_eq(permit_json_body(&q, &b2), 0);
        ck_assert_str_eq(b2.ptr, b.ptr);
        buf_release(&b2);
    }

    /* a byte that was not UTF-8 comes back as the four characters \xFF */
    snprintf(p.zone, sizeof(p.zone), "A\xff");
    buf_reset(&b);
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_int_eq(permit_json_parse(b.ptr, &q), 0);
    ck_assert_str_eq(q.zone, "A\\xFF");
    buf_release(&b);
}
END_TEST

/* Texts over their limit in code points are refused, p untouched. */
static const struct { enum permit_field f; const char *unit; int n; int ok; } limit_cases[] = {
    { PF_PLATE,    "A",            PLATE_MAX,        1 },
    { PF_PLATE,    "A",            PLATE_MAX + 1,    0 },
    { PF_ZONE,     "z",            ZONE_MAX,         1 },
    { PF_ZONE,     "z",            ZONE_MAX + 1,     0 },
    { PF_ZONE,     "\xc3\xa9",     ZONE_MAX,         1 },
    { PF_ZONE,     "\xc3\xa9",     ZONE_MAX + 1,     0 },
    { PF_ZONE,     "\xf0\x9f\x9a\x97", ZONE_MAX,     1 },
    { PF_ZONE,     "\xf0\x9f\x9a\x97", ZONE_MAX + 1, 0 },
    { PF_PERMITNO, "9",            PERMITNO_MAX,     1 },
    { PF_PERMITNO, "9",            PERMITNO_MAX + 1, 0 },
    { PF_TICKET,   "\xe2\x82\xac", TICKET_MAX,       1 },
    { PF_TICKET,   "\xe2\x82\xac", TICKET_MAX + 1,   0 },
    { PF_PROMO,    "P",            PROMO_MAX,        1 },
    { PF_PROMO,    "P",            PROMO_MAX + 1,    0 },
    { PF_PROMO,    "\\n",          PROMO_MAX,        1 },   /* escapes count once */
    { PF_PROMO,    "\\n",          PROMO_MAX + 1,    0 },
};

START_TEST(test_limits)
{
    char text[1200], body[1600];
    struct permit q;

    rep(text, sizeof(text), limit_cases[_i].unit, limit_cases[_i].n);
    snprintf(body, sizeof(body),
             "{\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\","
             "\"%s\":\"%s\"}", permit_field_name(limit_cases[_i].f), text);
    memset(&q, 0, sizeof(q));
    snprintf(q.plate, sizeof(q.plate), "SENTINEL");
    ck_assert_int_eq(permit_json_parse(body, &q), limit_cases[_i].ok ? 0 : -1);
    if (limit_cases[_i].ok) {
        const char *got = limit_cases[_i].f == PF_PLATE ? q.plate
                        : limit_cases[_i].f == PF_ZONE ? q.zone
                        : limit_cases[_i].f == PF_PERMITNO ? q.permit_no
                        : limit_cases[_i].f == PF_TICKET ? q.ticket : q.promo;
        char want[1200];

        rep(want, sizeof(want), strcmp(limit_cases[_i].unit, "\\n") ? limit_cases[_i].unit
                                                                     : "\n",
            limit_cases[_i].n);
        ck_assert_str_eq(got, want);
    } else {
        ck_assert_str_eq(q.plate, "SENTINEL");
        ck_assert_int_eq(q.start, 0);
    }
}
END_TEST

/* What parse accepts: body, 0/-1, then (when 0) cents and currency. */
static const struct { const char *body; int rc; long long cents; enum currency cur; } parse_cases[] = {
    { "{\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\"}",
      0, 0, CUR_NONE },
    { "{\"Amount\":\"14.50\",\"CurrencyID\":\"CAD\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", 0, 1450, CUR_CAD },
    { "{\"Amount\":\"12\",\"CurrencyID\":\"USD\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", 0, 1200, CUR_USD },
    { "{\"Amount\":\"1.5\",\"CurrencyID\":\"EUR\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", 0, 150, CUR_NONE },
    /* a member of another type is absent */
    { "{\"Amount\":14.5,\"LicencePlate\":7,\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", 0, 0, CUR_NONE },
    { "{\"Amount\":\"1.234\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", -1, 0, CUR_NONE },
    { "{\"Amount\":\"-1.00\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", -1, 0, CUR_NONE },
    { "{\"Amount\":\".50\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", -1, 0, CUR_NONE },
    { "{\"Amount\":\"1,50\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", -1, 0, CUR_NONE },
    { "{\"startTime\":\"2026-11-28T14:00:00\"}", -1, 0, CUR_NONE },
    { "{\"startTime\":\"2026-11-28 14:00:00\",\"endTime\":\"2026-11-28T15:00:00\"}",
      -1, 0, CUR_NONE },
    { "{\"startTime\":\"2026-02-29T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\"}",
      -1, 0, CUR_NONE },
    { "{\"startTime\":\"2026-11-28T24:00:00\",\"endTime\":\"2026-11-28T15:00:00\"}",
      -1, 0, CUR_NONE },
    { "{\"startTime\":\"2026-11-28T14:00:00Z\",\"endTime\":\"2026-11-28T15:00:00\"}",
      -1, 0, CUR_NONE },
    { "{\"zone\":\"a\\u0000b\",\"startTime\":\"2026-11-28T14:00:00\","
      "\"endTime\":\"2026-11-28T15:00:00\"}", -1, 0, CUR_NONE },
    { "[1, 2]", -1, 0, CUR_NONE },
    { "not json", -1, 0, CUR_NONE },
    { "", -1, 0, CUR_NONE },
};

START_TEST(test_parse)
{
    struct permit q;

    memset(&q, 0, sizeof(q));
    q.cents = -5;
    ck_assert_int_eq(permit_json_parse(parse_cases[_i].body, &q), parse_cases[_i].rc);
    if (parse_cases[_i].rc == 0) {
        ck_assert_int_eq(q.cents, parse_cases[_i].cents);
        ck_assert_int_eq(q.currency, parse_cases[_i].cur);
        ck_assert_int_eq(q.start, T_1400);
        ck_assert_int_eq(q.end, T_1400 + 3600);
        ck_assert_str_eq(q.plate, "");
    } else {
        ck_assert_int_eq(q.cents, -5);      /* untouched */
    }
}
END_TEST

/* From the base permit (the server's) to a changed one: the diff, the mask
 * and the update body. */
static const struct {
    const char *name;
    const char *plate;
    long long   cents;
    enum currency cur;
    long long   dstart, dend;
    const char *zone, *permit_no, *ticket, *promo;
    enum permit_change want;
    unsigned    mask;
    const char *upd;
} diff_cases[] = {
    { "same", "ABC123", 1450, CUR_CAD, 0, 0, "Lot 4", "", "", "", PERMIT_SAME, 0, NULL },
    { "amount", "ABC123", 1500, CUR_CAD, 0, 0, "Lot 4", "", "", "", PERMIT_UPDATE,
      PF_BIT(PF_AMOUNT), "\"reference_id\":\"R1\",\"Amount\":\"15.00\"" },
    { "end", "ABC123", 1450, CUR_CAD, 0, 600, "Lot 4", "", "", "", PERMIT_UPDATE,
      PF_BIT(PF_END), "\"reference_id\":\"R1\",\"endTime\":\"2026-11-28T15:10:00\"" },
    { "plate+currency", "XYZ9", 1450, CUR_USD, 0, 0, "Lot 4", "", "", "", PERMIT_UPDATE,
      PF_BIT(PF_PLATE) | PF_BIT(PF_CURRENCY),
      "\"reference_id\":\"R1\",\"LicencePlate\":\"XYZ9\",\"CurrencyID\":\"USD\"" },
    { "all four", "Q1", 99999999, CUR_USD, 0, -1800, "Lot 4", "", "", "", PERMIT_UPDATE,
      PF_BIT(PF_PLATE) | PF_BIT(PF_AMOUNT) | PF_BIT(PF_CURRENCY) | PF_BIT(PF_END),
      "\"reference_id\":\"R1\",\"LicencePlate\":\"Q1\",\"Amount\":\"999999.99\","
      "\"CurrencyID\":\"USD\",\"endTime\":\"2026-11-28T14:30:00\"" },
    { "zone", "ABC123", 1450, CUR_CAD, 0, 0, "Lot 5", "", "", "", PERMIT_REPLACE,
      PF_BIT(PF_ZONE), NULL },
    { "start", "ABC123", 1450, CUR_CAD, -60, 0, "Lot 4", "", "", "", PERMIT_REPLACE,
      PF_BIT(PF_START), NULL },
    { "permitNo", "ABC123", 1450, CUR_CAD, 0, 0, "Lot 4", "P1", "", "", PERMIT_REPLACE,
      PF_BIT(PF_PERMITNO), NULL },
    { "ticket", "ABC123", 1450, CUR_CAD, 0, 0, "Lot 4", "", "T1", "", PERMIT_REPLACE,
      PF_BIT(PF_TICKET), NULL },
    { "promo", "ABC123", 1450, CUR_CAD, 0, 0, "Lot 4", "", "", "X", PERMIT_REPLACE,
      PF_BIT(PF_PROMO), NULL },
    { "to free", "ABC123", 0, CUR_CAD, 0, 0, "Lot 4", "", "", "", PERMIT_REPLACE,
      PF_BIT(PF_AMOUNT), NULL },
    { "amount and zone", "ABC123", 1500, CUR_CAD, 0, 0, "", "", "", "", PERMIT_REPLACE,
      PF_BIT(PF_AMOUNT) | PF_BIT(PF_ZONE), NULL },
};

START_TEST(test_diff_and_update)
{
    struct permit from, to;
    struct buf b = BUF_INIT;
    unsigned mask = 0xdead;

    base(&from);
    base(&to);
    snprintf(to.plate, sizeof(to.plate), "%s", diff_cases[_i].plate);
    to.cents = diff_cases[_i].cents;
    to.currency = diff_cases[_i].cur;
    to.start += diff_cases[_i].dstart;
    to.end += diff_cases[_i].dend;
    snprintf(to.zone, sizeof(to.zone), "%s", diff_cases[_i].zone);
    snprintf(to.permit_no, sizeof(to.permit_no), "%s", diff_cases[_i].permit_no);
    snprintf(to.ticket, sizeof(to.ticket), "%s", diff_cases[_i].ticket);
    snprintf(to.promo, sizeof(to.promo), "%s", diff_cases[_i].promo);
    /* fields off the wire never count */
    snprintf(to.key, sizeof(to.key), "other:2");
    snprintf(to.vendor_zone, sizeof(to.vendor_zone), "elsewhere");
    to.line = 9;
    ck_assert_int_eq(permit_json_diff(&from, &to, &mask), diff_cases[_i].want);
    ck_assert_uint_eq(mask, diff_cases[_i].mask);
    if (diff_cases[_i].upd) {
        ck_assert_int_eq(permit_json_update("R1", &to, mask, &b), 0);
        ck_assert_str_eq(b.ptr, diff_cases[_i].upd);
    } else if (diff_cases[_i].want == PERMIT_REPLACE) {
        ck_assert_int_eq(permit_json_update("R1", &to, mask, &b), -1);
        ck_assert_uint_eq(b.len, 0);
    }
    /* the other way round: the same fields differ */
    ck_assert_int_eq(permit_json_diff(&to, &from, &mask), diff_cases[_i].want);
    ck_assert_uint_eq(mask, diff_cases[_i].mask);
    buf_release(&b);
}
END_TEST

START_TEST(test_update_and_delete_misuse)
{
    struct buf b = BUF_INIT;
    struct permit p;

    base(&p);
    ck_assert_int_eq(buf_addstr(&b, "kept"), 0);
    ck_assert_int_eq(permit_json_update("", &p, PF_BIT(PF_END), &b), -1);
    ck_assert_int_eq(permit_json_update(NULL, &p, PF_BIT(PF_END), &b), -1);
    ck_assert_int_eq(permit_json_update("R1", &p, PF_BIT(PF_ZONE), &b), -1);
    ck_assert_int_eq(permit_json_update("R1", &p, PF_BIT(PF_START), &b), -1);
    ck_assert_int_eq(permit_json_update("R1", &p, PF_BIT(PF_COUNT), &b), -1);
    p.cents = 0;
    ck_assert_int_eq(permit_json_update("R1", &p, PF_BIT(PF_AMOUNT), &b), -1);
    ck_assert_int_eq(permit_json_delete("", &b), -1);
    ck_assert_int_eq(permit_json_delete(NULL, &b), -1);
    ck_assert_str_eq(b.ptr, "kept");
    /* no field: the reference alone; a reference is escaped like any text */
    buf_reset(&b);
    ck_assert_int_eq(permit_json_update("R-1", &p, 0, &b), 0);
    ck_assert_str_eq(b.ptr, "\"reference_id\":\"R-1\"");
    buf_reset(&b);
    ck_assert_int_eq(permit_json_delete("R-9", &b), 0);
    ck_assert_str_eq(b.ptr, "\"reference_id\":\"R-9\"");
    buf_reset(&b);
    ck_assert_int_eq(permit_json_delete("a\"b\\", &b), 0);
    ck_assert_str_eq(b.ptr, "\"reference_id\":\"a\\\"b\\\\\"");
    buf_release(&b);
}
END_TEST

/* The record line (validate --json-out, the ledger's `record`). */
START_TEST(test_record_line)
{
    struct buf b = BUF_INIT;
    struct permit p;

    /* line 1 of tests/expected/validate/samples.jsonl, written by hand */
    memset(&p, 0, sizeof(p));
    snprintf(p.plate, sizeof(p.plate), "HS100");
    p.cents = 1450;
    p.currency = CUR_CAD;
    p.start = T_1400;
    p.end = T_1400 + 3600;
    snprintf(p.zone, sizeof(p.zone), "1001");
    snprintf(p.permit_no, sizeof(p.permit_no), "900001");
    snprintf(p.ticket, sizeof(p.ticket), "HS-1");
    snprintf(p.key, sizeof(p.key), "hotspot:900001");
    p.source = "samples/hotspot-20261128.json";
    p.line = 2;
    ck_assert_int_eq(permit_json_record(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"HS100\",\"Amount\":\"14.50\",\"CurrencyID\":\"CAD\","
                            "\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\","
                            "\"zone\":\"1001\",\"permitNo\":\"900001\",\"TicketNumber\":\"HS-1\","
                            "\"_source\":\"samples/hotspot-20261128.json\",\"_line\":2,"
                            "\"_key\":\"hotspot:900001\"}");
    /* with a zone list: its status; an escaped source and key */
    buf_reset(&b);
    base(&p);
    p.cents = 0;
    p.zone_status = ZONE_DISCONNECTED;
    p.source = "dir/a \"b\".csv";
    p.line = 123456789;
    snprintf(p.key, sizeof(p.key), "ps:\\1");
    ck_assert_int_eq(permit_json_record(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"ABC123\",\"CurrencyID\":\"CAD\","
                            "\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\","
                            "\"zone\":\"Lot 4\",\"_source\":\"dir/a \\\"b\\\".csv\","
                            "\"_line\":123456789,\"_key\":\"ps:\\\\1\","
                            "\"_zone_status\":\"disconnected\"}");
    /* no source, no key, unchecked zone: those members omitted */
    buf_reset(&b);
    p.source = NULL;
    p.key[0] = '\0';
    p.zone_status = ZONE_UNCHECKED;
    p.line = 0;
    ck_assert_int_eq(permit_json_record(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"ABC123\",\"CurrencyID\":\"CAD\","
                            "\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\","
                            "\"zone\":\"Lot 4\",\"_line\":0}");
    buf_release(&b);
}
END_TEST

/* The worst case: every byte of every text escaped six-fold still fits
 * (the writer grows once and stores blindly). */
START_TEST(test_worst_case)
{
    struct buf b = BUF_INIT;
    struct permit p;
    char src[600];
    size_t want;

    memset(&p, 0, sizeof(p));
    memset(p.plate, '\x01', PLATE_MAX);
    memset(p.zone, '\x01', sizeof(p.zone) - 1);
    memset(p.permit_no, '\x01', sizeof(p.permit_no) - 1);
    memset(p.ticket, '\x01', sizeof(p.ticket) - 1);
    memset(p.promo, '\x01', sizeof(p.promo) - 1);
    memset(p.key, '\x01', sizeof(p.key) - 1);
    memset(src, '\x01', sizeof(src) - 1);
    src[sizeof(src) - 1] = '\0';
    p.source = src;
    p.cents = 99999999;
    p.currency = CUR_CAD;
    p.start = T_2000;
    p.end = T_2099;
    p.line = -9223372036854775807L - 1;
    p.zone_status = ZONE_MISSING;
    ck_assert_int_eq(permit_json_record(&p, &b), 0);
    want = 6 * (PLATE_MAX + sizeof(p.zone) - 1 + sizeof(p.permit_no) - 1 +
                sizeof(p.ticket) - 1 + sizeof(p.promo) - 1 + sizeof(p.key) - 1 +
                sizeof(src) - 1);
    ck_assert_uint_gt(b.len, want);
    ck_assert_uint_eq(strlen(b.ptr), b.len);
    ck_assert_ptr_nonnull(strstr(b.ptr, ",\"_line\":-9223372036854775808,"));
    ck_assert_ptr_nonnull(strstr(b.ptr, "\"_zone_status\":\"missing\"}"));
    buf_release(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("permit_json");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_field_table);
    tcase_add_test(tc, test_push_body);
    tcase_add_loop_test(tc, test_escaping, 0, sizeof(esc_cases) / sizeof(esc_cases[0]));
    tcase_add_test(tc, test_escape_positions);
    tcase_add_test(tc, test_round_trip);
    tcase_add_loop_test(tc, test_limits, 0, sizeof(limit_cases) / sizeof(limit_cases[0]));
    tcase_add_loop_test(tc, test_parse, 0, sizeof(parse_cases) / sizeof(parse_cases[0]));
    tcase_add_loop_test(tc, test_diff_and_update, 0, sizeof(diff_cases) / sizeof(diff_cases[0]));
    tcase_add_test(tc, test_update_and_delete_misuse);
    tcase_add_test(tc, test_record_line);
    tcase_add_test(tc, test_worst_case);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
