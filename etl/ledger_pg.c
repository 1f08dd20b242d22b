/*
 * ledger_pg.c — the PostgreSQL ledger backend (see ledger.h,
 * ledger_backend.h): the same tables, states and decisions as the SQLite
 * one, in the schema `permit_etl` of the database the URI names, shared by
 * several workers at once.
 *
 * Several workers: records are claimed (FOR UPDATE SKIP LOCKED, at most
 * `window` at a time) by marking them `sending` with this worker's id and
 * a lease (2 x timeout_s, clock_timestamp() of the server); a claim of a
 * `sending` record whose lease expired sets `doubt` (its worker died with
 * it in flight). Outcomes and marks are written only while this worker
 * holds the record's lease (WHERE worker = me AND lease > clock); a write
 * that finds the lease lost changes nothing and is counted in `base.lost`
 * (ledger_lost_outcomes()).
 * Claimed records never handed out go back to pending at close; records
 * handed out (possibly sent) without an outcome go back in doubt.
 *
 * Statements are prepared on first use (one name per statement) and
 * parameters are passed as text. No password is ever read from the URI.
 */
#include "ledger_backend.h"
#include "utf8.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PG_SCHEMA "permit_etl"
/* the advisory lock that serializes schema migrations between workers */
#define PG_MIGRATE_LOCK "7072696d6974"
#define PG_TMP_CHUNK 500
#define PG_COPY_ROWS 2000     /* parked rows sent in one COPY */

#define REC_COLS LEDGER_REC_COLS

/* mine: this worker holds the record's lease ($W worker id) */
#define MINE(w) "worker = " w " AND lease > clock_timestamp()"
#define LEASE(s) "clock_timestamp() + " s "::int * interval '1 second'"

/*
 * Live counts (ledger_live_counts()), the twin of ledger_sqlite.c's: rows
 * of `live_counts` (type, zone, zone_status, n) written by a trigger on
 * `records` in the same transaction as the record's change, read in
 * O(groups). Several workers commit outcomes at once, so the trigger never
 * updates a shared row (a counter row per group would make every worker's
 * commit wait for the row lock of the others', and two workers touching
 * two groups in opposite orders would deadlock): it appends a delta row
 * (+1 / -1 of a group). The reader sums the rows per group. Now and then
 * (LIVE_FOLD_SQL: before a writer's read, at a writer's close) the rows
 * are folded into one per group: it deletes the rows it sees and inserts
 * their sums, in one statement under a try-lock (a second folder skips);
 * it takes no lock any outcome waits for (delta rows of open transactions
 * are invisible to it and stay), and every snapshot's sum per group is
 * the count at that snapshot.
 *
 * LIVE_GROUP(R): the server-side group of the row R ("NEW.", "OLD.", or ""
 * for the row of a query on records), written once: type ("standard" when
 * the server's body has a permitNo, else "temp"), the server's zone ('' if
 * none), the row's zone_status when the server's zone is the row's zone
 * (else ''). srv_body '' means "the server holds exactly this row's body"
 * (built from the permit columns: permitNo and zone in it when not empty).
 */
#define LIVE_SRV_ZONE(R)                                                      \
    "(CASE WHEN " R "srv_body = '' THEN " R "zone "                          \
    "ELSE coalesce(nullif(" R "srv_body, '')::json->>'zone', '') END)"
#define LIVE_GROUP(R)                                                         \
    "(CASE WHEN (CASE WHEN " R "srv_body = '' THEN nullif(" R "permit_no, '') " \
    "ELSE nullif(" R "srv_body, '')::json->>'permitNo' END) IS NULL "      \
    "THEN 'temp' ELSE 'standard' END), " LIVE_SRV_ZONE(R) ", "                \
    "(CASE WHEN " LIVE_SRV_ZONE(R) " = " R "zone THEN " R "zone_status ELSE '' END)"
/* the lock of a fold (pg_try_advisory_xact_lock) */
#define PG_FOLD_LOCK "6c697665"
#define LIVE_FOLD_SQL                                                         \
    "WITH k AS (SELECT pg_try_advisory_xact_lock(x'" PG_FOLD_LOCK "'::bigint) AS got), " \
    "d AS (DELETE FROM live_counts WHERE (SELECT got FROM k) "                \
    "RETURNING type, zone, zone_status, n) "                                  \
    "INSERT INTO live_counts (type, zone, zone_status, n) "                   \
    "SELECT type, zone, zone_status, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0"
/* The table, the trigger functions and their triggers, the counts of the
 * existing rows (the one scan, at migration). The triggers fire only when
 * a write changes srv_body, zone, zone_status or permit_no of a row the
 * server holds (before or after), and write only when the row's group (or
 * whether the server holds it) changed. The WHEN clauses stay small
 * column comparisons: the server rebuilds them for every statement, while
 * a function's plans are kept for the session. The step can run again (a
 * version set back): it starts the table over. */
#define LIVE_COUNTS_SQL                                                       \
    "DROP TABLE IF EXISTS live_counts;"                                       \
    "CREATE TABLE live_counts (type text NOT NULL, zone text NOT NULL,"       \
    " zone_status text NOT NULL, n bigint NOT NULL);"                         \
    "INSERT INTO live_counts (type, zone, zone_status, n) SELECT " LIVE_GROUP("") \
    ", count(*) FROM records WHERE srv_body IS NOT NULL GROUP BY 1, 2, 3;"    \
    "CREATE OR REPLACE FUNCTION live_counts_add() RETURNS trigger LANGUAGE plpgsql " \
    "AS $f$ BEGIN " LIVE_DELTA("NEW.", "1") " RETURN NULL; END $f$;"          \
    "CREATE OR REPLACE FUNCTION live_counts_sub() RETURNS trigger LANGUAGE plpgsql " \
    "AS $f$ BEGIN " LIVE_DELTA("OLD.", "-1") " RETURN NULL; END $f$;"         \
    "CREATE OR REPLACE FUNCTION live_counts_upd() RETURNS trigger LANGUAGE plpgsql " \
    "AS $f$ BEGIN "                                                           \
    "IF OLD.srv_body IS NOT NULL AND NEW.srv_body IS NOT NULL AND "           \
    "ROW(" LIVE_GROUP("OLD.") ") IS NOT DISTINCT FROM ROW(" LIVE_GROUP("NEW.") ") " \
    "THEN RETURN NULL; END IF; "                                              \
    "IF OLD.srv_body IS NOT NULL THEN " LIVE_DELTA("OLD.", "-1") " END IF; "  \
    "IF NEW.srv_body IS NOT NULL THEN " LIVE_DELTA("NEW.", "1") " END IF; "   \
    "RETURN NULL; END $f$;"                                                   \
    "CREATE OR REPLACE TRIGGER live_counts_ins AFTER INSERT ON records FOR EACH ROW " \
    "WHEN (NEW.srv_body IS NOT NULL) EXECUTE FUNCTION live_counts_add();"     \
    "CREATE OR REPLACE TRIGGER live_counts_del AFTER DELETE ON records FOR EACH ROW " \
    "WHEN (OLD.srv_body IS NOT NULL) EXECUTE FUNCTION live_counts_sub();"     \
    "CREATE OR REPLACE TRIGGER live_counts_upd AFTER UPDATE OF srv_body, zone, " \
    "zone_status, permit_no ON records FOR EACH ROW WHEN ((OLD.srv_body IS NOT NULL " \
    "OR NEW.srv_body IS NOT NULL) AND (OLD.srv_body IS DISTINCT FROM NEW.srv_body " \
    "OR OLD.zone IS DISTINCT FROM NEW.zone OR OLD.zone_status IS DISTINCT FROM " \
    "NEW.zone_status OR OLD.permit_no IS DISTINCT FROM NEW.permit_no)) "      \
    "EXECUTE FUNCTION live_counts_upd();"
/* one delta row (d) of the group of the row R */
#define LIVE_DELTA(R, d)                                                      \
    "INSERT INTO " PG_SCHEMA ".live_counts (type, zone, zone_status, n) "     \
    "VALUES (" LIVE_GROUP(R) ", " d ");"

