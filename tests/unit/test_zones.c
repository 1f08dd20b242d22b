/* test_zones.c — zone keys, zones/aliases loading, resolution, suggestions
 * and the zone audit accumulator. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "permit.h"
#include "zone_audit.h"
#include "zones.h"

/* ---- helpers ---------------------------------------------------------- */

static char tmpdir[64];

static void mk_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_zones.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Writes text to tmpdir/name; returns the path (static buffer per slot). */
static const char *write_file(const char *name, const char *text)
{
    static char paths[4][256];
    static int k;
    char *p = paths[k++ % 4];
    FILE *f;

    snprintf(p, 256, "%s/%s", tmpdir, name);
    f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
    return p;
}

static struct zones *load(const char *zones_txt, const char *aliases_csv,
                          struct etl_err *err)
{
    const char *zp = write_file("zones.txt", zones_txt);
    const char *ap = aliases_csv ? write_file("aliases.csv", aliases_csv) : NULL;

    etl_err_clear(err);
    return zones_load(zp, ap, err);
}

static void set_permit(struct permit *p, const char *vendor_zone)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "%s", vendor_zone);
    snprintf(p->zone, sizeof(p->zone), "%s", vendor_zone);
}

static const char city[] =
    "# zones of the city\n"
    "Lot 01\n" "Lot 02\n" "Lot 03\n" "Lot 04\n" "\n"
    "Lot 40\n"
    "Red Lot\n"
    "Blue Lot\n"
    "  Street Parking - Main St  \n"
    "H\xc3\xb4tel de Ville\n"
    "   # indented comment\n";

/* ---- keys ------------------------------------------------------------- */

static const struct { const char *in; const char *key; } key_cases[] = {
    { "LOT-01 ", "lot 1" },
    { "lot 1", "lot 1" },
    { "Lot 01", "lot 1" },
    { "Lot_1", "lot 1" },
    { "lot01", "lot 1" },
    { "LOT01", "lot 1" },
    { "  lot -_- 0001  ", "lot 1" },
    { "Street Parking - Main St", "street parking main st" },
    { "Street  Parking--Main_St", "street parking main st" },
    { "H\xc3\xb4tel de Ville", "h\xc3\xb4tel de ville" },
    { "H\xc3\x94TEL", "h\xc3\x94tel" },           /* non-ASCII kept as is */
    { "H\xc3\xb4tel01", "h\xc3\xb4tel 1" },
    { "---", "" },
    { "", "" },
    { "   ", "" },
    { "_-_ - _", "" },
    { "1a", "1a" },
    { "01a", "01a" },
    { "00", "0" },
    { "0", "0" },
    { "000 000", "0 0" },
    { "lot007b", "lot 007b" },
    { "Lot 007", "lot 7" },
    { "Lot 0", "lot 0" },
    { "x0", "x 0" },
    { "a1b2", "a 1b 2" },
    { "P1-0100", "p 1 100" },
    { "Zone\t05", "zone 5" },
    { "Level 2A", "level 2a" },
    { "1001", "1001" },
    { "0012 0034", "12 34" },
    { "abc.01", "abc.01" },
    { "#007", "#007" },
    { "Red Lot", "red lot" },
};

START_TEST(test_key)
{
    char out[ZONE_KEY_MAX];
    const char *in = key_cases[_i].in;
    int n = zone_key(in, strlen(in), out, sizeof(out));

    ck_assert_int_eq(n, (int)strlen(key_cases[_i].key));
    ck_assert_str_eq(out, key_cases[_i].key);
}
END_TEST

START_TEST(test_key_bounds)
{
    char big[ZONE_MAX * 4 + 1], out[ZONE_KEY_MAX], small[4];
    size_t i;

    /* the worst growth: a letter-digit boundary every 2 bytes */
    for (i = 0; i < sizeof(big) - 1; i++)
        big[i] = (i % 2) ? '1' : 'a';
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(zone_key(big, strlen(big), out, sizeof(out)), 1200);
    ck_assert_int_eq(zone_key(big, strlen(big), out, 1201), 1200);
    ck_assert_int_eq(zone_key(big, strlen(big), out, 1200), -1);
    ck_assert_int_eq(zone_key("lot01", 5, small, sizeof(small)), -1);
    ck_assert_int_eq(zone_key("ab", 2, small, sizeof(small)), 2);
    ck_assert_int_eq(zone_key("---", 3, small, 1), 0);
    ck_assert_int_eq(zone_key_numeric("1001", 4), 1);
    ck_assert_int_eq(zone_key_numeric("10 01", 5), 1);
    ck_assert_int_eq(zone_key_numeric("lot 1", 5), 0);
    ck_assert_int_eq(zone_key_numeric("", 0), 0);
}
END_TEST

/* ---- Damerau–Levenshtein ---------------------------------------------- */

