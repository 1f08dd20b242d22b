/* normalize.c — see normalize.h. */
#include "normalize.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "tz.h"
#include "utc.h"
#include "utf8.h"

#define UTC_MIN 946684800LL     /* 2000-01-01T00:00:00Z */
#define UTC_END 4102444800LL    /* 2100-01-01T00:00:00Z */

/* ---- helpers -------------------------------------------------------------- */

static int is_ws(char c)
{
    /* ' ', \t \n \v \f \r: one compare for the common (printable) case */
    return (unsigned char)c <= ' ' &&
           (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

void norm_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;

    if (!p) {
        *n = 0;
        return;
    }
    while (len > 0 && is_ws(p[0])) {
        p++;
        len--;
    }
    while (len > 0 && is_ws(p[len - 1]))
        len--;
    *s = p;
    *n = len;
}

/* Writes "'value'" (cut for display) + the formatted rest into why. */
static int reason(char *why, const char *s, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int reason(char *why, const char *s, size_t n, const char *fmt, ...)
{
    va_list ap;
    size_t cut = n > NORM_QUOTE_MAX ? utf8_prefix(s, n, NORM_QUOTE_MAX) : n;
    int k;

    k = snprintf(why, NORM_REASON_MAX, "'%.*s%s' ", (int)cut, s ? s : "",
                 cut < n ? "..." : "");
    if (k < 0 || k >= NORM_REASON_MAX)
        return -1;
    va_start(ap, fmt);
    vsnprintf(why + k, NORM_REASON_MAX - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

static int plain(char *why, const char *msg)
{
    snprintf(why, NORM_REASON_MAX, "%s", msg);
    return -1;
}

static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

void norm_format_cents(long long cents, char *out)
{
    char tmp[24];
    int k = 0, neg = cents < 0;
    unsigned long long v = neg ? 0ULL - (unsigned long long)cents : (unsigned long long)cents;
    unsigned long long units = v / 100;
    char *o = out;

    do {
        tmp[k++] = (char)('0' + units % 10);
        units /= 10;
    } while (units > 0);
    if (neg)
        *o++ = '-';
    while (k > 0)
        *o++ = tmp[--k];
    *o++ = '.';
    o = put2(o, (int)(v % 100));
    *o = '\0';
}

/* ---- plate ------------------------------------------------------------------ */

int norm_plate(const char *s, size_t n, char *out, char *why)
{
    size_t i, k = 0, total = 0;

    norm_trim(&s, &n);
    out[0] = '\0';
    if (n == 0)
        return plain(why, "missing");
    if (!utf8_valid(s, n))
        return plain(why, "invalid UTF-8");
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (c == ' ' || c == '-' || c == '.')
            continue;
        c = to_upper(c);
        if (!((c >= 'A' && c <= 'Z') || is_digit(c)))
            return reason(why, s, n, "has a character other than A-Z, 0-9, space, '-' or '.'");
        if (k < PLATE_MAX)
            out[k++] = c;
        total++;
    }
    if (total == 0) {
        out[0] = '\0';
        return reason(why, s, n, "has no letters or digits");
    }
    if (total > PLATE_MAX) {
        out[0] = '\0';
        return reason(why, s, n, "is longer than %d characters (%zu)", PLATE_MAX, total);
    }
    out[k] = '\0';
    return 0;
}

/* ---- amount ----------------------------------------------------------------- */

static int integral(const char *s, size_t n, size_t maxd, long long *v);

/* The parsers stop at this many cents (overflow guard); the limit a caller
 * asks for (AMOUNT_MAX_CENTS for records) is checked at the end. */
#define PARSE_MAX_CENTS SETTLE_MAX_CENTS

/* Adds digits s[0..n) to *v; -1 past the cap (value too large). */
static int add_digits(const char *s, size_t n, long long *v)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (*v > PARSE_MAX_CENTS)
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* Thousands grouping of an integer part: first group 1-3 digits, later
 * groups exactly 3, separated by sep. Digits go into *v. */
static int grouped(const char *s, size_t n, char sep, long long *v)
{
    size_t i = 0, g;

    for (g = 0; i < n; g++) {
        size_t b = i;

        while (i < n && is_digit(s[i]))
            i++;
        if (i - b == 0 || (g == 0 && i - b > 3) || (g > 0 && i - b != 3))
            return -1;
        if (add_digits(s + b, i - b, v) != 0)
            return -2;
        if (i < n) {
            if (s[i] != sep)
                return -1;
            i++;
            if (i == n)
                return -1;          /* trailing separator */
        }
    }
    return 0;
}

static int plain_digits(const char *s, size_t n, long long *v)
{
    size_t i;

    if (n == 0)
        return -1;
    for (i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return -1;
    return add_digits(s, n, v) != 0 ? -2 : 0;
}

/* Number text (digits and , .) -> cents under the separator rules.
 * -1: not valid; -2: too large. */
static int parse_units(const char *s, size_t n, int decimal_comma, long long *cents)
{
    size_t i, ncomma = 0, ndot = 0, lastc = 0, lastd = 0;
    long long ip = 0, fp = 0;
    size_t dec = n;             /* index of the decimal point, n = none */
    char thou = 0;
    int r;

    for (i = 0; i < n; i++) {
        if (s[i] == ',') {
            ncomma++;
            lastc = i;
        } else if (s[i] == '.') {
            ndot++;
            lastd = i;
        } else if (!is_digit(s[i])) {
            return -1;
        }
    }
    if (ncomma && ndot) {
        /* the rightmost kind is the decimal point, used once */
        if (lastd > lastc) {
            if (ndot != 1)
                return -1;
            dec = lastd;
            thou = ',';
        } else {
            if (ncomma != 1)
                return -1;
            dec = lastc;
            thou = '.';
        }
    } else if (ncomma || ndot) {
        char c = ncomma ? ',' : '.';
        size_t cnt = ncomma ? ncomma : ndot;
        size_t last = ncomma ? lastc : lastd;
        size_t after = n - last - 1;

        if (cnt == 1 && after >= 1 && after <= 2 && (c == '.' || decimal_comma))
            dec = last;
        else if ((c == ',' && !decimal_comma) || (c == '.' && decimal_comma))
            thou = c;
        else
            return -1;
    }
    if (dec < n) {
        size_t after = n - dec - 1;

        if (dec == 0 || after < 1 || after > 2)
            return -1;
        for (i = dec + 1; i < n; i++)
            fp = fp * 10 + (s[i] - '0');
        if (after == 1)
            fp *= 10;
    }
    if (thou)
        r = grouped(s, dec, thou, &ip);
    else
        r = plain_digits(s, dec, &ip);
    if (r != 0)
        return r;
    if (ip > PARSE_MAX_CENTS / 100 + 1)
        return -2;
    *cents = ip * 100 + fp;
    return 0;
}

/* A JSON number's text (no sign, no exponent: checked before) -> cents.
 * '.' is always the decimal point; digits past the 2nd decimal must be 0. */
static int parse_json_units(const char *s, size_t n, int in_cents, long long *cents)
{
    size_t dot = n, i;
    long long ip = 0, fp = 0;
    int r;

    for (i = 0; i < n; i++)
        if (s[i] == '.') {
            dot = i;
            break;
        }
    r = plain_digits(s, dot, &ip);
    if (r != 0)
        return r;
    if (dot < n) {
        if (dot + 1 == n)
            return -1;
        for (i = dot + 1; i < n; i++) {
            if (!is_digit(s[i]))
                return -1;
            if (in_cents || i > dot + 2) {
                if (s[i] != '0')
                    return -1;
            } else {
                fp = fp * 10 + (s[i] - '0');
            }
        }
        if (!in_cents && n - dot - 1 == 1)
            fp *= 10;          /* "14.5" */
    }
    if (in_cents) {
        *cents = ip;
        return ip > PARSE_MAX_CENTS ? -2 : 0;
    }
    if (ip > PARSE_MAX_CENTS / 100 + 1)
        return -2;
    *cents = ip * 100 + fp;
    return 0;
}

struct mark_def {
    const char *text;
    size_t len;
    enum currency cur;
};

static const struct mark_def pre_marks[] = {
    { "CA$", 3, CUR_CAD }, { "US$", 3, CUR_USD }, { "C$", 2, CUR_CAD }, { "$", 1, CUR_NONE },
};
static const struct mark_def post_marks[] = {
    { " CAD", 4, CUR_CAD }, { " USD", 4, CUR_USD },
};

static int has_mark_chars(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '$' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))
            return 1;
    return 0;
}

int norm_amount(const struct norm_profile *p, const char *s0, size_t n0, int json_number,
                int allow_negative, struct norm_amount *a, char *why)
{
    return norm_amount_max(p, s0, n0, json_number, allow_negative, AMOUNT_MAX_CENTS, a, why);
}

int norm_amount_max(const struct norm_profile *p, const char *s0, size_t n0, int json_number,
                    int allow_negative, long long max_cents, struct norm_amount *a, char *why)
{
    const char *s = s0;
    size_t n = n0, i;
    int neg = 0, r;
    long long cents = 0;

    memset(a, 0, sizeof(*a));
    norm_trim(&s, &n);
    s0 = s;
    n0 = n;
    if (n == 0)
        return plain(why, "missing");
    if (!utf8_valid(s, n))
        return plain(why, "invalid UTF-8");
    if (json_number) {
        for (i = 0; i < n; i++)
            if (s[i] == 'e' || s[i] == 'E')
                return reason(why, s0, n0, "is a JSON number with an exponent");
        if (s[0] == '-') {
            neg = 1;
            s++;
            n--;
        }
        if (neg && !allow_negative)
            return reason(why, s0, n0, "is a negative amount (refund?)");
        r = parse_json_units(s, n, p->amount_in_cents, &cents);
    } else {
        if (!allow_negative && memchr(s, '-', n))
            return reason(why, s0, n0, "is a negative amount (refund?)");
        if (s[0] == '-') {
            neg = 1;
            s++;
            n--;
        }
        for (i = 0; i < sizeof(pre_marks) / sizeof(pre_marks[0]); i++) {
            const struct mark_def *m = &pre_marks[i];

            if (n >= m->len && s[0] == m->text[0] && memcmp(s, m->text, m->len) == 0) {
                memcpy(a->mark, m->text, m->len + 1);
                a->mark_currency = m->cur;
                s += m->len;
                n -= m->len;
                break;
            }
        }
        if (n > 0 && s[0] == '-' && !neg) {
            neg = 1;
            s++;
            n--;
        }
        for (i = 0; i < sizeof(post_marks) / sizeof(post_marks[0]); i++) {
            const struct mark_def *m = &post_marks[i];

            if (n >= m->len && s[n - m->len] == m->text[0] &&
                memcmp(s + n - m->len, m->text, m->len) == 0) {
                if (a->mark[0]) {
                    a->mark[0] = '\0';
                    a->mark_currency = CUR_NONE;
                    return reason(why, s0, n0, "has two currency marks");
                }
                memcpy(a->mark, m->text + 1, m->len);
                a->mark_currency = m->cur;
                n -= m->len;
                break;
            }
        }
        if (neg && !allow_negative)
            return reason(why, s0, n0, "is a negative amount (refund?)");
        if (n == 0)
            return reason(why, s0, n0, "has no number");
        for (i = 0; i < n; i++) {
            if (is_ws(s[i]))
                return reason(why, s0, n0, "has a space inside the number or around a mark");
            if (s[i] == '-')
                return reason(why, s0, n0, "has a minus sign inside");
        }
        if (has_mark_chars(s, n))
            return reason(why, s0, n0,
                          a->mark[0] ? "has two currency marks or text next to the number"
                                     : "has an unknown currency mark or text next to the number");
        if (p->amount_in_cents)
            r = integral(s, n, 18, &cents) != 0 ? -1 : 0;
        else
            r = parse_units(s, n, p->decimal_comma, &cents);
    }
    if (r == -2 || (r == 0 && cents > max_cents)) {
        char lim[24];

        norm_format_cents(max_cents, lim);
        return reason(why, s0, n0, "is over %s", lim);
    }
    if (r != 0)
        return reason(why, s0, n0, p->amount_in_cents ? "is not a whole number of cents"
                                                      : "is not a valid amount");
    a->cents = cents;
    a->negative = neg;
    return 0;
}

/* ---- currency ----------------------------------------------------------- */

int norm_currency(const char *s, size_t n, const struct norm_amount *a, enum currency dflt,
                  enum currency *out, char *why)
{
    char up[8];
    size_t i;
    enum currency c = CUR_NONE;

    *out = CUR_NONE;
    norm_trim(&s, &n);
    if (n == 0) {
        if (a && a->mark_currency != CUR_NONE)
            c = a->mark_currency;
        else
            c = dflt;
        if (c == CUR_NONE)
            return plain(why, "missing (no currency column value, amount mark or profile default)");
        *out = c;
        return 0;
    }
    if (!utf8_valid(s, n))
        return plain(why, "invalid UTF-8");
    if (n < sizeof(up)) {
        for (i = 0; i < n; i++)
            up[i] = to_upper(s[i]);
        up[n] = '\0';
        if (strcmp(up, "CAD") == 0 || strcmp(up, "C$") == 0 || strcmp(up, "CA$") == 0)
            c = CUR_CAD;
        else if (strcmp(up, "USD") == 0 || strcmp(up, "US$") == 0)
            c = CUR_USD;
    }
    if (c == CUR_NONE)
        return reason(why, s, n, "is not CAD or USD");
    if (a && a->mark_currency != CUR_NONE && a->mark_currency != c)
        return reason(why, s, n, "conflicts with the amount's currency mark '%s'", a->mark);
    *out = c;
    return 0;
}

/* ---- time patterns ------------------------------------------------------ */

enum tok {
    T_END, T_LIT, T_YYYY, T_MM, T_M, T_DD, T_D, T_HH, T_H, T_hh, T_h, T_mi, T_ss, T_AMPM, T_BAD
};

/* Reads the token at *pp; advances; *lit = the literal char for T_LIT. */
static enum tok next_tok(const char **pp, char *lit)
{
    const char *p = *pp;
    size_t run = 1;
    char c = *p;

    if (c == '\0')
        return T_END;
    if (c == '\\') {
        if (p[1] == '\0')
            return T_BAD;
        *lit = p[1];
        *pp = p + 2;
        return T_LIT;
    }
    if ((c == 'A' || c == 'P') && p[1] == 'M') {
        *pp = p + 2;
        return T_AMPM;
    }
    if (c != 'Y' && c != 'M' && c != 'D' && c != 'H' && c != 'h' && c != 'm' && c != 's') {
        *lit = c;
        *pp = p + 1;
        return T_LIT;
    }
    while (p[run] == c)
        run++;
    *pp = p + run;
    switch (c) {
    case 'Y':
        return run == 4 ? T_YYYY : T_BAD;
    case 'M':
        return run == 2 ? T_MM : run == 1 ? T_M : T_BAD;
    case 'D':
        return run == 2 ? T_DD : run == 1 ? T_D : T_BAD;
    case 'H':
        return run == 2 ? T_HH : run == 1 ? T_H : T_BAD;
    case 'h':
        return run == 2 ? T_hh : run == 1 ? T_h : T_BAD;
    case 'm':
        return run == 2 ? T_mi : T_BAD;
    default:
        return run == 2 ? T_ss : T_BAD;
    }
}

int norm_pattern_check(const char *pat, struct etl_err *err)
{
    const char *p = pat;
    int seen[T_BAD + 1] = { 0 };
    enum tok t, prev = T_END;
    char lit = 0;

    if (!pat || !*pat)
        return etl_fail(err, E_CONFIG, "time pattern is empty");
    if (strlen(pat) >= NORM_PATTERN_LEN)
        return etl_fail(err, E_CONFIG, "time pattern '%s' is too long", pat);
    while ((t = next_tok(&p, &lit)) != T_END) {
        if (t == T_BAD)
            return etl_fail(err, E_CONFIG,
                            "time pattern '%s': unknown token before '%s' "
                            "(use YYYY, MM/M, DD/D, HH/H, hh/h, mm, ss, AM, \\x)", pat, p);
        if (t != T_LIT && seen[t]++)
            return etl_fail(err, E_CONFIG, "time pattern '%s': a token is repeated", pat);
        if (t == T_LIT && is_digit(lit) &&
            (prev == T_M || prev == T_D || prev == T_H || prev == T_h))
            return etl_fail(err, E_CONFIG,
                            "time pattern '%s': a 1-2 digit token is followed by a digit", pat);
        if (t != T_LIT && t != T_AMPM &&
            (prev == T_M || prev == T_D || prev == T_H || prev == T_h))
            return etl_fail(err, E_CONFIG,
                            "time pattern '%s': a 1-2 digit token is followed by a number", pat);
        prev = t;
    }
    if (!seen[T_YYYY] || !(seen[T_MM] || seen[T_M]) || !(seen[T_DD] || seen[T_D]) ||
        !(seen[T_HH] || seen[T_H] || seen[T_hh] || seen[T_h]) || !seen[T_mi])
        return etl_fail(err, E_CONFIG,
                        "time pattern '%s' needs YYYY, a month, a day, an hour and mm", pat);
    if (seen[T_MM] + seen[T_M] > 1 || seen[T_DD] + seen[T_D] > 1 ||
        seen[T_HH] + seen[T_H] + seen[T_hh] + seen[T_h] > 1)
        return etl_fail(err, E_CONFIG, "time pattern '%s': a field appears twice", pat);
    if ((seen[T_hh] || seen[T_h]) != seen[T_AMPM])
        return etl_fail(err, E_CONFIG,
                        "time pattern '%s': hh/h (12-hour) and AM go together; HH/H is 24-hour",
                        pat);
    return 0;
}

/* Compiles a (checked) pattern into (token, literal) byte pairs ending
 * with T_END. -1 if it does not fit or has a bad token. */
static int compile_pattern(const char *pat, unsigned char *ops, size_t cap)
{
    const char *p = pat;
    size_t k = 0;
    enum tok t;
    char lit = 0;

    do {
        t = next_tok(&p, &lit);
        if (t == T_BAD || k + 2 > cap)
            return -1;
        ops[k++] = (unsigned char)t;
        ops[k++] = (unsigned char)(t == T_LIT ? lit : 0);
    } while (t != T_END);
    /* MM, DD, HH, hh also take one digit (unpadded) unless another number
     * follows directly ("YYYYMMDD"): then exactly two. */
    for (k = 0; ops[k] != T_END; k += 2) {
        enum tok next = (enum tok)ops[k + 2];
        int number_follows = next == T_YYYY || next == T_MM || next == T_M || next == T_DD ||
                             next == T_D || next == T_HH || next == T_H || next == T_hh ||
                             next == T_h || next == T_mi || next == T_ss ||
                             (next == T_LIT && is_digit((char)ops[k + 3]));

        if (number_follows)
            continue;
        if (ops[k] == T_MM)
            ops[k] = T_M;
        else if (ops[k] == T_DD)
            ops[k] = T_D;
        else if (ops[k] == T_HH)
            ops[k] = T_H;
        else if (ops[k] == T_hh)
            ops[k] = T_h;
    }
    return 0;
}

static int dig(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static int match_ops(const unsigned char *ops, const char *s, size_t n, struct norm_civil *c)
{
    const char *p = s, *e = s + n;
    enum tok t;
    int h12 = -1, pm = -1;

    memset(c, 0, sizeof(*c));
    for (; (t = (enum tok)ops[0]) != T_END; ops += 2) {
        int *dst, two, v;

        switch (t) {
        case T_LIT:
            if (p >= e || *p != (char)ops[1])
                return -1;
            p++;
            continue;
        case T_YYYY:
            if (e - p < 4 || !dig(p[0]) || !dig(p[1]) || !dig(p[2]) || !dig(p[3]))
                return -1;
            c->y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
            p += 4;
            continue;
        case T_AMPM:
            if (e - p < 2 || (p[1] != 'M' && p[1] != 'm'))
                return -1;
            if (p[0] == 'A' || p[0] == 'a')
                pm = 0;
            else if (p[0] == 'P' || p[0] == 'p')
                pm = 1;
            else
                return -1;
            p += 2;
            continue;
        case T_MM: dst = &c->mo; two = 1; break;
        case T_M:  dst = &c->mo; two = 0; break;
        case T_DD: dst = &c->d;  two = 1; break;
        case T_D:  dst = &c->d;  two = 0; break;
        case T_HH: dst = &c->h;  two = 1; break;
        case T_H:  dst = &c->h;  two = 0; break;
        case T_hh: dst = &h12;   two = 1; break;
        case T_h:  dst = &h12;   two = 0; break;
        case T_mi: dst = &c->mi; two = 1; break;
        case T_ss: dst = &c->s;  two = 1; break;
        default:
            return -1;
        }
        /* exactly two digits, or (two == 0) one or two, greedy */
        if (p >= e || !dig(p[0]))
            return -1;
        v = p[0] - '0';
        p++;
        if (p < e && dig(p[0])) {
            v = v * 10 + (p[0] - '0');
            p++;
        } else if (two) {
            return -1;
        }
        *dst = v;
    }
    if (p != e)
        return -1;
    if (h12 >= 0) {
        /* 12-hour clock: 1-12 only; out of range is reported by the check
         * through an impossible hour. */
        if (h12 < 1 || h12 > 12)
            c->h = 100 + h12;
        else
            c->h = h12 % 12 + (pm == 1 ? 12 : 0);
    }
    return 0;
}

int norm_pattern_match(const char *pat, const char *s, size_t n, struct norm_civil *c)
{
    unsigned char ops[NORM_PATTERN_OPS];

    if (compile_pattern(pat, ops, sizeof(ops)) != 0)
        return -1;
    return match_ops(ops, s, n, c);
}

/* ---- ISO-8601 ------------------------------------------------------------ */

static int fixed2(const char *s, int *out)
{
    if (!is_digit(s[0]) || !is_digit(s[1]))
        return -1;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

int norm_iso8601(const char *s, size_t n, struct norm_civil *c)
{
    size_t i;
    int oh, om;

    memset(c, 0, sizeof(*c));
    if (n < 19)
        return -1;
    for (i = 0; i < 4; i++)
        if (!is_digit(s[i]))
            return -1;
    c->y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (s[4] != '-' || fixed2(s + 5, &c->mo) || s[7] != '-' || fixed2(s + 8, &c->d) ||
        s[10] != 'T' || fixed2(s + 11, &c->h) || s[13] != ':' || fixed2(s + 14, &c->mi) ||
        s[16] != ':' || fixed2(s + 17, &c->s))
        return -1;
    i = 19;
    if (i < n && s[i] == '.') {
        size_t b = ++i;

        while (i < n && is_digit(s[i]))
            i++;
        if (i == b)
            return -1;
    }
    if (i == n)
        return 0;
    if (s[i] == 'Z' && i + 1 == n) {
        c->has_off = 1;
        return 0;
    }
    if ((s[i] == '+' || s[i] == '-') && i + 6 == n && s[i + 3] == ':' &&
        fixed2(s + i + 1, &oh) == 0 && fixed2(s + i + 4, &om) == 0 && oh <= 23 && om <= 59) {
        c->has_off = 1;
        c->off = (oh * 3600L + om * 60L) * (s[i] == '-' ? -1 : 1);
        return 0;
    }
    return -1;
}

int norm_civil_check(const struct norm_civil *c, const char *s, size_t n, char *why)
{
    static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

    if (c->mo < 1 || c->mo > 12)
        return reason(why, s, n, "has month %d", c->mo);
    if (c->d < 1 || c->d > tz_days_in_month(c->y, c->mo))
        return reason(why, s, n, "is not a calendar date (%s %d %04d)", mon[c->mo - 1], c->d,
                      c->y);
    if (c->h >= 100)
        return reason(why, s, n, "has hour %d on a 12-hour clock", c->h - 100);
    if (c->h > 23)
        return reason(why, s, n, "has hour %d", c->h);
    if (c->mi > 59)
        return reason(why, s, n, "has minute %d", c->mi);
    if (c->s > 59)
        return reason(why, s, n, "has second %d", c->s);
    return 0;
}

/* ---- epochs ---------------------------------------------------------------- */

/* digits, optionally "." + zeros; at most maxd digits. */
static int integral(const char *s, size_t n, size_t maxd, long long *v)
{
    size_t i = 0;
    long long x = 0;

    while (i < n && is_digit(s[i])) {
        if (i >= maxd)
            return -1;
        x = x * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0)
        return -1;
    if (i < n) {
        if (s[i] != '.' || i + 1 == n)
            return -1;
        for (i++; i < n; i++)
            if (s[i] != '0')
                return -1;
    }
    *v = x;
    return 0;
}

int norm_epoch(const char *s, size_t n, int ms, long long *utc, char *why)
{
    long long v;

    norm_trim(&s, &n);
    if (n == 0)
        return plain(why, "missing");
    if (integral(s, n, 15, &v) != 0)
        return reason(why, s, n, "is not epoch %s (digits, or N.0)",
                      ms ? "milliseconds" : "seconds");
    *utc = ms ? v / 1000 : v;
    return 0;
}

/* ---- times --------------------------------------------------------------- */

int norm_year_ok(long long utc)
{
    return utc >= UTC_MIN && utc < UTC_END;
}

int norm_time(const struct norm_profile *p, const char *s, size_t n, struct norm_time *t,
              char *why)
{
    struct norm_civil c = { 0 };
    long long local;
    int i, k;

    t->n = 0;
    norm_trim(&s, &n);
    if (n == 0)
        return plain(why, "missing");
    if (!utf8_valid(s, n))
        return plain(why, "invalid UTF-8");
    if (p->time_kind == TIME_EPOCH_S || p->time_kind == TIME_EPOCH_MS) {
        if (norm_epoch(s, n, p->time_kind == TIME_EPOCH_MS, &t->utc[0], why) != 0)
            return -1;
        t->n = 1;
        return 0;
    }
    if (p->time_kind == TIME_ISO8601) {
        if (norm_iso8601(s, n, &c) != 0)
            return reason(why, s, n,
                          "is not ISO-8601 YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]");
    } else {
        for (i = 0; i < p->npatterns; i++)
            if (p->patterns_compiled ? match_ops(p->pattern_ops[i], s, n, &c) == 0
                                     : norm_pattern_match(p->patterns[i], s, n, &c) == 0)
                break;
        if (i == p->npatterns) {
            if (p->npatterns == 1)
                return reason(why, s, n, "does not match the pattern '%s'", p->patterns[0]);
            return reason(why, s, n, "does not match any of the profile's %d time patterns",
                          p->npatterns);
        }
    }
    if (norm_civil_check(&c, s, n, why) != 0)
        return -1;
    local = tz_civil_to_secs(c.y, c.mo, c.d, c.h, c.mi, c.s);
    if (c.has_off || !p->tz) {
        t->utc[0] = local - c.off;
        t->n = 1;
        return 0;
    }
    k = tz_local_to_utc(p->tz, local, t->utc);
    if (k == 0)
        return reason(why, s, n, "does not exist in %s (DST gap)", tz_name(p->tz));
    t->n = k;
    return 0;
}

/* ---- duration ---------------------------------------------------------- */

int norm_duration(const char *s, size_t n, long long *minutes, char *why)
{
    norm_trim(&s, &n);
    if (n == 0)
        return plain(why, "missing (duration in minutes)");
    if (integral(s, n, 9, minutes) != 0)
        return reason(why, s, n, "is not a whole number of minutes");
    return 0;
}

/* ---- text ---------------------------------------------------------------- */

int norm_text(const char *s, size_t n, size_t max_cp, int upper, char *out, char *why)
{
    long cp;
    size_t i;

    out[0] = '\0';
    norm_trim(&s, &n);
    if (n == 0)
        return 0;
    cp = utf8_count(s, n);
    if (cp < 0)
        return plain(why, "invalid UTF-8");
    if (memchr(s, '\0', n))
        return plain(why, "contains a NUL character");
    if ((size_t)cp > max_cp)
        return reason(why, s, n, "is longer than %zu characters (%ld)", max_cp, cp);
    if (upper) {
        for (i = 0; i < n; i++)
            out[i] = to_upper(s[i]);
    } else {
        memcpy(out, s, n);
    }
    out[n] = '\0';
    return 0;
}

/* ---- keys ------------------------------------------------------------------ */

void norm_thread_cleanup(void)
{
    sha256_thread_cleanup();
}

/* out->key = a + b + c (b/c may be empty); -1 if over KEY_BYTES_MAX. */
static int key3(struct permit *out, const char *a, size_t an, const char *b, size_t bn,
                const char *c, size_t cn)
{
    if (an + bn + cn > KEY_BYTES_MAX)
        return -1;
    memcpy(out->key, a, an);
    memcpy(out->key + an, b, bn);
    memcpy(out->key + an + bn, c, cn);
    out->key[an + bn + cn] = '\0';
    return 0;
}

static int key_hash(const struct norm_profile *prof, struct permit *out, char *why)
{
    char buf[PLATE_MAX + ZONE_MAX * 4 + 80];
    char hex[65];
    size_t pl = strlen(out->plate), zl = strlen(out->vendor_zone), k;

    /* plate|zone|start|end|amount, without printf: runs per id-less record */
    memcpy(buf, out->plate, pl);
    k = pl;
    buf[k++] = '|';
    memcpy(buf + k, out->vendor_zone, zl);
    k += zl;
    buf[k++] = '|';
    utc_format(out->start, buf + k);
    k += 19;
    buf[k++] = '|';
    utc_format(out->end, buf + k);
    k += 19;
    buf[k++] = '|';
    norm_format_cents(out->cents, buf + k);
    k += strlen(buf + k);
    if (sha256_hex(buf, k, hex) != 0)
        return plain(why, "cannot compute the sha256 key hash");
    if (key3(out, prof->name, strlen(prof->name), ":", 1, hex, 64) != 0)
        return plain(why, "profile name makes the key too long");
    return 0;
}

int norm_key(const struct norm_profile *prof, const char *id, size_t idn, int id_json_number,
             const char *okey, size_t okeyn, struct permit *out, char *why)
{
    size_t nl = strlen(prof->name);

    out->key[0] = '\0';
    norm_trim(&id, &idn);
    norm_trim(&okey, &okeyn);
    if (prof->opscom_keys && okeyn > 0) {
        if (!utf8_valid(okey, okeyn))
            return plain(why, "invalid UTF-8");
        if (memchr(okey, '\0', okeyn))
            return plain(why, "contains a NUL character");
        if (okeyn > KEY_BYTES_MAX)
            return reason(why, okey, okeyn, "is longer than %d bytes (%zu)", KEY_BYTES_MAX,
                          okeyn);
        return key3(out, okey, okeyn, "", 0, "", 0);
    }
    if (idn > 0) {
        size_t i;

        if (!utf8_valid(id, idn))
            return plain(why, "id is invalid UTF-8");
        if (memchr(id, '\0', idn))
            return plain(why, "id contains a NUL character");
        if (id_json_number) {
            for (i = 0; i < idn; i++)
                if (id[i] == 'e' || id[i] == 'E')
                    return reason(why, id, idn, "id is a JSON number with an exponent");
            for (i = 0; i < idn && id[i] != '.'; i++)
                ;
            if (i < idn) {
                size_t j;

                for (j = i + 1; j < idn; j++)
                    if (id[j] != '0')
                        return reason(why, id, idn, "id is not an integer");
                idn = i;
            }
        }
        if (key3(out, prof->name, nl, ":", 1, id, idn) != 0)
            return reason(why, id, idn, "id makes the key longer than %d bytes (%zu)",
                          KEY_BYTES_MAX, nl + 1 + idn);
        return 0;
    }
    if (prof->opscom_keys && out->permit_no[0]) {
        size_t pn = strlen(out->permit_no);

        if (key3(out, prof->name, nl, ":", 1, out->permit_no, pn) != 0)
            return reason(why, out->permit_no, pn, "permitNo makes the key too long");
        return 0;
    }
    if (prof->opscom_keys && out->ticket[0]) {
        char pre[80];
        size_t tn = strlen(out->ticket);
        int k = snprintf(pre, sizeof(pre), "%s:t:", prof->name);

        if (k < 0 || (size_t)k >= sizeof(pre) ||
            key3(out, pre, (size_t)k, out->ticket, tn, "", 0) != 0)
            return reason(why, out->ticket, tn, "TicketNumber makes the key too long");
        return 0;
    }
    return key_hash(prof, out, why);
}

/* ---- profile --------------------------------------------------------- */

void norm_profile_init(struct norm_profile *p)
{
    memset(p, 0, sizeof(*p));
    p->time_kind = TIME_ISO8601;
    p->max_duration_days = 31;
}

int norm_profile_check(struct norm_profile *p, struct etl_err *err)
{
    int i;

    p->patterns_compiled = 0;
    if (!memchr(p->name, '\0', sizeof(p->name)) || p->name[0] == '\0')
        return etl_fail(err, E_CONFIG, "profile: name is empty");
    if (p->time_kind == TIME_PATTERN) {
        if (p->npatterns < 1 || p->npatterns > NORM_MAX_PATTERNS)
            return etl_fail(err, E_CONFIG, "profile '%s': needs 1 to %d time patterns",
                            p->name, NORM_MAX_PATTERNS);
        for (i = 0; i < p->npatterns; i++) {
            if (!memchr(p->patterns[i], '\0', NORM_PATTERN_LEN))
                return etl_fail(err, E_CONFIG, "profile '%s': time pattern too long", p->name);
            if (norm_pattern_check(p->patterns[i], err) != 0)
                return -1;
        }
    }
    if (p->max_duration_days < 1 || p->max_duration_days > 36500)
        return etl_fail(err, E_CONFIG, "profile '%s': max_duration_days %d is not 1-36500",
                        p->name, p->max_duration_days);
    if (p->nvoid_values < 0 || p->nvoid_values > NORM_MAX_VOID_VALUES)
        return etl_fail(err, E_CONFIG, "profile '%s': too many void values", p->name);
    if (p->default_currency != CUR_NONE && p->default_currency != CUR_CAD &&
        p->default_currency != CUR_USD)
        return etl_fail(err, E_CONFIG, "profile '%s': bad default_currency", p->name);
    if (p->time_kind == TIME_PATTERN) {
        for (i = 0; i < p->npatterns; i++)
            if (compile_pattern(p->patterns[i], p->pattern_ops[i], sizeof(p->pattern_ops[i])) != 0)
                return etl_fail(err, E_CONFIG, "profile '%s': cannot compile time pattern '%s'",
                                p->name, p->patterns[i]);
        p->patterns_compiled = 1;
    }
    return 0;
}

/* ---- the record ------------------------------------------------------- */

struct rec {
    const struct raw_record *r;
    norm_reject_fn rej;
    void *ctx;
    int fails;
};

static void fail(struct rec *rc, const char *field, enum raw_field f, const char *why)
{
    const struct raw_value *v = &rc->r->v[f];

    rc->rej(rc->ctx, field, why, v->present && v->ptr ? v->ptr : "",
            v->present && v->ptr ? v->len : 0);
    rc->fails++;
}

static void val(const struct raw_record *r, enum raw_field f, const char **s, size_t *n)
{
    if (r->v[f].present && r->v[f].ptr) {
        *s = r->v[f].ptr;
        *n = r->v[f].len;
    } else {
        *s = "";
        *n = 0;
    }
}

static int is_voided(const struct norm_profile *p, const struct raw_record *r)
{
    const char *s;
    size_t n;
    int i;

    val(r, RF_VOID, &s, &n);
    norm_trim(&s, &n);
    if (n == 0)
        return 0;
    for (i = 0; i < p->nvoid_values; i++) {
        const char *v = p->void_values[i];
        size_t k;

        if (strlen(v) != n || n == 0)
            continue;
        for (k = 0; k < n && to_upper(v[k]) == to_upper(s[k]); k++)
            ;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Chooses the end instant: overlap -> earlier, unless that is at or
 * before the start. */
static long long pick_end(const struct norm_time *t, int have_start, long long start)
{
    if (t->n == 2 && have_start && t->utc[0] <= start)
        return t->utc[1];
    return t->utc[0];
}

int normalize_record(const struct norm_profile *p, const struct raw_record *r,
                     struct permit *out, norm_reject_fn rej, void *ctx)
{
    struct rec rc = { r, rej, ctx, 0 };
    char why[NORM_REASON_MAX];
    struct norm_amount am;
    struct norm_time ts = { 0, { 0, 0 } }, te = { 0, { 0, 0 } };
    const char *s, *s2;
    size_t n, n2;
    int ok_plate, ok_amount, ok_start, ok_end = 0, ok_zone, ok_pn, ok_tk, ok_promo;
    long long minutes = 0;

    out->plate[0] = out->vendor_zone[0] = out->zone[0] = '\0';
    out->permit_no[0] = out->ticket[0] = out->promo[0] = out->key[0] = '\0';
    out->cents = 0;
    out->currency = CUR_NONE;
    out->start = out->end = 0;
    out->zone_status = ZONE_UNCHECKED;
    out->source = r->file;
    out->line = r->line;
    out->voided = is_voided(p, r);

    val(r, RF_PLATE, &s, &n);
    ok_plate = norm_plate(s, n, out->plate, why) == 0;
    if (!ok_plate)
        fail(&rc, PERMIT_PLATE_NAME, RF_PLATE, why);

    val(r, RF_AMOUNT, &s, &n);
    s2 = s;
    n2 = n;
    norm_trim(&s2, &n2);
    if (n2 == 0 && p->amount_optional) {
        memset(&am, 0, sizeof(am));
        ok_amount = 1;
    } else {
        ok_amount = norm_amount(p, s, n, r->v[RF_AMOUNT].json_number, out->voided, &am,
                                why) == 0;
        if (!ok_amount)
            fail(&rc, "Amount", RF_AMOUNT, why);
    }
    out->cents = ok_amount ? am.cents : 0;

    val(r, RF_CURRENCY, &s, &n);
    if (norm_currency(s, n, &am, p->default_currency, &out->currency, why) != 0)
        fail(&rc, "CurrencyID", RF_CURRENCY, why);

    val(r, RF_START, &s, &n);
    ok_start = norm_time(p, s, n, &ts, why) == 0;
    if (ok_start) {
        out->start = ts.utc[0];
        if (!norm_year_ok(out->start)) {
            char t[20];

            utc_format(out->start, t);
            norm_trim(&s, &n);
            reason(why, s, n, "is %.4s in UTC (%s); years 2000-2099 only", t, t);
            ok_start = 0;
        }
    }
    if (!ok_start)
        fail(&rc, "startTime", RF_START, why);

    if (p->end_is_duration) {
        val(r, RF_DURATION, &s, &n);
        if (norm_duration(s, n, &minutes, why) != 0) {
            fail(&rc, "endTime", RF_DURATION, why);
        } else if (ok_start) {
            out->end = out->start + minutes * 60;
            ok_end = 1;
        }
    } else {
        val(r, RF_END, &s, &n);
        if (norm_time(p, s, n, &te, why) != 0) {
            fail(&rc, "endTime", RF_END, why);
        } else {
            out->end = pick_end(&te, ok_start, out->start);
            ok_end = 1;
        }
    }
    if (ok_end) {
        enum raw_field ef = p->end_is_duration ? RF_DURATION : RF_END;
        char t1[20], t2[20];

        val(r, ef, &s, &n);
        norm_trim(&s, &n);
        if (!norm_year_ok(out->end)) {
            utc_format(out->end, t2);
            reason(why, s, n, "is %.4s in UTC (%s); years 2000-2099 only", t2, t2);
            ok_end = 0;
        } else if (ok_start && out->end <= out->start) {
            utc_format(out->end, t2);
            utc_format(out->start, t1);
            reason(why, s, n, "is not after startTime (%s <= %s UTC)", t2, t1);
            ok_end = 0;
        } else if (ok_start && out->end - out->start > p->max_duration_days * 86400LL) {
            long long d = out->end - out->start;

            reason(why, s, n,
                   "makes a session of %lld days %02lld:%02lld:%02lld, longer than "
                   "max_duration_days %d",
                   d / 86400, d / 3600 % 24, d / 60 % 60, d % 60, p->max_duration_days);
            ok_end = 0;
        }
        if (!ok_end)
            fail(&rc, "endTime", ef, why);
    }

    val(r, RF_ZONE, &s, &n);
    ok_zone = norm_text(s, n, ZONE_MAX, 0, out->vendor_zone, why) == 0;
    if (!ok_zone)
        fail(&rc, "zone", RF_ZONE, why);
    else
        memcpy(out->zone, out->vendor_zone, strlen(out->vendor_zone) + 1);
    val(r, RF_PERMITNO, &s, &n);
    ok_pn = norm_text(s, n, PERMITNO_MAX, 0, out->permit_no, why) == 0;
    if (!ok_pn)
        fail(&rc, "permitNo", RF_PERMITNO, why);
    val(r, RF_TICKET, &s, &n);
    ok_tk = norm_text(s, n, TICKET_MAX, 0, out->ticket, why) == 0;
    if (!ok_tk)
        fail(&rc, "TicketNumber", RF_TICKET, why);
    val(r, RF_PROMO, &s, &n);
    ok_promo = norm_text(s, n, PROMO_MAX, 1, out->promo, why) == 0;
    if (!ok_promo)
        fail(&rc, "promoCode", RF_PROMO, why);

    /* The key: only when what it is made of is valid. */
    val(r, RF_ID, &s, &n);
    val(r, RF_KEY, &s2, &n2);
    {
        const char *a = s, *b = s2;
        size_t an = n, bn = n2;
        int needs;
        enum raw_field src;     /* what the key is made of (for `raw`) */

        norm_trim(&a, &an);
        norm_trim(&b, &bn);
        if (p->opscom_keys && bn > 0) {
            needs = 1;
            src = RF_KEY;
        } else if (an > 0) {
            needs = 1;
            src = RF_ID;
        } else if (p->opscom_keys && (out->permit_no[0] || !ok_pn)) {
            needs = ok_pn;
            src = RF_PERMITNO;
        } else if (p->opscom_keys && (out->ticket[0] || !ok_tk)) {
            needs = ok_tk;
            src = RF_TICKET;
        } else {
            needs = ok_plate && ok_amount && ok_start && ok_end && ok_zone && ok_pn && ok_tk;
            src = RF_ID;
        }
        if (needs && norm_key(p, s, n, r->v[RF_ID].json_number, s2, n2, out, why) != 0)
            fail(&rc, "_key", src, why);
    }
    return rc.fails;
}