enum pst {
    P_GET_KEY, P_GET_REF, P_GET_ID, P_INSERT, P_RESTAGE, P_TOUCH, P_TOUCH_RANGE,
    P_STAGE_BRIEF, P_SET_HELD_PENDING,
    P_COUNT_STATE, P_RECOVER, P_RETRY_FAILED, P_NEXT_HELD, P_CLAIM, P_MARK_SENDING,
    P_OK_PUSHED, P_OK_DELETED, P_OK_REPUSH_DELETED, P_FAILED, P_RETRY, P_ADMIN_UPDATE,
    P_ADMIN_DELETE, P_FILE_GET, P_FILE_PUT, P_FILE_NONFINAL, P_FILE_SET_FINAL, P_TMP_KNOWN,
    P_TMP_NEXT, P_TMP_CLEAR, P_LIST, P_RANGE, P_LIVE, P_PRUNE, P_VOID_INSERT, P_VOID_SET,
    P_CANCEL_SALE, P_RUN_RECS, P_EARLIER_ATTN, P_RENEW, P_RELEASE, P_OTHERS, P_CLAIMABLE,
    P_NEXT_PENDING_RO, P_UNLINKED_FAIL, P_SETTLE_CLEAR, P_SETTLE_ADD, P_SETTLE_RANGE,
    P_REJROW_CLEAR, P_REJROW_ADD, P_REJROW_RANGE, P_SALE_COUNTS, P_ZONE_LAST, P_ZONE_FIRSTS,
    P_LIVE_FOLD, P_COUNT
};

