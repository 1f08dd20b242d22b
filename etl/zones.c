/*
 * zones.c — zone keys, the zones/aliases table, resolution and
 * suggestions. See zones.h for the rules.
 */
#include "zones.h"

#include "log.h"
#include "strmap.h"
#include "utf8.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_BUCKETS 32

struct zone {
    char     *name;     /* as in zones.txt (trimmed) */
    char     *key;
    size_t    keylen;
    uint32_t *cp;       /* key as code points (suggestions) */
    int       ncp;
    long      line;
};

/* What the suggestion scan reads for every zone, kept contiguous (one
 * cache line each) apart from struct zone. */
struct zsig {
    unsigned char sig[SIG_BUCKETS]; /* key character counts by bucket */
    int           ncp;              /* key length, code points */
    int           sigsum;           /* sum of sig[] */
    size_t        zone;             /* index into zones (in bylen) */
};

struct alias {
    char   *name;       /* as in the aliases file (trimmed) */
    size_t  zone;       /* index into zones */
    long    line;
};

struct slot {           /* what a key stands for, at the key's index in keys */
    size_t      zone;   /* index into zones */
    long        alias;  /* -1: the zone itself, else index into aliases */
};

struct zones {
    struct zone  *zone;
    struct zsig  *zsig;    /* parallel to zone */
    struct zsig  *bylen;   /* the same, sorted by key length then index */
    size_t       *lenstart; /* bylen[lenstart[L] .. lenstart[L+1]) have length L */
    size_t        nzones, capzones;
    struct alias *alias;
    char        **akeys;   /* keys of aliases (owned), parallel to alias */
    size_t        naliases, capaliases;
    struct strmap keys;    /* zone and alias keys -> index into slot */
    struct slot  *slot;
    size_t        capslots;
    int           maxcp;   /* longest zone key in code points */
};

/* ---- keys ------------------------------------------------------------- */