static const struct { const char *a, *b; int d; } dl_cases[] = {
    { "", "", 0 },
    { "abc", "", 3 },
    { "", "abc", 3 },
    { "lot 1", "lot 1", 0 },
    { "lto 1", "lot 1", 1 },
    { "red lt", "red lot", 1 },
    { "lot 41", "lot 40", 1 },
    { "kitten", "sitting", 3 },
    { "ca", "abc", 2 },          /* true DL; optimal string alignment gives 3 */
    { "abcdef", "badcfe", 3 },
    { "h\xc3\xb4tel", "hotel", 1 }, /* code points, not bytes */
    { "\xc3\xa9\xc3\xa8", "\xc3\xa8\xc3\xa9", 1 },
    { "a cat", "an act", 2 },
};

START_TEST(test_dl)
{
    const char *a = dl_cases[_i].a, *b = dl_cases[_i].b;

    ck_assert_int_eq(zone_dl_distance(a, strlen(a), b, strlen(b)), dl_cases[_i].d);
    ck_assert_int_eq(zone_dl_distance(b, strlen(b), a, strlen(a)), dl_cases[_i].d);
}
END_TEST

/* Textbook unrestricted Damerau–Levenshtein (Lowrance–Wagner) on bytes,
 * full matrix, for cross-checking zone_dl_distance() on random strings. */
static int dl_reference(const char *a, int la, const char *b, int lb)
{
    int d[12][12], da[256] = { 0 }, i, j, maxd = la + lb;

    d[0][0] = maxd;
    for (i = 0; i <= la; i++) {
        d[i + 1][0] = maxd;
        d[i + 1][1] = i;
    }
    for (j = 0; j <= lb; j++) {
        d[0][j + 1] = maxd;
        d[1][j + 1] = j;
    }
    for (i = 1; i <= la; i++) {
        int db = 0;

        for (j = 1; j <= lb; j++) {
            int i1 = da[(unsigned char)b[j - 1]], j1 = db, cost = 1, v;

            if (a[i - 1] == b[j - 1]) {
                cost = 0;
                db = j;
            }
            v = d[i][j] + cost;
            if (d[i + 1][j] + 1 < v)
                v = d[i + 1][j] + 1;
            if (d[i][j + 1] + 1 < v)
                v = d[i][j + 1] + 1;
            if (d[i1][j1] + (i - i1 - 1) + 1 + (j - j1 - 1) < v)
                v = d[i1][j1] + (i - i1 - 1) + 1 + (j - j1 - 1);
            d[i + 1][j + 1] = v;
        }
        da[(unsigned char)a[i - 1]] = i;
    }
    return d[la + 1][lb + 1];
}

START_TEST(test_dl_reference)
{
    unsigned seed = 777;
    int t;

    for (t = 0; t < 3000; t++) {
        char a[10], b[10];
        int la, lb, i;

        seed = seed * 1103515245u + 12345u;
        la = (int)((seed >> 16) % 10);
        seed = seed * 1103515245u + 12345u;
        lb = (int)((seed >> 16) % 10);
        for (i = 0; i < la; i++) {
            seed = seed * 1103515245u + 12345u;
            a[i] = "abcd"[(seed >> 16) % 4];
        }
        for (i = 0; i < lb; i++) {
            seed = seed * 1103515245u + 12345u;
            b[i] = "abcd"[(seed >> 16) % 4];
        }
        ck_assert_int_eq(zone_dl_distance(a, (size_t)la, b, (size_t)lb),
                         dl_reference(a, la, b, lb));
    }
}
END_TEST

/* ---- loading and resolving -------------------------------------------- */

static const struct {
    const char *vendor;
    enum zone_status st;
    const char *zone;
} resolve_cases[] = {
    { "Lot 01", ZONE_MATCHED, "Lot 01" },
    { "LOT-01", ZONE_MATCHED, "Lot 01" },
    { "lot1", ZONE_MATCHED, "Lot 01" },
    { "lot_0001", ZONE_MATCHED, "Lot 01" },
    { "red lot", ZONE_MATCHED, "Red Lot" },
    { "STREET PARKING MAIN ST", ZONE_MATCHED, "Street Parking - Main St" },
    { "h\xc3\xb4tel-de-ville", ZONE_MATCHED, "H\xc3\xb4tel de Ville" },
    { "1001", ZONE_ALIAS, "Lot 01" },
    { "01001", ZONE_ALIAS, "Lot 01" },
    { "HS-1002", ZONE_ALIAS, "Lot 02" },
    { "hs1002", ZONE_ALIAS, "Lot 02" },
    { "Main St, North", ZONE_ALIAS, "Street Parking - Main St" },
    { "City Hall", ZONE_ALIAS, "H\xc3\xb4tel de Ville" },
    { "Lot 99", ZONE_DISCONNECTED, "Lot 99" },
    { "Lto 01", ZONE_DISCONNECTED, "Lto 01" },
    { "  Green Lot ", ZONE_DISCONNECTED, "Green Lot" },
    { "HOTEL DE VILLE", ZONE_DISCONNECTED, "HOTEL DE VILLE" },
    { "", ZONE_MISSING, "" },
    { "---", ZONE_MISSING, "" },
    { "  _ ", ZONE_MISSING, "" },
};