static const char *const pst_sql[P_COUNT] = {
    [P_GET_KEY] = "SELECT " REC_COLS " FROM records WHERE key = $1",
    [P_GET_REF] = "SELECT " REC_COLS " FROM records WHERE reference_id = $1 "
                  "ORDER BY id DESC LIMIT 1",
    [P_GET_ID] = "SELECT " REC_COLS " FROM records WHERE id = $1::bigint",
    [P_INSERT] =
        "INSERT INTO records (key, plate, cents, currency, start_time, end_time, "
        "vendor_zone, zone, zone_status, permit_no, ticket, promo, voided, source, "
        "line, body, hash, upd, target, srv_body, record, reference_id, state, action, "
        "doubt, resent_after_doubt, attempts, last_error, first_seen, last_seen, run, "
        "sale_stage) "
        "VALUES ($1, $2, $3::bigint, $4, $5::bigint, $6::bigint, $7, $8, $9, $10, $11, $12, "
        "0, $13, $14::bigint, $15, $16, NULL, $15, NULL, $17, NULL, $18, 'push', 0, 0, 0, "
        "NULL, $19, $19, $20::bigint, $21)",
    [P_RESTAGE] =
        "UPDATE records SET plate = $2, cents = $3::bigint, currency = $4, "
        "start_time = $5::bigint, end_time = $6::bigint, vendor_zone = $7, zone = $8, "
        "zone_status = $9, permit_no = $10, ticket = $11, promo = $12, voided = 0, "
        "source = $13, line = $14::bigint, body = $15, hash = $16, record = $17, "
        "state = $18, action = $19, upd = $20, target = $15, attempts = 0, "
        "last_error = NULL, last_seen = $21, pruned = 0, "
        "srv_body = CASE WHEN srv_body = '' THEN $24 ELSE srv_body END, "
        "run = CASE WHEN $22::bigint = 0 THEN run ELSE $22::bigint END, "
        "sale_stage = CASE WHEN $22::bigint = 0 THEN sale_stage ELSE $23 END "
        "WHERE id = $1::bigint",
    [P_STAGE_BRIEF] = "SELECT id, hash, state, action, source, line, voided FROM records "
                      "WHERE key = $1",
    [P_TOUCH_RANGE] = "UPDATE records SET last_seen = $3, run = $4::bigint, "
                      "sale_stage = 'unchanged' WHERE id BETWEEN $1::bigint AND $2::bigint",
    [P_TOUCH] = "UPDATE records SET source = $2, line = $3::bigint, last_seen = $4, "
                "run = CASE WHEN $5::bigint = 0 THEN run ELSE $5::bigint END, "
                "sale_stage = CASE WHEN $5::bigint = 0 THEN sale_stage ELSE $6 END "
                "WHERE id = $1::bigint",
    [P_SET_HELD_PENDING] = "UPDATE records SET state = 'pending' WHERE id = $1::bigint",
    [P_COUNT_STATE] = "SELECT count(*) FROM records WHERE state = $1",
    /* only records whose worker is gone (lease expired): others' are live */
    /* rows a stalled worker still has locked (its outcomes not committed
     * yet) are skipped, never waited for: claimed later if still due */
    [P_RECOVER] = "UPDATE records SET state = 'pending', doubt = 1, worker = NULL, "
                  "lease = NULL WHERE id IN (SELECT id FROM records WHERE state = 'sending' "
                  "AND (lease IS NULL OR lease < clock_timestamp()) FOR UPDATE SKIP LOCKED)",
    [P_RETRY_FAILED] = "UPDATE records SET state = 'pending' WHERE state = 'failed' "
                       "AND voided = 0 AND unlinked = 0 AND pruned = 0",
    [P_NEXT_HELD] = "SELECT " REC_COLS " FROM records WHERE state = 'held' "
                    "AND id > $1::bigint ORDER BY id LIMIT 1",
    /* $1 worker, $2 lease seconds, $3 how many */
    /* expired leases first (their worker is gone: in doubt), then pending
     * records; each part walks the (state, id) index, never the table */
    [P_CLAIM] =
        "WITH x AS (SELECT id FROM records WHERE state = 'sending' "
        "AND (lease IS NULL OR lease < clock_timestamp()) ORDER BY id LIMIT $3::int "
        "FOR UPDATE SKIP LOCKED), "
        "p AS (SELECT id FROM records WHERE state = 'pending' ORDER BY id LIMIT $3::int "
        "FOR UPDATE SKIP LOCKED), "
        "c AS (SELECT id AS cid FROM (SELECT id FROM x UNION ALL SELECT id FROM p) u "
        "LIMIT $3::int) "
        "UPDATE records r SET state = 'sending', worker = $1, lease = " LEASE("$2") ", "
        "doubt = CASE WHEN r.state = 'sending' THEN 1 ELSE r.doubt END "
        "FROM c WHERE r.id = c.cid RETURNING " REC_COLS,
    /* $2 after doubt, $3 now, $4 worker, $5 lease seconds; a pending record
     * (an admin update/delete sends one record unclaimed) is claimed here */
    [P_MARK_SENDING] =
        "UPDATE records SET state = 'sending', attempts = attempts + 1, last_sent = $3, "
        "resent_after_doubt = CASE WHEN resent_after_doubt <> 0 OR $2::int <> 0 "
        "OR doubt <> 0 THEN 1 ELSE 0 END, "
        "void_sent = CASE WHEN void_sent <> 0 OR (voided <> 0 AND action = 'delete') "
        "THEN 1 ELSE 0 END, worker = $4, lease = " LEASE("$5") " "
        "WHERE id = $1::bigint AND ((" MINE("$4") ") OR state = 'pending')",
    [P_OK_PUSHED] =
        "UPDATE records SET state = 'pushed', action = 'none', srv_body = target, "
        "reference_id = coalesce($2, reference_id), upd = NULL, doubt = 0, "
        "last_error = $3, unlinked = coalesce($5::int, unlinked), worker = NULL, "
        "lease = NULL WHERE id = $1::bigint AND " MINE("$4"),
    [P_OK_DELETED] =
        "UPDATE records SET state = 'deleted', action = 'none', srv_body = NULL, "
        "upd = NULL, doubt = 0, last_error = $2, worker = NULL, lease = NULL "
        "WHERE id = $1::bigint AND " MINE("$3"),
    /* the delete of a repush succeeded: the record stays claimed for its push */
    [P_OK_REPUSH_DELETED] =
        "UPDATE records SET state = 'sending', action = 'push', srv_body = NULL, "
        "reference_id = NULL, upd = NULL, doubt = 0 WHERE id = $1::bigint AND " MINE("$2"),
    [P_FAILED] = "UPDATE records SET state = 'failed', last_error = $2, doubt = $4::int, "
                 "worker = NULL, lease = NULL WHERE id = $1::bigint AND " MINE("$3"),
    [P_RETRY] = "UPDATE records SET state = 'pending', "
                "doubt = CASE WHEN doubt <> 0 OR $2::int <> 0 THEN 1 ELSE 0 END, "
                "last_error = $3, worker = NULL, lease = NULL "
                "WHERE id = $1::bigint AND " MINE("$4"),
    [P_UNLINKED_FAIL] =
        "UPDATE records SET state = 'failed', action = 'none', upd = NULL, unlinked = 1, "
        "voided = CASE WHEN voided <> 0 OR $3::int <> 0 THEN 1 ELSE 0 END, "
        "last_error = $2 WHERE id = $1::bigint",
    [P_ADMIN_UPDATE] =
        "UPDATE records SET state = 'pending', action = 'update', upd = $2, target = $3, "
        "attempts = 0, last_error = NULL WHERE id = $1::bigint",
    [P_ADMIN_DELETE] =
        "UPDATE records SET state = 'pending', action = 'delete', upd = NULL, "
        "target = NULL, attempts = 0, last_error = NULL WHERE id = $1::bigint",
    [P_FILE_GET] = "SELECT size, mtime, sha256, ctx, final FROM files WHERE path = $1",
    [P_FILE_PUT] =
        "INSERT INTO files (path, size, mtime, sha256, ctx, final, seen) "
        "VALUES ($1, $2::bigint, $3::bigint, $4, $5, $6::int, $7) ON CONFLICT (path) DO "
        "UPDATE SET size = $2::bigint, mtime = $3::bigint, sha256 = $4, ctx = $5, "
        "final = $6::int, seen = $7",
    [P_FILE_NONFINAL] = "SELECT count(*) FROM records WHERE state IN ('pending', 'held', "
                        "'sending') AND source = $1",
    [P_FILE_SET_FINAL] = "UPDATE files SET final = $2::int WHERE path = $1",
    [P_TMP_NEXT] =
        "SELECT rid, key, plate, cents, currency, start_time, end_time, vendor_zone, "
        "zone, zone_status, permit_no, ticket, promo, voided, source, line "
        "FROM stage WHERE rid > $1::bigint ORDER BY rid LIMIT 500",
    [P_TMP_CLEAR] = "DELETE FROM stage",
    /* the records of the keys of the chunk P_TMP_NEXT reads */
    [P_TMP_KNOWN] = "SELECT " REC_COLS " FROM records WHERE key IN (SELECT key FROM stage "
                    "WHERE rid > $1::bigint ORDER BY rid LIMIT 500)",
    [P_LIST] = "SELECT " REC_COLS " FROM records WHERE ($1::text IS NULL OR state = $1) "
               "AND ($2::text IS NULL OR plate = $2) AND ($3::text IS NULL OR source = $3) "
               "AND ($4::int = 0 OR resent_after_doubt = 1) ORDER BY id",
    [P_RANGE] = "SELECT " REC_COLS " FROM records WHERE start_time >= $1::bigint "
                "AND start_time < $2::bigint ORDER BY start_time, id",
    /* O(groups + deltas since the last fold): LIVE_COUNTS_SQL */
    [P_LIVE] = "SELECT type, zone, zone_status, sum(n) FROM live_counts "
               "GROUP BY 1, 2, 3 HAVING sum(n) > 0 ORDER BY 1, 2, 3",
    [P_LIVE_FOLD] = LIVE_FOLD_SQL,
    /* a plate-free tombstone in place (ledger.h): the plate leaves srv_body
     * too (the canonical body starts with it) */
    [P_PRUNE] =
        "UPDATE records SET plate = '', body = '', record = '', upd = NULL, target = NULL, "
        "last_error = NULL, pruned = 1, srv_body = regexp_replace(srv_body, "
        "'^\\{\"" PERMIT_PLATE_NAME "\":\"(\\\\.|[^\"\\\\])*\",?', '{') "
        "WHERE end_time < $1::bigint AND pruned = 0 "
        "AND state IN ('pushed', 'failed', 'deleted', 'cancelled')",
    [P_VOID_INSERT] =
        "INSERT INTO records (key, plate, cents, currency, start_time, end_time, "
        "vendor_zone, zone, zone_status, permit_no, ticket, promo, voided, source, "
        "line, body, hash, record, state, action, first_seen, last_seen, run, void_run, "
        "void_stage, void_source, void_line, void_cents, void_currency) "
        "VALUES ($1, $2, $3::bigint, $4, $5::bigint, $6::bigint, $7, $8, $9, $10, $11, $12, "
        "1, $13, $14::bigint, $15, '', $16, 'voided', 'none', $17, $17, 0, $18::bigint, "
        "'applied', $13, $14::bigint, $3::bigint, $4)",
    [P_VOID_SET] =
        "UPDATE records SET voided = 1, state = $2, action = $3, "
        "last_error = coalesce($4, last_error), "
        "attempts = CASE WHEN $3 = 'delete' AND action <> 'delete' THEN 0 ELSE attempts END, "
        "upd = CASE WHEN $3 = 'delete' THEN NULL ELSE upd END, "
        "target = CASE WHEN $3 = 'delete' THEN NULL ELSE target END, "
        "void_source = $5, void_line = $6::bigint, void_cents = $7::bigint, "
        "void_currency = $8, "
        "void_run = CASE WHEN $9::bigint = 0 THEN void_run ELSE $9::bigint END, "
        "void_stage = $10, last_seen = $11 WHERE id = $1::bigint",
    [P_CANCEL_SALE] =
        "UPDATE records SET plate = $2, cents = $3::bigint, currency = $4, "
        "start_time = $5::bigint, end_time = $6::bigint, vendor_zone = $7, zone = $8, "
        "zone_status = $9, permit_no = $10, ticket = $11, promo = $12, source = $13, "
        "line = $14::bigint, body = $15, record = $16, state = $17, last_seen = $18, "
        "pruned = 0, srv_body = CASE WHEN srv_body = '' THEN $20 ELSE srv_body END, "
        "target = CASE WHEN target = '' THEN $20 ELSE target END, "
        "run = CASE WHEN $19::bigint = 0 THEN run ELSE $19::bigint END, "
        "sale_stage = CASE WHEN $19::bigint = 0 THEN sale_stage ELSE 'cancelled' END "
        "WHERE id = $1::bigint",
    [P_RUN_RECS] = "SELECT " REC_COLS " FROM records WHERE run = $1::bigint "
                   "OR void_run = $1::bigint ORDER BY id",
    [P_EARLIER_ATTN] = "SELECT count(*) FROM records WHERE state IN ('held', 'failed') "
                       "AND run <> $1::bigint AND void_run <> $1::bigint",
    [P_RENEW] = "UPDATE records SET lease = " LEASE("$2") " WHERE state = 'sending' AND "
                MINE("$1"),
    /* at close: $2 the claimed ids never handed out (pending again, no
     * doubt); the others this worker still holds may have been sent */
    [P_RELEASE] =
        "UPDATE records SET state = 'pending', worker = NULL, lease = NULL, "
        "doubt = CASE WHEN id = ANY ($2::bigint[]) THEN doubt ELSE 1 END "
        "WHERE state = 'sending' AND worker = $1",
    [P_OTHERS] = "SELECT count(*) FROM records WHERE state = 'sending' "
                 "AND worker IS DISTINCT FROM $1 AND lease > clock_timestamp()",
    [P_CLAIMABLE] = "SELECT count(*) FROM records WHERE state = 'pending' "
                    "OR (state = 'sending' AND (lease IS NULL OR lease < clock_timestamp()))",
    [P_NEXT_PENDING_RO] = "SELECT " REC_COLS " FROM records WHERE state = 'pending' "
                          "AND id > $1::bigint ORDER BY id LIMIT 1",
    [P_SETTLE_CLEAR] = "DELETE FROM settlements WHERE file = $1",
    [P_SETTLE_ADD] =
        "INSERT INTO settlements (file, line, day, vendor, currency, cents, count, run) "
        "VALUES ($1, $2::bigint, $3, $4, $5, $6::bigint, $7::bigint, $8::bigint)",
    [P_SETTLE_RANGE] =
        "SELECT file, line, day, vendor, currency, cents, count, run FROM settlements "
        "WHERE day >= $1 AND day <= $2 ORDER BY day, vendor, currency, file, line",
    [P_REJROW_CLEAR] = "DELETE FROM rejected_rows WHERE file = $1",
    [P_REJROW_ADD] =
        "INSERT INTO rejected_rows (file, line, day, vendor, currency, cents, reason, run) "
        "VALUES ($1, $2::bigint, $3, $4, $5, $6::bigint, $7, $8::bigint)",
    [P_REJROW_RANGE] =
        "SELECT file, line, day, vendor, currency, cents, reason, run FROM rejected_rows "
        "WHERE (day >= $1 AND day <= $2) OR (day IS NULL AND run = $3::bigint "
        "AND $3::bigint <> 0) ORDER BY day NULLS FIRST, vendor, currency, file, line",
    [P_SALE_COUNTS] =
        "SELECT zone, q, sum(n) FROM (SELECT zone, start_time / 900 AS q, count(*) AS n "
        "FROM records WHERE start_time >= $1::bigint AND start_time < $2::bigint "
        "GROUP BY zone, q UNION ALL SELECT zone, start_time / 900, -count(*) FROM records "
        "WHERE state = 'voided' AND start_time >= $1::bigint AND start_time < $2::bigint "
        "GROUP BY zone, start_time / 900) t GROUP BY zone, q HAVING sum(n) > 0",
    [P_ZONE_LAST] = "SELECT max(start_time) FROM records WHERE zone = $1 "
                    "AND state <> 'voided'",
    [P_ZONE_FIRSTS] = "SELECT zone, min(start_time) FROM records GROUP BY zone",
};

