/* bench/gen.c — deterministic generator of realistic vendor export files.
 *
 *   bench-gen --profile paystation|mobile|hotspot --rows N [--seed S]
 *             [--dirt RATE] [--zones FILE] [--date YYYY-MM-DD] [--stats] > out
 *   bench-gen --print-zones > zones.txt; bench-gen --print-aliases > aliases.csv
 *
 * Writes one file in the layout of the named vendor profile (issue 3) to
 * stdout: N data rows of parking sessions on one business day (--date, local
 * America/Toronto, default 2026-11-28), roughly sorted by start time, with
 * unique ids, realistic plates, zones drawn from a zone list (built in: the
 * names of samples/zones.txt, with the vendor names and HotSpot numeric codes
 * of samples/zone-aliases.csv on some rows; or
 * --zones FILE: one name a line, blank lines and lines starting with '#'
 * skipped), promo codes on ~10% of rows and free sessions (amount 0) on ~2%.
 * Clean rows use every spelling the profile allows (padded and unpadded
 * times, `$14.50`, `1,234.50`, ` 14.50 `, `"14,50"`, `Z`/`+00:00`/fractional
 * seconds, epoch `N.0`, nulls, missing keys, numeric zone codes, vendor zone
 * spellings with the same zone key such as `LOT-01` and `lot01`).
 *
 * --dirt RATE (0..1, default 0) makes that share of rows defective, the kind
 * drawn uniformly among those that apply to the profile (see dirt_names):
 *   zone typo (distance 1 from a known zone), bad date (Feb 30, Nov 31,
 *   month 13, hour 25; epoch past 2099 for hotspot), DST-gap local time
 *   (CSV profiles), negative amount, over-limit amount, bad separators
 *   (`14,50`/`1.234`/`14.505` in paystation, `14,505`/`1,234` under
 *   decimal_comma), two currency marks, plate too long, plate with `*`, end
 *   before start, over-long session (> 31 days), unbalanced quote and wrong
 *   field count (CSV), duplicate id, invalid UTF-8 (CSV), duplicate key in one
 *   object (hotspot).  The kind counts go to stderr with --stats.
 *
 * Same arguments, same bytes: a splitmix64 generator seeded by --seed, no
 * rand(), no clock, no locale.  Output is formatted by hand into a 1 MiB
 * buffer (a million rows take about a second).
 *
 * Exit: 0 ok, 2 usage error, 3 write or read error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ PRNG */

static uint64_t mix64(uint64_t z) /* splitmix64 finalizer: a bijection */
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state += 0x9e3779b97f4a7c15ULL;
	return mix64(rng_state);
}

/* uniform in [0, n) (n > 0) */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* true with probability p */
static int chance(double p)
{
	return (double)(rnd() >> 11) * 0x1p-53 < p;
}

/* ---------------------------------------------------------------- output */

static char obuf[1 << 20];
static size_t olen;

static void out_flush(void)
{
	if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
		perror("bench-gen: write");
		exit(3);
	}
	olen = 0;
}

static void out(const char *s, size_t n)
{
	if (olen + n > sizeof obuf)
		out_flush();
	memcpy(obuf + olen, s, n);
	olen += n;
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

/* Small string builder for one field. */
struct sb {
	char b[256];
	size_t n;
};

static void sb_reset(struct sb *s)
{
	s->n = 0;
	s->b[0] = '\0';
}

static void sb_add(struct sb *s, const char *p, size_t n)
{
	if (n > sizeof s->b - 1 - s->n)
		n = sizeof s->b - 1 - s->n;
	memcpy(s->b + s->n, p, n);
	s->n += n;
	s->b[s->n] = '\0';
}

static void sb_str(struct sb *s, const char *p)
{
	sb_add(s, p, strlen(p));
}

static void sb_ch(struct sb *s, char c)
{
	sb_add(s, &c, 1);
}

/* unsigned decimal, zero-padded to at least `width` digits */
static void sb_u(struct sb *s, uint64_t v, int width)
{
	char t[24];
	int i = (int)sizeof t;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while ((int)sizeof t - i < width)
		t[--i] = '0';
	sb_add(s, t + i, sizeof t - (size_t)i);
}

static void sb_i(struct sb *s, int64_t v)
{
	if (v < 0) {
		sb_ch(s, '-');
		sb_u(s, (uint64_t)(-(v + 1)) + 1, 0);
	} else {
		sb_u(s, (uint64_t)v, 0);
	}
}

static void sb_hex(struct sb *s, uint64_t v, int digits)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		sb_ch(s, hx[(v >> (4 * i)) & 15]);
}

/* ------------------------------------------------------------------ time */

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* day number of the n-th Sunday (n >= 1) of month m of year y */
static int64_t nth_sunday(int y, int m, int n)
{
	int64_t first = days_from_civil(y, m, 1);
	int wd = (int)((first % 7 + 7 + 4) % 7); /* 0 = Sunday */
	return first + (7 - wd) % 7 + 7 * (n - 1);
}

/* America/Toronto UTC offset in seconds at UTC instant t (rules since 2007) */
static int toronto_offset(int64_t t)
{
	int y, m, d;
	civil_from_days(floordiv(t, 86400), &y, &m, &d);
	int64_t on = nth_sunday(y, 3, 2) * 86400 + 7 * 3600;  /* 02:00 EST */
	int64_t off = nth_sunday(y, 11, 1) * 86400 + 6 * 3600; /* 02:00 EDT */
	return (t >= on && t < off) ? -4 * 3600 : -5 * 3600;
}

