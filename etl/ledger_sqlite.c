/* ledger_sqlite.c — the SQLite ledger backend, the embedded default (see
 * ledger.h, ledger_backend.h). */
#include "ledger_backend.h"
#include "spill.h"

#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REC_COLS LEDGER_REC_COLS

enum stmt_id {
    ST_GET_KEY, ST_GET_REF, ST_GET_ID, ST_INSERT, ST_RESTAGE, ST_TOUCH, ST_SET_HELD_PENDING,
    ST_VOID_DELETE, ST_VOID_DROP, ST_NEXT_PENDING, ST_COUNT_STATE, ST_RECOVER,
    ST_RETRY_FAILED, ST_NEXT_HELD, ST_MARK_SENDING, ST_OK_PUSHED, ST_OK_DELETED,
    ST_OK_REPUSH_DELETED, ST_FAILED, ST_RETRY, ST_ADMIN_UPDATE, ST_ADMIN_DELETE,
    ST_FILE_GET, ST_FILE_PUT, ST_FILE_NONFINAL, ST_FILE_SET_FINAL, ST_TOUCH_RANGE,
    ST_STAGE_BRIEF,
    ST_LIST, ST_RANGE, ST_LIVE, ST_UNLINKED_FAIL, ST_MAX_ID,
    ST_VOID_INSERT, ST_VOID_SET, ST_CANCEL_SALE, ST_RUN_RECS, ST_EARLIER_ATTN,
    ST_SETTLE_CLEAR, ST_SETTLE_ADD, ST_SETTLE_RANGE, ST_REJROW_CLEAR, ST_REJROW_ADD,
    ST_REJROW_RANGE, ST_SALE_COUNTS, ST_ZONE_LAST, ST_ZONE_FIRSTS,
    ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
    ST_COUNT
};

/*
 * Live counts (ledger_live_counts()): the table `live_counts` holds, per
 * server-side group (type, zone, zone status), how many records the server
 * holds (srv_body not NULL); triggers on `records` keep it in the same
 * transaction as every change of a record, so it is kill -9 safe by
 * construction and reading it costs O(groups), never a scan.
 *
 * LIVE_GROUP(R): the server-side group of the row R ("new.", "old.", or ""
 * for the row of a query on records), three expressions, written once:
 *   type         "standard" when the server's body has a permitNo, else "temp";
 *   zone         the server's zone ('' when the body has none);
 *   zone_status  the row's zone_status when the server's zone is the row's
 *                zone, else ''.
 * srv_body '' means "the server holds exactly this row's body" (the body
 * built from the row's permit columns, permit_json_body(): permitNo and
 * zone are in it when not empty), so its permitNo is the row's permit_no
 * and its zone the row's zone. Any other srv_body is the JSON sent.
 */
#define LIVE_SRV_ZONE(R)                                                      \
    "(CASE WHEN " R "srv_body = '' THEN " R "zone "                          \
    "ELSE coalesce(json_extract(" R "srv_body, '$.zone'), '') END)"
#define LIVE_GROUP(R)                                                         \
    "(CASE WHEN (CASE WHEN " R "srv_body = '' THEN nullif(" R "permit_no, '') " \
    "ELSE json_extract(" R "srv_body, '$.permitNo') END) IS NULL "            \
    "THEN 'temp' ELSE 'standard' END), " LIVE_SRV_ZONE(R) ", "                \
    "(CASE WHEN " LIVE_SRV_ZONE(R) " = " R "zone THEN " R "zone_status ELSE '' END)"
/* The group's row of live_counts, for the row R. */
#define LIVE_ROW_IS(R) "(type, zone, zone_status) = (" LIVE_GROUP(R) ")"
/*
 * The table, its triggers, and the counts of the existing rows (the one
 * scan, at migration). A trigger fires only when a write sets srv_body,
 * zone, zone_status or permit_no, and does something only when the row's
 * group (or whether the server holds it) changed: marking a record sent,
 * a failure, a retry or an update of a live permit within its group cost
 * nothing. A group whose count falls to 0 leaves the table. The step can
 * run again (a version set back): it starts the table over.
 */
#define LIVE_COUNTS_SQL                                                       \
    "DROP TABLE IF EXISTS live_counts;"                                       \
    "DROP TRIGGER IF EXISTS live_counts_ins;"                                 \
    "DROP TRIGGER IF EXISTS live_counts_del;"                                 \
    "DROP TRIGGER IF EXISTS live_counts_upd_old;"                             \
    "DROP TRIGGER IF EXISTS live_counts_upd_new;"                             \
    "CREATE TABLE live_counts (type TEXT NOT NULL, zone TEXT NOT NULL,"       \
    " zone_status TEXT NOT NULL, n INTEGER NOT NULL,"                         \
    " PRIMARY KEY (type, zone, zone_status)) WITHOUT ROWID;"                  \
    "INSERT INTO live_counts (type, zone, zone_status, n) SELECT " LIVE_GROUP("") \
    ", count(*) FROM records WHERE srv_body IS NOT NULL GROUP BY 1, 2, 3;"    \
    "CREATE TRIGGER live_counts_ins AFTER INSERT ON records "                  \
    "WHEN new.srv_body IS NOT NULL BEGIN " LIVE_ADD("new.") " END;"           \
    "CREATE TRIGGER live_counts_del AFTER DELETE ON records "                  \
    "WHEN old.srv_body IS NOT NULL BEGIN " LIVE_SUB("old.") " END;"           \
    "CREATE TRIGGER live_counts_upd_old AFTER UPDATE OF " LIVE_COLS " ON records " \
    "WHEN old.srv_body IS NOT NULL AND (new.srv_body IS NULL OR " LIVE_MOVED ") " \
    "BEGIN " LIVE_SUB("old.") " END;"                                         \
    "CREATE TRIGGER live_counts_upd_new AFTER UPDATE OF " LIVE_COLS " ON records " \
    "WHEN new.srv_body IS NOT NULL AND (old.srv_body IS NULL OR " LIVE_MOVED ") " \
    "BEGIN " LIVE_ADD("new.") " END;"
/* the columns a row's group depends on; the group of a row changed */
#define LIVE_COLS "srv_body, zone, zone_status, permit_no"
#define LIVE_MOVED "(" LIVE_GROUP("old.") ") IS NOT (" LIVE_GROUP("new.") ")"
/* one more / one fewer in the group of the row R (when the server holds it) */
#define LIVE_ADD(R)                                                           \
    "INSERT INTO live_counts (type, zone, zone_status, n) SELECT " LIVE_GROUP(R) \
    ", 1 WHERE " R "srv_body IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;"