/* Schema migrations, the PostgreSQL twin of the SQLite ones: pg_migrations[v]
 * takes the schema from version v to v + 1 (same numbers). The lease
 * columns exist here from the first step. */
static const char *const pg_migrations[LEDGER_SCHEMA_VERSION] = {
    "CREATE TABLE records ("
    " id bigserial PRIMARY KEY,"
    " key text NOT NULL UNIQUE,"
    " plate text NOT NULL, cents bigint NOT NULL, currency text NOT NULL,"
    " start_time bigint NOT NULL, end_time bigint NOT NULL,"
    " vendor_zone text NOT NULL, zone text NOT NULL, zone_status text NOT NULL,"
    " permit_no text NOT NULL, ticket text NOT NULL, promo text NOT NULL,"
    " voided integer NOT NULL DEFAULT 0,"
    " source text NOT NULL, line bigint NOT NULL,"
    " body text NOT NULL, hash text NOT NULL,"
    " upd text, target text, srv_body text,"
    " record text NOT NULL,"
    " reference_id text,"
    " state text NOT NULL CONSTRAINT records_state_check"
    "  CHECK (state IN ('pending','held','sending','pushed','failed','deleted')),"
    " action text NOT NULL CHECK (action IN ('none','push','update','delete','repush')),"
    " doubt integer NOT NULL DEFAULT 0,"
    " resent_after_doubt integer NOT NULL DEFAULT 0,"
    " attempts integer NOT NULL DEFAULT 0,"
    " last_error text,"
    " first_seen text NOT NULL, last_seen text NOT NULL, last_sent text,"
    " worker text, lease timestamptz);"
    "CREATE INDEX records_state ON records (state, id);"
    "CREATE INDEX records_ref ON records (reference_id);"
    "CREATE INDEX records_source ON records (source);"
    "CREATE INDEX records_start ON records (start_time);"
    "CREATE INDEX records_plate ON records (plate);"
    "CREATE INDEX records_worker ON records (worker) WHERE state = 'sending';"
    "CREATE TABLE files ("
    " path text PRIMARY KEY, size bigint NOT NULL, mtime bigint NOT NULL,"
    " sha256 text NOT NULL, ctx text NOT NULL, final integer NOT NULL, seen text NOT NULL);",
    "ALTER TABLE records ADD COLUMN unlinked integer NOT NULL DEFAULT 0;"
    "UPDATE records SET unlinked = 1 WHERE srv_body IS NOT NULL "
    "AND coalesce(reference_id, '') = '';",
    "ALTER TABLE records ADD COLUMN run bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN sale_stage text, ADD COLUMN void_run bigint NOT NULL DEFAULT 0,"
    " ADD COLUMN void_stage text, ADD COLUMN void_source text, ADD COLUMN void_line bigint,"
    " ADD COLUMN void_cents bigint, ADD COLUMN void_currency text,"
    " ADD COLUMN void_sent integer NOT NULL DEFAULT 0;"
    "CREATE INDEX records_run ON records (run);"
    "CREATE INDEX records_void_run ON records (void_run);"
    "ALTER TABLE records DROP CONSTRAINT records_state_check,"
    " ADD CONSTRAINT records_state_check CHECK (state IN ('pending','held','sending',"
    "'pushed','failed','deleted','cancelled','voided'));",
    /* tombstones (ledger_prune()) */
    "ALTER TABLE records ADD COLUMN pruned integer NOT NULL DEFAULT 0;",
    /* settlements, rejected rows, a zone index (ledger_each_settlement() ...) */
    "CREATE TABLE IF NOT EXISTS settlements ("
    " file text NOT NULL, line bigint NOT NULL, day text NOT NULL, vendor text NOT NULL,"
    " currency text NOT NULL, cents bigint NOT NULL, count bigint,"
    " run bigint NOT NULL DEFAULT 0, PRIMARY KEY (file, line));"
    "CREATE INDEX IF NOT EXISTS settlements_day ON settlements (day);"
    "CREATE TABLE IF NOT EXISTS rejected_rows ("
    " file text NOT NULL, line bigint NOT NULL, day text, vendor text NOT NULL,"
    " currency text NOT NULL, cents bigint NOT NULL, reason text NOT NULL,"
    " run bigint NOT NULL DEFAULT 0, PRIMARY KEY (file, line));"
    "CREATE INDEX IF NOT EXISTS rejected_rows_day ON rejected_rows (day);"
    "CREATE INDEX IF NOT EXISTS records_zone ON records (zone, start_time);",
    /* indexes only admin commands used: dropped (ledger_sqlite.c) */
    "DROP INDEX IF EXISTS records_ref;"
    "DROP INDEX IF EXISTS records_source;"
    "DROP INDEX IF EXISTS records_plate;"
    "DROP INDEX IF EXISTS records_start;"
    "CREATE INDEX records_start ON records (start_time, zone);",
    /* issue 20: live counts kept as records change (LIVE_COUNTS_SQL) */
    LIVE_COUNTS_SQL,
};

struct pg_ledger {
    struct ledger base;        /* first: ops, run, window, timeout_s */
    PGconn       *conn;
    int           prepared[P_COUNT];
    int           in_tx, dry, readonly;
    char          worker[128];
    /* the records claimed last (rows of the claim), those from `claimpos`
     * on not handed out yet */
    PGresult     *claimres;
    int           claimpos;
    double        renewed;     /* last lease renewal (local monotonic seconds) */
    double        wait_until;  /* wait_others(): the end of this wait (0: none) */
    long          claims;      /* records claimed since wait_others() said more */
    /* the staging table read in chunks */
    PGresult     *tmp;
    int           tmp_row;
    PGresult     *known;       /* the ledger's records of the chunk's keys */
    /* ledger_tmp_add() rows not sent yet: COPY text, sent in one COPY
     * before any other statement (copy_flush()) */
    struct buf    copy;
    long          copy_rows;
};

/* Parameters of one statement, as text ($1 is v[0]). */
struct prm {
    int         n;
    const char *v[44];
    char        num[44][24];
};

static void p_txt(struct prm *p, int i, const char *s)
{
    p->v[i - 1] = s;
    if (i > p->n)
        p->n = i;
}

static void p_int(struct prm *p, int i, long long x)
{
    snprintf(p->num[i - 1], sizeof(p->num[0]), "%lld", x);
    p_txt(p, i, p->num[i - 1]);
}

static double mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libpq's message, one line. */
static const char *pg_msg(PGconn *c)
{
    static char m[512];
    size_t n;

    snprintf(m, sizeof(m), "%s", c ? PQerrorMessage(c) : "out of memory");
    n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        m[--n] = '\0';
    for (n = 0; m[n]; n++)
        if (m[n] == '\n' || m[n] == '\t')
            m[n] = ' ';
    return m;
}

static int pg_fail(struct pg_ledger *l, struct etl_err *err, const char *what)
{
    return etl_fail(err, E_DB, "ledger: %s: %s", what, pg_msg(l->conn));
}

static int copy_flush(struct pg_ledger *l, struct etl_err *err);

static int pg_exec(struct pg_ledger *l, const char *sql, struct etl_err *err)
{
    PGresult *r;
    int ok;

    if (l->copy_rows > 0 && copy_flush(l, err) < 0)
        return -1;
    r = PQexec(l->conn, sql);
    ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);

    PQclear(r);
    return ok ? 0 : pg_fail(l, err, "postgresql");
}

/* Appends s[0..n) to b as valid UTF-8: each byte of a bad sequence (a file
 * name's bytes: the server takes UTF-8 only) becomes the text \xHH, as the
 * tool shows such names (SQLite stores the bytes; the JSON of both shows
 * the same text). `copy`: escaped for COPY's text format too. */