static const char city_aliases[] =
    "alias,zone\n"
    "1001,Lot 01\n"
    "HS 1002,lot 2\n"
    "\n"
    "\"Main St, North\",Street Parking - Main St\n"
    "City Hall , H\xc3\xb4tel de Ville\n"
    "Lot-1,Lot 02\n";              /* already a known zone: ignored, warning */

START_TEST(test_resolve)
{
    struct etl_err err;
    struct zones *z;
    struct permit p;
    const char *zone;

    mk_tmpdir();
    z = load(city, city_aliases, &err);
    ck_assert_msg(z != NULL, "load: %s %s", err.where, err.msg);
    ck_assert_uint_eq(zones_count(z), 9);
    ck_assert_uint_eq(zones_alias_count(z), 4);
    ck_assert_str_eq(zones_name(z, 0), "Lot 01");
    ck_assert_str_eq(zones_name(z, 7), "Street Parking - Main St");
    ck_assert_ptr_null(zones_name(z, 9));
    set_permit(&p, resolve_cases[_i].vendor);
    zones_resolve(z, &p);
    ck_assert_str_eq(zone_status_name(p.zone_status), zone_status_name(resolve_cases[_i].st));
    ck_assert_str_eq(p.zone, resolve_cases[_i].zone);
    ck_assert_int_eq(zones_lookup(z, resolve_cases[_i].vendor, strlen(resolve_cases[_i].vendor),
                                  &zone), resolve_cases[_i].st);
    if (resolve_cases[_i].st == ZONE_MATCHED || resolve_cases[_i].st == ZONE_ALIAS)
        ck_assert_str_eq(zone, resolve_cases[_i].zone);
    else
        ck_assert_ptr_null(zone);
    zones_free(z);
    rm_tmpdir();
}
END_TEST

START_TEST(test_resolve_null_table)
{
    struct permit p;

    set_permit(&p, "Lot 01");
    p.zone_status = ZONE_MATCHED;
    zones_resolve(NULL, &p);
    ck_assert_int_eq(p.zone_status, ZONE_UNCHECKED);
    ck_assert_str_eq(p.zone, "Lot 01");
    ck_assert_int_eq(zones_lookup(NULL, "x", 1, NULL), ZONE_UNCHECKED);
    zones_free(NULL);
}
END_TEST

/* Loading errors: zones text, aliases text (NULL: none), the expected
 * error code, text in the message, and the line in `where`. */
static const struct {
    const char *zones, *aliases;
    int code;
    const char *msg, *where;
} load_errors[] = {
    { "Lot 01\nRed Lot\n# c\nlot-1\n", NULL, E_CONFIG, "'Lot 01' on line 1", "zones.txt:4" },
    { "Lot 01\nRed Lot\n  RED_LOT  \n", NULL, E_CONFIG, "'Red Lot' on line 2", "zones.txt:3" },
    { "Lot 01\n---\n", NULL, E_CONFIG, "has no letters or digits", "zones.txt:2" },
    { "Lot 01\nBad \xff byte\n", NULL, E_CONFIG, "invalid UTF-8", "zones.txt:2" },
    { "Lot 01\n", "alias,zone\n1001,Lot 99\n", E_CONFIG, "unknown zone 'Lot 99'", "aliases.csv:2" },
    { "Lot 01\n", "1001,Lot 01\n", E_CONFIG, "header", "aliases.csv:1" },
    { "Lot 01\n", "", E_CONFIG, "header", "aliases.csv" },
    { "Lot 01\n", "alias,zone\n1001\n", E_CONFIG, "expected 2 fields", "aliases.csv:2" },
    { "Lot 01\n", "alias,zone\n1001,Lot 01,x\n", E_CONFIG, "expected 2 fields", "aliases.csv:2" },
    { "Lot 01\n", "alias,zone\n\"1001,Lot 01\n", E_CONFIG, "CSV", "aliases.csv:2" },
    { "Lot 01\n", "alias,zone\n---,Lot 01\n", E_CONFIG, "no letters or digits", "aliases.csv:2" },
    { "Lot 01\n", "alias,zone\n1001,\n", E_CONFIG, "names no zone", "aliases.csv:2" },
    { "Lot 01\nLot 02\n", "alias,zone\n1001,Lot 01\n\n01001,Lot 02\n", E_CONFIG,
      "line 2", "aliases.csv:4" },
    { "Lot 01\nLot 02\n", "alias,zone\nX,Lot 01\nY,X\n", E_CONFIG, "unknown zone 'X'",
      "aliases.csv:3" },
};

START_TEST(test_load_errors)
{
    struct etl_err err;
    struct zones *z;

    mk_tmpdir();
    z = load(load_errors[_i].zones, load_errors[_i].aliases, &err);
    ck_assert_ptr_null(z);
    ck_assert_int_eq(err.code, load_errors[_i].code);
    ck_assert_msg(strstr(err.msg, load_errors[_i].msg) != NULL, "msg: %s", err.msg);
    ck_assert_msg(strstr(err.where, load_errors[_i].where) != NULL, "where: %s", err.where);
    rm_tmpdir();
}
END_TEST