#define LIVE_SUB(R)                                                           \
    "UPDATE live_counts SET n = n - 1 WHERE " R "srv_body IS NOT NULL AND "   \
    LIVE_ROW_IS(R) ";"                                                        \
    "DELETE FROM live_counts WHERE " R "srv_body IS NOT NULL AND n = 0 AND " \
    LIVE_ROW_IS(R) ";"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_GET_KEY] = "SELECT " REC_COLS " FROM records WHERE key = ?1",
    [ST_STAGE_BRIEF] = "SELECT id, hash, state, action, source, line, voided FROM records "
                       "WHERE key = ?1",
    [ST_GET_REF] = "SELECT " REC_COLS " FROM records WHERE reference_id = ?1 "
                   "ORDER BY id DESC LIMIT 1",
    [ST_GET_ID] = "SELECT " REC_COLS " FROM records WHERE id = ?1",
    [ST_INSERT] =
        "INSERT INTO records (key, plate, cents, currency, start_time, end_time, "
        "vendor_zone, zone, zone_status, permit_no, ticket, promo, voided, source, "
        "line, body, hash, upd, target, srv_body, record, reference_id, state, action, "
        "doubt, resent_after_doubt, attempts, last_error, first_seen, last_seen, run, "
        "sale_stage) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?14, ?15, ?16, "
        "NULL, ?15, NULL, ?17, NULL, ?18, 'push', 0, 0, 0, NULL, ?19, ?19, ?20, ?21)",
    /* new content: ?18 state, ?19 action, ?20 upd, ?21 now, ?22 run (0: keep
     * the run and stage: re-resolving held leftovers), ?23 sale stage */
    [ST_RESTAGE] =
        "UPDATE records SET plate = ?2, cents = ?3, currency = ?4, start_time = ?5, "
        "end_time = ?6, vendor_zone = ?7, zone = ?8, zone_status = ?9, permit_no = ?10, "
        "ticket = ?11, promo = ?12, voided = 0, source = ?13, line = ?14, body = ?15, "
        "hash = ?16, record = ?17, state = ?18, action = ?19, upd = ?20, target = ?15, "
        "attempts = 0, last_error = NULL, last_seen = ?21, pruned = 0, "
        "srv_body = CASE WHEN srv_body = '' THEN ?24 ELSE srv_body END, "
        "run = CASE WHEN ?22 = 0 THEN run ELSE ?22 END, "
        "sale_stage = CASE WHEN ?22 = 0 THEN sale_stage ELSE ?23 END WHERE id = ?1",
    [ST_TOUCH] = "UPDATE records SET source = ?2, line = ?3, last_seen = ?4, "
                 "run = CASE WHEN ?5 = 0 THEN run ELSE ?5 END, "
                 "sale_stage = CASE WHEN ?5 = 0 THEN sale_stage ELSE ?6 END WHERE id = ?1",
    [ST_TOUCH_RANGE] = "UPDATE records SET last_seen = ?3, run = ?4, "
                       "sale_stage = 'unchanged' WHERE id BETWEEN ?1 AND ?2",
    [ST_SET_HELD_PENDING] = "UPDATE records SET state = 'pending' WHERE id = ?1",
    [ST_VOID_DELETE] =
        "UPDATE records SET voided = 1, state = 'pending', action = 'delete', upd = NULL, "
        "target = NULL, attempts = 0, last_error = NULL, last_seen = ?2 WHERE id = ?1",
    [ST_VOID_DROP] =
        "UPDATE records SET voided = 1, state = 'deleted', action = 'none', upd = NULL, "
        "target = NULL, last_seen = ?2 WHERE id = ?1",
    [ST_NEXT_PENDING] = "SELECT " REC_COLS " FROM records WHERE state = 'pending' "
                        "AND state <> 'pushed' "
                        "AND id > ?1 ORDER BY id LIMIT 1",
    [ST_COUNT_STATE] = "SELECT count(*) FROM records WHERE state = ?1 AND state <> 'pushed'",
    [ST_RECOVER] = "UPDATE records SET state = 'pending', doubt = 1 WHERE state = 'sending' "
                   "AND state <> 'pushed'",
    /* a record failed by a void (in doubt, unlinked) or unlinked is never
     * sent again; a tombstone has no body left to send */
    [ST_RETRY_FAILED] = "UPDATE records SET state = 'pending' WHERE state = 'failed' "
                        "AND state <> 'pushed' "
                        "AND voided = 0 AND unlinked = 0 AND pruned = 0",
    [ST_NEXT_HELD] = "SELECT " REC_COLS " FROM records WHERE state = 'held' "
                     "AND state <> 'pushed' "
                     "AND id > ?1 ORDER BY id LIMIT 1",
    [ST_MARK_SENDING] =
        "UPDATE records SET state = 'sending', attempts = attempts + 1, last_sent = ?3, "
        "resent_after_doubt = (resent_after_doubt OR ?2 OR doubt), "
        "void_sent = (void_sent OR (voided AND action = 'delete')) WHERE id = ?1",
    [ST_OK_PUSHED] =
        "UPDATE records SET state = 'pushed', action = 'none', srv_body = target, "
        "reference_id = coalesce(?2, reference_id), upd = NULL, doubt = 0, "
        "last_error = ?3, unlinked = coalesce(?4, unlinked) WHERE id = ?1",
    [ST_OK_DELETED] =
        "UPDATE records SET state = 'deleted', action = 'none', srv_body = NULL, "
        "upd = NULL, doubt = 0, last_error = ?2 WHERE id = ?1",
    [ST_OK_REPUSH_DELETED] =
        "UPDATE records SET state = 'pending', action = 'push', srv_body = NULL, "
        "reference_id = NULL, upd = NULL, doubt = 0 WHERE id = ?1",
    [ST_FAILED] = "UPDATE records SET state = 'failed', last_error = ?2, doubt = ?3 "
                  "WHERE id = ?1",
    [ST_RETRY] = "UPDATE records SET state = 'pending', doubt = (doubt OR ?2), "
                 "last_error = ?3 WHERE id = ?1",
    [ST_ADMIN_UPDATE] =
        "UPDATE records SET state = 'pending', action = 'update', upd = ?2, target = ?3, "
        "attempts = 0, last_error = NULL WHERE id = ?1",
    [ST_ADMIN_DELETE] =
        "UPDATE records SET state = 'pending', action = 'delete', upd = NULL, "
        "target = NULL, attempts = 0, last_error = NULL WHERE id = ?1",
    [ST_FILE_GET] = "SELECT size, mtime, sha256, ctx, final FROM files WHERE path = ?1",
    [ST_FILE_PUT] =
        "INSERT INTO files (path, size, mtime, sha256, ctx, final, seen) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(path) DO UPDATE SET "
        "size = ?2, mtime = ?3, sha256 = ?4, ctx = ?5, final = ?6, seen = ?7",
    [ST_FILE_NONFINAL] =
        "SELECT count(*) FROM records WHERE state IN ('pending', 'held', 'sending') "
        "AND state <> 'pushed' "
        "AND source = ?1",
    [ST_FILE_SET_FINAL] = "UPDATE files SET final = ?2 WHERE path = ?1",
    [ST_LIST] = "SELECT " REC_COLS " FROM records WHERE (?1 IS NULL OR state = ?1) "
                "AND (?2 IS NULL OR plate = ?2) AND (?3 IS NULL OR source = ?3) "
                "AND (?4 = 0 OR resent_after_doubt = 1) ORDER BY id",
    [ST_RANGE] = "SELECT " REC_COLS " FROM records WHERE start_time >= ?1 "
                 "AND start_time < ?2 ORDER BY start_time, id",
    /* O(groups): the counts the triggers keep (LIVE_COUNTS_SQL) */
    [ST_LIVE] = "SELECT type, zone, zone_status, n FROM live_counts WHERE n > 0 "
                "ORDER BY type, zone, zone_status",
    /* ?2 message, ?3 voided */
    [ST_UNLINKED_FAIL] =
        "UPDATE records SET state = 'failed', action = 'none', upd = NULL, unlinked = 1, "
        "voided = (voided OR ?3), last_error = ?2 WHERE id = ?1",
    [ST_MAX_ID] = "SELECT coalesce(max(id), 0) FROM records",
    /* a void whose sale has not been seen: ?1 key, ?2.. permit, ?13 source,
     * ?14 line, ?15 body, ?16 record, ?17 now, ?18 run; the hash is empty so
     * that the sale, when it comes, is never "unchanged" */
    [ST_VOID_INSERT] =
        "INSERT INTO records (key, plate, cents, currency, start_time, end_time, "
        "vendor_zone, zone, zone_status, permit_no, ticket, promo, voided, source, "
        "line, body, hash, record, state, action, first_seen, last_seen, run, void_run, "
        "void_stage, void_source, void_line, void_cents, void_currency) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13, ?14, ?15, '', "
        "?16, 'voided', 'none', ?17, ?17, 0, ?18, 'applied', ?13, ?14, ?3, ?4)",
    /* a void meets a staged sale: ?2 state, ?3 action, ?4 last_error (NULL:
     * kept), ?5 void source, ?6 line, ?7 cents, ?8 currency, ?9 run, ?10
     * void stage, ?11 now */
    [ST_VOID_SET] =
        "UPDATE records SET voided = 1, state = ?2, action = ?3, "
        "last_error = coalesce(?4, last_error), "
        "attempts = CASE WHEN ?3 = 'delete' AND action <> 'delete' THEN 0 ELSE attempts END, "
        "upd = CASE WHEN ?3 = 'delete' THEN NULL ELSE upd END, "
        "target = CASE WHEN ?3 = 'delete' THEN NULL ELSE target END, "
        "void_source = ?5, void_line = ?6, void_cents = ?7, void_currency = ?8, "
        "void_run = CASE WHEN ?9 = 0 THEN void_run ELSE ?9 END, void_stage = ?10, "
        "last_seen = ?11 WHERE id = ?1",
    /* a sale of a key already voided: its fields, never sent; ?13 source,
     * ?14 line, ?15 body, ?16 record, ?17 state (cancelled, or kept), ?18
     * now, ?19 run */
    [ST_CANCEL_SALE] =
        "UPDATE records SET plate = ?2, cents = ?3, currency = ?4, start_time = ?5, "
        "end_time = ?6, vendor_zone = ?7, zone = ?8, zone_status = ?9, permit_no = ?10, "
        "ticket = ?11, promo = ?12, source = ?13, line = ?14, body = ?15, record = ?16, "
        "state = ?17, last_seen = ?18, pruned = 0, "
        "srv_body = CASE WHEN srv_body = '' THEN ?20 ELSE srv_body END, "
        "target = CASE WHEN target = '' THEN ?20 ELSE target END, "
        "run = CASE WHEN ?19 = 0 THEN run ELSE ?19 END, "
        "sale_stage = CASE WHEN ?19 = 0 THEN sale_stage ELSE 'cancelled' END WHERE id = ?1",
    [ST_RUN_RECS] = "SELECT " REC_COLS " FROM records WHERE run = ?1 OR void_run = ?1 "
                    "ORDER BY id",
    [ST_EARLIER_ATTN] = "SELECT count(*) FROM records WHERE state IN ('held', 'failed') "
                        "AND state <> 'pushed' "
                        "AND run <> ?1 AND void_run <> ?1",
    [ST_SETTLE_CLEAR] = "DELETE FROM settlements WHERE file = ?1",
    [ST_SETTLE_ADD] =
        "INSERT INTO settlements (file, line, day, vendor, currency, cents, count, run) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_SETTLE_RANGE] =
        "SELECT file, line, day, vendor, currency, cents, count, run FROM settlements "
        "WHERE day >= ?1 AND day <= ?2 ORDER BY day, vendor, currency, file, line",
    [ST_REJROW_CLEAR] = "DELETE FROM rejected_rows WHERE file = ?1",
    [ST_REJROW_ADD] =
        "INSERT INTO rejected_rows (file, line, day, vendor, currency, cents, reason, run) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_REJROW_RANGE] =
        "SELECT file, line, day, vendor, currency, cents, reason, run FROM rejected_rows "
        "WHERE (day >= ?1 AND day <= ?2) OR (day IS NULL AND run = ?3 AND ?3 <> 0) "
        "ORDER BY day, vendor, currency, file, line",
    /* sales (any state but a void without its sale) per zone and quarter
     * hour: every UTC offset is a whole number of quarter hours, so each
     * bucket lies in one business day */
    [ST_SALE_COUNTS] =
        "SELECT zone, q, sum(n) FROM (SELECT zone, start_time / 900 AS q, count(*) AS n "
        "FROM records WHERE start_time >= ?1 AND start_time < ?2 GROUP BY zone, q "
        "UNION ALL SELECT zone, start_time / 900, -count(*) FROM records "
        "WHERE state = 'voided' AND state <> 'pushed' AND start_time >= ?1 "
        "AND start_time < ?2 GROUP BY zone, start_time / 900) "
        "GROUP BY zone, q HAVING sum(n) > 0",
    [ST_ZONE_LAST] = "SELECT max(start_time) FROM records WHERE zone = ?1 "
                     "AND state <> 'voided'",
    [ST_ZONE_FIRSTS] = "SELECT zone, min(start_time) FROM records GROUP BY zone",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