static int add_utf8(struct buf *b, const char *s, size_t n, int copy)
{
    size_t k, j;

    for (k = 0; k < n; k += j ? j : 1) {
        unsigned char c = (unsigned char)s[k];

        for (j = c < 0x80 ? 1 : 4; j > 0; j--)   /* the valid sequence at k */
            if (k + j <= n && utf8_valid(s + k, j))
                break;
        if (j == 0) {
            if (buf_addf(b, copy ? "\\\\x%02X" : "\\x%02X", c) < 0)
                return -1;
        } else if (copy && (c == '\\' || c == '\t' || c == '\n' || c == '\r')) {
            if (buf_addstr(b, c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n"
                                                                      : "\\r") < 0)
                return -1;
        } else if (buf_add(b, s + k, j) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The parameters of p into v; those that are not valid UTF-8 copied into
 * esc by add_utf8(). */
static int texts_utf8(const struct prm *p, struct buf *esc, const char **v)
{
    size_t off[44];
    int i, bad = 0;

    for (i = 0; i < p->n; i++) {
        const char *s = p->v[i];
        size_t n;

        v[i] = s;
        off[i] = (size_t)-1;
        if (!s || utf8_valid(s, n = strlen(s)))
            continue;
        off[i] = esc->len;
        bad = 1;
        if (add_utf8(esc, s, n, 0) < 0 || buf_addch(esc, '\0') < 0)
            return -1;
    }
    for (i = 0; bad && i < p->n; i++)
        if (off[i] != (size_t)-1)
            v[i] = esc->ptr + off[i];
    return 0;
}

static int copy_flush(struct pg_ledger *l, struct etl_err *err);

/* Runs statement id with p; the result (caller PQclears) or NULL + err. */
static PGresult *run(struct pg_ledger *l, enum pst id, const struct prm *p,
                     struct etl_err *err, const char *what)
{
    char name[16];
    PGresult *r;
    ExecStatusType st;
    struct buf esc = BUF_INIT;
    const char *v[44];

    if (l->copy_rows > 0 && copy_flush(l, err) < 0)
        return NULL;

    snprintf(name, sizeof(name), "pe%d", (int)id);
    if (!l->prepared[id]) {
        r = PQprepare(l->conn, name, pst_sql[id], 0, NULL);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            PQclear(r);
            pg_fail(l, err, what);
            return NULL;
        }
        PQclear(r);
        l->prepared[id] = 1;
    }
    if (p && texts_utf8(p, &esc, v) < 0) {
        etl_fail(err, E_NOMEM, "ledger: out of memory");
        return NULL;
    }
    r = PQexecPrepared(l->conn, name, p ? p->n : 0, p ? v : NULL, NULL, NULL, 0);
    buf_release(&esc);
    st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        PQclear(r);
        pg_fail(l, err, what);
        return NULL;
    }
    return r;
}

/* A writing statement: rows changed, or -1. */
static long run_n(struct pg_ledger *l, enum pst id, const struct prm *p, struct etl_err *err,
                  const char *what)
{
    PGresult *r = run(l, id, p, err, what);
    long n;

    if (!r)
        return -1;
    n = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}

static long count_q(struct pg_ledger *l, enum pst id, const struct prm *p,
                    struct etl_err *err)
{
    PGresult *r = run(l, id, p, err, "count");
    long n = -1;

    if (!r)
        return -1;
    if (PQntuples(r) == 1)
        n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

/* --- reading rows ------------------------------------------------------------ */

static long long gi(const PGresult *r, int row, int c)
{
    return PQgetisnull(r, row, c) ? 0 : strtoll(PQgetvalue(r, row, c), NULL, 10);
}

static void gcopy(const PGresult *r, int row, int c, char *dst, size_t cap)
{
    const char *t = PQgetvalue(r, row, c);
    size_t n = PQgetisnull(r, row, c) ? 0 : (size_t)PQgetlength(r, row, c);

    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

static int gbuf(const PGresult *r, int row, int c, struct buf *b)
{
    buf_reset(b);
    if (PQgetisnull(r, row, c))
        return 0;
    return buf_add(b, PQgetvalue(r, row, c), (size_t)PQgetlength(r, row, c));
}

/* Row `row` of a result for ledger_decode_*(). */
struct pg_row {
    const PGresult *r;
    int row;
};

static const char *row_text(const void *row, int c, size_t *len)
{
    const struct pg_row *x = row;

    if (PQgetisnull(x->r, x->row, c))
        return NULL;
    *len = (size_t)PQgetlength(x->r, x->row, c);
    return PQgetvalue(x->r, x->row, c);
}

static long long row_num(const void *row, int c)
{
    const struct pg_row *x = row;

    return gi(x->r, x->row, c);
}

static void read_permit(const PGresult *r, int row, int c, struct permit *p)
{
    struct pg_row x = { r, row };
    struct ledger_row w = { row_text, row_num, &x };

    ledger_decode_permit(&w, c, p);
}

static int read_rec(const PGresult *s, int row, struct ledger_rec *r)
{
    struct pg_row x = { s, row };
    struct ledger_row w = { row_text, row_num, &x };

    return ledger_decode_rec(&w, r);
}

static int fetch_one(struct pg_ledger *l, enum pst id, const struct prm *p,
                     struct ledger_rec *r, struct etl_err *err)
{
    PGresult *res = run(l, id, p, err, "read");
    int ret;

    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        ret = 0;
    else
        ret = read_rec(res, 0, r) < 0 ? etl_fail(err, E_NOMEM, "ledger: out of memory") : 1;
    PQclear(res);
    return ret;
}


#define PGL(gl) ((struct pg_ledger *)(gl))

/* --- transactions ------------------------------------------------------------ */

static int pg_begin(struct ledger *gl, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);

    if (l->in_tx)
        return 0;
    if (pg_exec(l, "BEGIN", err) < 0)
        return -1;
    l->in_tx = 1;
    return 0;
}

static int pg_commit(struct ledger *gl, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);

    if (!l->in_tx || l->dry)
        return 0;
    l->in_tx = 0;
    return pg_exec(l, "COMMIT", err);
}

static void pg_rollback(struct ledger *gl)
{
    struct pg_ledger *l = PGL(gl);

    if (!l->in_tx || l->dry)
        return;
    PQclear(PQexec(l->conn, "ROLLBACK"));
    l->in_tx = 0;
}

/* --- records ----------------------------------------------------------------- */




/* Claims the next group of records (at most `window`): how many. */
static int claim(struct pg_ledger *l, struct etl_err *err)
{
    struct prm p = { 0 };
    int n;

    PQclear(l->claimres);
    l->claimpos = 0;
    p_txt(&p, 1, l->worker);
    p_int(&p, 2, 2LL * l->base.timeout_s);
    p_int(&p, 3, l->base.window);
    l->claimres = run(l, P_CLAIM, &p, err, "claim");
    if (!l->claimres)
        return -1;
    n = PQntuples(l->claimres);
    l->claims += n;
    if (n > 0)
        l->renewed = mono_now();
    return n;
}

static int pg_next_pending(struct ledger *gl, int64_t *cursor, struct ledger_rec *r,
                           struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    int rc;

    if (l->readonly) {     /* nothing is claimed when nothing may be written */
        struct prm p = { 0 };

        p_int(&p, 1, *cursor);
        rc = fetch_one(l, P_NEXT_PENDING_RO, &p, r, err);
        if (rc == 1)
            *cursor = r->id;
        return rc;
    }
    if (!l->claimres || l->claimpos >= PQntuples(l->claimres)) {
        rc = claim(l, err);
        if (rc <= 0)
            return rc;
    }
    if (read_rec(l->claimres, l->claimpos++, r) < 0)
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    r->state = LS_PENDING;   /* handed out claimed: the caller sends it */
    *cursor = r->id;
    return 1;
}


static long pg_recover_sending(struct ledger *gl, struct etl_err *err)
{
    return run_n(PGL(gl), P_RECOVER, NULL, err, "recover");
}

static long pg_retry_failed(struct ledger *gl, struct etl_err *err)
{
    return run_n(PGL(gl), P_RETRY_FAILED, NULL, err, "retry failed");
}

static int pg_each_held(struct ledger *gl,
                        int (*fn)(void *ctx, struct ledger_rec *rec, struct etl_err *err),
                        void *ctx, struct etl_err *err)
{
    struct ledger_rec r;
    int64_t cursor = 0;
    int rc, ret = 0;

    ledger_rec_init(&r);
    for (;;) {
        struct prm p = { 0 };

        p_int(&p, 1, cursor);
        rc = fetch_one(PGL(gl), P_NEXT_HELD, &p, &r, err);
        if (rc <= 0) {
            ret = rc;
            break;
        }
        cursor = r.id;
        if (fn(ctx, &r, err) != 0) {
            ret = -1;
            break;
        }
    }
    ledger_rec_release(&r);
    return ret;
}

/* --- staging ----------------------------------------------------------------- */

static int done(long n)
{
    return n < 0 ? -1 : 0;
}

static int pg_fail_unlinked(struct ledger *gl, int64_t id, int voided, struct etl_err *err)
{
    struct prm s = { 0 };

    p_int(&s, 1, id);
    p_txt(&s, 2, LEDGER_UNLINKED_MSG);
    p_int(&s, 3, voided ? 1 : 0);
    return done(run_n(PGL(gl), P_UNLINKED_FAIL, &s, err, "record outcome"));
}

/* The record of key for staging: from the chunk's records (pg_tmp_next())
 * when key is the parked row just read and no earlier row of the chunk
 * had it (staging that row changed the record), else read. 1/0/-1. */
static int pg_stage_get(struct ledger *gl, const char *key, struct ledger_rec *r,
                        struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    int cur = l->tmp_row - 1, i;

    if (!l->tmp || !l->known || cur < 0 || cur >= PQntuples(l->tmp) ||
        strcmp(PQgetvalue(l->tmp, cur, 1), key) != 0)
        return ledger_get(&l->base, key, r, err);
    for (i = 0; i < cur; i++)
        if (!strcmp(PQgetvalue(l->tmp, i, 1), key))
            return ledger_get(&l->base, key, r, err);
    for (i = 0; i < PQntuples(l->known); i++)
        if (!strcmp(PQgetvalue(l->known, i, 1), key))
            return read_rec(l->known, i, r) < 0
                       ? etl_fail(err, E_NOMEM, "ledger: out of memory") : 1;
    return 0;
}

static void args_prm(const struct ledger_args *a, struct prm *s)
{
    int i;

    for (i = 0; a && i < a->n; i++) {
        if (a->v[i].is_int)
            p_int(s, i + 1, a->v[i].i);
        else
            p_txt(s, i + 1, a->v[i].s);
    }
}

static int pg_stage_write(struct ledger *gl, enum ledger_stage_write w,
                          const struct ledger_args *a, struct etl_err *err)
{
    static const enum pst st[LSW_COUNT] = {
        [LSW_INSERT] = P_INSERT, [LSW_TOUCH] = P_TOUCH,
        [LSW_HELD_PENDING] = P_SET_HELD_PENDING, [LSW_RESTAGE] = P_RESTAGE,
        [LSW_VOID_INSERT] = P_VOID_INSERT, [LSW_VOID_SET] = P_VOID_SET,
        [LSW_CANCEL_SALE] = P_CANCEL_SALE, [LSW_TOUCH_RANGE] = P_TOUCH_RANGE,
    };
    struct prm s = { 0 };

    args_prm(a, &s);
    return done(run_n(PGL(gl), st[w], &s, err, ledger_stage_write_name(w)));
}

/* One COPY of the parked rows (the staging table's columns after rid). */
static int copy_flush(struct pg_ledger *l, struct etl_err *err)
{
    PGresult *r;
    int ok;

    if (l->copy_rows == 0)
        return 0;
    l->copy_rows = 0;
    r = PQexec(l->conn, "COPY stage (key, plate, cents, currency, start_time, end_time, "
                        "vendor_zone, zone, zone_status, permit_no, ticket, promo, voided, "
                        "source, line) FROM STDIN");
    ok = r && PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (ok)
        ok = PQputCopyData(l->conn, l->copy.ptr, (int)l->copy.len) == 1;
    if (PQputCopyEnd(l->conn, ok ? NULL : "ledger: staging failed") != 1)
        ok = 0;
    while ((r = PQgetResult(l->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            ok = 0;
        PQclear(r);
    }
    buf_reset(&l->copy);
    return ok ? 0 : pg_fail(l, err, "stage");
}

/* Parks one record: a line of COPY text, sent PG_COPY_ROWS at a time or
 * before the next statement (run(), pg_exec()). */
static int pg_tmp_add(struct ledger *gl, const struct permit *p, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    const char *txt[] = { p->key, p->plate, NULL, currency_name(p->currency), NULL, NULL,
                          p->vendor_zone, p->zone, zone_status_name(p->zone_status),
                          p->permit_no, p->ticket, p->promo, NULL,
                          p->source ? p->source : "", NULL };
    long long num[] = { 0, 0, p->cents, 0, p->start, p->end, 0, 0, 0, 0, 0, 0, p->voided, 0,
                        p->line };
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < sizeof(num) / sizeof(num[0]); i++) {
        if (i > 0)
            rc = buf_addch(&l->copy, '\t');
        if (rc == 0)
            rc = txt[i] ? add_utf8(&l->copy, txt[i], strlen(txt[i]), 1)
                        : buf_addf(&l->copy, "%lld", num[i]);
    }
    if (rc < 0 || buf_addch(&l->copy, '\n') < 0)
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    if (++l->copy_rows >= PG_COPY_ROWS)
        return copy_flush(l, err);
    return 0;
}

/* The parked records are read PG_TMP_CHUNK at a time. */
static int pg_tmp_next(struct ledger *gl, int64_t *cursor, struct permit *p, struct buf *src,
                       struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);

    if (!l->tmp || l->tmp_row >= PQntuples(l->tmp)) {
        struct prm s = { 0 };

        PQclear(l->tmp);
        PQclear(l->known);
        l->known = NULL;
        p_int(&s, 1, *cursor);
        l->tmp = run(l, P_TMP_NEXT, &s, err, "read stage");
        l->tmp_row = 0;
        if (!l->tmp)
            return -1;
        if (PQntuples(l->tmp) == 0) {
            PQclear(l->tmp);
            l->tmp = NULL;
            return 0;
        }
        /* one query for the chunk's records: pg_stage() of these rows
         * needs no round trip to read the record */
        l->known = run(l, P_TMP_KNOWN, &s, err, "read stage");
        if (!l->known)
            return -1;
    }
    *cursor = gi(l->tmp, l->tmp_row, 0);
    read_permit(l->tmp, l->tmp_row, 1, p);
    if (gbuf(l->tmp, l->tmp_row, 14, src) < 0)
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    p->source = src->ptr ? src->ptr : "";
    l->tmp_row++;
    return 1;
}

static int pg_tmp_clear(struct ledger *gl, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);

    PQclear(l->tmp);
    l->tmp = NULL;
    PQclear(l->known);
    l->known = NULL;
    buf_reset(&l->copy);
    l->copy_rows = 0;
    return done(run_n(l, P_TMP_CLEAR, NULL, err, "clear stage"));
}

