/*
 * permit_json.h — the permit wire codec: the one place that turns a struct
 * permit into the JSON OPSCOM receives, compares two permits as the API
 * sees them, and reads a body back. Everything follows the field table
 * PERMIT_FIELDS in permit.h (name, member, limit, kind, updatable); the
 * members of every body come in the table's order.
 *
 *   push body    {"<plate>":"ABC1","Amount":"14.50","CurrencyID":"CAD",
 *                 "startTime":"...","endTime":"...","zone":"Lot 1",...}
 *                the canonical body: what a push sends (the client adds the
 *                token), what the ledger stores (`body`, `srv_body`,
 *                `target`) and hashes. An absent field is omitted: empty
 *                text, the Amount of a free session (0 cents), no currency.
 *   update body  "reference_id":"R1","Amount":"15.00"   (members only)
 *                the reference id, then the changed fields only, and only
 *                fields OPSCOM's update call takes.
 *   delete body  "reference_id":"R1"                     (members only)
 *   record line  the push body's members, then "_source", "_line", "_key",
 *                "_zone_status" (the text ones omitted when empty): the
 *                `validate --json-out` line (without its newline) and the
 *                ledger's `record` column.
 *
 * Values are JSON strings (but "_line", a number). Text goes through
 * buf_json_unit() (buf.h), the escaper of every JSON writer of the tool:
 * '"', '\\' and control characters as JSON escapes, valid UTF-8 as it is,
 * a byte that is not valid UTF-8 as the text \xHH. Amounts are integer
 * cents written "D.CC"; times "YYYY-MM-DDTHH:MM:SS" in UTC.
 *
 * Builders append to `out` (never reset it): the buffer is grown once to
 * the record's worst case (every byte escaped) and filled with plain
 * stores, so they are cheap enough for the --json-out hot path. They trust
 * a normalized permit (normalize.h checked every limit). 0, or -1 on out
 * of memory (or the misuse named below) with `out` unchanged. `out` must
 * have no bound (max 0) or room for the worst case.
 */
#ifndef ETL_PERMIT_JSON_H
#define ETL_PERMIT_JSON_H

#include <stddef.h>

#include "buf.h"
#include "permit.h"

/* The API's name of field f (PERMIT_FIELDS); "" if out of range. */
const char *permit_field_name(enum permit_field f);

/* The canonical push body of p. */
int permit_json_body(const struct permit *p, struct buf *out);
/* The members of a canonical body (what is between its braces): the
 * fields of a push request. -1 if body is not {...}. */
int permit_json_body_members(const char *body, size_t len, struct buf *out);
/* The update request's members: "reference_id" then the fields of
 * `changed` (a mask of PF_BIT(PF_...)) taken from p, absent ones omitted.
 * -1 also for an empty reference id, a field the update call cannot
 * change, or Amount for a free session. */
int permit_json_update(const char *ref, const struct permit *p, unsigned changed,
                       struct buf *out);
/* The delete request's members: "reference_id". -1 also for an empty one. */
int permit_json_delete(const char *ref, struct buf *out);
/* The record line of p (no newline). */
int permit_json_record(const struct permit *p, struct buf *out);

/* What it takes to turn the server's permit `from` into `to`. */
enum permit_change {
    PERMIT_SAME,      /* no wire field differs: nothing to send */
    PERMIT_UPDATE,    /* only fields the update call takes */
    PERMIT_REPLACE    /* another field, or Amount to or from a free session:
                         delete, then push the new body */
};
/* Compares the wire fields; *changed (if not NULL) gets the mask of those
 * that differ. */
enum permit_change permit_json_diff(const struct permit *from, const struct permit *to,
                                    unsigned *changed);

/* Reads a canonical body back into the wire fields of *p (the rest is
 * untouched). An absent or non-string member is an absent field. -1 (p
 * untouched) when body is not a JSON object, startTime or endTime is
 * missing or not "YYYY-MM-DDTHH:MM:SS", Amount is not D[.C[C]], or a text
 * is over its limit in code points. A \xHH the builder wrote for a byte
 * that was not valid UTF-8 comes back as those four characters. */
int permit_json_parse(const char *body, struct permit *p);

#endif