/* Schema migrations: migrations[v] takes the schema from version v to v+1. */
static const char *const migrations[LEDGER_SCHEMA_VERSION] = {
    "CREATE TABLE records ("
    " id INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL UNIQUE,"
    " plate TEXT NOT NULL, cents INTEGER NOT NULL, currency TEXT NOT NULL,"
    " start_time INTEGER NOT NULL, end_time INTEGER NOT NULL,"
    " vendor_zone TEXT NOT NULL, zone TEXT NOT NULL, zone_status TEXT NOT NULL,"
    " permit_no TEXT NOT NULL, ticket TEXT NOT NULL, promo TEXT NOT NULL,"
    " voided INTEGER NOT NULL DEFAULT 0,"
    " source TEXT NOT NULL, line INTEGER NOT NULL,"
    " body TEXT NOT NULL, hash TEXT NOT NULL,"
    " upd TEXT, target TEXT, srv_body TEXT,"
    " record TEXT NOT NULL,"
    " reference_id TEXT,"
    " state TEXT NOT NULL CHECK (state IN ('pending','held','sending','pushed','failed','deleted')),"
    " action TEXT NOT NULL CHECK (action IN ('none','push','update','delete','repush')),"
    " doubt INTEGER NOT NULL DEFAULT 0,"
    " resent_after_doubt INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_sent TEXT);"
    "CREATE INDEX records_state ON records (state, id);"
    "CREATE INDEX records_ref ON records (reference_id);"
    "CREATE INDEX records_source ON records (source);"
    "CREATE INDEX records_start ON records (start_time);"
    "CREATE INDEX records_plate ON records (plate);"
    "CREATE TABLE files ("
    " path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " sha256 TEXT NOT NULL, ctx TEXT NOT NULL, final INTEGER NOT NULL, seen TEXT NOT NULL);",
    /* 1 -> 2: `unlinked` (a permit on the server whose reference id is
     * unusable); a permit recorded live without a reference is one */
    "ALTER TABLE records ADD COLUMN unlinked INTEGER NOT NULL DEFAULT 0;"
    "UPDATE records SET unlinked = 1 WHERE srv_body IS NOT NULL "
    "AND coalesce(reference_id, '') = '';",
    /* Voids in any order (revision 2): the states `cancelled` and `voided`;
     * the run that last staged the sale / the void and what staging decided;
     * the void's file, line and amount; whether a delete was sent for it.
     * The CHECK on state is widened by editing the table's SQL text in
     * sqlite_master (SQLite's documented writable_schema procedure; the
     * change only allows more values, so no row can violate it; migrate()
     * then bumps the schema cookie and runs integrity_check): the table is
     * never rebuilt from a fixed column list, whatever other steps added to
     * it. The ALTERs come first: ALTER TABLE finds the end of the column
     * list in the text it parsed. */
    "ALTER TABLE records ADD COLUMN run INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE records ADD COLUMN sale_stage TEXT;"
    "ALTER TABLE records ADD COLUMN void_run INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE records ADD COLUMN void_stage TEXT;"
    "ALTER TABLE records ADD COLUMN void_source TEXT;"
    "ALTER TABLE records ADD COLUMN void_line INTEGER;"
    "ALTER TABLE records ADD COLUMN void_cents INTEGER;"
    "ALTER TABLE records ADD COLUMN void_currency TEXT;"
    "ALTER TABLE records ADD COLUMN void_sent INTEGER NOT NULL DEFAULT 0;"
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_master SET sql = replace(sql, "
    "'''pushed'',''failed'',''deleted'')', "
    "'''pushed'',''failed'',''deleted'',''cancelled'',''voided'')') "
    "WHERE type = 'table' AND name = 'records';"
    "PRAGMA writable_schema = OFF;",
    /* issue 22, privacy: tombstones (ledger_prune()); migrate() also
     * converts an older ledger to auto_vacuum=INCREMENTAL once */
    "ALTER TABLE records ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;",
    /* Settlements and silent zones (revision 2): what processors settled,
     * per (file, line); rejected sale rows with a readable amount, kept
     * without their plate, for the reconciliation; an index for a zone's
     * latest start time. */
    "CREATE TABLE IF NOT EXISTS settlements ("
    " file TEXT NOT NULL, line INTEGER NOT NULL, day TEXT NOT NULL, vendor TEXT NOT NULL,"
    " currency TEXT NOT NULL, cents INTEGER NOT NULL, count INTEGER,"
    " run INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (file, line));"
    "CREATE INDEX IF NOT EXISTS settlements_day ON settlements (day);"
    "CREATE TABLE IF NOT EXISTS rejected_rows ("
    " file TEXT NOT NULL, line INTEGER NOT NULL, day TEXT, vendor TEXT NOT NULL,"
    " currency TEXT NOT NULL, cents INTEGER NOT NULL, reason TEXT NOT NULL,"
    " run INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (file, line));"
    "CREATE INDEX IF NOT EXISTS rejected_rows_day ON rejected_rows (day);"
    "CREATE INDEX IF NOT EXISTS records_zone ON records (zone, start_time);",
    /* issue 20: indexes only admin commands used (lookups by reference,
     * plate, file) cost every outcome and every staged row a write; those
     * commands scan instead, and a file's open records are found through
     * records_state; the start index also holds the zone, so that the
     * sale counts of a period (silent zones) read the table only for the
     * few void-only rows (found through records_state) */
    "DROP INDEX IF EXISTS records_ref;"
    "DROP INDEX IF EXISTS records_source;"
    "DROP INDEX IF EXISTS records_plate;"
    "DROP INDEX IF EXISTS records_start;"
    "CREATE INDEX records_start ON records (start_time, zone);"
    /* the state index leaves out `pushed` rows (most of them, and where
     * every push lands): the queries that walk it say `state <> 'pushed'`,
     * which is how SQLite knows the partial index serves them */
    "DROP INDEX IF EXISTS records_state;"
    "CREATE INDEX records_state ON records (state, id) WHERE state <> 'pushed';",
    /* issue 20: live counts kept as records change (LIVE_COUNTS_SQL) */
    LIVE_COUNTS_SQL,
};