/* --- push transitions -------------------------------------------------------- */

/* An outcome found the lease lost: nothing written (the record stays in
 * doubt for whoever claims it next). */
static int lease_kept(struct pg_ledger *l, long n)
{
    if (n < 0)
        return -1;
    if (n == 0)
        l->base.lost++;
    return 0;
}

static int pg_mark_sending(struct ledger *gl, int64_t id, int after_doubt,
                           struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    char now[24];
    long n;

    ledger_now_iso(now);
    p_int(&s, 1, id);
    p_int(&s, 2, after_doubt ? 1 : 0);
    p_txt(&s, 3, now);
    p_txt(&s, 4, l->worker);
    p_int(&s, 5, 2LL * l->base.timeout_s);
    n = run_n(l, P_MARK_SENDING, &s, err, "mark sending");
    if (n < 0)
        return -1;
    if (n == 0)   /* never send what another worker holds now */
        return etl_fail(err, E_DB, "ledger: record %lld: this worker lost its lease "
                        "(it was stalled longer than 2 x timeout_s): stopped",
                        (long long)id);
    return 0;
}

static int pg_done_ok(struct ledger *gl, int64_t id, enum ledger_action act, const char *ref,
                      int *more, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    long n;

    *more = 0;
    p_int(&s, 1, id);
    switch (act) {
    case LA_DELETE:
        p_txt(&s, 2, NULL);
        p_txt(&s, 3, l->worker);
        return lease_kept(l, run_n(l, P_OK_DELETED, &s, err, "record outcome"));
    case LA_REPUSH:
        p_txt(&s, 2, l->worker);
        n = run_n(l, P_OK_REPUSH_DELETED, &s, err, "record outcome");
        *more = n > 0;
        return lease_kept(l, n);
    default:
        p_txt(&s, 2, ref && *ref ? ref : NULL);
        /* a push answered without a usable reference id: pushed and
         * unlinked (it cannot be changed through the API) */
        p_txt(&s, 3, act == LA_PUSH && !(ref && *ref)
                         ? "success without a usable reference id: "
                           "the permit cannot be changed through the API" : NULL);
        p_txt(&s, 4, l->worker);
        if (act == LA_PUSH)
            p_int(&s, 5, ref && *ref ? 0 : 1);
        else
            p_txt(&s, 5, NULL);
        return lease_kept(l, run_n(l, P_OK_PUSHED, &s, err, "record outcome"));
    }
}

static int pg_done_failed(struct ledger *gl, int64_t id, const char *msg, int doubt,
                          struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };

    p_int(&s, 1, id);
    p_txt(&s, 2, msg && *msg ? msg : "failed");
    p_txt(&s, 3, l->worker);
    p_int(&s, 4, doubt ? 1 : 0);
    return lease_kept(l, run_n(l, P_FAILED, &s, err, "record outcome"));
}

static int pg_done_not_found(struct ledger *gl, int64_t id, enum ledger_action act,
                             const char *msg, int *more, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    long n;

    *more = 0;
    if (act == LA_UPDATE || act == LA_PUSH)
        return pg_done_failed(gl, id, msg, 0, err);
    p_int(&s, 1, id);
    if (act == LA_REPUSH) {
        p_txt(&s, 2, l->worker);
        n = run_n(l, P_OK_REPUSH_DELETED, &s, err, "record outcome");
        *more = n > 0;
        return lease_kept(l, n);
    }
    p_txt(&s, 2, msg);
    p_txt(&s, 3, l->worker);
    return lease_kept(l, run_n(l, P_OK_DELETED, &s, err, "record outcome"));
}