START_TEST(test_load_misc)
{
    struct etl_err err;
    struct zones *z;
    struct permit p;

    mk_tmpdir();
    /* BOM, CRLF, comments; an alias repeated for the same zone is fine */
    z = load("\xEF\xBB\xBFLot 01\r\n# Lot 02\r\n\r\nLot 03\r\n",
             "\xEF\xBB\xBF" "Alias , ZONE\r\n1001,Lot 01\r\n01001,lot 1\r\n", &err);
    ck_assert_msg(z != NULL, "load: %s %s", err.where, err.msg);
    ck_assert_uint_eq(zones_count(z), 2);
    ck_assert_uint_eq(zones_alias_count(z), 1);
    ck_assert_str_eq(zones_name(z, 0), "Lot 01");
    set_permit(&p, "Lot 02");
    zones_resolve(z, &p);
    ck_assert_int_eq(p.zone_status, ZONE_DISCONNECTED);
    zones_free(z);
    /* empty zone list: everything disconnected or missing */
    z = load("# nothing\n", NULL, &err);
    ck_assert_ptr_nonnull(z);
    ck_assert_uint_eq(zones_count(z), 0);
    set_permit(&p, "Lot 02");
    zones_resolve(z, &p);
    ck_assert_int_eq(p.zone_status, ZONE_DISCONNECTED);
    zones_free(z);
    /* unreadable files */
    etl_err_clear(&err);
    ck_assert_ptr_null(zones_load("/nonexistent/zones.txt", NULL, &err));
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_ptr_null(zones_load(NULL, NULL, &err));
    z = zones_load(write_file("z.txt", "Lot 01\n"), "/nonexistent/a.csv", &err);
    ck_assert_ptr_null(z);
    ck_assert_int_eq(err.code, E_CONFIG);
    rm_tmpdir();
}
END_TEST

/* ---- suggestions ------------------------------------------------------ */

static const struct {
    const char *zones;   /* NULL: the city list */
    const char *vendor;
    const char *want;    /* suggestions joined with '|'; "" = none */
    int dist;
} suggest_cases[] = {
    { NULL, "Lto 01", "Lot 01", 1 },
    { NULL, "Red Lt", "Red Lot", 1 },
    { NULL, "Bleu Lot", "Blue Lot", 1 },
    { NULL, "Hotel de Ville", "H\xc3\xb4tel de Ville", 1 },
    { NULL, "Stret Parkng Mian St", "Street Parking - Main St", 3 },  /* 3 <= 25% of 20 */
    { NULL, "Lot 41", "Lot 01|Lot 04|Lot 40", 1 },                     /* ties */
    { "Lot 40\nLot 50\nRed Lot\n", "Lot 41", "Lot 40", 1 },
    { "Lot 40\nLot 42\nRed Lot\n", "Lot 41", "Lot 40|Lot 42", 1 },
    { "Lot 40\nLot 42\nRed Lot\n", "Lot 4", "Lot 40|Lot 42", 1 },
    { NULL, "Red Lott", "Red Lot", 1 },
    { NULL, "Green Lot", "", -1 },                 /* "green lot" vs "red lot": 3 > 2 */
    { NULL, "Yellow Garage", "", -1 },
    { NULL, "xyz", "", -1 },
    { "abc\n", "xyz", "", -1 },                     /* 3 > 2 and > 25% of 3 */
    { "Lot 1000\nLot 1001\n", "1001", "", -1 },     /* numeric: never guessed */
    { "1000\n1002\n", "1001", "", -1 },
    { "1000\n1002\n", "10 01", "", -1 },
    { "abcdefghijkl\n", "abcxyzghijkl", "abcdefghijkl", 3 }, /* 3 <= 25% of 12 */
    { "abcdefghijk\n", "abcxyzghijk", "", -1 },    /* 3 > 25% of 11 */
    { "abcdefghijkl\n", "abcxyzghijkll", "", -1 },  /* 4 > 3 */
    { "abcdefghijklm\n", "abcxyzghijklm", "abcdefghijklm", 3 },
};

START_TEST(test_suggest)
{
    struct etl_err err;
    struct zones *z;
    size_t idx[ZONE_SUGGEST_MAX], i;
    int n, dist;
    char got[512] = "";
    const char *v = suggest_cases[_i].vendor;

    mk_tmpdir();
    z = load(suggest_cases[_i].zones ? suggest_cases[_i].zones : city, NULL, &err);
    ck_assert_msg(z != NULL, "load: %s", err.msg);
    ck_assert_int_eq(zones_lookup(z, v, strlen(v), NULL), ZONE_DISCONNECTED);
    n = zones_suggest(z, v, strlen(v), idx, ZONE_SUGGEST_MAX, &dist, &err);
    ck_assert_int_ge(n, 0);
    for (i = 0; i < (size_t)n; i++) {
        size_t len = strlen(got);

        snprintf(got + len, sizeof(got) - len, "%s%s", i ? "|" : "", zones_name(z, idx[i]));
    }
    ck_assert_str_eq(got, suggest_cases[_i].want);
    ck_assert_int_eq(dist, suggest_cases[_i].dist);
    zones_free(z);
    rm_tmpdir();
}
END_TEST