const char *ledger_migration_sql(int v)
{
    return v >= 0 && v < LEDGER_SCHEMA_VERSION ? migrations[v] : NULL;
}

static void sq_close(struct ledger *gl);
static int sq_begin(struct ledger *gl, struct etl_err *err);
static int sq_commit(struct ledger *gl, struct etl_err *err);
static void sq_rollback(struct ledger *gl);
static int sq_next_pending(struct ledger *gl, int64_t *cursor, struct ledger_rec *r, struct
                           etl_err *err);
static long sq_recover_sending(struct ledger *gl, struct etl_err *err);
static long sq_retry_failed(struct ledger *gl, struct etl_err *err);
static int sq_stage_write(struct ledger *gl, enum ledger_stage_write w,
                          const struct ledger_args *a, struct etl_err *err);
static int sq_tmp_add(struct ledger *gl, const struct permit *p, struct etl_err *err);
static int sq_tmp_next(struct ledger *gl, int64_t *cursor, struct permit *p, struct buf
                       *src, struct etl_err *err);
static int sq_tmp_clear(struct ledger *gl, struct etl_err *err);
static int sq_each_held(struct ledger *gl, int (*fn)(void *ctx, struct ledger_rec *rec,
                        struct etl_err *err), void *ctx, struct etl_err *err);
static int sq_mark_sending(struct ledger *gl, int64_t id, int after_doubt, struct etl_err
                           *err);
static int sq_done_ok(struct ledger *gl, int64_t id, enum ledger_action act, const char
                      *ref, int *more, struct etl_err *err);
static int sq_done_not_found(struct ledger *gl, int64_t id, enum ledger_action act, const
                             char *msg, int *more, struct etl_err *err);
static int sq_done_failed(struct ledger *gl, int64_t id, const char *msg, int doubt, struct
                          etl_err *err);
static int sq_fail_unlinked(struct ledger *gl, int64_t id, int voided, struct etl_err *err);
static int sq_done_retry(struct ledger *gl, int64_t id, int in_doubt, const char *msg,
                         struct etl_err *err);
static int sq_admin_update(struct ledger *gl, int64_t id, const char *upd, const char
                           *target, struct etl_err *err);
static int sq_admin_delete(struct ledger *gl, int64_t id, struct etl_err *err);
static int sq_file_get(struct ledger *gl, const char *path, struct ledger_file *f, struct
                       etl_err *err);
static int sq_file_put(struct ledger *gl, const char *path, const struct ledger_file *f,
                       struct etl_err *err);
static int sq_file_update_final(struct ledger *gl, const char *path, int *final, struct
                                etl_err *err);
static int sq_prune(struct ledger *gl, long long before, long *removed, struct etl_err
                    *err);

struct sq_ledger {
    struct ledger base;       /* first: ops, run */
    sqlite3      *db;
    sqlite3_stmt *st[ST_COUNT];
    int           lock_fd;
    int           in_tx;
    int           readonly;
    struct spill *stage;      /* the file being staged (ledger_tmp_add()) */
};







static int db_fail(struct sq_ledger *l, struct etl_err *err, const char *what)
{
    return etl_fail(err, E_DB, "ledger: %s: %s", what, sqlite3_errmsg(l->db));
}

/* --- formatting helpers --------------------------------------------------- */















/* Parses a canonical body back into the push fields of *p (key, source,
 * vendor zone and status untouched). -1 if it is not one. */


/* --- open / close ---------------------------------------------------------- */