static int pg_done_retry(struct ledger *gl, int64_t id, int in_doubt, const char *msg,
                         struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };

    p_int(&s, 1, id);
    p_int(&s, 2, in_doubt ? 1 : 0);
    p_txt(&s, 3, msg && *msg ? msg : NULL);
    p_txt(&s, 4, l->worker);
    return lease_kept(l, run_n(l, P_RETRY, &s, err, "record outcome"));
}

static int pg_admin_update(struct ledger *gl, int64_t id, const char *upd, const char *target,
                           struct etl_err *err)
{
    struct prm s = { 0 };

    p_int(&s, 1, id);
    p_txt(&s, 2, upd);
    p_txt(&s, 3, target);
    return done(run_n(PGL(gl), P_ADMIN_UPDATE, &s, err, "admin update"));
}

static int pg_admin_delete(struct ledger *gl, int64_t id, struct etl_err *err)
{
    struct prm s = { 0 };

    p_int(&s, 1, id);
    return done(run_n(PGL(gl), P_ADMIN_DELETE, &s, err, "admin delete"));
}

/* --- several workers --------------------------------------------------------- */

static int pg_keepalive(struct ledger *gl, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    double now = mono_now();

    if (l->readonly || now - l->renewed < (double)l->base.timeout_s / 2.0)
        return 0;
    l->renewed = now;
    p_txt(&s, 1, l->worker);
    p_int(&s, 2, 2LL * l->base.timeout_s);
    return done(run_n(l, P_RENEW, &s, err, "renew leases"));
}

/* Waits while other workers hold leases and nothing is claimable; at most
 * one lease in all, however often it is called without claiming anything
 * in between (records locked by a live worker's open transaction look
 * claimable but cannot be claimed). */
static int pg_wait_others(struct ledger *gl, int *more, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    long others, ready;

    *more = 0;
    if (l->readonly || l->dry)
        return 0;
    if (l->claims > 0 || l->wait_until == 0)
        l->wait_until = mono_now() + 2.0 * l->base.timeout_s + 1.0;
    else
        usleep(250000);    /* the last "more" claimed nothing: not a busy loop */
    l->claims = 0;
    p_txt(&s, 1, l->worker);
    for (;;) {
        if (mono_now() > l->wait_until)
            return 0;
        ready = count_q(l, P_CLAIMABLE, NULL, err);
        if (ready < 0)
            return -1;
        if (ready > 0) {
            *more = 1;
            return 0;
        }
        others = count_q(l, P_OTHERS, &s, err);
        if (others < 0)
            return -1;
        if (others == 0)
            return 0;
        usleep(250000);
    }
}

/* The lock key of a file: 63 bits of the sha256 of its canonical path. */
static long long file_key(const char *path)
{
    char *canon = realpath(path, NULL);
    char hex[65];
    long long k = 0;
    int i;

    sha256_hex(canon ? canon : path, strlen(canon ? canon : path), hex);
    free(canon);
    for (i = 0; i < 15; i++)
        k = k * 16 + (hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    return k;
}

static int pg_file_lock(struct ledger *gl, const char *path, int *got, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    char sql[96];
    PGresult *r;

    snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%lld)", file_key(path));
    r = PQexec(l->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return pg_fail(l, err, "lock file");
    }
    *got = !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    return 0;
}

static void pg_file_unlock(struct ledger *gl, const char *path)
{
    char sql[96];

    snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", file_key(path));
    PQclear(PQexec(PGL(gl)->conn, sql));
}

/* --- files ------------------------------------------------------------------- */

static int pg_file_get(struct ledger *gl, const char *path, struct ledger_file *f,
                       struct etl_err *err)
{
    struct prm s = { 0 };
    PGresult *r;
    int ret = 0;

    p_txt(&s, 1, path);
    r = run(PGL(gl), P_FILE_GET, &s, err, "read file");
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        f->size = gi(r, 0, 0);
        f->mtime = gi(r, 0, 1);
        gcopy(r, 0, 2, f->sha256, sizeof(f->sha256));
        gcopy(r, 0, 3, f->ctx, sizeof(f->ctx));
        f->final = (int)gi(r, 0, 4);
        ret = 1;
    }
    PQclear(r);
    return ret;
}

static int pg_file_put(struct ledger *gl, const char *path, const struct ledger_file *f,
                       struct etl_err *err)
{
    struct prm s = { 0 };
    char now[24];

    ledger_now_iso(now);
    p_txt(&s, 1, path);
    p_int(&s, 2, f->size);
    p_int(&s, 3, f->mtime);
    p_txt(&s, 4, f->sha256);
    p_txt(&s, 5, f->ctx);
    p_int(&s, 6, f->final);
    p_txt(&s, 7, now);
    return done(run_n(PGL(gl), P_FILE_PUT, &s, err, "write file"));
}

static int pg_file_update_final(struct ledger *gl, const char *path, int *final,
                                struct etl_err *err)
{
    struct prm s = { 0 };
    long n;

    p_txt(&s, 1, path);
    n = count_q(PGL(gl), P_FILE_NONFINAL, &s, err);
    if (n < 0)
        return -1;
    *final = n == 0;
    p_int(&s, 2, *final);
    return done(run_n(PGL(gl), P_FILE_SET_FINAL, &s, err, "write file"));
}

/* --- queries ----------------------------------------------------------------- */





static int pg_prune(struct ledger *gl, long long before, long *removed, struct etl_err *err)
{
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    long n;

    *removed = 0;
    if (l->in_tx)
        return etl_fail(err, E_INTERNAL, "ledger: prune inside a transaction");
    p_int(&s, 1, before);
    n = run_n(l, P_PRUNE, &s, err, "prune");
    if (n < 0)
        return -1;
    *removed = n;
    /* VACUUM FULL rewrites the table: the old row versions, plates
     * included, leave the disk (the table is locked while it runs) */
    return n ? pg_exec(l, "VACUUM FULL " PG_SCHEMA ".records", err) : 0;
}

/* --- open / close ------------------------------------------------------------ */

static void pg_close(struct ledger *gl)
{
    struct pg_ledger *l = PGL(gl);

    if (!l)
        return;
    PQclear(l->tmp);
    PQclear(l->known);
    if (l->conn && PQstatus(l->conn) == CONNECTION_OK) {
        if (l->in_tx)
            PQclear(PQexec(l->conn, "ROLLBACK"));
        if (!l->readonly && !l->dry) {
            /* claimed records go back: never handed out -> as they were,
             * handed out without an outcome -> in doubt */
            struct buf ids = BUF_INIT;
            struct prm s = { 0 };
            int i, ok = buf_addch(&ids, '{') == 0;

            for (i = l->claimpos; ok && l->claimres && i < PQntuples(l->claimres); i++)
                ok = buf_addf(&ids, "%s%s", i > l->claimpos ? "," : "",
                              PQgetvalue(l->claimres, i, 0)) == 0;
            if (ok && buf_addch(&ids, '}') == 0) {
                p_txt(&s, 1, l->worker);
                p_txt(&s, 2, ids.ptr);
                PQclear(PQexecParams(l->conn, pst_sql[P_RELEASE], 2, NULL, s.v, NULL, NULL,
                                     0));
            }
            buf_release(&ids);
            /* the live counts' delta rows of this run, folded (LIVE_FOLD_SQL) */
            PQclear(PQexec(l->conn, pst_sql[P_LIVE_FOLD]));
        }
    }
    PQfinish(l->conn);
    buf_release(&l->copy);
    PQclear(l->claimres);
    free(l);
}

/* Server notices (an unlock of a lock not held...) are not the user's. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Refuses a URI that carries a password (it belongs in ~/.pgpass,
 * PGPASSFILE or PGPASSWORD): the password is never echoed. */
static int check_uri(const char *uri, struct etl_err *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &msg), *o;
    int bad = 0;

    if (!opts) {
        int quiet = strchr(uri, '@') || strstr(uri, "password");

        etl_fail(err, E_CONFIG, "config: ledger: not a valid PostgreSQL URI%s%s",
                 msg && !quiet ? ": " : "", msg && !quiet ? msg : "");
        PQfreemem(msg);
        return -1;
    }
    for (o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && o->val[0])
            bad = 1;
    PQconninfoFree(opts);
    if (bad)
        return etl_fail(err, E_CONFIG, "config: ledger: the PostgreSQL URI carries a "
                        "password: remove it and put it in ~/.pgpass, PGPASSFILE or "
                        "PGPASSWORD");
    return 0;
}