static int is_sep(unsigned char c)
{
    return c == ' ' || c == '-' || c == '_' || c == '\t' || c == '\r' ||
           c == '\n' || c == '\v' || c == '\f';
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_ws((unsigned char)(*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ws((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Removes the leading zeros of an all-digit token out[start..*len). */
static void strip_zeros(char *out, size_t start, size_t *len)
{
    size_t i, z = 0;

    for (i = start; i < *len; i++)
        if (!is_digit((unsigned char)out[i]))
            return;
    while (start + z + 1 < *len && out[start + z] == '0')
        z++;
    if (z) {
        memmove(out + start, out + start + z, *len - start - z);
        *len -= z;
    }
}

int zone_key(const char *s, size_t n, char *out, size_t cap)
{
    size_t i, len = 0, tok = 0;
    int pending = 0;

    if (cap == 0)
        return -1;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int split;

        if (is_sep(c)) {
            if (len)
                pending = 1;
            continue;
        }
        split = !pending && len && is_digit(c) && is_alpha((unsigned char)out[len - 1]);
        if (pending || split) {
            strip_zeros(out, tok, &len);
            if (len + 1 >= cap)
                return -1;
            out[len++] = ' ';
            tok = len;
            pending = 0;
        }
        if (len + 1 >= cap)
            return -1;
        out[len++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    strip_zeros(out, tok, &len);
    out[len] = '\0';
    return (int)len;
}

int zone_key_numeric(const char *key, size_t n)
{
    size_t i;
    int digits = 0;

    for (i = 0; i < n; i++) {
        if (is_digit((unsigned char)key[i]))
            digits = 1;
        else if (key[i] != ' ')
            return 0;
    }
    return digits;
}

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes one code point at s[0..n); *adv gets its length. An invalid
 * byte yields 0x110000 + byte (distinct from every code point). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *adv)
{
    uint32_t c;

    *adv = utf8_decode((const char *)s, n, &c);
    if (*adv)
        return c;
    *adv = 1;
    return 0x110000u + s[0];
}

/* Decodes s[0..n) into out (n entries are always enough); returns the
 * count; *invalid set when a byte was not valid UTF-8. */
static int decode_cps(const char *s, size_t n, uint32_t *out, int *invalid)
{
    size_t i = 0, adv;
    int k = 0;

    if (invalid)
        *invalid = 0;
    while (i < n) {
        uint32_t c = utf8_next((const unsigned char *)s + i, n - i, &adv);

        if (c > 0x10FFFF && invalid)
            *invalid = 1;
        out[k++] = c;
        i += adv;
    }
    return k;
}

/* The bucket of a key character for the suggestion pre-filter: letters
 * and digits apart, anything else hashed. Collisions only weaken the
 * lower bound, never break it. */
static unsigned sig_bucket(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';                     /* 0..25 */
    if (c >= '0' && c <= '9')
        return 26 + (c - '0') % 5;          /* 26..30 */
    if (c == ' ')
        return 31;
    return (unsigned)((c * 2654435761u) >> 27);
}

static void sig_of(const uint32_t *cp, int n, unsigned char *sig)
{
    int i;

    memset(sig, 0, SIG_BUCKETS);
    for (i = 0; i < n; i++) {
        unsigned char *b = &sig[sig_bucket(cp[i])];

        if (*b < 255)
            (*b)++;
    }
}

/* A lower bound of the DL distance from the bucket counts: an edit removes
 * at most one surplus character on each side (a transposition none). With
 * counts capped at 255 the bound stays valid (a capped difference is
 * smaller than the true one). */
static int sig_bound(const unsigned char *a, int asum, const unsigned char *b, int bsum)
{
    unsigned pos = 0;
    int i, neg;

    for (i = 0; i < SIG_BUCKETS; i++) {   /* branch-free: vectorizes */
        unsigned x = a[i], y = b[i];

        pos += (x > y ? x : y) - y;
    }
    neg = (int)pos - (asum - bsum);       /* surplus of b */
    return (int)pos > neg ? (int)pos : neg;
}

static int sig_sum(const unsigned char *sig)
{
    int i, n = 0;

    for (i = 0; i < SIG_BUCKETS; i++)
        n += sig[i];
    return n;
}

/* ---- hash table ------------------------------------------------------- */

static const struct slot *table_find(const struct zones *z, const char *k, size_t n)
{
    long i = strmap_find(&z->keys, k, n);

    return i < 0 ? NULL : &z->slot[i];
}

/* Adds key k[0..n), which is not in the table yet. */
static int table_add(struct zones *z, const char *k, size_t n, size_t zone, long alias,
                     struct etl_err *err)
{
    long i;

    if (z->keys.n == z->capslots) {
        size_t nc = z->capslots ? z->capslots * 2 : 64;
        struct slot *ns = realloc(z->slot, nc * sizeof(*ns));

        if (!ns)
            return etl_fail(err, E_NOMEM, "zones: out of memory");
        z->slot = ns;
        z->capslots = nc;
    }
    i = strmap_add(&z->keys, k, n, NULL);
    if (i < 0)
        return etl_fail(err, E_NOMEM, "zones: out of memory");
    z->slot[i].zone = zone;
    z->slot[i].alias = alias;
    return 0;
}

/* ---- loading ---------------------------------------------------------- */

static const struct zone no_zone = { (char *)"", (char *)"", 0, NULL, 0, 0 };
static const struct alias no_alias = { (char *)"", 0, 0 };

/* Entries a slot points to (always present; the fallbacks only keep the
 * static analyzer from seeing a NULL array behind a found slot). */
static const struct zone *zone_at(const struct zones *z, size_t i)
{
    return z->zone && i < z->nzones ? &z->zone[i] : &no_zone;
}

static const struct alias *alias_at(const struct zones *z, size_t i)
{
    return z->alias && i < z->naliases ? &z->alias[i] : &no_alias;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static size_t count_cp(const char *s, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    return k;
}

/* Checks a trimmed name from a file: valid UTF-8, at most ZONE_MAX code
 * points, non-empty key (computed into key[ZONE_KEY_MAX]). */
static int check_name(const char *what, const char *path, long line, const char *s,
                      size_t n, char *key, int *keylen, struct etl_err *err)
{
    size_t i = 0, adv;

    while (i < n) {
        if (utf8_next((const unsigned char *)s + i, n - i, &adv) > 0x10FFFF) {
            etl_fail_at(err, E_CONFIG, path, line, NULL, "%s: invalid UTF-8 at byte %zu",
                        what, i + 1);
            return -1;
        }
        i += adv;
    }
    *keylen = 0;
    if (count_cp(s, n) > ZONE_MAX) {
        etl_fail_at(err, E_CONFIG, path, line, NULL,
                    "%s '%.*s...' is longer than %d characters", what, 40, s, ZONE_MAX);
        return -1;
    }
    *keylen = zone_key(s, n, key, ZONE_KEY_MAX);
    if (*keylen < 0) {
        etl_fail_at(err, E_INTERNAL, path, line, NULL, "%s: key too long", what);
        return -1;
    }
    if (*keylen == 0) {
        etl_fail_at(err, E_CONFIG, path, line, NULL, "%s '%.*s' has no letters or digits",
                    what, (int)n, s);
        return -1;
    }
    return 0;
}

static int add_zone(struct zones *z, const char *path, long line, const char *s, size_t n,
                    struct etl_err *err)
{
    char key[ZONE_KEY_MAX];
    int keylen = 0;
    const struct slot *dup;
    struct zone *zn;

    if (check_name("zone", path, line, s, n, key, &keylen, err) < 0)
        return -1;
    dup = table_find(z, key, (size_t)keylen);
    if (dup)
        return etl_fail_at(err, E_CONFIG, path, line, NULL,
                           "zone '%.*s' has the same key '%s' as '%s' on line %ld",
                           (int)n, s, key, zone_at(z, dup->zone)->name,
                           zone_at(z, dup->zone)->line);
    if (z->nzones == z->capzones) {
        size_t nc = z->capzones ? z->capzones * 2 : 64;
        struct zone *nz = realloc(z->zone, nc * sizeof(*nz));

        struct zsig *ns;

        if (!nz)
            return etl_fail(err, E_NOMEM, "zones: out of memory");
        z->zone = nz;
        ns = realloc(z->zsig, nc * sizeof(*ns));
        if (!ns)
            return etl_fail(err, E_NOMEM, "zones: out of memory");
        z->zsig = ns;
        z->capzones = nc;
    }
    zn = &z->zone[z->nzones];
    memset(zn, 0, sizeof(*zn));
    zn->name = dup_n(s, n);
    zn->key = dup_n(key, (size_t)keylen);
    zn->cp = malloc(((size_t)keylen + 1) * sizeof(uint32_t));
    if (!zn->name || !zn->key || !zn->cp) {
        free(zn->name);
        free(zn->key);
        free(zn->cp);
        return etl_fail(err, E_NOMEM, "zones: out of memory");
    }
    zn->keylen = (size_t)keylen;
    zn->ncp = decode_cps(key, (size_t)keylen, zn->cp, NULL);
    sig_of(zn->cp, zn->ncp, z->zsig[z->nzones].sig);
    z->zsig[z->nzones].sigsum = sig_sum(z->zsig[z->nzones].sig);
    z->zsig[z->nzones].ncp = zn->ncp;
    z->zsig[z->nzones].zone = z->nzones;
    zn->line = line;
    if (zn->ncp > z->maxcp)
        z->maxcp = zn->ncp;
    z->nzones++;
    if (table_add(z, zn->key, zn->keylen, z->nzones - 1, -1, err) < 0)
        return -1;
    return 0;
}

static int load_zones(struct zones *z, const char *path, struct etl_err *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int ret = -1;

    if (!f)
        return etl_fail_at(err, E_CONFIG, path, 0, NULL, "cannot open zones list: %s",
                           strerror(errno));
    errno = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        const char *s = line;
        size_t n = (size_t)got;

        lineno++;
        if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            n -= 3;
        }
        if (memchr(s, '\0', n)) {
            etl_fail_at(err, E_CONFIG, path, lineno, NULL, "zone: NUL byte in line");
            goto out;
        }
        trim(&s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        if (add_zone(z, path, lineno, s, n, err) < 0)
            goto out;
        errno = 0;
    }
    if (ferror(f)) {
        etl_fail_at(err, E_IO, path, 0, NULL, "cannot read zones list: %s",
                    strerror(errno ? errno : EIO));
        goto out;
    }
    ret = 0;
out:
    free(line);
    fclose(f);
    return ret;
}

/* One parsed CSV line of the aliases file. */
struct csvline {
    char  *field[2];
    size_t len[2];
    int    nfields;
    int    rows;       /* row ends seen */
    int    nomem;
};

static void csv_field(void *s, size_t n, void *data)
{
    struct csvline *l = data;

    if (l->nfields < 2) {
        char *p = dup_n(s ? s : "", s ? n : 0);

        if (!p)
            l->nomem = 1;
        l->field[l->nfields] = p;
        l->len[l->nfields] = s ? n : 0;
    }
    l->nfields++;
}

static void csv_row(int c, void *data)
{
    struct csvline *l = data;

    (void)c;
    l->rows++;
}

static void csvline_clear(struct csvline *l)
{
    free(l->field[0]);
    free(l->field[1]);
    memset(l, 0, sizeof(*l));
}

/* Parses one physical line (without its newline) into l. */
static int parse_csv_line(const char *s, size_t n, struct csvline *l)
{
    struct csv_parser p;
    int ok;

    memset(l, 0, sizeof(*l));
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return -1;
    ok = csv_parse(&p, s, n, csv_field, csv_row, l) == n &&
         csv_fini(&p, csv_field, csv_row, l) == 0;
    if (csv_error(&p) == CSV_ENOMEM)
        l->nomem = 1;
    csv_free(&p);
    if (!ok || l->nomem || l->rows != 1) {
        ok = l->nomem ? -2 : -1;    /* -2: out of memory, not a bad line */
        csvline_clear(l);
        return ok;
    }
    return 0;
}

static int add_alias(struct zones *z, const char *path, long line, const char *a, size_t an,
                     const char *zn, size_t znn, struct etl_err *err)
{
    char akey[ZONE_KEY_MAX], zkey[ZONE_KEY_MAX];
    int akeylen = 0, zkeylen;
    const struct slot *target, *have;
    char *keycopy, *namecopy;

    if (check_name("alias", path, line, a, an, akey, &akeylen, err) < 0)
        return -1;
    if (znn == 0)
        return etl_fail_at(err, E_CONFIG, path, line, NULL,
                           "alias '%.*s' names no zone", (int)an, a);
    if (zone_key(zn, znn, zkey, sizeof(zkey)) < 0)
        return etl_fail_at(err, E_CONFIG, path, line, NULL,
                           "alias '%.*s': zone is too long", (int)an, a);
    zkeylen = (int)strlen(zkey);
    target = table_find(z, zkey, (size_t)zkeylen);
    if (!target || target->alias >= 0)
        return etl_fail_at(err, E_CONFIG, path, line, NULL,
                           "alias '%.*s' names an unknown zone '%.*s'", (int)an, a,
                           (int)znn, zn);
    have = table_find(z, akey, (size_t)akeylen);
    if (have && have->alias < 0) {
        log_warn("%s:%ld: alias '%.*s' already matches the known zone '%s': ignored",
                 path, line, (int)an, a, zone_at(z, have->zone)->name);
        return 0;
    }
    if (have) {
        const struct alias *o = alias_at(z, (size_t)have->alias);

        if (o->zone != target->zone)
            return etl_fail_at(err, E_CONFIG, path, line, NULL,
                               "alias '%.*s' (zone '%s') has the same key as alias "
                               "'%s' on line %ld (zone '%s')", (int)an, a,
                               zone_at(z, target->zone)->name, o->name, o->line,
                               zone_at(z, o->zone)->name);
        log_warn("%s:%ld: alias '%.*s' repeats line %ld: ignored", path, line, (int)an,
                 a, o->line);
        return 0;
    }
    if (z->naliases == z->capaliases) {
        size_t nc = z->capaliases ? z->capaliases * 2 : 32;
        struct alias *na = realloc(z->alias, nc * sizeof(*na));
        char **nk;

        if (!na)
            return etl_fail(err, E_NOMEM, "zones: out of memory");
        z->alias = na;
        nk = realloc(z->akeys, nc * sizeof(*nk));
        if (!nk)
            return etl_fail(err, E_NOMEM, "zones: out of memory");
        z->akeys = nk;
        z->capaliases = nc;
    }
    keycopy = dup_n(akey, (size_t)akeylen);
    namecopy = dup_n(a, an);
    if (!keycopy || !namecopy) {
        free(keycopy);
        free(namecopy);
        return etl_fail(err, E_NOMEM, "zones: out of memory");
    }
    z->alias[z->naliases].name = namecopy;
    z->alias[z->naliases].zone = target->zone;
    z->alias[z->naliases].line = line;
    z->akeys[z->naliases] = keycopy;
    z->naliases++;
    return table_add(z, keycopy, (size_t)akeylen, target->zone, (long)z->naliases - 1, err);
}

static int is_header(const struct csvline *l)
{
    const char *a = l->field[0], *b = l->field[1];
    size_t an = l->len[0], bn = l->len[1];

    trim(&a, &an);
    trim(&b, &bn);
    return l->nfields == 2 && an == 5 && bn == 4 && strncasecmp(a, "alias", 5) == 0 &&
           strncasecmp(b, "zone", 4) == 0;
}

static int load_aliases(struct zones *z, const char *path, struct etl_err *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    int ret = -1, header = 0, rc;
    struct csvline l;

    memset(&l, 0, sizeof(l));
    if (!f)
        return etl_fail_at(err, E_CONFIG, path, 0, NULL, "cannot open aliases: %s",
                           strerror(errno));
    errno = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        const char *s = line, *a, *zn;
        size_t n = (size_t)got, an, znn;

        lineno++;
        if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            n -= 3;
        }
        if (memchr(s, '\0', n)) {
            etl_fail_at(err, E_CONFIG, path, lineno, NULL, "alias: NUL byte in line");
            goto out;
        }
        trim(&s, &n);
        if (n == 0)
            continue;
        rc = parse_csv_line(s, n, &l);
        if (rc == -2) {
            etl_fail(err, E_NOMEM, "aliases: out of memory");
            goto out;
        }
        if (rc < 0) {
            etl_fail_at(err, E_CONFIG, path, lineno, NULL, "alias: not a valid CSV line");
            goto out;
        }
        if (!header) {
            if (!is_header(&l)) {
                etl_fail_at(err, E_CONFIG, path, lineno, NULL,
                            "aliases: the first line must be the header 'alias,zone'");
                goto out;
            }
            header = 1;
            csvline_clear(&l);
            continue;
        }
        if (l.nfields != 2) {
            etl_fail_at(err, E_CONFIG, path, lineno, NULL,
                        "alias: expected 2 fields (alias,zone), found %d", l.nfields);
            goto out;
        }
        a = l.field[0];
        an = l.len[0];
        zn = l.field[1];
        znn = l.len[1];
        trim(&a, &an);
        trim(&zn, &znn);
        if (add_alias(z, path, lineno, a, an, zn, znn, err) < 0)
            goto out;
        csvline_clear(&l);
        errno = 0;
    }
    if (ferror(f)) {
        etl_fail_at(err, E_IO, path, 0, NULL, "cannot read aliases: %s",
                    strerror(errno ? errno : EIO));
        goto out;
    }
    if (!header) {
        etl_fail_at(err, E_CONFIG, path, 0, NULL,
                    "aliases: empty file (expected the header 'alias,zone')");
        goto out;
    }
    ret = 0;
out:
    csvline_clear(&l);
    free(line);
    fclose(f);
    return ret;
}

/* Sorts the zone signatures by key length (a counting sort: zones.txt
 * order within a length) for the suggestion scan. */
static int index_lengths(struct zones *z, struct etl_err *err)
{
    size_t i, nl = (size_t)z->maxcp + 2;

    z->lenstart = calloc(nl + 1, sizeof(*z->lenstart));
    z->bylen = malloc((z->nzones ? z->nzones : 1) * sizeof(*z->bylen));
    if (!z->lenstart || !z->bylen)
        return etl_fail(err, E_NOMEM, "zones: out of memory");
    for (i = 0; i < z->nzones; i++)
        z->lenstart[z->zsig[i].ncp + 1]++;
    for (i = 1; i <= nl; i++)
        z->lenstart[i] += z->lenstart[i - 1];
    for (i = 0; i < z->nzones; i++) {
        size_t *at = &z->lenstart[z->zsig[i].ncp];

        z->bylen[(*at)++] = z->zsig[i];
    }
    /* lenstart[L] now points past length L: shift back */
    for (i = nl; i > 0; i--)
        z->lenstart[i] = z->lenstart[i - 1];
    z->lenstart[0] = 0;
    return 0;
}

struct zones *zones_load(const char *zones_path, const char *aliases_path,
                         struct etl_err *err)
{
    struct zones *z;

    if (!zones_path) {
        etl_fail(err, E_CONFIG, "zones: no zones list given");
        return NULL;
    }
    z = calloc(1, sizeof(*z));
    if (!z) {
        etl_fail(err, E_NOMEM, "zones: out of memory");
        return NULL;
    }
    if (load_zones(z, zones_path, err) < 0 || index_lengths(z, err) < 0 ||
        (aliases_path && load_aliases(z, aliases_path, err) < 0)) {
        zones_free(z);
        return NULL;
    }
    return z;
}

void zones_free(struct zones *z)
{
    size_t i;

    if (!z)
        return;
    for (i = 0; i < z->nzones; i++) {
        free(z->zone[i].name);
        free(z->zone[i].key);
        free(z->zone[i].cp);
    }
    for (i = 0; i < z->naliases; i++) {
        free(z->alias[i].name);
        free(z->akeys[i]);
    }
    free(z->zone);
    free(z->zsig);
    free(z->bylen);
    free(z->lenstart);
    free(z->alias);
    free(z->akeys);
    strmap_release(&z->keys);
    free(z->slot);
    free(z);
}

/* ---- resolving -------------------------------------------------------- */

enum zone_status zones_lookup(const struct zones *z, const char *name, size_t n,
                              const char **zone)
{
    char key[ZONE_KEY_MAX];
    int keylen;
    const struct slot *s;

    if (zone)
        *zone = NULL;
    if (!z)
        return ZONE_UNCHECKED;
    keylen = zone_key(name, n, key, sizeof(key));
    if (keylen == 0)
        return ZONE_MISSING;
    if (keylen < 0)     /* longer than any known key */
        return ZONE_DISCONNECTED;
    s = table_find(z, key, (size_t)keylen);
    if (!s)
        return ZONE_DISCONNECTED;
    if (zone)
        *zone = zone_at(z, s->zone)->name;
    return s->alias < 0 ? ZONE_MATCHED : ZONE_ALIAS;
}

void zones_resolve(const struct zones *z, struct permit *p)
{
    const char *s = p->vendor_zone, *zone;
    size_t n = strnlen(p->vendor_zone, sizeof(p->vendor_zone) - 1);

    if (!z) {
        p->zone_status = ZONE_UNCHECKED;
        return;
    }
    trim(&s, &n);
    p->zone_status = zones_lookup(z, s, n, &zone);
    switch (p->zone_status) {
    case ZONE_MATCHED:
    case ZONE_ALIAS: {
        size_t zl = strlen(zone);   /* <= ZONE_MAX code points: fits */

        memcpy(p->zone, zone, zl + 1);
        break;
    }
    case ZONE_MISSING:
        p->zone[0] = '\0';
        break;
    default:
        memmove(p->zone, s, n);
        p->zone[n] = '\0';
        break;
    }
}

size_t zones_count(const struct zones *z)
{
    return z ? z->nzones : 0;
}

const char *zones_name(const struct zones *z, size_t i)
{
    return z && i < z->nzones ? z->zone[i].name : NULL;
}

size_t zones_alias_count(const struct zones *z)
{
    return z ? z->naliases : 0;
}

/* ---- Damerau–Levenshtein ---------------------------------------------- */

/*
 * Unrestricted Damerau–Levenshtein (Lowrance–Wagner) between the query a
 * (characters mapped to ids 1..k) and b (ids, 0 = not in a). d has room
 * for (la + 2) * (lb + 2) ints, da for k + 1. Returns the distance when it
 * is <= bound, else some value > bound. Two savings, both exact for
 * distances <= bound:
 *   - only the band |i - j| <= bound is computed (a cell outside it is
 *     worth at least |i - j| > bound; it reads as bound + 1);
 *   - it stops once every cell of a row exceeds bound: the row minimum
 *     never decreases from one row to the next (a transposition from row
 *     r lands at row i with cost >= i - r, and a row minimum grows by at
 *     most 1 per row).
 */
static int dl_ids(const int *a, int la, const int *b, int lb, int k, int *d, int *da,
                  int bound)
{
    int w = lb + 2, maxd = la + lb, inf = bound + 1, i, j;

#define D(r, c) d[((r) + 1) * w + (c) + 1]
    D(-1, -1) = maxd;
    for (i = 0; i <= la; i++) {
        D(i, -1) = maxd;
        D(i, 0) = i;
    }
    for (j = 0; j <= lb; j++) {
        D(-1, j) = maxd;
        D(0, j) = j;
    }
    memset(da, 0, (size_t)(k + 1) * sizeof(int));
    for (i = 1; i <= la; i++) {
        int db = 0, rowmin = inf;
        int lo = i - bound > 1 ? i - bound : 1, hi = i + bound < lb ? i + bound : lb;

        for (j = 1; j < lo; j++)    /* the last match before the band */
            if (a[i - 1] == b[j - 1])
                db = j;
        if (lo - 1 >= 1)
            D(i, lo - 1) = inf;
        else if (D(i, 0) < rowmin)
            rowmin = D(i, 0);
        if (hi + 1 <= lb)
            D(i, hi + 1) = inf;
        for (j = lo; j <= hi; j++) {
            int i1 = da[b[j - 1]], j1 = db, cost = 1, v, t;

            if (a[i - 1] == b[j - 1]) {
                cost = 0;
                db = j;
            }
            v = D(i - 1, j - 1) + cost;
            if ((t = D(i, j - 1) + 1) < v)
                v = t;
            if ((t = D(i - 1, j) + 1) < v)
                v = t;
            if (i1 > 0 && j1 > 0) {
                /* D(i1-1, j1-1): row/column 0 always valid, else only in the band */
                int r = i1 - 1, c = j1 - 1;
                int base = (r == 0 || c == 0 || (r > c ? r - c : c - r) <= bound)
                               ? D(r, c) : inf;

                if ((t = base + (i - i1 - 1) + 1 + (j - j1 - 1)) < v)
                    v = t;
            }
            D(i, j) = v;
            if (v < rowmin)
                rowmin = v;
        }
        da[a[i - 1]] = i;
        if (rowmin > bound)
            return inf;
    }
    return D(la, lb);
#undef D
}

/* Maps code points to small ids: the query's distinct characters get
 * 1..k; anything else 0. */
struct alphabet {
    uint32_t *cp;      /* distinct non-ASCII code points of the query */
    int       ncp;
    int       ascii[128];
    int       k;
};

static int alpha_id(const struct alphabet *al, uint32_t c)
{
    int i;

    if (c < 128)
        return al->ascii[c];
    for (i = 0; i < al->ncp; i++)
        if (al->cp[i] == c)
            return al->k - al->ncp + i + 1;
    return 0;
}

/* Builds the alphabet of a[0..la) and its ids into ids[]. */
static void alpha_build(struct alphabet *al, const uint32_t *a, int la, int *ids)
{
    int i, nascii = 0;

    memset(al->ascii, 0, sizeof(al->ascii));
    al->ncp = 0;
    /* ASCII ids first: 1..nascii; then non-ASCII nascii+1.. */
    for (i = 0; i < la; i++)
        if (a[i] < 128 && !al->ascii[a[i]])
            al->ascii[a[i]] = ++nascii;
    for (i = 0; i < la; i++) {
        int j, seen = 0;

        if (a[i] < 128)
            continue;
        for (j = 0; j < al->ncp && !seen; j++)
            seen = al->cp[j] == a[i];
        if (!seen)
            al->cp[al->ncp++] = a[i];
    }
    al->k = nascii + al->ncp;
    for (i = 0; i < la; i++)
        ids[i] = alpha_id(al, a[i]);
}

int zone_dl_distance(const char *a, size_t an, const char *b, size_t bn)
{
    uint32_t *ac = malloc((an + 1) * sizeof(uint32_t)), *bc = malloc((bn + 1) * sizeof(uint32_t));
    int *aid = malloc((an + 1) * sizeof(int)), *bid = malloc((bn + 1) * sizeof(int));
    uint32_t *acp = malloc((an + 1) * sizeof(uint32_t));
    int *d = NULL, *da = NULL, la, lb, i, ret = -1;
    struct alphabet al;

    if (!ac || !bc || !aid || !bid || !acp)
        goto out;
    la = decode_cps(a, an, ac, NULL);
    lb = decode_cps(b, bn, bc, NULL);
    al.cp = acp;
    alpha_build(&al, ac, la, aid);
    for (i = 0; i < lb; i++)
        bid[i] = alpha_id(&al, bc[i]);
    d = malloc((size_t)(la + 2) * (size_t)(lb + 2) * sizeof(int));
    da = malloc((size_t)(al.k + 1) * sizeof(int));
    if (!d || !da)
        goto out;
    ret = dl_ids(aid, la, bid, lb, al.k, d, da, la + lb);
out:
    free(ac);
    free(bc);
    free(aid);
    free(bid);
    free(acp);
    free(d);
    free(da);
    return ret;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

int zones_suggest(const struct zones *z, const char *name, size_t n, size_t *idx,
                  size_t max, int *dist, struct etl_err *err)
{
    char key[ZONE_KEY_MAX];
    int keylen, la, best, bound, *aid = NULL, *bid = NULL, *d = NULL, *da = NULL;
    unsigned char qsig[SIG_BUCKETS];
    int qsum = 0;
    uint32_t *ac = NULL, *acp = NULL;
    struct alphabet al;
    size_t found = 0, *all = NULL;
    int ret = -1, step;

    if (dist)
        *dist = -1;
    if (!z || !z->nzones || max == 0)
        return 0;
    keylen = zone_key(name, n, key, sizeof(key));
    if (keylen <= 0 || zone_key_numeric(key, (size_t)keylen))
        return 0;
    ac = malloc(((size_t)keylen + 1) * sizeof(uint32_t));
    acp = malloc(((size_t)keylen + 1) * sizeof(uint32_t));
    aid = malloc(((size_t)keylen + 1) * sizeof(int));
    if (!ac || !acp || !aid)
        goto nomem;
    la = decode_cps(key, (size_t)keylen, ac, NULL);
    bound = la / 4 > 2 ? la / 4 : 2;   /* d <= 2 or 4 d <= len */
    al.cp = acp;
    alpha_build(&al, ac, la, aid);
    {
        int maxlb = la + bound < z->maxcp ? la + bound : z->maxcp;

        bid = calloc((size_t)maxlb + 1, sizeof(int));
        d = malloc((size_t)(la + 2) * (size_t)(maxlb + 2) * sizeof(int));
        da = malloc((size_t)(al.k + 1) * sizeof(int));
        if (!bid || !d || !da)
            goto nomem;
        sig_of(ac, la, qsig);
        qsum = sig_sum(qsig);
    }
    all = malloc(z->nzones * sizeof(*all));
    if (!all)
        goto nomem;
    /* Lengths nearest the query's first (la, la-1, la+1, la-2, ...), so a
     * close zone is found early and `best` narrows the rest. */
    best = bound;
    for (step = 0; step <= 2 * bound; step++) {
        int len = la + ((step & 1) ? -(step + 1) / 2 : step / 2);
        size_t e;

        if ((len > la ? len - la : la - len) > best || len < 1 || len > z->maxcp)
            continue;
        for (e = z->lenstart[len]; e < z->lenstart[len + 1]; e++) {
            const struct zsig *zs = &z->bylen[e];
            const struct zone *zn;
            int j, dd;

            /* cheap lower bound first (bucketed character counts) */
            if (sig_bound(qsig, qsum, zs->sig, zs->sigsum) > best)
                continue;
            zn = &z->zone[zs->zone];
            for (j = 0; j < zn->ncp; j++)
                bid[j] = alpha_id(&al, zn->cp[j]);
            dd = dl_ids(aid, la, bid, zn->ncp, al.k, d, da, best);
            if (dd > best)
                continue;
            if (dd < best) {
                best = dd;
                found = 0;
            }
            all[found++] = zs->zone;
        }
    }
    qsort(all, found, sizeof(*all), cmp_size);   /* ties in zones.txt order */
    if (found > max)
        found = max;
    memcpy(idx, all, found * sizeof(*idx));
    if (dist && found)
        *dist = best;
    ret = (int)found;
    goto out;
nomem:
    etl_fail(err, E_NOMEM, "zones: out of memory");
out:
    free(ac);
    free(acp);
    free(aid);
    free(bid);
    free(d);
    free(da);
    free(all);
    return ret;
}