static int exec(struct sq_ledger *l, const char *sql, struct etl_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(l->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        etl_fail(err, E_DB, "ledger: %s", msg ? msg : sqlite3_errmsg(l->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}


static int take_lock(struct sq_ledger *l, const char *path, struct etl_err *err)
{
    struct buf lp = BUF_INIT;
    char pid[32];
    int fd, n;

    /* the canonical path: every spelling of one ledger (a symlink,
     * ./x vs ../d/x) meets the same lock */
    if (ledger_canonical_path(path, &lp, err) < 0) {
        buf_release(&lp);
        return -1;
    }
    if (buf_addstr(&lp, ".lock") < 0) {
        buf_release(&lp);
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    }
    fd = fsutil_open(lp.ptr, O_RDWR, fsutil_file_mode());
    if (fd < 0) {
        etl_fail(err, E_IO, "ledger: cannot open lock file '%s': %s", lp.ptr, strerror(errno));
        buf_release(&lp);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        ssize_t r = pread(fd, pid, sizeof(pid) - 1, 0);

        pid[r > 0 ? r : 0] = '\0';
        pid[strcspn(pid, "\r\n")] = '\0';
        if (e == EWOULDBLOCK)
            etl_fail(err, E_LOCKED, "ledger '%s' is locked by another run (pid %s)", path,
                     pid[0] ? pid : "unknown");
        else
            etl_fail(err, E_IO, "ledger: cannot lock '%s': %s", lp.ptr, strerror(e));
        close(fd);
        buf_release(&lp);
        return -1;
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        etl_fail(err, E_IO, "ledger: cannot write lock file '%s': %s", lp.ptr,
                 strerror(errno));
        close(fd);
        buf_release(&lp);
        return -1;
    }
    buf_release(&lp);
    l->lock_fd = fd;
    return 0;
}

/*
 * Privacy: the ledger, its -wal and -shm are private (fsutil.h). Missing
 * parent directories are created private; the database file is created
 * (empty: a valid empty SQLite database) with the private mode before
 * SQLite opens it, and SQLite gives -wal and -shm the database file's mode
 * when it creates them. Existing files are narrowed to the stricter of
 * their mode and the private one, never loosened.
 */
static int create_private(const char *path, struct etl_err *err)
{
    static const char *const sfx[] = { "", "-wal", "-shm" };
    mode_t mode = fsutil_file_mode();
    struct buf p = BUF_INIT;
    size_t i;
    int ret = -1;

    if (fsutil_mkparent(path, fsutil_dir_mode()) < 0)
        return etl_fail(err, E_IO, "ledger '%s': cannot create its directory: %s", path,
                        strerror(errno));
    for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
        int fd;

        buf_reset(&p);
        if (buf_addstr(&p, path) < 0 || buf_addstr(&p, sfx[i]) < 0) {
            etl_fail(err, E_NOMEM, "ledger: out of memory");
            goto out;
        }
        if (i > 0 && access(p.ptr, F_OK) != 0)
            continue;           /* SQLite creates it with the database's mode */
        fd = fsutil_open(p.ptr, O_RDWR, mode);
        if (fd < 0) {
            etl_fail(err, E_IO, "ledger: cannot create '%s': %s", p.ptr, strerror(errno));
            goto out;
        }
        close(fd);
    }
    ret = 0;
out:
    buf_release(&p);
    return ret;
}

static long long pragma_int(struct sq_ledger *l, const char *sql, struct etl_err *err)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(l, err, sql);
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        db_fail(l, err, sql);
    sqlite3_finalize(st);
    return v;
}

/*
 * After a migration step edited the schema text (writable_schema): bump
 * the schema cookie so that every connection (this one included) parses
 * the new text before its next statement, then check the table.
 */
static int schema_edited(struct sq_ledger *l, struct etl_err *err)
{
    sqlite3_stmt *st = NULL;
    char sql[96];
    long long v = pragma_int(l, "PRAGMA schema_version", err);
    const unsigned char *res;
    int ok;

    if (v < 0)
        return -1;
    snprintf(sql, sizeof(sql), "PRAGMA writable_schema = ON; PRAGMA schema_version = %lld",
             v + 1);
    if (exec(l, sql, err) < 0 || exec(l, "PRAGMA writable_schema = OFF", err) < 0)
        return -1;
    if (sqlite3_prepare_v2(l->db, "PRAGMA integrity_check(records)", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(l, err, "integrity_check");
    ok = sqlite3_step(st) == SQLITE_ROW && (res = sqlite3_column_text(st, 0)) &&
         !strcmp((const char *)res, "ok");
    if (!ok)
        etl_fail(err, E_DB, "ledger: migration left the schema inconsistent: %s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
                                            : sqlite3_errmsg(l->db));
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

static int migrate(struct sq_ledger *l, struct etl_err *err)
{
    sqlite3_stmt *st = NULL;
    int v = 0, rc, from;

    if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err, "user_version");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return db_fail(l, err, "user_version");
    if (v > LEDGER_SCHEMA_VERSION)
        return etl_fail(err, E_DB, "ledger: schema version %d is newer than this tool's (%d)",
                        v, LEDGER_SCHEMA_VERSION);
    if (v == LEDGER_SCHEMA_VERSION)
        return 0;
    if (l->readonly)
        return etl_fail(err, E_DB, "ledger: schema version %d needs a migration "
                        "(run push once)", v);
    from = v;
    for (; v < LEDGER_SCHEMA_VERSION; v++) {
        char sql[64];

        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
        if (exec(l, "BEGIN IMMEDIATE", err) < 0)
            return -1;
        if (exec(l, migrations[v], err) < 0 ||
            (strstr(migrations[v], "writable_schema") && schema_edited(l, err) < 0) ||
            exec(l, sql, err) < 0) {
            sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        if (exec(l, "COMMIT", err) < 0)
            return -1;
    }
    /* An existing ledger made before auto_vacuum=INCREMENTAL: converted
     * once, here (the mode is set at open; VACUUM applies it, outside any
     * transaction). A new ledger has it from its first table on. */
    if (from > 0) {
        int mode = -1;

        if (sqlite3_prepare_v2(l->db, "PRAGMA auto_vacuum", -1, &st, NULL) != SQLITE_OK)
            return db_fail(l, err, "auto_vacuum");
        if (sqlite3_step(st) == SQLITE_ROW)
            mode = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (mode != 2 && (exec(l, "PRAGMA auto_vacuum=INCREMENTAL", err) < 0 ||
                          exec(l, "VACUUM", err) < 0))
            return -1;
    }
    return 0;
}

/*
 * The source of a dry run's copy. Opening a WAL database, even read-only,
 * creates its -wal and -shm files, which a read-only connection leaves
 * behind: a dry run must not write them. Without a -wal file the main file
 * holds every committed transaction, so it is opened immutable (no lock,
 * no -shm); with one (a run in progress or killed), as usual. `uri` holds
 * "file:PATH?immutable=1", PATH percent-encoded.
 */
static const char *dry_source(const char *path, struct buf *uri, int *flags)
{
    static const char hex[] = "0123456789ABCDEF";
    struct stat sb;
    const unsigned char *c;

    *flags = SQLITE_OPEN_READONLY;
    buf_reset(uri);
    if (buf_addf(uri, "%s-wal", path) < 0 || stat(uri->ptr, &sb) == 0)
        return path;
    buf_reset(uri);
    if (buf_addstr(uri, "file:") < 0)
        return path;
    for (c = (const unsigned char *)path; *c; c++) {
        char e[3] = { '%', hex[*c >> 4], hex[*c & 15] };

        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            *c == '/' || *c == '.' || *c == '_' || *c == '-') {
            if (buf_addch(uri, (char)*c) < 0)
                return path;
        } else if (buf_add(uri, e, 3) < 0) {
            return path;
        }
    }
    if (buf_addstr(uri, "?immutable=1") < 0)
        return path;
    *flags |= SQLITE_OPEN_URI;
    return uri->ptr;
}

static int copy_into_memory(struct sq_ledger *l, const char *path, struct etl_err *err)
{
    sqlite3 *src = NULL;
    sqlite3_backup *bk;
    struct buf uri = BUF_INIT;
    int rc, oflags;
    const char *name = dry_source(path, &uri, &oflags);

    rc = sqlite3_open_v2(name, &src, oflags, NULL);
    buf_release(&uri);
    if (rc != SQLITE_OK) {
        etl_fail(err, E_DB, "ledger: cannot open '%s': %s", path,
                 src ? sqlite3_errmsg(src) : "out of memory");
        sqlite3_close(src);
        return -1;
    }
    sqlite3_busy_timeout(src, 10000);
    bk = sqlite3_backup_init(l->db, "main", src, "main");
    if (!bk) {
        sqlite3_close(src);
        return db_fail(l, err, "copy for --dry-run");
    }
    rc = sqlite3_backup_step(bk, -1);
    sqlite3_backup_finish(bk);
    if (rc != SQLITE_DONE) {
        etl_fail(err, E_DB, "ledger: cannot read '%s': %s", path, sqlite3_errstr(rc));
        sqlite3_close(src);
        return -1;
    }
    sqlite3_close(src);
    return 0;
}


static void sq_close(struct ledger *gl)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    int i;

    if (!l)
        return;
    if (l->in_tx && l->db)
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(l->st[i]);
    sqlite3_close(l->db);
    if (l->lock_fd >= 0)
        close(l->lock_fd);    /* releases the flock */
    spill_free(l->stage);
    free(l);
}

/* --- statement helpers ------------------------------------------------------ */

static sqlite3_stmt *stmt(struct sq_ledger *l, enum stmt_id id)
{
    sqlite3_stmt *s = l->st[id];

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);   /* valid until the step ends */
    else
        sqlite3_bind_null(s, i);
}

/* Steps a writing statement to its end. */
static int run_done(struct sq_ledger *l, sqlite3_stmt *s, struct etl_err *err, const char *what)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return db_fail(l, err, what);
    return 0;
}

static int sq_begin(struct ledger *gl, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    if (l->in_tx)
        return 0;
    if (run_done(l, stmt(l, ST_BEGIN), err, "begin") < 0)
        return -1;
    l->in_tx = 1;
    return 0;
}

static int sq_commit(struct ledger *gl, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    if (!l->in_tx)
        return 0;
    if (run_done(l, stmt(l, ST_COMMIT), err, "commit") < 0)
        return -1;
    l->in_tx = 0;
    return 0;
}

static void sq_rollback(struct ledger *gl)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    if (!l->in_tx)
        return;
    sqlite3_step(stmt(l, ST_ROLLBACK));
    sqlite3_reset(l->st[ST_ROLLBACK]);
    l->in_tx = 0;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);

    return t ? (const char *)t : "";
}