static int migrate(struct pg_ledger *l, struct etl_err *err)
{
    PGresult *r;
    int v = 0, ok;

    /* a dry run migrates inside its own transaction, rolled back at close
     * (nothing written), and without the lock, which it would hold all run */
    if (!l->dry && pg_exec(l, "BEGIN", err) < 0)
        return -1;
    if ((!l->dry &&
         pg_exec(l, "SELECT pg_advisory_xact_lock(x'" PG_MIGRATE_LOCK "'::bigint)", err) < 0) ||
        pg_exec(l, "CREATE SCHEMA IF NOT EXISTS " PG_SCHEMA, err) < 0 ||
        pg_exec(l, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)",
                err) < 0)
        goto fail;
    r = PQexec(l->conn, "SELECT version FROM schema_version");
    ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
    if (ok && PQntuples(r) > 0)
        v = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (!ok) {
        pg_fail(l, err, "schema_version");
        goto fail;
    }
    if (v > LEDGER_SCHEMA_VERSION) {
        etl_fail(err, E_DB, "ledger: schema version %d is newer than this tool's (%d)", v,
                 LEDGER_SCHEMA_VERSION);
        goto fail;
    }
    for (; v < LEDGER_SCHEMA_VERSION; v++) {
        char sql[96];

        if (!pg_migrations[v]) {
            etl_fail(err, E_DB, "ledger: schema step %d -> %d has no PostgreSQL version", v,
                     v + 1);
            goto fail;
        }
        snprintf(sql, sizeof(sql), "DELETE FROM schema_version; "
                 "INSERT INTO schema_version VALUES (%d)", v + 1);
        if (pg_exec(l, pg_migrations[v], err) < 0 || pg_exec(l, sql, err) < 0)
            goto fail;
    }
    return l->dry ? 0 : pg_exec(l, "COMMIT", err);
fail:
    PQclear(PQexec(l->conn, "ROLLBACK"));
    return -1;
}

int ledger_pg_schema_version(const char *uri, int *version, struct etl_err *err)
{
    PGconn *c;
    PGresult *r;
    int ret = -1;

    *version = 0;
    if (check_uri(uri, err) < 0)
        return -1;
    c = PQconnectdb(uri);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        etl_fail(err, E_DB, "ledger: cannot connect to PostgreSQL: %s", pg_msg(c));
        goto out;
    }
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    r = PQexec(c, "SELECT version FROM " PG_SCHEMA ".schema_version "
               "WHERE to_regclass('" PG_SCHEMA ".schema_version') IS NOT NULL");
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        /* no schema yet: version 0 (the first run creates it) */
        PQclear(r);
        r = PQexec(c, "SELECT to_regclass('" PG_SCHEMA ".schema_version') IS NULL");
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "t"))
            ret = 0;
        else
            etl_fail(err, E_DB, "ledger: cannot read the schema version: %s", pg_msg(c));
        PQclear(r);
        goto out;
    }
    if (PQntuples(r) > 0)
        *version = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    ret = 0;
out:
    PQfinish(c);
    return ret;
}

/* --- settlements, rejected rows, silent zones -------------------------------- */

static int pg_query(struct ledger *gl, enum ledger_query q, const struct ledger_args *a,
                    const char *what, int (*fn)(void *ctx, const struct ledger_row *w),
                    void *ctx, struct etl_err *err)
{
    static const enum pst st[LQ_COUNT] = {
        [LQ_SETTLE_CLEAR] = P_SETTLE_CLEAR, [LQ_SETTLE_ADD] = P_SETTLE_ADD,
        [LQ_REJROW_CLEAR] = P_REJROW_CLEAR, [LQ_REJROW_ADD] = P_REJROW_ADD,
        [LQ_SETTLE_RANGE] = P_SETTLE_RANGE, [LQ_REJROW_RANGE] = P_REJROW_RANGE,
        [LQ_SALE_COUNTS] = P_SALE_COUNTS, [LQ_ZONE_LAST] = P_ZONE_LAST,
        [LQ_ZONE_FIRSTS] = P_ZONE_FIRSTS, [LQ_LIVE] = P_LIVE,
        [LQ_GET_KEY] = P_GET_KEY, [LQ_GET_REF] = P_GET_REF, [LQ_GET_ID] = P_GET_ID,
        [LQ_LIST] = P_LIST, [LQ_RUN_RECS] = P_RUN_RECS, [LQ_RANGE] = P_RANGE,
        [LQ_COUNT_STATE] = P_COUNT_STATE, [LQ_EARLIER_ATTN] = P_EARLIER_ATTN,
        [LQ_STAGE_BRIEF] = P_STAGE_BRIEF,
    };
    struct pg_ledger *l = PGL(gl);
    struct prm s = { 0 };
    struct pg_row x = { NULL, 0 };
    struct ledger_row w = { row_text, row_num, &x };
    PGresult *r;

    /* a writer folds the live counts' delta rows first (LIVE_FOLD_SQL);
     * inside a transaction it leaves them for its close */
    if (q == LQ_LIVE && !l->readonly && !l->dry && !l->in_tx &&
        run_n(l, P_LIVE_FOLD, NULL, err, what) < 0)
        return -1;
    args_prm(a, &s);
    r = run(l, st[q], &s, err, what);
    if (!r)
        return -1;
    x.r = r;
    for (x.row = 0; fn && x.row < PQntuples(r); x.row++)
        if (fn(ctx, &w))
            break;
    PQclear(r);
    return 0;
}

static const struct ledger_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .stage_write = pg_stage_write,
    .stage_get = pg_stage_get,
    .tmp_add = pg_tmp_add,
    .tmp_next = pg_tmp_next,
    .tmp_clear = pg_tmp_clear,
    .next_pending = pg_next_pending,
    .recover_sending = pg_recover_sending,
    .retry_failed = pg_retry_failed,
    .each_held = pg_each_held,
    .mark_sending = pg_mark_sending,
    .done_ok = pg_done_ok,
    .done_not_found = pg_done_not_found,
    .done_failed = pg_done_failed,
    .fail_unlinked = pg_fail_unlinked,
    .done_retry = pg_done_retry,
    .admin_update = pg_admin_update,
    .admin_delete = pg_admin_delete,
    .file_get = pg_file_get,
    .file_put = pg_file_put,
    .file_update_final = pg_file_update_final,
    .file_lock = pg_file_lock,
    .file_unlock = pg_file_unlock,
    .query = pg_query,
    .prune = pg_prune,
    .keepalive = pg_keepalive,
    .wait_others = pg_wait_others,
};

struct ledger *ledger_pg_open(const char *uri, int flags, struct etl_err *err)
{
    struct pg_ledger *l;
    char host[64];
    struct timespec ts;

    if (check_uri(uri, err) < 0)
        return NULL;
    l = calloc(1, sizeof(*l));
    if (!l) {
        etl_fail(err, E_NOMEM, "ledger: out of memory");
        return NULL;
    }
    l->base.ops = &pg_ops;
    l->dry = (flags & LEDGER_DRY) != 0;
    l->readonly = (flags & LEDGER_READONLY) != 0;
    if (gethostname(host, sizeof(host)) < 0)
        snprintf(host, sizeof(host), "host");
    host[sizeof(host) - 1] = '\0';
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(l->worker, sizeof(l->worker), "%s:%ld:%lld", host, (long)getpid(),
             (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    l->conn = PQconnectdb(uri);
    if (!l->conn || PQstatus(l->conn) != CONNECTION_OK) {
        etl_fail(err, E_DB, "ledger: cannot connect to PostgreSQL: %s", pg_msg(l->conn));
        goto fail;
    }
    PQsetNoticeProcessor(l->conn, quiet_notice, NULL);
    /* a dry run writes nothing: one transaction, rolled back at close */
    if (pg_exec(l, "SET client_min_messages = error", err) < 0 ||
        pg_exec(l, "SET search_path = " PG_SCHEMA, err) < 0 ||
        (l->dry && (pg_exec(l, "BEGIN", err) < 0 || (l->in_tx = 1) == 0)) ||
        migrate(l, err) < 0 ||
        pg_exec(l, "CREATE TEMP TABLE IF NOT EXISTS stage (rid bigserial PRIMARY KEY, "
                "key text, plate text, cents bigint, currency text, start_time bigint, "
                "end_time bigint, vendor_zone text, zone text, zone_status text, "
                "permit_no text, ticket text, promo text, voided integer, source text, "
                "line bigint)", err) < 0)
        goto fail;
    if (l->readonly && pg_exec(l, "SET default_transaction_read_only = on", err) < 0)
        goto fail;
    return &l->base;
fail:
    pg_close(&l->base);
    return NULL;
}
