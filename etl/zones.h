/*
 * zones.h — zone reconciliation (docs/ARCHITECTURE.md "Zones").
 *
 * A struct zones holds the known zones (zones.txt) and aliases
 * (zone-aliases.csv), indexed by zone key in a hash table: resolving a
 * record is O(1) and allocates nothing (the key is computed into a stack
 * buffer). zones_resolve() may be called with a NULL table (no zone list):
 * every record is then ZONE_UNCHECKED.
 *
 * The zone key (zone_key()):
 *   1. ASCII letters lower-cased; every other byte, non-ASCII included,
 *      kept as it is (so `Hôtel` = `hôtel`, but `HÔTEL` is not `hôtel`);
 *   2. runs of separators collapsed to one space, leading/trailing ones
 *      dropped; separators are space, `-`, `_` and the other ASCII
 *      whitespace (tab, CR, LF, VT, FF: treated like a space);
 *   3. a run of ASCII letters directly followed by an ASCII digit gets a
 *      space between them (`lot01` -> `lot 01`; `1a` and `a-1` unchanged);
 *   4. a number token — a space-delimited token made only of ASCII digits —
 *      loses its leading zeros, keeping one digit (`007` -> `7`, `00` -> `0`).
 *      A token that is not all digits keeps its zeros: `lot007b` ->
 *      `lot 007b`, `07b` -> `07b`.
 *   `LOT-01 ` = `lot 1` = `Lot 01` = `Lot_1` = `lot01` -> `lot 1`;
 *   `---` and blank -> `` (empty key: the record's zone is missing).
 *
 * Files:
 *   zones.txt: UTF-8, one zone name per line, trimmed of ASCII whitespace;
 *   lines whose first non-blank character is `#` and blank lines are
 *   ignored; a UTF-8 BOM is skipped. Errors (E_CONFIG, with file:line): a
 *   name whose key is empty, a name over ZONE_MAX code points, invalid
 *   UTF-8, two names with the same key (the message names both lines).
 *   zone-aliases.csv: CSV (RFC 4180 quoting) with the header `alias,zone`
 *   (trimmed, any case); blank lines ignored; fields trimmed. Errors: a
 *   missing header, a row without exactly two fields, an empty alias key,
 *   a zone that is not a known zone (matched by key, so `lot 1` names
 *   `Lot 01`), the same alias key on two lines naming different zones.
 *   Warnings (log_warn): an alias whose key already matches a known zone
 *   (ignored: the zone wins), an alias repeated for the same zone.
 *
 * Status of a record (zones_resolve()):
 *   missing       the key is empty; p->zone is set to "" (no zone pushed);
 *   matched       the key is a known zone's key; p->zone = its spelling;
 *   alias         the key is an alias's key; p->zone = the aliased zone;
 *   disconnected  anything else; p->zone = p->vendor_zone (trimmed): it is
 *                 pushed as given, or held under the config's
 *                 "disconnected": "hold" (push.c applies it).
 *
 * Suggestions (zones_suggest()) for a disconnected name: the known zones
 * at the smallest (true, unrestricted) Damerau–Levenshtein distance from
 * its key — computed on code points of the keys, so `é` is one edit —
 * offered only when that distance is <= 2 or <= 25% of the key's length in
 * code points; all zones at that distance are listed (ties), in zones.txt
 * order. Numeric-only names (the key has only digits and spaces, like
 * HotSpot's `1001`) are never guessed: they need an alias. Candidates are
 * filtered by key length first (|len a - len b| <= the bound) and each
 * distance stops as soon as it cannot beat the best one so far.
 * Meant to be called once per distinct unknown name (zone_audit.h does).
 */
#ifndef ETL_ZONES_H
#define ETL_ZONES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "permit.h"

struct zones;

/* Bytes needed for the key of any value of at most n bytes (the key can
 * grow by one space per letter-digit boundary), NUL included. */
#define ZONE_KEY_CAP(n) ((n) + (n) / 2 + 2)
/* Enough for the key of any permit.vendor_zone. */
#define ZONE_KEY_MAX ZONE_KEY_CAP(ZONE_MAX * 4)

/* Maximum number of suggestions ever returned for one name. */
#define ZONE_SUGGEST_MAX 16

/*
 * Computes the zone key of s[0..n) into out (cap bytes, NUL-terminated).
 * Returns the key length, or -1 if cap is too small (ZONE_KEY_CAP(n) is
 * always enough). Allocates nothing.
 */
int zone_key(const char *s, size_t n, char *out, size_t cap);

/* 1 if the key has at least one character and only ASCII digits and
 * spaces (such names are never guessed). */
int zone_key_numeric(const char *key, size_t n);

/* Loads zones (required) and aliases (may be NULL). NULL on error, with
 * the file and line in err (E_CONFIG; E_NOMEM). Warnings (alias that
 * already matches a known zone) go to log_warn(). */
struct zones *zones_load(const char *zones_path, const char *aliases_path,
                         struct etl_err *err);
void zones_free(struct zones *z);   /* NULL-safe */

/* Resolves p->vendor_zone: sets p->zone_status, and p->zone as described
 * above. With z NULL: ZONE_UNCHECKED, p->zone untouched. */
void zones_resolve(const struct zones *z, struct permit *p);

/*
 * Looks up one name (need not be trimmed) without a struct permit. Returns
 * the status; *zone (if not NULL) gets the known spelling for matched and
 * alias (borrowed from z, valid until zones_free()), else NULL.
 * With z NULL: ZONE_UNCHECKED.
 */
enum zone_status zones_lookup(const struct zones *z, const char *name, size_t n,
                              const char **zone);


/* The known zones, in zones.txt order (spellings borrowed from z). */
size_t      zones_count(const struct zones *z);
const char *zones_name(const struct zones *z, size_t i);
/* Number of aliases loaded (ignored ones not counted). */
size_t      zones_alias_count(const struct zones *z);

/*
 * Suggestions for name[0..n) (see above): fills idx[] with up to max
 * indexes of known zones (zones_name()), returns how many (0: none),
 * *dist (if not NULL) gets their distance. Only meaningful for a name
 * that is not matched/alias/missing (the distance to a known zone's key
 * would be 0). Returns -1 on out of memory (err filled).
 */
int zones_suggest(const struct zones *z, const char *name, size_t n,
                  size_t *idx, size_t max, int *dist, struct etl_err *err);

/* Damerau–Levenshtein distance (unrestricted: adjacent transpositions
 * with edits between them allowed) between two strings, counted in UTF-8
 * code points (an invalid byte counts as one). -1 on out of memory.
 * Exposed for tests. */
int zone_dl_distance(const char *a, size_t an, const char *b, size_t bn);

#endif