/* Copies a text column into dst (cut to cap - 1 bytes); no printf per
 * column: this runs for every record read. */
static void col_copy(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;

    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}




/* A row of statement s for ledger_decode_*(). */
static const char *row_text(const void *row, int c, size_t *len)
{
    sqlite3_stmt *s = (sqlite3_stmt *)row;
    const char *t = (const char *)sqlite3_column_text(s, c);

    if (t)
        *len = (size_t)sqlite3_column_bytes(s, c);
    return t;
}

static long long row_num(const void *row, int c)
{
    return sqlite3_column_int64((sqlite3_stmt *)row, c);
}


static int read_rec(sqlite3_stmt *s, struct ledger_rec *r)
{
    struct ledger_row w = { row_text, row_num, s };

    return ledger_decode_rec(&w, r);
}

/* Steps a one-row query into r: 1 found, 0 none, -1 error. */
static int fetch_one(struct sq_ledger *l, sqlite3_stmt *s, struct ledger_rec *r,
                     struct etl_err *err)
{
    int rc = sqlite3_step(s), ret;

    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(s);
        return db_fail(l, err, "read");
    }
    ret = read_rec(s, r) < 0 ? etl_fail(err, E_NOMEM, "ledger: out of memory") : 1;
    sqlite3_reset(s);
    return ret;
}




static int sq_next_pending(struct ledger *gl, int64_t *cursor, struct ledger_rec *r,
                        struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_NEXT_PENDING);
    int rc;

    sqlite3_bind_int64(s, 1, *cursor);
    rc = fetch_one(l, s, r, err);
    if (rc == 1)
        *cursor = r->id;
    return rc;
}

static long count_query(struct sq_ledger *l, sqlite3_stmt *s, struct etl_err *err)
{
    long n = -1;

    if (sqlite3_step(s) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    else
        db_fail(l, err, "count");
    sqlite3_reset(s);
    return n;
}


static long run_changes(struct sq_ledger *l, enum stmt_id id, struct etl_err *err,
                        const char *what)
{
    if (run_done(l, stmt(l, id), err, what) < 0)
        return -1;
    return (long)sqlite3_changes(l->db);
}

static long sq_recover_sending(struct ledger *gl, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    return run_changes(l, ST_RECOVER, err, "recover");
}

static long sq_retry_failed(struct ledger *gl, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    return run_changes(l, ST_RETRY_FAILED, err, "retry failed");
}

/* --- staging --------------------------------------------------------------- */



static void bind_args(sqlite3_stmt *s, const struct ledger_args *a)
{
    int i;

    for (i = 0; a && i < a->n; i++) {
        if (a->v[i].is_int)
            sqlite3_bind_int64(s, i + 1, a->v[i].i);
        else
            bind_text(s, i + 1, a->v[i].s);
    }
}

static int sq_stage_write(struct ledger *gl, enum ledger_stage_write w,
                          const struct ledger_args *a, struct etl_err *err)
{
    static const int st[LSW_COUNT] = {
        [LSW_INSERT] = ST_INSERT, [LSW_TOUCH] = ST_TOUCH,
        [LSW_HELD_PENDING] = ST_SET_HELD_PENDING, [LSW_RESTAGE] = ST_RESTAGE,
        [LSW_VOID_INSERT] = ST_VOID_INSERT, [LSW_VOID_SET] = ST_VOID_SET,
        [LSW_CANCEL_SALE] = ST_CANCEL_SALE, [LSW_TOUCH_RANGE] = ST_TOUCH_RANGE,
    };
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, st[w]);

    bind_args(s, a);
    return run_done(l, s, err, ledger_stage_write_name(w));
}

/* The records of the file being staged wait in a spill (spill.h), not in
 * the database: written once, read back once, in bounded memory. */
static int sq_tmp_add(struct ledger *gl, const struct permit *p, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;

    if (!l->stage && !(l->stage = spill_new("ledger", err)))
        return -1;
    return spill_put(l->stage, p, err);
}

static int sq_tmp_next(struct ledger *gl, int64_t *cursor, struct permit *p, struct buf *src,
                    struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    int rc;

    if (!l->stage)
        return 0;
    if (*cursor == 0 && spill_rewind(l->stage, err) < 0)
        return -1;
    if ((rc = spill_next(l->stage, p, err)) != 1)
        return rc;
    (*cursor)++;
    buf_reset(src);
    if (buf_addstr(src, p->source) < 0)
        return etl_fail(err, E_NOMEM, "ledger: out of memory");
    p->source = src->ptr;
    return 1;
}

static int sq_tmp_clear(struct ledger *gl, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;

    return l->stage ? spill_clear(l->stage, err) : 0;
}

static int sq_each_held(struct ledger *gl,
                     int (*fn)(void *ctx, struct ledger_rec *rec, struct etl_err *err),
                     void *ctx, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    struct ledger_rec r;
    int64_t cursor = 0;
    int rc, ret = 0;

    ledger_rec_init(&r);
    for (;;) {
        sqlite3_stmt *s = stmt(l, ST_NEXT_HELD);

        sqlite3_bind_int64(s, 1, cursor);
        rc = fetch_one(l, s, &r, err);
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

/* --- push transitions ------------------------------------------------------ */

static int sq_mark_sending(struct ledger *gl, int64_t id, int after_doubt, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_MARK_SENDING);
    char now[24];

    ledger_now_iso(now);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, after_doubt ? 1 : 0);
    bind_text(s, 3, now);
    return run_done(l, s, err, "mark sending");
}

static int sq_done_ok(struct ledger *gl, int64_t id, enum ledger_action act, const char *ref,
                   int *more, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s;

    *more = 0;
    switch (act) {
    case LA_DELETE:
        s = stmt(l, ST_OK_DELETED);
        bind_text(s, 2, NULL);
        break;
    case LA_REPUSH:
        s = stmt(l, ST_OK_REPUSH_DELETED);
        *more = 1;
        break;
    default:
        s = stmt(l, ST_OK_PUSHED);
        bind_text(s, 2, ref && *ref ? ref : NULL);
        /* a push answered without a usable reference id: pushed (the
         * permit exists) and unlinked, since it cannot be updated or
         * deleted through the API */
        if (act == LA_PUSH) {
            sqlite3_bind_int(s, 4, ref && *ref ? 0 : 1);
            if (!(ref && *ref))
                bind_text(s, 3, "success without a usable reference id: "
                          "the permit cannot be changed through the API");
        }
        break;
    }
    sqlite3_bind_int64(s, 1, id);
    return run_done(l, s, err, "record outcome");
}

static int sq_done_not_found(struct ledger *gl, int64_t id, enum ledger_action act,
                          const char *msg, int *more, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s;

    *more = 0;
    if (act == LA_UPDATE)
        return sq_done_failed(&l->base, id, msg, 0, err);
    if (act == LA_PUSH)   /* not a meaningful answer to a push: keep it as failed */
        return sq_done_failed(&l->base, id, msg, 0, err);
    if (act == LA_REPUSH) {
        s = stmt(l, ST_OK_REPUSH_DELETED);
        *more = 1;
    } else {
        s = stmt(l, ST_OK_DELETED);
        bind_text(s, 2, msg);
    }
    sqlite3_bind_int64(s, 1, id);
    return run_done(l, s, err, "record outcome");
}

static int sq_done_failed(struct ledger *gl, int64_t id, const char *msg, int doubt,
                       struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_FAILED);

    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, msg && *msg ? msg : "failed");
    sqlite3_bind_int(s, 3, doubt ? 1 : 0);
    return run_done(l, s, err, "record outcome");
}

static int sq_fail_unlinked(struct ledger *gl, int64_t id, int voided, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_UNLINKED_FAIL);

    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, LEDGER_UNLINKED_MSG);
    sqlite3_bind_int(s, 3, voided ? 1 : 0);
    return run_done(l, s, err, "record outcome");
}