/* ---- scale: 5,000 zones, 100,000 records ------------------------------ */

static const char *const words[] = {
    "North", "South", "East", "West", "Garage", "Market", "Harbour", "Church",
    "King", "Queen", "Bay", "Yonge", "College", "Station", "Park", "River",
};

/* Zone i: "<word> <word> <i>" — distinct keys by the number. */
static void zone_name_of(int i, char *out, size_t cap)
{
    snprintf(out, cap, "%s %s %d", words[i % 16], words[(i / 16) % 16], i);
}

static unsigned rng_state = 12345;

static unsigned rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) & 0xFFFFFF;
}

START_TEST(test_scale)
{
    struct etl_err err;
    struct zones *z;
    char path[256], name[128];
    FILE *f;
    int i;
    long counts[5] = { 0, 0, 0, 0, 0 }, want[5] = { 0, 0, 0, 0, 0 };
    struct permit p;

    mk_tmpdir();
    snprintf(path, sizeof(path), "%s/zones.txt", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (i = 0; i < 5000; i++) {
        zone_name_of(i, name, sizeof(name));
        fprintf(f, "%s\n", name);
    }
    ck_assert_int_eq(fclose(f), 0);
    {
        char apath[256];

        snprintf(apath, sizeof(apath), "%s/aliases.csv", tmpdir);
        f = fopen(apath, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "alias,zone\n");
        for (i = 0; i < 5000; i += 10) {
            zone_name_of(i, name, sizeof(name));
            fprintf(f, "%d,%s\n", 100000 + i, name);
        }
        ck_assert_int_eq(fclose(f), 0);
        z = zones_load(path, apath, &err);
    }
    ck_assert_msg(z != NULL, "load: %s", err.msg);
    ck_assert_uint_eq(zones_count(z), 5000);
    ck_assert_uint_eq(zones_alias_count(z), 500);
    for (i = 0; i < 100000; i++) {
        int zi = (int)(rnd() % 5000), kind = (int)(rnd() % 6);
        char expect[sizeof(p.vendor_zone)];
        enum zone_status st;

        zone_name_of(zi, expect, sizeof(expect));
        memset(&p, 0, sizeof(p));
        switch (kind) {
        case 0:     /* exact */
            snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%s", expect);
            st = ZONE_MATCHED;
            break;
        case 1: {   /* upper case, dashes, zero padded */
            char *s;

            snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%s-%s_%06d",
                     words[zi % 16], words[(zi / 16) % 16], zi);
            for (s = p.vendor_zone; *s; s++)
                if (*s >= 'a' && *s <= 'z')
                    *s = (char)(*s - 'a' + 'A');
            st = ZONE_MATCHED;
            break;
        }
        case 2:     /* alias code */
            zi -= zi % 10;
            zone_name_of(zi, expect, sizeof(expect));
            snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%d", 100000 + zi);
            st = ZONE_ALIAS;
            break;
        case 3:     /* unknown number */
            snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%s %s %d",
                     words[zi % 16], words[(zi / 16) % 16], zi + 5000);
            snprintf(expect, sizeof(expect), "%s", p.vendor_zone);
            st = ZONE_DISCONNECTED;
            break;
        case 4:     /* unknown words */
            snprintf(p.vendor_zone, sizeof(p.vendor_zone), "Nowhere %d", zi);
            snprintf(expect, sizeof(expect), "%s", p.vendor_zone);
            st = ZONE_DISCONNECTED;
            break;
        default:
            snprintf(p.vendor_zone, sizeof(p.vendor_zone), "%s", (zi & 1) ? "" : " - ");
            expect[0] = '\0';
            st = ZONE_MISSING;
            break;
        }
        snprintf(p.zone, sizeof(p.zone), "%s", p.vendor_zone);
        zones_resolve(z, &p);
        want[st]++;
        counts[p.zone_status]++;
        if (p.zone_status != st || strcmp(p.zone, expect) != 0)
            ck_abort_msg("record %d '%s': got %s '%s', want %s '%s'", i, p.vendor_zone,
                         zone_status_name(p.zone_status), p.zone, zone_status_name(st),
                         expect);
    }
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(counts[i], want[i]);
    ck_assert_int_gt(want[ZONE_ALIAS], 10000);
    zones_free(z);
    rm_tmpdir();
}
END_TEST