struct tm_lite {
	int y, mo, d, h, mi, s;
};

static void split_time(int64_t t, struct tm_lite *tm)
{
	int64_t days = floordiv(t, 86400);
	int64_t sod = t - days * 86400;
	civil_from_days(days, &tm->y, &tm->mo, &tm->d);
	tm->h = (int)(sod / 3600);
	tm->mi = (int)(sod / 60 % 60);
	tm->s = (int)(sod % 60);
}

/* ----------------------------------------------------------------- zones */

/* The built-in city: the zone names of samples/zones.txt, and the vendor
 * names that samples/zone-aliases.csv maps onto them (`--print-zones`,
 * `--print-aliases` write both out). */
static const char *const builtin_zones[] = {
	"Lot 01", "Lot 02", "Lot 03", "Lot 04", "Lot 05", "Lot 06", "Lot 07",
	"Lot 08", "Lot 09", "Lot 10", "Lot 11", "Lot 12", "Red Lot", "Blue Lot",
	"Garage A", "Garage B", "Harbourfront Garage", "Street Parking - Main St",
	"Street Parking - King St", "Street Parking - Queen St", "H\xc3\xb4tel de Ville",
	"Arena", "Public Library",
};

struct alias {
	const char *alias;
	unsigned zone; /* index in builtin_zones */
};

/* numeric codes (HotSpot) first, then vendor spellings */
static const struct alias builtin_aliases[] = {
	{ "1001", 0 }, { "1002", 1 }, { "1003", 2 }, { "1004", 3 }, { "1005", 4 },
	{ "1006", 5 }, { "1007", 6 }, { "1008", 7 }, { "1009", 8 }, { "1010", 9 },
	{ "1011", 10 }, { "1012", 11 }, { "2001", 12 }, { "2002", 13 },
	{ "3001", 14 }, { "3002", 15 }, { "3003", 16 },
	{ "Main Street", 17 }, { "King Street", 18 }, { "Queen Street", 19 },
	{ "City Hall", 20 }, { "Hotel de Ville", 20 }, { "Library", 22 },
};
#define N_ALIASES (sizeof builtin_aliases / sizeof builtin_aliases[0])

#define MAX_ZONES 4096
static const char *zones[MAX_ZONES];
static size_t nzones;
static char *zone_text; /* owns the names read from --zones */
static int use_aliases;  /* built-in list: vendor names from builtin_aliases */