static int sq_done_retry(struct ledger *gl, int64_t id, int in_doubt, const char *msg,
                      struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_RETRY);

    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, in_doubt ? 1 : 0);
    bind_text(s, 3, msg && *msg ? msg : NULL);
    return run_done(l, s, err, "record outcome");
}

static int sq_admin_update(struct ledger *gl, int64_t id, const char *upd, const char *target,
                        struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_ADMIN_UPDATE);

    sqlite3_bind_int64(s, 1, id);
    bind_text(s, 2, upd);
    bind_text(s, 3, target);
    return run_done(l, s, err, "admin update");
}

static int sq_admin_delete(struct ledger *gl, int64_t id, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_ADMIN_DELETE);

    sqlite3_bind_int64(s, 1, id);
    return run_done(l, s, err, "admin delete");
}

/* --- files ----------------------------------------------------------------- */

static int sq_file_get(struct ledger *gl, const char *path, struct ledger_file *f,
                    struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_FILE_GET);
    int rc;

    bind_text(s, 1, path);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        f->size = sqlite3_column_int64(s, 0);
        f->mtime = sqlite3_column_int64(s, 1);
        col_copy(s, 2, f->sha256, sizeof(f->sha256));
        col_copy(s, 3, f->ctx, sizeof(f->ctx));
        f->final = sqlite3_column_int(s, 4);
        sqlite3_reset(s);
        return 1;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return 0;
    return db_fail(l, err, "read file");
}

static int sq_file_put(struct ledger *gl, const char *path, const struct ledger_file *f,
                    struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_FILE_PUT);
    char now[24];

    ledger_now_iso(now);
    bind_text(s, 1, path);
    sqlite3_bind_int64(s, 2, f->size);
    sqlite3_bind_int64(s, 3, f->mtime);
    bind_text(s, 4, f->sha256);
    bind_text(s, 5, f->ctx);
    sqlite3_bind_int(s, 6, f->final);
    bind_text(s, 7, now);
    return run_done(l, s, err, "write file");
}

static int sq_file_update_final(struct ledger *gl, const char *path, int *final,
                             struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, ST_FILE_NONFINAL);
    long n;

    bind_text(s, 1, path);
    n = count_query(l, s, err);
    if (n < 0)
        return -1;
    *final = n == 0;
    s = stmt(l, ST_FILE_SET_FINAL);
    bind_text(s, 1, path);
    sqlite3_bind_int(s, 2, *final);
    return run_done(l, s, err, "write file");
}

/* --- queries ------------------------------------------------------------- */








/* Rows per prune transaction and pages per incremental_vacuum step: each
 * is a short write, so a concurrent reader or the WAL never waits long. */
#define PRUNE_BATCH_IDS    5000
#define VACUUM_STEP_PAGES  2048

/* Gives free pages back to the file system in short steps. */
static int give_back_space(struct sq_ledger *l, struct etl_err *err)
{
    char sql[64];
    sqlite3_stmt *st = NULL;
    long freepages, last = -1;

    snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%d)", VACUUM_STEP_PAGES);
    for (;;) {
        if (sqlite3_prepare_v2(l->db, "PRAGMA freelist_count", -1, &st, NULL) != SQLITE_OK)
            return db_fail(l, err, "freelist_count");
        freepages = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        if (freepages < 0)
            return db_fail(l, err, "freelist_count");
        if (freepages == 0 || (last >= 0 && freepages >= last))
            break;              /* all given back, or auto_vacuum is not on */
        last = freepages;
        if (exec(l, sql, err) < 0)
            return -1;
    }
    /* the file shrinks when the WAL is checkpointed */
    return exec(l, "PRAGMA wal_checkpoint(TRUNCATE)", err);
}

/* The final records of one id range (?2, ?3] that ended before ?1. */
#define PRUNE_WHERE                                                          \
    " FROM records WHERE id > ?2 AND id <= ?3 AND end_time < ?1 AND pruned = 0" \
    " AND state IN ('pushed', 'failed', 'deleted', 'cancelled')"

/*
 * The tombstone of a row, column by column from the live schema (so that
 * columns added by later migrations are carried over too): what holds the
 * plate goes — plate, body and record become '', upd, target and
 * last_error NULL, the plate is removed from srv_body — `pruned` is set,
 * every other column is kept. `cols` receives the column list (no id),
 * `vals` the matching SELECT expressions.
 */