/* Suggestions with 5,000 zones against a brute-force scan of every zone. */
START_TEST(test_suggest_bruteforce)
{
    struct etl_err err;
    struct zones *z;
    char path[256], name[128], key[ZONE_KEY_MAX], zkey[ZONE_KEY_MAX];
    FILE *f;
    int i, t, with = 0;

    mk_tmpdir();
    snprintf(path, sizeof(path), "%s/zones.txt", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (i = 0; i < 5000; i++) {
        zone_name_of(i, name, sizeof(name));
        fprintf(f, "%s\n", name);
    }
    ck_assert_int_eq(fclose(f), 0);
    z = zones_load(path, NULL, &err);
    ck_assert_ptr_nonnull(z);
    for (t = 0; t < 24; t++) {
        size_t idx[ZONE_SUGGEST_MAX], want[ZONE_SUGGEST_MAX], nwant = 0;
        int n, dist, best, kl, bound, j;
        char *s;

        /* a zone name with a few random edits */
        zone_name_of((int)(rnd() % 5000), name, sizeof(name));
        for (j = 0; j < (int)(rnd() % 4); j++) {
            size_t len = strlen(name), at = rnd() % len;

            switch (rnd() % 3) {
            case 0:
                name[at] = (char)('a' + rnd() % 26);
                break;
            case 1:
                memmove(name + at, name + at + 1, len - at);
                break;
            default:
                if (at + 1 < len) {
                    char c = name[at];

                    name[at] = name[at + 1];
                    name[at + 1] = c;
                }
            }
        }
        kl = zone_key(name, strlen(name), key, sizeof(key));
        if (kl == 0 || zones_lookup(z, name, strlen(name), NULL) != ZONE_DISCONNECTED)
            continue;
        for (s = key; *s && (*s == ' ' || (*s >= '0' && *s <= '9')); s++)
            ;
        n = zones_suggest(z, name, strlen(name), idx, ZONE_SUGGEST_MAX, &dist, &err);
        ck_assert_int_ge(n, 0);
        if (!*s) {
            ck_assert_int_eq(n, 0);
            continue;
        }
        bound = kl / 4 > 2 ? kl / 4 : 2;   /* key is ASCII: bytes = code points */
        best = bound + 1;
        for (i = 0; i < 5000; i++) {
            int d, zl;

            zone_name_of(i, zkey, sizeof(zkey));
            zl = zone_key(zkey, strlen(zkey), zkey, sizeof(zkey));
            ck_assert_int_gt(zl, 0);
            d = zone_dl_distance(key, (size_t)kl, zkey, (size_t)zl);
            if (d < best) {
                best = d;
                nwant = 0;
            }
            if (d == best && nwant < ZONE_SUGGEST_MAX)
                want[nwant++] = (size_t)i;
        }
        if (best > bound)
            nwant = 0;
        ck_assert_int_eq(n, (int)nwant);
        for (j = 0; j < n; j++)
            ck_assert_uint_eq(idx[j], want[j]);
        ck_assert_int_eq(dist, n ? best : -1);
        with += n > 0;
    }
    ck_assert_int_ge(with, 8);   /* the scan did find suggestions */
    zones_free(z);
    rm_tmpdir();
}
END_TEST

/* Random names over a small alphabet (many near ties, transpositions):
 * zones_suggest() (banded, filtered, early stop) against every distance. */
START_TEST(test_suggest_random)
{
    struct etl_err err;
    struct zones *z;
    char path[256], names[300][16];
    FILE *f;
    int i, t, nz = 0;

    mk_tmpdir();
    snprintf(path, sizeof(path), "%s/zones.txt", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (i = 0; i < 300; i++) {
        char nm[16], key[ZONE_KEY_MAX];
        int len = 3 + (int)(rnd() % 10), j, k, dup = 0;

        for (j = 0; j < len; j++)
            nm[j] = "abcde"[rnd() % 5];
        nm[len] = '\0';
        zone_key(nm, (size_t)len, key, sizeof(key));
        for (k = 0; k < nz && !dup; k++)
            dup = strcmp(names[k], key) == 0;
        if (dup)
            continue;
        memcpy(names[nz++], key, strlen(key) + 1);
        fprintf(f, "%s\n", nm);
    }
    ck_assert_int_eq(fclose(f), 0);
    z = zones_load(path, NULL, &err);
    ck_assert_msg(z != NULL, "load: %s", err.msg);
    ck_assert_uint_eq(zones_count(z), (size_t)nz);
    for (t = 0; t < 300; t++) {
        char q[24];
        size_t idx[ZONE_SUGGEST_MAX], want[ZONE_SUGGEST_MAX], nwant = 0;
        int len = 1 + (int)(rnd() % 16), j, n, dist, best, bound;

        for (j = 0; j < len; j++)
            q[j] = "abcdef"[rnd() % 6];
        q[len] = '\0';
        if (zones_lookup(z, q, (size_t)len, NULL) != ZONE_DISCONNECTED)
            continue;
        bound = len / 4 > 2 ? len / 4 : 2;
        best = bound + 1;
        for (i = 0; i < nz; i++) {
            int d = zone_dl_distance(q, (size_t)len, names[i], strlen(names[i]));

            if (d < best) {
                best = d;
                nwant = 0;
            }
            if (d == best && nwant < ZONE_SUGGEST_MAX)
                want[nwant++] = (size_t)i;
        }
        if (best > bound)
            nwant = 0;
        n = zones_suggest(z, q, (size_t)len, idx, ZONE_SUGGEST_MAX, &dist, &err);
        ck_assert_msg(n == (int)nwant, "'%s': %d suggestions, want %zu", q, n, nwant);
        for (j = 0; j < n; j++)
            ck_assert_uint_eq(idx[j], want[j]);
        ck_assert_int_eq(dist, n ? best : -1);
    }
    zones_free(z);
    rm_tmpdir();
}
END_TEST

/* ---- the audit accumulator -------------------------------------------- */

static void audit_add(struct zone_audit *a, const char *vz, long long cents,
                      enum currency cur, long long start, const char *src)
{
    struct permit p;
    struct etl_err err;

    set_permit(&p, vz);
    p.cents = cents;
    p.currency = cur;
    p.start = start;
    p.source = src;
    ck_assert_int_eq(zone_audit_add(a, &p, &err), 0);
}

START_TEST(test_audit)
{
    struct etl_err err;
    struct zones *z;
    struct zone_audit *a;
    const struct zone_audit_row *r;
    char src1[] = "a.csv", src2[] = "b.json", src1b[] = "a.csv";
    struct permit v;

    mk_tmpdir();
    z = load(city, "alias,zone\n1001,Lot 01\n", &err);
    ck_assert_ptr_nonnull(z);
    a = zone_audit_new(z, &err);
    ck_assert_ptr_nonnull(a);
    audit_add(a, "Lot 01", 1450, CUR_CAD, 1000, src1);
    audit_add(a, " Lot 01 ", 550, CUR_USD, 500, src2);   /* same trimmed name */
    audit_add(a, "LOT-01", 100000, CUR_CAD, 700, src1);  /* another spelling: own row */
    audit_add(a, "1001", 200, CUR_CAD, 900, src1b);      /* alias */
    audit_add(a, "Lto 01", 300, CUR_CAD, 2000, src1);
    audit_add(a, "Lto 01", 0, CUR_CAD, 1500, src2);      /* free session */
    audit_add(a, "Lto 01", 100, CUR_USD, 2500, src1);
    audit_add(a, "", 5000, CUR_CAD, 10, src2);
    audit_add(a, "Lot 41", 5000, CUR_CAD, 10, src2);
    audit_add(a, "9999", 10, CUR_USD, 10, src2);
    set_permit(&v, "Voided Zone");
    v.voided = 1;
    ck_assert_int_eq(zone_audit_add(a, &v, &err), 0);
    ck_assert_int_eq(zone_audit_finish(a, &err), 0);
    ck_assert_uint_eq(zone_audit_count(a), 7);
    ck_assert_int_eq(zone_audit_attention(a), 1);
    ck_assert_int_eq(zone_audit_records(a, ZONE_MATCHED), 3);
    ck_assert_int_eq(zone_audit_records(a, ZONE_ALIAS), 1);
    ck_assert_int_eq(zone_audit_records(a, ZONE_DISCONNECTED), 5);
    ck_assert_int_eq(zone_audit_records(a, ZONE_MISSING), 1);

    /* attention first: "" and "Lot 41" (CAD 50.00; tie broken by name), then
     * "Lto 01" (CAD 3.00), "9999" (CAD 0, USD 0.10) */
    r = zone_audit_row(a, 0);
    ck_assert_str_eq(r->vendor_zone, "");
    ck_assert_int_eq(r->status, ZONE_MISSING);
    ck_assert_uint_eq(r->nsuggest, 0);
    r = zone_audit_row(a, 1);
    ck_assert_str_eq(r->vendor_zone, "Lot 41");
    ck_assert_int_eq(r->status, ZONE_DISCONNECTED);
    ck_assert_uint_eq(r->nsuggest, 3);
    ck_assert_str_eq(r->suggest[0], "Lot 01");
    ck_assert_str_eq(r->suggest[2], "Lot 40");
    r = zone_audit_row(a, 2);
    ck_assert_str_eq(r->vendor_zone, "Lto 01");
    ck_assert_int_eq(r->rows, 3);
    ck_assert_int_eq(r->cur_rows[CUR_CAD], 2);
    ck_assert_int_eq(r->cur_rows[CUR_USD], 1);
    ck_assert_int_eq(r->cents[CUR_CAD], 300);
    ck_assert_int_eq(r->cents[CUR_USD], 100);
    ck_assert_int_eq(r->first_start, 1500);
    ck_assert_int_eq(r->last_start, 2500);
    ck_assert_uint_eq(r->nfiles, 2);
    ck_assert_str_eq(r->files[0], "a.csv");
    ck_assert_str_eq(r->files[1], "b.json");
    ck_assert_uint_eq(r->nsuggest, 1);
    ck_assert_str_eq(r->suggest[0], "Lot 01");
    ck_assert_int_eq(r->suggest_dist, 1);
    ck_assert_ptr_null(r->zone);
    r = zone_audit_row(a, 3);
    ck_assert_str_eq(r->vendor_zone, "9999");
    ck_assert_uint_eq(r->nsuggest, 0);      /* numeric: never guessed */
    /* then the rest by revenue: LOT-01 (1000.00), Lot 01 (14.50 + USD), 1001 */
    r = zone_audit_row(a, 4);
    ck_assert_str_eq(r->vendor_zone, "LOT-01");
    ck_assert_str_eq(r->zone, "Lot 01");
    ck_assert_int_eq(r->status, ZONE_MATCHED);
    r = zone_audit_row(a, 5);
    ck_assert_str_eq(r->vendor_zone, "Lot 01");
    ck_assert_int_eq(r->rows, 2);
    ck_assert_int_eq(r->cents[CUR_CAD], 1450);
    ck_assert_int_eq(r->cents[CUR_USD], 550);
    ck_assert_int_eq(r->first_start, 500);
    ck_assert_int_eq(r->last_start, 1000);
    ck_assert_uint_eq(r->nfiles, 2);
    r = zone_audit_row(a, 6);
    ck_assert_str_eq(r->vendor_zone, "1001");
    ck_assert_int_eq(r->status, ZONE_ALIAS);
    ck_assert_str_eq(r->zone, "Lot 01");
    ck_assert_uint_eq(r->nfiles, 1);       /* same path through another pointer */
    ck_assert_ptr_null(zone_audit_row(a, 7));

    /* adding after finish re-orders on the next finish */
    audit_add(a, "Lot 01", 10000000, CUR_CAD, 1, src1);
    ck_assert_int_eq(zone_audit_finish(a, &err), 0);
    ck_assert_str_eq(zone_audit_row(a, 4)->vendor_zone, "Lot 01");
    zone_audit_free(a);
    zone_audit_free(NULL);
    zones_free(z);
    rm_tmpdir();
}
END_TEST

START_TEST(test_audit_no_table)
{
    struct etl_err err;
    struct zone_audit *a = zone_audit_new(NULL, &err);
    struct permit p;

    ck_assert_ptr_nonnull(a);
    set_permit(&p, "Anything");
    p.currency = CUR_CAD;
    ck_assert_int_eq(zone_audit_add(a, &p, &err), 0);
    ck_assert_int_eq(zone_audit_finish(a, &err), 0);
    ck_assert_uint_eq(zone_audit_count(a), 1);
    ck_assert_int_eq(zone_audit_row(a, 0)->status, ZONE_UNCHECKED);
    ck_assert_uint_eq(zone_audit_row(a, 0)->nfiles, 0);
    ck_assert_int_eq(zone_audit_attention(a), 0);
    zone_audit_free(a);
}
END_TEST

/* Many distinct names: memory per name only, all rows found again. */
START_TEST(test_audit_many)
{
    struct etl_err err;
    struct zone_audit *a = zone_audit_new(NULL, &err);
    char name[32];
    int i, r;
    size_t k;
    long total = 0;

    ck_assert_ptr_nonnull(a);
    for (r = 0; r < 3; r++)
        for (i = 0; i < 3000; i++) {
            snprintf(name, sizeof(name), "Zone %d", i);
            audit_add(a, name, i, CUR_CAD, i, "f.csv");
        }
    ck_assert_int_eq(zone_audit_finish(a, &err), 0);
    ck_assert_uint_eq(zone_audit_count(a), 3000);
    for (k = 0; k < zone_audit_count(a); k++) {
        const struct zone_audit_row *row = zone_audit_row(a, k);

        ck_assert_int_eq(row->rows, 3);
        total += row->rows;
        if (k)
            ck_assert_int_ge(zone_audit_row(a, k - 1)->cents[CUR_CAD], row->cents[CUR_CAD]);
    }
    ck_assert_int_eq(total, 9000);
    ck_assert_str_eq(zone_audit_row(a, 0)->vendor_zone, "Zone 2999");
    zone_audit_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zones");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_key, 0, sizeof(key_cases) / sizeof(key_cases[0]));
    tcase_add_test(tc, test_key_bounds);
    tcase_add_loop_test(tc, test_dl, 0, sizeof(dl_cases) / sizeof(dl_cases[0]));
    tcase_add_test(tc, test_dl_reference);
    tcase_add_loop_test(tc, test_resolve, 0, sizeof(resolve_cases) / sizeof(resolve_cases[0]));
    tcase_add_test(tc, test_resolve_null_table);
    tcase_add_loop_test(tc, test_load_errors, 0, sizeof(load_errors) / sizeof(load_errors[0]));
    tcase_add_test(tc, test_load_misc);
    tcase_add_loop_test(tc, test_suggest, 0, sizeof(suggest_cases) / sizeof(suggest_cases[0]));
    tcase_add_test(tc, test_scale);
    tcase_add_test(tc, test_suggest_bruteforce);
    tcase_add_test(tc, test_suggest_random);
    tcase_add_test(tc, test_audit);
    tcase_add_test(tc, test_audit_no_table);
    tcase_add_test(tc, test_audit_many);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