static int load_zones(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench-gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	zone_text = malloc(cap);
	if (!zone_text) {
		fclose(f);
		return -1;
	}
	size_t n;
	while ((n = fread(zone_text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(zone_text, cap * 2);
			if (!p) {
				fclose(f);
				return -1;
			}
			zone_text = p;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "bench-gen: %s: read error\n", path);
		return -1;
	}
	zone_text[len] = '\0';
	char *p = zone_text;
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	while (*p) {
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		if (eol)
			*eol = '\0';
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		size_t l = strlen(p);
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r'))
			p[--l] = '\0';
		if (l && p[0] != '#' && nzones < MAX_ZONES)
			zones[nzones++] = p;
		p = next;
	}
	if (!nzones) {
		fprintf(stderr, "bench-gen: %s: no zone names\n", path);
		return -1;
	}
	return 0;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A vendor spelling with the same zone key: `LOT-01`, `lot01`, `Lot 1`. */
static void zone_variant(struct sb *z, const char *name)
{
	sb_reset(z);
	switch (below(4)) {
	case 0: /* upper case, spaces to dashes */
		for (const char *p = name; *p; p++) {
			char c = *p;
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			sb_ch(z, c == ' ' ? '-' : c);
		}
		break;
	case 1: /* lower case, no space between letters and digits */
		for (const char *p = name; *p; p++) {
			char c = *p;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c == ' ' && p > name && is_alpha(p[-1]) && is_digit(p[1]))
				continue;
			sb_ch(z, c);
		}
		break;
	case 2: /* leading zeros dropped */
		for (const char *p = name; *p; p++) {
			if (*p == '0' && (p == name || !is_digit(p[-1])) && is_digit(p[1]))
				continue;
			sb_ch(z, *p);
		}
		break;
	default: /* padded with spaces */
		sb_ch(z, ' ');
		sb_str(z, name);
		sb_str(z, "  ");
		break;
	}
}

/* A typo at Damerau-Levenshtein distance 1 from `name`, only inside letter
 * runs of 3 or more (so `Garage A` never becomes `Garage B`); numeric names
 * get a doubled digit. */
static void zone_typo(struct sb *z, const char *name)
{
	size_t len = strlen(name), cand[256], nc = 0;
	for (size_t i = 0; i < len && nc < 256;) {
		if (!is_alpha(name[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && is_alpha(name[j]))
			j++;
		if (j - i >= 3)
			for (size_t k = i; k < j && nc < 256; k++)
				cand[nc++] = k;
		i = j;
	}
	sb_reset(z);
	if (!nc) {
		size_t k = len ? below((uint32_t)len) : 0;
		sb_add(z, name, k);
		if (len)
			sb_ch(z, name[k]);
		sb_str(z, name + k);
		if (!len)
			sb_str(z, "zzz");
		return;
	}
	size_t p = cand[below((uint32_t)nc)];
	unsigned op = below(4);
	char lo = (char)(name[p] | 0x20);
	if (op == 2 && !(p + 1 < len && is_alpha(name[p + 1]) &&
			 (char)(name[p + 1] | 0x20) != lo))
		op = 0;
	sb_add(z, name, p);
	switch (op) {
	case 0: { /* substitute */
		char c = (char)('a' + below(25));
		if (c >= lo)
			c++;
		if (name[p] >= 'A' && name[p] <= 'Z')
			c = (char)(c - 32);
		sb_ch(z, c);
		sb_str(z, name + p + 1);
		break;
	}
	case 1: /* delete */
		sb_str(z, name + p + 1);
		break;
	case 2: /* transpose */
		sb_ch(z, name[p + 1]);
		sb_ch(z, name[p]);
		sb_str(z, name + p + 2);
		break;
	default: /* double */
		sb_ch(z, name[p]);
		sb_str(z, name + p);
		break;
	}
}

/* ----------------------------------------------------------------- dirt */

enum dirt {
	D_NONE,
	D_ZONE_TYPO,
	D_BAD_DATE,
	D_DST_GAP,
	D_NEG_AMOUNT,
	D_OVER_LIMIT,
	D_BAD_SEP,
	D_TWO_MARKS,
	D_PLATE_LONG,
	D_PLATE_STAR,
	D_END_BEFORE_START,
	D_TOO_LONG,
	D_UNBAL_QUOTE,
	D_FIELD_COUNT,
	D_DUP_ID,
	D_BAD_UTF8,
	D_DUP_KEY,
	D__N
};

static const char *const dirt_names[D__N] = {
	"clean", "zone_typo", "bad_date", "dst_gap", "negative_amount",
	"over_limit_amount", "bad_separator", "two_currency_marks",
	"plate_too_long", "plate_star", "end_before_start", "too_long_session",
	"unbalanced_quote", "wrong_field_count", "duplicate_id", "invalid_utf8",
	"duplicate_json_key",
};

enum profile { P_PAYSTATION, P_MOBILE, P_HOTSPOT };

static enum dirt kinds[D__N];
static size_t nkinds;

static void setup_kinds(enum profile prof)
{
	for (int k = 1; k < D__N; k++) {
		if (prof == P_HOTSPOT &&
		    (k == D_DST_GAP || k == D_UNBAL_QUOTE || k == D_FIELD_COUNT ||
		     k == D_BAD_UTF8))
			continue;
		if (prof != P_HOTSPOT && k == D_DUP_KEY)
			continue;
		kinds[nkinds++] = (enum dirt)k;
	}
}

/* ------------------------------------------------------------------ rows */

static const char *const promos[] = {
	"SUMMER10", "WINTER5", "FREE1H", "STAFF", "EVENT2026", "CITYCARE",
	"HOLIDAY", "EARLYBIRD", "RESIDENT", "GREEN20",
};

static const char letters[] = "ABCDEFGHJKLMNPRSTVWXYZ";

static void make_plate(struct sb *p)
{
	sb_reset(p);
	unsigned style = below(100);
	char sep = chance(0.2) ? '-' : ' ';
	if (style < 55) { /* Ontario ABCD 123 */
		for (int i = 0; i < 4; i++)
			sb_ch(p, letters[below(sizeof letters - 1)]);
		if (!chance(0.15))
			sb_ch(p, sep);
		sb_u(p, below(1000), 3);
	} else if (style < 75) { /* older ABC 123 */
		for (int i = 0; i < 3; i++)
			sb_ch(p, letters[below(sizeof letters - 1)]);
		if (!chance(0.15))
			sb_ch(p, sep);
		sb_u(p, below(1000), 3);
	} else if (style < 87) { /* Quebec A12 BCD */
		sb_ch(p, letters[below(sizeof letters - 1)]);
		sb_u(p, below(100), 2);
		sb_ch(p, ' ');
		for (int i = 0; i < 3; i++)
			sb_ch(p, letters[below(sizeof letters - 1)]);
	} else { /* US 7ABC123 */
		sb_u(p, 1 + below(9), 1);
		for (int i = 0; i < 3; i++)
			sb_ch(p, letters[below(sizeof letters - 1)]);
		sb_u(p, below(1000), 3);
	}
	if (chance(0.05))
		for (size_t i = 0; i < p->n; i++)
			if (p->b[i] >= 'A' && p->b[i] <= 'Z')
				p->b[i] = (char)(p->b[i] + 32);
}

/* money text of |cents| with optional thousands separator `ts` and decimal
 * point `dp` (ts 0: none); `cents_always`: print .00 even when whole */
static void sb_money(struct sb *s, int64_t cents, char ts, char dp, int cents_always)
{
	uint64_t c = (uint64_t)(cents < 0 ? -cents : cents);
	uint64_t units = c / 100, frac = c % 100;
	if (ts && units >= 1000) {
		uint64_t groups[8];
		int ng = 0;
		while (units >= 1000 && ng < 7) {
			groups[ng++] = units % 1000;
			units /= 1000;
		}
		sb_u(s, units, 0);
		while (ng--) {
			sb_ch(s, ts);
			sb_u(s, groups[ng], 3);
		}
	} else {
		sb_u(s, units, 0);
	}
	if (cents_always || frac) {
		sb_ch(s, dp);
		sb_u(s, frac, 2);
	}
}

struct row {
	uint64_t idn;
	enum dirt dirt;
	struct sb plate, zone, amount, currency, promo;
	int zone_numeric; /* hotspot: write the zone as a JSON number */
	int64_t start, end; /* UTC epoch seconds */
	int64_t cents;
	int has_ticket;
	uint64_t ticket;
};

static struct {
	const char *zones_file;
	enum profile prof;
	uint64_t rows, seed;
	double dirt;
	int64_t day0; /* UTC epoch of local midnight of --date */
	int year;
	int stats;
} opt;

static uint64_t dirt_count[D__N];

/* --------------------------------------------------------------- format */

/* paystation local time: `MM/DD/YYYY hh:mm AM`, sometimes `7/2/2018 9:00 am` */
static void fmt_paystation_time(struct sb *s, const struct tm_lite *t, int unpadded)
{
	int h12 = t->h % 12 == 0 ? 12 : t->h % 12;
	int pm = t->h >= 12;
	sb_u(s, (uint64_t)t->mo, unpadded ? 0 : 2);
	sb_ch(s, '/');
	sb_u(s, (uint64_t)t->d, unpadded ? 0 : 2);
	sb_ch(s, '/');
	sb_u(s, (uint64_t)t->y, 4);
	sb_ch(s, ' ');
	sb_u(s, (uint64_t)h12, unpadded ? 0 : 2);
	sb_ch(s, ':');
	sb_u(s, (uint64_t)t->mi, 2);
	sb_str(s, unpadded ? (pm ? " pm" : " am") : (pm ? " PM" : " AM"));
}

static void local_of(int64_t utc, struct tm_lite *t)
{
	split_time(utc + toronto_offset(utc), t);
}

/* ISO-8601 in one of the mobile styles: 0 local+offset, 1 Z, 2 +00:00,
 * 3 fractional + offset, 4 no offset (local) */
static void fmt_iso(struct sb *s, int64_t utc, int style)
{
	struct tm_lite t;
	int off = toronto_offset(utc);
	if (style == 1 || style == 2)
		split_time(utc, &t);
	else
		split_time(utc + off, &t);
	sb_u(s, (uint64_t)t.y, 4);
	sb_ch(s, '-');
	sb_u(s, (uint64_t)t.mo, 2);
	sb_ch(s, '-');
	sb_u(s, (uint64_t)t.d, 2);
	sb_ch(s, 'T');
	sb_u(s, (uint64_t)t.h, 2);
	sb_ch(s, ':');
	sb_u(s, (uint64_t)t.mi, 2);
	sb_ch(s, ':');
	sb_u(s, (uint64_t)t.s, 2);
	if (style == 3) {
		sb_ch(s, '.');
		sb_u(s, (utc * 7919u) % 1000, 3);
	}
	if (style == 1) {
		sb_ch(s, 'Z');
	} else if (style == 2) {
		sb_str(s, "+00:00");
	} else if (style != 4) {
		sb_str(s, off == -4 * 3600 ? "-04:00" : "-05:00");
	}
}

/* ---------------------------------------------------------- build a row */

static void build_row(struct row *r, uint64_t i)
{
	r->dirt = D_NONE;
	if (opt.dirt > 0 && chance(opt.dirt))
		r->dirt = kinds[below((uint32_t)nkinds)];
	r->idn = i;
	if (r->dirt == D_DUP_ID) {
		if (i == 0)
			r->dirt = D_NONE;
		else
			r->idn = i - 1 - below(i < 5000 ? (uint32_t)i : 5000u);
	}
	dirt_count[r->dirt]++;

	/* plate */
	make_plate(&r->plate);
	if (r->dirt == D_PLATE_LONG) {
		sb_reset(&r->plate);
		unsigned n = 26 + below(10);
		for (unsigned k = 0; k < n; k++)
			sb_ch(&r->plate, letters[below(sizeof letters - 1)]);
	} else if (r->dirt == D_PLATE_STAR) {
		r->plate.b[below((uint32_t)r->plate.n)] = '*';
	}

	/* zone */
	size_t zi = below((uint32_t)nzones);
	const char *zname = zones[zi];
	r->zone_numeric = 0;
	if (r->dirt == D_ZONE_TYPO) {
		zone_typo(&r->zone, zname);
	} else if (chance(0.08)) {
		zone_variant(&r->zone, zname);
	} else {
		sb_reset(&r->zone);
		const char *al = NULL;
		if (use_aliases) { /* HotSpot uses numeric codes, others a few vendor names */
			double p = opt.prof == P_HOTSPOT ? 0.7 : 0.04;
			for (size_t k = 0; k < N_ALIASES; k++)
				if (builtin_aliases[k].zone == zi &&
				    (opt.prof == P_HOTSPOT) == is_digit(builtin_aliases[k].alias[0])) {
					if (chance(p))
						al = builtin_aliases[k].alias;
					break;
				}
		}
		sb_str(&r->zone, al ? al : zname);
		if (opt.prof == P_HOTSPOT && chance(0.5)) {
			const char *p = r->zone.b;
			while (is_digit(*p))
				p++;
			r->zone_numeric = *p == '\0' && r->zone.b[0] != '0' && r->zone.n < 10;
		}
	}
	if (r->dirt == D_BAD_UTF8) {
		struct sb *f = chance(0.5) ? &r->zone : &r->plate;
		static const char *const bad[] = { "\xff", "\xc3\x28", "\xe2\x82", "\xc0\xaf" };
		const char *b = bad[below(4)];
		size_t at = f->n ? below((uint32_t)f->n) : 0;
		struct sb t = *f;
		sb_reset(f);
		sb_add(f, t.b, at);
		sb_str(f, b);
		sb_add(f, t.b + at, t.n - at);
	}

	/* times: sorted through the day 06:00-23:00 local with jitter */
	uint64_t n = opt.rows ? opt.rows : 1;
	int64_t minute = 360 + (int64_t)(i * 1020 / n) + (int64_t)below(20);
	int64_t start = opt.day0 + minute * 60;
	start -= toronto_offset(start) - toronto_offset(opt.day0); /* DST day */
	if (opt.prof != P_PAYSTATION)
		start += below(60);
	unsigned dur_min;
	unsigned u = below(1000);
	int monthly = 0;
	if (u < 5) {
		dur_min = 30 * 24 * 60; /* monthly pass */
		monthly = 1;
	} else if (u < 300) {
		dur_min = 15 * (1 + below(4));
	} else if (u < 850) {
		dur_min = 60 * (1 + below(3)) + 15 * below(4);
	} else {
		dur_min = 60 * (3 + below(8));
	}
	int64_t end = start + (int64_t)dur_min * 60;
	if (r->dirt == D_END_BEFORE_START) {
		int64_t t = start;
		start = end;
		end = t;
	} else if (r->dirt == D_TOO_LONG) {
		end = start + (int64_t)(32 + below(60)) * 86400;
	}
	r->start = start;
	r->end = end;

	/* amount */
	int64_t rate = 200 + 50 * (int64_t)(zi % 9); /* cents per hour */
	int64_t cents = (rate * dur_min / 60 + 12) / 25 * 25;
	if (monthly)
		cents = 100000 + 25 * (int64_t)below(4000);
	if (cents == 0)
		cents = 25;
	if (chance(0.02))
		cents = 0;
	if (r->dirt == D_NEG_AMOUNT)
		cents = -cents - 25;
	if (r->dirt == D_OVER_LIMIT)
		cents = 100000000 + 100 * (int64_t)below(1000000);
	r->cents = cents;

	/* currency column (mark conflicts only as dirt) */
	sb_reset(&r->currency);
	unsigned cu = below(100);
	int usd = 0;
	if (opt.prof == P_HOTSPOT) {
		if (cu < 60)
			sb_str(&r->currency, "CAD");
		else if (cu < 65)
			sb_str(&r->currency, "USD"), usd = 1;
		else if (cu < 70)
			sb_str(&r->currency, "cad");
	} else if (cu < 70) {
		sb_str(&r->currency, "CAD");
	} else if (cu < 75) {
		sb_str(&r->currency, "USD");
		usd = 1;
	} else if (cu < 78) {
		sb_str(&r->currency, "cad");
	}

	/* amount text (CSV profiles; hotspot builds its own in emit) */
	struct sb *a = &r->amount;
	sb_reset(a);
	unsigned v = below(100);
	if (opt.prof == P_PAYSTATION) {
		if (r->dirt == D_BAD_SEP) {
			static const char *const badsep[] = { "14,50", "1.234", "14.505", "1,23,456.00", "2,5" };
			sb_str(a, badsep[below(5)]);
		} else if (r->dirt == D_TWO_MARKS) {
			sb_str(a, usd ? "US$" : "$");
			sb_money(a, cents, ',', '.', 1);
			sb_str(a, usd ? " USD" : " CAD");
		} else {
			if (cents < 0)
				sb_ch(a, '-');
			if (v < 12 && cents >= 0)
				sb_str(a, usd ? "US$" : (r->currency.n ? "$" : "C$"));
			else if (v < 17)
				sb_ch(a, ' ');
			if (v >= 17 && v < 27 && cents % 100 == 0)
				sb_money(a, cents, ',', '.', 0);
			else
				sb_money(a, cents, ',', '.', 1);
			if (v >= 12 && v < 17)
				sb_ch(a, ' ');
		}
	} else if (opt.prof == P_MOBILE) {
		if (r->dirt == D_BAD_SEP) {
			static const char *const badsep[] = { "14,505", "1,234", "1.23.4", "14,5,0" };
			sb_str(a, badsep[below(4)]);
		} else if (r->dirt == D_TWO_MARKS) {
			sb_str(a, usd ? "US$" : "CA$");
			sb_money(a, cents, '.', ',', 1);
			sb_str(a, usd ? " USD" : " CAD");
		} else {
			if (cents < 0)
				sb_ch(a, '-');
			if (v < 50)
				sb_money(a, cents, '.', ',', 1); /* 14,50 / 1.234,50 */
			else if (v < 95)
				sb_money(a, cents, ',', '.', 1); /* 14.50 / 1,234.50 */
			else
				sb_money(a, cents, 0, ',', 0);
		}
	}

	/* promo */
	sb_reset(&r->promo);
	if (chance(0.10)) {
		sb_str(&r->promo, promos[below(sizeof promos / sizeof promos[0])]);
		if (chance(0.25))
			for (size_t k = 0; k < r->promo.n; k++)
				if (r->promo.b[k] >= 'A' && r->promo.b[k] <= 'Z')
					r->promo.b[k] = (char)(r->promo.b[k] + 32);
	}

	/* ticket */
	r->has_ticket = chance(opt.prof == P_MOBILE ? 0.5 : 0.7);
	r->ticket = 4000000 + mix64(r->idn ^ opt.seed) % 5000000;
}

/* --------------------------------------------------------------- CSV out */

static void csv_field(const struct sb *f)
{
	int q = 0;
	for (size_t k = 0; k < f->n; k++)
		if (f->b[k] == ',' || f->b[k] == '"' || f->b[k] == '\n' || f->b[k] == '\r')
			q = 1;
	if (!q) {
		out(f->b, f->n);
		return;
	}
	out("\"", 1);
	for (size_t k = 0; k < f->n; k++) {
		if (f->b[k] == '"')
			out("\"", 1);
		out(f->b + k, 1);
	}
	out("\"", 1);
}

static void emit_csv(struct row *r, const char *eol)
{
	struct sb f[9];
	for (int k = 0; k < 9; k++)
		sb_reset(&f[k]);

	/* id */
	if (opt.prof == P_PAYSTATION) {
		sb_u(&f[0], r->idn % 97 + 1, 4);
		sb_ch(&f[0], '-');
		sb_u(&f[0], r->idn / 97 + 1 + (opt.seed % 1000) * 10000000ULL, 7);
	} else {
		uint64_t h = mix64(r->idn ^ (opt.seed * 0x9e3779b97f4a7c15ULL));
		uint64_t g = mix64(h + 1);
		sb_hex(&f[0], h >> 32, 8);
		sb_ch(&f[0], '-');
		sb_hex(&f[0], h >> 16, 4);
		sb_ch(&f[0], '-');
		sb_hex(&f[0], 0x4000 | (h & 0x0fff), 4);
		sb_ch(&f[0], '-');
		sb_hex(&f[0], 0x8000 | (g >> 48 & 0x3fff), 4);
		sb_ch(&f[0], '-');
		sb_hex(&f[0], g, 12);
	}
	f[1] = r->plate;
	f[2] = r->zone;

	/* times */
	if (opt.prof == P_PAYSTATION) {
		struct tm_lite ts, te;
		int unp = chance(0.15);
		local_of(r->start, &ts);
		local_of(r->end, &te);
		if (r->dirt == D_BAD_DATE) {
			unsigned k = below(4);
			if (k == 0) {
				ts.mo = 2;
				ts.d = 30;
			} else if (k == 1) {
				ts.mo = 11;
				ts.d = 31;
			} else if (k == 2) {
				ts.mo = 13;
			}
			if (k < 3) {
				fmt_paystation_time(&f[3], &ts, unp);
			} else { /* hour 25 */
				sb_u(&f[3], (uint64_t)ts.mo, 2);
				sb_ch(&f[3], '/');
				sb_u(&f[3], (uint64_t)ts.d, 2);
				sb_ch(&f[3], '/');
				sb_u(&f[3], (uint64_t)ts.y, 4);
				sb_str(&f[3], " 25:");
				sb_u(&f[3], (uint64_t)ts.mi, 2);
				sb_str(&f[3], " AM");
			}
		} else if (r->dirt == D_DST_GAP) {
			struct tm_lite g = { opt.year, 3, 0, 2, 0, 0 };
			int y, m, d;
			civil_from_days(nth_sunday(opt.year, 3, 2), &y, &m, &d);
			g.d = d;
			g.mi = (int)below(60);
			fmt_paystation_time(&f[3], &g, unp);
			g.h = 4;
			te = g;
		} else {
			fmt_paystation_time(&f[3], &ts, unp);
		}
		fmt_paystation_time(&f[4], &te, unp);
	} else {
		unsigned st = below(100);
		int style = st < 70 ? 0 : st < 80 ? 1 : st < 85 ? 2 : st < 95 ? 3 : 4;
		if (r->dirt == D_BAD_DATE) {
			static const char *const bad[] = {
				"2026-02-30T10:00:00-05:00", "2026-11-31T09:15:00-05:00",
				"2026-13-01T08:00:00Z", "2026-11-28T25:00:00-05:00",
				"2026-11-28T10:61:00+00:00",
			};
			sb_str(&f[3], bad[below(5)]);
		} else if (r->dirt == D_DST_GAP) {
			int y, m, d;
			civil_from_days(nth_sunday(opt.year, 3, 2), &y, &m, &d);
			sb_u(&f[3], (uint64_t)y, 4);
			sb_str(&f[3], "-03-");
			sb_u(&f[3], (uint64_t)d, 2);
			sb_str(&f[3], "T02:");
			sb_u(&f[3], below(60), 2);
			sb_str(&f[3], ":00");
			sb_str(&f[4], f[3].b);
			f[4].b[12] = '4'; /* 04:mm, after the gap */
			style = -1;
		} else {
			fmt_iso(&f[3], r->start, style);
		}
		if (style >= 0)
			fmt_iso(&f[4], r->end, style);
	}
	f[5] = r->amount;
	f[6] = r->currency;
	f[7] = r->promo;
	if (r->has_ticket) {
		if (opt.prof == P_MOBILE)
			sb_str(&f[8], "MT");
		sb_u(&f[8], r->ticket, 0);
	}

	int nf = 9;
	if (r->dirt == D_FIELD_COUNT)
		nf = chance(0.5) ? 8 : 10;
	for (int k = 0; k < nf; k++) {
		if (k)
			out(",", 1);
		if (k == 9) {
			outs("extra");
		} else if (k == 1 && r->dirt == D_UNBAL_QUOTE) {
			out("\"", 1);
			out(f[1].b, f[1].n);
		} else {
			csv_field(&f[k]);
		}
	}
	outs(eol);
}

/* -------------------------------------------------------------- JSON out */

static void json_str(const char *s, size_t n)
{
	out("\"", 1);
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			out(e, 2);
		} else if (c < 0x20) {
			struct sb e;
			sb_reset(&e);
			sb_str(&e, "\\u00");
			sb_hex(&e, c, 2);
			out(e.b, e.n);
		} else {
			out(s + k, 1);
		}
	}
	out("\"", 1);
}

static void json_sb(const struct sb *s)
{
	json_str(s->b, s->n);
}

static void emit_json(struct row *r, int first)
{
	struct sb t;
	outs(first ? "{" : ",\n{");

	/* sessionId: a string mostly, a number sometimes */
	outs("\"sessionId\": ");
	sb_reset(&t);
	if (mix64(r->idn + opt.seed) % 5 == 0) { /* same form for a duplicate */
		sb_u(&t, 800000000000ULL + r->idn, 0);
		out(t.b, t.n);
	} else {
		sb_str(&t, "hs_");
		sb_hex(&t, mix64(r->idn ^ (opt.seed * 0x9e3779b97f4a7c15ULL)), 16);
		json_sb(&t);
	}

	/* ticketNumber: number, string, null or missing */
	unsigned tk = below(10);
	if (r->has_ticket || tk == 0) {
		outs(", \"ticketNumber\": ");
		sb_reset(&t);
		sb_u(&t, r->ticket, 0);
		if (!r->has_ticket)
			outs("null");
		else if (tk < 5)
			out(t.b, t.n);
		else
			json_sb(&t);
	}

	outs(", \"plate\": ");
	json_sb(&r->plate);
	unsigned dup = r->dirt == D_DUP_KEY ? 1 + below(2) : 0;
	if (dup == 1) {
		outs(", \"plate\": ");
		struct sb p2;
		make_plate(&p2);
		json_sb(&p2);
	}

	outs(", \"zoneName\": ");
	if (r->zone_numeric)
		out(r->zone.b, r->zone.n);
	else
		json_sb(&r->zone);

	outs(", \"startEpoch\": ");
	sb_reset(&t);
	if (r->dirt == D_BAD_DATE)
		sb_i(&t, 4102444800LL + (int64_t)below(86400 * 365)); /* 2100 */
	else
		sb_i(&t, r->start);
	if (chance(0.05))
		sb_str(&t, ".0");
	out(t.b, t.n);

	outs(", \"durationMinutes\": ");
	sb_reset(&t);
	sb_i(&t, (r->end - r->start) / 60);
	if (chance(0.03))
		sb_str(&t, ".0");
	out(t.b, t.n);

	/* price: number or string */
	outs(", \"price\": ");
	sb_reset(&t);
	unsigned v = below(100);
	int usd = r->currency.n && r->currency.b[0] == 'U';
	if (r->dirt == D_BAD_SEP) {
		static const char *const badsep[] = { "\"14,50\"", "\"1.234\"", "\"14.505\"" };
		outs(badsep[below(3)]);
	} else if (r->dirt == D_TWO_MARKS) {
		sb_str(&t, usd ? "US$" : "$");
		sb_money(&t, r->cents, 0, '.', 1);
		sb_str(&t, usd ? " USD" : " CAD");
		json_sb(&t);
	} else if (v < 15 && r->cents >= 0) {
		sb_str(&t, usd ? "US$" : "$");
		sb_money(&t, r->cents, 0, '.', 1);
		json_sb(&t);
	} else if (v < 25) {
		if (r->cents < 0)
			sb_ch(&t, '-');
		sb_money(&t, r->cents, 0, '.', 1);
		json_sb(&t);
	} else {
		if (r->cents < 0)
			sb_ch(&t, '-');
		if (v < 60 || r->cents % 10 != 0) {
			sb_money(&t, r->cents, 0, '.', 1); /* 14.50 */
		} else { /* 14.5 or 14 */
			int64_t c = r->cents < 0 ? -r->cents : r->cents;
			sb_u(&t, (uint64_t)(c / 100), 0);
			if (c % 100) {
				sb_ch(&t, '.');
				sb_u(&t, (uint64_t)(c % 100 / 10), 0);
			}
		}
		out(t.b, t.n);
	}

	unsigned cm = below(10);
	if (r->currency.n) {
		outs(", \"currency\": ");
		json_sb(&r->currency);
	} else if (cm < 5) {
		outs(", \"currency\": null");
	}

	if (r->promo.n) {
		outs(", \"promoCode\": ");
		json_sb(&r->promo);
	} else if (below(3) == 0) {
		outs(", \"promoCode\": null");
	}
	if (dup == 2)
		outs(", \"zoneName\": \"Lot 01\"");
	outs("}");
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
	fputs("usage: bench-gen --profile paystation|mobile|hotspot --rows N [--seed S]\n"
	      "                 [--dirt RATE] [--zones FILE] [--date YYYY-MM-DD] [--stats] > out\n"
	      "       bench-gen --print-zones | --print-aliases   (the built-in city)\n",
	      stderr);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int parse_date(const char *s)
{
	uint64_t y, m, d;
	char b[16];
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	memcpy(b, s, 11);
	b[4] = b[7] = '\0';
	if (parse_u64(b, &y) || parse_u64(b + 5, &m) || parse_u64(b + 8, &d))
		return -1;
	if (y < 2001 || y > 2098 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	int64_t days = days_from_civil((int64_t)y, (int)m, (int)d);
	int yy, mm, dd;
	civil_from_days(days, &yy, &mm, &dd);
	if ((uint64_t)dd != d)
		return -1;
	opt.year = (int)y;
	int64_t t = days * 86400;
	opt.day0 = t - toronto_offset(t + 5 * 3600); /* local midnight (never in a gap) */
	return 0;
}

int main(int argc, char **argv)
{
	const char *profile = NULL;
	int have_rows = 0;
	opt.seed = 1;
	if (parse_date("2026-11-28"))
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 0;
		} else if (!strcmp(a, "--stats")) {
			opt.stats = 1;
			continue;
		} else if (!strcmp(a, "--print-zones")) {
			for (size_t k = 0; k < sizeof builtin_zones / sizeof builtin_zones[0]; k++)
				printf("%s\n", builtin_zones[k]);
			return fflush(stdout) ? 3 : 0;
		} else if (!strcmp(a, "--print-aliases")) {
			printf("alias,zone\n");
			for (size_t k = 0; k < N_ALIASES; k++)
				printf("%s,%s\n", builtin_aliases[k].alias,
				       builtin_zones[builtin_aliases[k].zone]);
			return fflush(stdout) ? 3 : 0;
		}
		if (!v) {
			usage();
			return 2;
		}
		i++;
		if (!strcmp(a, "--profile")) {
			profile = v;
		} else if (!strcmp(a, "--rows")) {
			if (parse_u64(v, &opt.rows))
				goto bad;
			have_rows = 1;
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(v, &opt.seed))
				goto bad;
		} else if (!strcmp(a, "--dirt")) {
			char *end;
			errno = 0;
			opt.dirt = strtod(v, &end);
			if (errno || *end || end == v || !(opt.dirt >= 0 && opt.dirt <= 1))
				goto bad;
		} else if (!strcmp(a, "--zones")) {
			opt.zones_file = v;
		} else if (!strcmp(a, "--date")) {
			if (parse_date(v))
				goto bad;
		} else {
			fprintf(stderr, "bench-gen: unknown option %s\n", a);
			usage();
			return 2;
		}
		continue;
bad:
		fprintf(stderr, "bench-gen: bad value for %s: %s\n", a, v);
		return 2;
	}
	if (!profile || !have_rows) {
		usage();
		return 2;
	}
	if (!strcmp(profile, "paystation"))
		opt.prof = P_PAYSTATION;
	else if (!strcmp(profile, "mobile"))
		opt.prof = P_MOBILE;
	else if (!strcmp(profile, "hotspot"))
		opt.prof = P_HOTSPOT;
	else {
		fprintf(stderr, "bench-gen: unknown profile %s\n", profile);
		return 2;
	}
	if (opt.zones_file) {
		if (load_zones(opt.zones_file))
			return 3;
	} else {
		nzones = sizeof builtin_zones / sizeof builtin_zones[0];
		for (size_t k = 0; k < nzones; k++)
			zones[k] = builtin_zones[k];
		use_aliases = 1;
	}
	setup_kinds(opt.prof);
	rng_state = mix64(opt.seed ^ 0x5eed5eed5eedULL) + (uint64_t)opt.prof;

	static struct row r;
	if (opt.prof == P_PAYSTATION) {
		outs("\xEF\xBB\xBFReceipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\n");
		for (uint64_t i = 0; i < opt.rows; i++) {
			build_row(&r, i);
			emit_csv(&r, "\r\n");
		}
	} else if (opt.prof == P_MOBILE) {
		outs("transaction_id,licence_plate,parking_zone,start_time,end_time,"
		     "amount,currency,promo_code,ticket_number\n");
		for (uint64_t i = 0; i < opt.rows; i++) {
			build_row(&r, i);
			emit_csv(&r, "\n");
		}
	} else {
		outs("\xEF\xBB\xBF[\n");
		for (uint64_t i = 0; i < opt.rows; i++) {
			build_row(&r, i);
			emit_json(&r, i == 0);
		}
		outs(opt.rows ? "\n]\n" : "]\n");
	}
	out_flush();
	if (fflush(stdout) != 0) {
		perror("bench-gen: write");
		return 3;
	}
	if (opt.stats)
		for (int k = 0; k < D__N; k++)
			if (dirt_count[k])
				fprintf(stderr, "%s %llu\n", dirt_names[k],
					(unsigned long long)dirt_count[k]);
	free(zone_text);
	return 0;
}