static int tombstone_sql(struct sq_ledger *l, struct buf *cols, struct buf *vals,
                         struct etl_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc, first = 1, ret = -1;

    if (sqlite3_prepare_v2(l->db, "SELECT name FROM pragma_table_info('records') ORDER BY cid",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err, "prune");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = col_text(st, 0), *v = c;

        if (!strcmp(c, "id"))
            continue;
        if (!strcmp(c, "plate") || !strcmp(c, "body") || !strcmp(c, "record"))
            v = "''";
        else if (!strcmp(c, "upd") || !strcmp(c, "target") || !strcmp(c, "last_error"))
            v = "NULL";
        else if (!strcmp(c, "srv_body"))
            v = "CASE WHEN srv_body = '' THEN '' WHEN json_valid(srv_body) "
                "THEN json_remove(srv_body, '$." PERMIT_PLATE_NAME "') END";
        else if (!strcmp(c, "pruned"))
            v = "1";
        if ((!first && (buf_addch(cols, ',') < 0 || buf_addch(vals, ',') < 0)) ||
            buf_addf(cols, "\"%s\"", c) < 0 || buf_addstr(vals, v) < 0) {
            etl_fail(err, E_NOMEM, "ledger: out of memory");
            goto out;
        }
        first = 0;
    }
    if (rc != SQLITE_DONE) {
        db_fail(l, err, "prune");
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

static int sq_prune(struct ledger *gl, long long before, long *removed, struct etl_err *err)
{
    struct sq_ledger *l = (struct sq_ledger *)gl;
    enum { P_SAVE, P_DELETE, P_BACK, P_CLEAR, P_N };
    sqlite3_stmt *ps[P_N] = { NULL, NULL, NULL, NULL }, *s;
    struct buf cols = BUF_INIT, vals = BUF_INIT, sql[P_N] = { BUF_INIT, BUF_INIT, BUF_INIT,
                                                             BUF_INIT };
    long long max_id, lo;
    int i, ret = -1;

    *removed = 0;
    if (l->in_tx)
        return etl_fail(err, E_INTERNAL, "ledger: prune inside a transaction");
    s = stmt(l, ST_MAX_ID);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return db_fail(l, err, "prune");
    }
    max_id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (tombstone_sql(l, &cols, &vals, err) < 0)
        goto out;
    /* A tombstone is written anew at the end of the table (a new id) and
     * its old row deleted: whole pages of old rows are freed, which
     * incremental_vacuum gives back (shrinking rows in place frees none). */
    if (exec(l, "CREATE TEMP TABLE IF NOT EXISTS prune_tmp AS SELECT * FROM records WHERE 0",
             err) < 0 ||
        buf_addf(&sql[P_SAVE], "INSERT INTO temp.prune_tmp (%s) SELECT %s" PRUNE_WHERE
                 " ORDER BY id", cols.ptr, vals.ptr) < 0 ||
        buf_addstr(&sql[P_DELETE], "DELETE" PRUNE_WHERE) < 0 ||
        buf_addf(&sql[P_BACK], "INSERT INTO records (%s) SELECT %s FROM temp.prune_tmp "
                 "ORDER BY rowid", cols.ptr, cols.ptr) < 0 ||
        buf_addstr(&sql[P_CLEAR], "DELETE FROM temp.prune_tmp") < 0) {
        if (err->code == E_OK)
            etl_fail(err, E_NOMEM, "ledger: out of memory");
        goto out;
    }
    /* secure_delete: the bytes of the dropped plates are zeroed in the
     * pages, not merely marked free */
    if (exec(l, "PRAGMA secure_delete=ON", err) < 0)
        goto out;
    for (i = 0; i < P_N; i++)
        if (sqlite3_prepare_v2(l->db, sql[i].ptr, -1, &ps[i], NULL) != SQLITE_OK) {
            db_fail(l, err, "prune");
            goto out;
        }
    for (lo = 0; lo < max_id; lo += PRUNE_BATCH_IDS) {
        long n;

        if (sq_begin(&l->base, err) < 0)
            goto out;
        for (i = 0; i < P_N; i++) {
            sqlite3_reset(ps[i]);
            if (i == P_SAVE || i == P_DELETE) {
                sqlite3_bind_int64(ps[i], 1, before);
                sqlite3_bind_int64(ps[i], 2, lo);
                sqlite3_bind_int64(ps[i], 3, lo + PRUNE_BATCH_IDS);
            }
            if (run_done(l, ps[i], err, "prune") < 0) {
                sq_rollback(&l->base);
                goto out;
            }
            if (i == P_SAVE) {
                n = (long)sqlite3_changes(l->db);
                if (!n)
                    break;
                *removed += n;
            }
        }
        if (sq_commit(&l->base, err) < 0)
            goto out;
    }
    ret = *removed ? give_back_space(l, err) : 0;
out:
    sqlite3_exec(l->db, "PRAGMA secure_delete=OFF", NULL, NULL, NULL);
    for (i = 0; i < P_N; i++) {
        sqlite3_finalize(ps[i]);
        buf_release(&sql[i]);
    }
    buf_release(&cols);
    buf_release(&vals);
    return ret;
}

/* --- settlements, rejected rows, silent zones ------------------------------ */

static int sq_query(struct ledger *gl, enum ledger_query q, const struct ledger_args *a,
                    const char *what, int (*fn)(void *ctx, const struct ledger_row *w),
                    void *ctx, struct etl_err *err)
{
    static const int st[LQ_COUNT] = {
        [LQ_SETTLE_CLEAR] = ST_SETTLE_CLEAR, [LQ_SETTLE_ADD] = ST_SETTLE_ADD,
        [LQ_REJROW_CLEAR] = ST_REJROW_CLEAR, [LQ_REJROW_ADD] = ST_REJROW_ADD,
        [LQ_SETTLE_RANGE] = ST_SETTLE_RANGE, [LQ_REJROW_RANGE] = ST_REJROW_RANGE,
        [LQ_SALE_COUNTS] = ST_SALE_COUNTS, [LQ_ZONE_LAST] = ST_ZONE_LAST,
        [LQ_ZONE_FIRSTS] = ST_ZONE_FIRSTS, [LQ_LIVE] = ST_LIVE,
        [LQ_GET_KEY] = ST_GET_KEY, [LQ_GET_REF] = ST_GET_REF, [LQ_GET_ID] = ST_GET_ID,
        [LQ_LIST] = ST_LIST, [LQ_RUN_RECS] = ST_RUN_RECS, [LQ_RANGE] = ST_RANGE,
        [LQ_COUNT_STATE] = ST_COUNT_STATE, [LQ_EARLIER_ATTN] = ST_EARLIER_ATTN,
        [LQ_STAGE_BRIEF] = ST_STAGE_BRIEF,
    };
    struct sq_ledger *l = (struct sq_ledger *)gl;
    sqlite3_stmt *s = stmt(l, st[q]);
    struct ledger_row w = { row_text, row_num, s };
    int rc, stop = 0;

    bind_args(s, a);
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
        stop = fn ? fn(ctx, &w) : 0;
    sqlite3_reset(s);
    return stop || rc == SQLITE_DONE ? 0 : db_fail(l, err, what);
}

static const struct ledger_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .next_pending = sq_next_pending,
    .recover_sending = sq_recover_sending,
    .retry_failed = sq_retry_failed,
    .stage_write = sq_stage_write,
    .tmp_add = sq_tmp_add,
    .tmp_next = sq_tmp_next,
    .tmp_clear = sq_tmp_clear,
    .each_held = sq_each_held,
    .mark_sending = sq_mark_sending,
    .done_ok = sq_done_ok,
    .done_not_found = sq_done_not_found,
    .done_failed = sq_done_failed,
    .fail_unlinked = sq_fail_unlinked,
    .done_retry = sq_done_retry,
    .admin_update = sq_admin_update,
    .admin_delete = sq_admin_delete,
    .file_get = sq_file_get,
    .file_put = sq_file_put,
    .file_update_final = sq_file_update_final,
    .query = sq_query,
    .prune = sq_prune,
};

struct ledger *ledger_sqlite_open(const char *path, int flags, struct etl_err *err)
{
    struct sq_ledger *l = calloc(1, sizeof(*l));
    struct stat sb;
    int exists = stat(path, &sb) == 0, i;
    const char *dbpath = path;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

    if (!l) {
        etl_fail(err, E_NOMEM, "ledger: out of memory");
        return NULL;
    }
    l->base.ops = &sq_ops;
    l->lock_fd = -1;
    if ((flags & LEDGER_DRY) || ((flags & LEDGER_READONLY) && !exists))
        dbpath = ":memory:";      /* a copy, or nothing to read: an empty ledger */
    else if (flags & LEDGER_READONLY) {
        oflags = SQLITE_OPEN_READONLY;
        l->readonly = 1;
    }
    if (!(flags & (LEDGER_DRY | LEDGER_READONLY)) && create_private(path, err) < 0)
        goto fail;
    if ((flags & LEDGER_LOCK) && !(flags & (LEDGER_DRY | LEDGER_READONLY)) &&
        take_lock(l, path, err) < 0)
        goto fail;
    if (sqlite3_open_v2(dbpath, &l->db, oflags, NULL) != SQLITE_OK) {
        etl_fail(err, E_DB, "ledger: cannot open '%s': %s", path,
                 l->db ? sqlite3_errmsg(l->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(l->db, 10000);
    sqlite3_extended_result_codes(l->db, 0);
    if ((flags & LEDGER_DRY) && exists && copy_into_memory(l, path, err) < 0)
        goto fail;
    /* auto_vacuum before the first table exists (a new ledger) and before
     * WAL; on an existing ledger it only takes effect at migrate()'s VACUUM */
    if (!l->readonly && exec(l, "PRAGMA auto_vacuum=INCREMENTAL", err) < 0)
        goto fail;
    if (!strcmp(dbpath, path) && !l->readonly &&
        exec(l, "PRAGMA journal_mode=WAL", err) < 0)
        goto fail;
    /* temp_store: the few sorts (GROUP BY of counts, the right part of a
     * period's ORDER BY) stay in memory; staged records wait in a spill
     * file (sq_tmp_add()), not in a TEMP table. A 64 MB page cache keeps
     * a night's working set of pages in memory.
     * ignore_check_constraints: the schema's CHECK (state IN (...)) and
     * CHECK (action IN (...)) build a temporary b-tree on every write that
     * sets them (a quarter of the CPU of a push); this file only ever
     * writes those columns from its own constant names (state_names[],
     * action_names[] and literals), so the checks guard nothing here. Other
     * connections (the sqlite3 shell) still enforce them. */
    if (exec(l, "PRAGMA synchronous=NORMAL", err) < 0 ||
        exec(l, "PRAGMA wal_autocheckpoint=4000", err) < 0 ||
        exec(l, "PRAGMA temp_store=MEMORY", err) < 0 ||
        exec(l, "PRAGMA ignore_check_constraints=ON", err) < 0 ||
        exec(l, "PRAGMA cache_size=-65536", err) < 0)
        goto fail;
    if (migrate(l, err) < 0)
        goto fail;
    for (i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(l->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &l->st[i],
                               NULL) != SQLITE_OK) {
            db_fail(l, err, "prepare");
            goto fail;
        }
    return &l->base;
fail:
    sq_close(&l->base);
    return NULL;
}

int ledger_sqlite_schema_version(const char *path, int *version, struct etl_err *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int ret = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        etl_fail(err, E_DB, "ledger: cannot open '%s': %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        etl_fail(err, E_DB, "ledger: cannot read '%s': %s", path, sqlite3_errmsg(db));
        goto out;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (*version > 0) {
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM records", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            etl_fail(err, E_DB, "ledger: '%s' has no readable records table: %s", path,
                     sqlite3_errmsg(db));
            goto out;
        }
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}
