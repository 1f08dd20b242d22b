/* test_ledger.c — the ledger, on real SQLite files in a temp dir; with
 * TEST_LEDGER_URI set (tests/e2e/t_pg.sh starts a real PostgreSQL
 * server) the backend-independent tests run again on PostgreSQL, with the
 * tests of several workers sharing it. */
#include <check.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "ledger.h"
#include "permit_json.h"

static char dir[256];
static char path[320];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_ledger.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ledger.db", dir);
}

/* The PostgreSQL ledger of TEST_LEDGER_URI, emptied (its schema dropped). */
static void setup_pg(void)
{
    const char *uri = getenv("TEST_LEDGER_URI");
    PGconn *c;
    PGresult *r;

    setup();
    ck_assert_ptr_nonnull(uri);
    snprintf(path, sizeof(path), "%s", uri);
    c = PQconnectdb(uri);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS permit_etl CASCADE");
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* One SQL statement on the PostgreSQL ledger; its first value (or ""). */
static void pg_sql(const char *sql, char *out, size_t cap)
{
    PGconn *c = PQconnectdb(path);
    PGresult *r;

    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK,
                  "%s: %s", sql, PQerrorMessage(c));
    snprintf(out, cap, "%s", PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0
                                 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
}

static void teardown(void)
{
    char cmd[400];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* 2026-11-28T14:00:00Z */
#define T0 1795874400LL

static void mk(struct permit *p, const char *key, const char *plate, long long cents,
               const char *zone)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "%s", key);
    snprintf(p->plate, sizeof(p->plate), "%s", plate);
    p->cents = cents;
    p->currency = CUR_CAD;
    p->start = T0;
    p->end = T0 + 3600;
    snprintf(p->zone, sizeof(p->zone), "%s", zone);
    snprintf(p->vendor_zone, sizeof(p->vendor_zone), "%s", zone);
    p->zone_status = ZONE_MATCHED;
    p->source = "in.csv";
    p->line = 2;
}

/* A repush's delete phase leaves the record pending (SQLite) or still
 * claimed by this worker, `sending` (PostgreSQL: no other worker may take
 * its push). */
static enum ledger_state after_delete_phase(void)
{
    return !strncmp(path, "postgres", 8) ? LS_SENDING : LS_PENDING;
}

static struct ledger *open_ok(int flags)
{
    struct etl_err e;
    struct ledger *l = ledger_open(path, flags, &e);

    ck_assert_msg(l != NULL, "open: %s", e.msg);
    return l;
}

static enum ledger_stage_outcome stage(struct ledger *l, const struct permit *p, int hold)
{
    struct etl_err e;
    enum ledger_stage_outcome oc;

    ck_assert_msg(ledger_stage(l, p, hold, &oc, &e) == 0, "stage: %s", e.msg);
    return oc;
}

static void get(struct ledger *l, const char *key, struct ledger_rec *r)
{
    struct etl_err e;

    ck_assert_int_eq(ledger_get(l, key, r, &e), 1);
}

/* Sends the record's current action and answers OK with `ref`. */
static void push_ok(struct ledger *l, const char *key, const char *ref)
{
    struct ledger_rec r;
    struct etl_err e;
    int more = 1;

    ledger_rec_init(&r);
    while (more) {
        get(l, key, &r);
        ck_assert_int_eq(r.state, r.action == LA_PUSH && r.reference_id[0] == '\0' &&
                                      r.attempts > 0 ? after_delete_phase() : LS_PENDING);
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        ck_assert_int_eq(ledger_done_ok(l, r.id, r.action, ref, &more, &e), 0);
    }
    ledger_rec_release(&r);
}

START_TEST(test_schema)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    sqlite3 *db;
    sqlite3_stmt *st;
    struct etl_err e;

    ledger_close(l);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), LEDGER_SCHEMA_VERSION);
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    /* reopening an existing ledger works */
    l = open_ok(LEDGER_LOCK);
    ledger_close(l);
    /* a newer schema is refused */
    ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ck_assert_ptr_null(ledger_open(path, 0, &e));
    ck_assert_int_eq(e.code, E_DB);
    ck_assert_ptr_nonnull(strstr(e.msg, "schema version 99"));
}
END_TEST

/* A version-1 ledger (built here from the version-1 schema SQL) migrates
 * to the current version without losing a record; a permit recorded live
 * without a reference id becomes unlinked. */
START_TEST(test_migrate_v1)
{
    sqlite3 *db;
    struct ledger *l;
    struct ledger_rec r;
    struct etl_err e;
    sqlite3_stmt *st;
    static const char rows[] =
        "INSERT INTO records (key, plate, cents, currency, start_time, end_time, vendor_zone,"
        " zone, zone_status, permit_no, ticket, promo, source, line, body, hash, target,"
        " srv_body, record, reference_id, state, action, first_seen, last_seen) VALUES"
        " ('k1','AAA',500,'CAD',0,3600,'Z','Z','matched','','','','in.csv',2,'{}','h1',"
        "  '{}','{}','{}','R-1','pushed','none','2026-01-01T00:00:00','2026-01-01T00:00:00'),"
        " ('k2','BBB',500,'CAD',0,3600,'Z','Z','matched','','','','in.csv',3,'{}','h2',"
        "  '{}','{}','{}',NULL,'pushed','none','2026-01-01T00:00:00','2026-01-01T00:00:00'),"
        " ('k3','CCC',500,'CAD',0,3600,'Z','Z','matched','','','','in.csv',4,'{}','h3',"
        "  '{}',NULL,'{}',NULL,'pending','push','2026-01-01T00:00:00','2026-01-01T00:00:00');";

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, ledger_migration_sql(0), NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    l = ledger_open(path, LEDGER_LOCK, &e);
    ck_assert_msg(l != NULL, "open: %s", e.msg);
    ledger_rec_init(&r);
    ck_assert_int_eq(ledger_get(l, "k1", &r, &e), 1);
    ck_assert_str_eq(r.reference_id, "R-1");
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_int_eq(r.unlinked, 0);
    ck_assert_int_eq(ledger_get(l, "k2", &r, &e), 1);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_int_eq(r.unlinked, 1);
    ck_assert_int_eq(ledger_get(l, "k3", &r, &e), 1);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.unlinked, 0);
    ledger_rec_release(&r);
    ledger_close(l);

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
                                        " count(*) FROM records", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), LEDGER_SCHEMA_VERSION);
    ck_assert_int_eq(sqlite3_column_int(st, 1), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
END_TEST

START_TEST(test_lock)
{
    struct ledger *a = open_ok(LEDGER_LOCK), *b;
    struct etl_err e;
    char want[64];

    b = ledger_open(path, LEDGER_LOCK, &e);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(e.code, E_LOCKED);
    snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
    ck_assert_msg(strstr(e.msg, want) != NULL, "message: %s", e.msg);
    ck_assert_int_eq(etl_exit_for(e.code), 3);
    /* readers are not locked out */
    b = open_ok(LEDGER_READONLY);
    ledger_close(b);
    ledger_close(a);
    b = open_ok(LEDGER_LOCK);
    ledger_close(b);
}
END_TEST

START_TEST(test_body)
{
    struct permit p, q;
    struct buf b = BUF_INIT;
    char h[65];

    mk(&p, "ps:1", "ABC123", 1450, "Lot 4");
    snprintf(p.promo, sizeof(p.promo), "DISCOUNT20");
    snprintf(p.permit_no, sizeof(p.permit_no), "L4-1138");
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"ABC123\",\"Amount\":\"14.50\","
                     "\"CurrencyID\":\"CAD\",\"startTime\":\"2026-11-28T14:00:00\","
                     "\"endTime\":\"2026-11-28T15:00:00\",\"zone\":\"Lot 4\","
                     "\"permitNo\":\"L4-1138\",\"promoCode\":\"DISCOUNT20\"}");
    memset(&q, 0, sizeof(q));
    ck_assert_int_eq(permit_json_parse(b.ptr, &q), 0);
    ck_assert_str_eq(q.plate, "ABC123");
    ck_assert_int_eq(q.cents, 1450);
    ck_assert_int_eq(q.start, p.start);
    ck_assert_int_eq(q.end, p.end);
    ck_assert_str_eq(q.permit_no, "L4-1138");
    sha256_hex("abc", 3, h);
    ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* free session: no Amount, CurrencyID kept; record JSON carries the extras */
    buf_reset(&b);
    p.cents = 0;
    p.promo[0] = p.permit_no[0] = '\0';
    ck_assert_int_eq(permit_json_record(&p, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"LicencePlate\":\"ABC123\",\"CurrencyID\":\"CAD\","
                     "\"startTime\":\"2026-11-28T14:00:00\",\"endTime\":\"2026-11-28T15:00:00\","
                     "\"zone\":\"Lot 4\",\"_source\":\"in.csv\",\"_line\":2,\"_key\":\"ps:1\","
                     "\"_zone_status\":\"matched\"}");
    buf_release(&b);
}
END_TEST

/* ledger_stage() builds the stored record JSON from the body and hashes
 * with its own digest context: both must equal the public functions'. */
static const struct {
    const char *key, *plate, *zone, *promo, *source;
    long long   cents;
    long        line;
} staged_json_cases[] = {
    { "ps:1", "ABC123", "Lot 4", "", "in.csv", 1450, 2 },
    { "ps:2", "Q\"UOTE\\", "Zone \u00e9", "P1", "dir/a b.csv", 0, 99999 },
    { "ps:3", "X", "", "", "", 1, 0 },
};

START_TEST(test_staged_json)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct permit p;
    struct ledger_rec r;
    struct buf b = BUF_INIT, j = BUF_INIT;
    char h[65];

    mk(&p, staged_json_cases[_i].key, staged_json_cases[_i].plate,
       staged_json_cases[_i].cents, staged_json_cases[_i].zone);
    snprintf(p.promo, sizeof(p.promo), "%s", staged_json_cases[_i].promo);
    p.source = staged_json_cases[_i].source;
    p.line = staged_json_cases[_i].line;
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    ledger_rec_init(&r);
    get(l, p.key, &r);
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_int_eq(permit_json_record(&p, &j), 0);
    sha256_hex(b.ptr, b.len, h);
    ck_assert_str_eq(r.body.ptr, b.ptr);
    buf_reset(&b);
    ck_assert_int_eq(ledger_rec_record(&r, &b), 0);
    ck_assert_str_eq(b.ptr, j.ptr);
    buf_reset(&b);
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_str_eq(r.hash, h);
    ck_assert_str_eq(r.p.plate, p.plate);
    ck_assert_str_eq(r.p.zone, p.zone);
    buf_release(&b);
    buf_release(&j);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

/* One value of a query on the ledger's records table (its name given as
 * %s in sql): the first column of the first row, "" for none, "(null)"
 * for NULL; either backend. */
static void rec_sql(const char *sql, char *out, size_t cap)
{
    char q[1024];
    int pg = !strncmp(path, "postgres", 8);
    const char *at = strstr(sql, "%s");

    ck_assert_ptr_nonnull(at);
    snprintf(q, sizeof(q), "%.*s%s%s", (int)(at - sql), sql,
             pg ? "permit_etl.records" : "records", at + 2);
    if (pg && !strncmp(q, "UPDATE", 6)) {
        pg_sql(q, out, cap);
    } else if (pg) {
        char wrapped[1100];
        snprintf(wrapped, sizeof(wrapped), "SELECT coalesce((%s)::text, '(null)')", q);
        pg_sql(wrapped, out, cap);
    } else {
        sqlite3 *db;
        sqlite3_stmt *st;
        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK, "%s: %s", q,
                      sqlite3_errmsg(db));
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(out, cap, "%s", sqlite3_column_type(st, 0) == SQLITE_NULL ? "(null)"
                                     : (const char *)sqlite3_column_text(st, 0));
        else
            out[0] = '\0';
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
}

/* The compact row: no copy of the body, the record line, the target or
 * the server's copy is stored while they are what the permit columns
 * give; what a read returns is built from the columns, and a change of
 * the columns first stores the body the server still holds. */
START_TEST(test_compact)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct permit p, q;
    struct ledger_rec r;
    struct buf b = BUF_INIT, old = BUF_INIT;
    struct etl_err e;
    char v[2048];
    int i;

    mk(&p, "ps:c1", "ABC123", 1450, "Lot 4");
    snprintf(p.permit_no, sizeof(p.permit_no), "L4-7");
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    rec_sql("SELECT body || '|' || record || '|' || target || '|' || coalesce(srv_body, 'NULL') "
            "FROM %s WHERE key = 'ps:c1'", v, sizeof(v));
    ck_assert_str_eq(v, "|||NULL");
    ledger_rec_init(&r);
    get(l, "ps:c1", &r);
    ck_assert_int_eq(permit_json_body(&p, &b), 0);
    ck_assert_str_eq(r.body.ptr, b.ptr);
    ck_assert_str_eq(r.target.ptr, b.ptr);
    ck_assert_uint_eq(r.srv_body.len, 0);
    /* pushed: the server's copy is the row's own body */
    push_ok(l, "ps:c1", "R1");
    rec_sql("SELECT srv_body FROM %s WHERE key = 'ps:c1'", v, sizeof(v));
    ck_assert_str_eq(v, "");
    get(l, "ps:c1", &r);
    ck_assert_str_eq(r.srv_body.ptr, b.ptr);
    ck_assert_int_eq(ledger_rec_unlinked(&r), 0);
    /* a change: the old body is stored as the server's copy before the
     * columns change, the update carries the changed fields only */
    buf_reset(&old);
    ck_assert_int_eq(buf_add(&old, b.ptr, b.len), 0);
    q = p;
    snprintf(q.plate, sizeof(q.plate), "XYZ789");
    q.cents = 1600;
    ck_assert_int_eq(stage(l, &q, 0), LSO_UPDATE);
    rec_sql("SELECT srv_body FROM %s WHERE key = 'ps:c1'", v, sizeof(v));
    ck_assert_str_eq(v, old.ptr);
    get(l, "ps:c1", &r);
    ck_assert_str_eq(r.srv_body.ptr, old.ptr);
    buf_reset(&b);
    ck_assert_int_eq(permit_json_body(&q, &b), 0);
    ck_assert_str_eq(r.body.ptr, b.ptr);
    ck_assert_str_eq(r.target.ptr, b.ptr);
    ck_assert_ptr_nonnull(strstr(r.upd.ptr, "XYZ789"));
    ck_assert_ptr_null(strstr(r.upd.ptr, "L4-7"));
    push_ok(l, "ps:c1", "R1");
    rec_sql("SELECT srv_body FROM %s WHERE key = 'ps:c1'", v, sizeof(v));
    ck_assert_str_eq(v, "");
    get(l, "ps:c1", &r);
    ck_assert_str_eq(r.srv_body.ptr, b.ptr);
    ck_assert_int_eq(r.state, LS_PUSHED);
    /* a row written before the compact form reads as it was stored */
    rec_sql("UPDATE %s SET body = '{\"old\":1}', target = '{\"old\":1}', "
            "srv_body = '{\"old\":2}', record = '{\"old\":3}' WHERE key = 'ps:c1'",
            v, sizeof(v));
    get(l, "ps:c1", &r);
    ck_assert_str_eq(r.body.ptr, "{\"old\":1}");
    ck_assert_str_eq(r.srv_body.ptr, "{\"old\":2}");
    ck_assert_int_eq(ledger_rec_record(&r, &b), 0);
    ck_assert_str_eq(b.ptr, "{\"old\":3}");
    /* seen again unchanged, the same source and line: one range write for
     * consecutive rows, after which every row carries the new run */
    ledger_set_run(l, 7);
    for (i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof(key), "ps:r%d", i);
        mk(&p, key, "RUN1", 500 + i, "Lot 4");
        p.line = 10 + i;
        ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
        push_ok(l, key, key);
    }
    ledger_set_run(l, 8);
    ck_assert_int_eq(ledger_begin(l, &e), 0);
    for (i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof(key), "ps:r%d", i);
        mk(&p, key, "RUN1", 500 + i, "Lot 4");
        p.line = i == 3 ? 99 : 10 + i;        /* one moved to another line */
        ck_assert_int_eq(stage(l, &p, 0), LSO_UNCHANGED);
    }
    ck_assert_int_eq(ledger_commit(l, &e), 0);
    rec_sql("SELECT count(*) FROM %s WHERE key LIKE 'ps:r_' AND run = 8 "
            "AND sale_stage = 'unchanged'", v, sizeof(v));
    ck_assert_str_eq(v, "5");
    rec_sql("SELECT line FROM %s WHERE key = 'ps:r3'", v, sizeof(v));
    ck_assert_str_eq(v, "99");
    rec_sql("SELECT count(*) FROM %s WHERE key LIKE 'ps:r_' AND state = 'pushed' "
            "AND srv_body = ''", v, sizeof(v));
    ck_assert_str_eq(v, "5");
    buf_release(&b);
    buf_release(&old);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

/* The per-key decisions (docs/ARCHITECTURE.md): one table of changes from a pushed
 * record {ABC123, 14.50 CAD, T0..T0+1h, Lot 4}. */
static const struct {
    const char *name;
    const char *plate;
    long long   cents;
    int         usd;
    long long   dstart, dend;
    const char *zone;
    const char *ticket;
    enum ledger_stage_outcome want;
    const char *upd;     /* expected update fields */
} change_cases[] = {
    { "same", "ABC123", 1450, 0, 0, 0, "Lot 4", "", LSO_UNCHANGED, NULL },
    { "amount", "ABC123", 1500, 0, 0, 0, "Lot 4", "", LSO_UPDATE,
      "\"reference_id\":\"R1\",\"Amount\":\"15.00\"" },
    { "end", "ABC123", 1450, 0, 0, 600, "Lot 4", "", LSO_UPDATE,
      "\"reference_id\":\"R1\",\"endTime\":\"2026-11-28T15:10:00\"" },
    { "plate+currency", "XYZ9", 1450, 1, 0, 0, "Lot 4", "", LSO_UPDATE,
      "\"reference_id\":\"R1\",\"LicencePlate\":\"XYZ9\",\"CurrencyID\":\"USD\"" },
    { "zone", "ABC123", 1450, 0, 0, 0, "Lot 5", "", LSO_REPUSH, NULL },
    { "start", "ABC123", 1450, 0, -60, 0, "Lot 4", "", LSO_REPUSH, NULL },
    { "ticket", "ABC123", 1450, 0, 0, 0, "Lot 4", "T1", LSO_REPUSH, NULL },
    { "to free", "ABC123", 0, 0, 0, 0, "Lot 4", "", LSO_REPUSH, NULL },
};

START_TEST(test_changes)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    char hash0[65];

    ledger_rec_init(&r);
    mk(&p, "ps:1", "ABC123", 1450, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.action, LA_PUSH);
    snprintf(hash0, sizeof(hash0), "%s", r.hash);
    push_ok(l, "ps:1", "R1");
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.reference_id, "R1");
    ck_assert_str_eq(r.srv_body.ptr, r.body.ptr);

    snprintf(p.plate, sizeof(p.plate), "%s", change_cases[_i].plate);
    p.cents = change_cases[_i].cents;
    p.currency = change_cases[_i].usd ? CUR_USD : CUR_CAD;
    p.start += change_cases[_i].dstart;
    p.end += change_cases[_i].dend;
    snprintf(p.zone, sizeof(p.zone), "%s", change_cases[_i].zone);
    snprintf(p.ticket, sizeof(p.ticket), "%s", change_cases[_i].ticket);
    ck_assert_int_eq(stage(l, &p, 0), change_cases[_i].want);
    get(l, "ps:1", &r);
    if (change_cases[_i].want == LSO_UNCHANGED) {
        ck_assert_int_eq(r.state, LS_PUSHED);
        ck_assert_str_eq(r.hash, hash0);
    } else {
        ck_assert_int_eq(r.state, LS_PENDING);
        ck_assert_str_ne(r.hash, hash0);
        ck_assert_int_eq(r.action, change_cases[_i].want == LSO_UPDATE ? LA_UPDATE : LA_REPUSH);
        if (change_cases[_i].upd)
            ck_assert_str_eq(r.upd.ptr, change_cases[_i].upd);
        push_ok(l, "ps:1", "R2");
        get(l, "ps:1", &r);
        ck_assert_int_eq(r.state, LS_PUSHED);
        /* update keeps the reference; delete + push gets a new one */
        ck_assert_str_eq(r.reference_id, "R2");
        ck_assert_str_eq(r.srv_body.ptr, r.body.ptr);
        /* the same content again: nothing */
        ck_assert_int_eq(stage(l, &p, 0), LSO_UNCHANGED);
    }
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

START_TEST(test_change_before_push)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "ABC123", 1450, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    p.cents = 900;
    ck_assert_int_eq(stage(l, &p, 0), LSO_PUSH);   /* the server has nothing yet */
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.action, LA_PUSH);
    ck_assert_ptr_nonnull(strstr(r.body.ptr, "\"Amount\":\"9.00\""));
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

START_TEST(test_voids)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    int more;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "ABC123", 1450, "Lot 4");
    stage(l, &p, 0);
    push_ok(l, "ps:1", "R1");
    mk(&p, "ps:2", "DEF", 100, "Lot 4");
    stage(l, &p, 0);                        /* never pushed */
    /* void of a pushed permit: delete */
    mk(&p, "ps:1", "ABC123", 1450, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_DELETE);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.action, LA_DELETE);
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_UNCHANGED);   /* seen again */
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_DELETE, "R1", &more, &e), 0);
    ck_assert_int_eq(more, 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_DELETED);
    ck_assert_int_eq(r.srv_body.len, 0);
    /* void of a record never pushed: cancelled, never sent */
    mk(&p, "ps:2", "DEF", 100, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.state, LS_CANCELLED);
    /* void of an unknown key: kept as `voided`, cancels the sale on sight */
    mk(&p, "ps:3", "GHI", 100, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_UNMATCHED);
    get(l, "ps:3", &r);
    ck_assert_int_eq(r.state, LS_VOIDED);
    p.voided = 0;
    ck_assert_int_eq(stage(l, &p, 0), LSO_CANCELLED);
    get(l, "ps:3", &r);
    ck_assert_int_eq(r.state, LS_CANCELLED);
    ck_assert_int_eq(ledger_count_state(l, LS_PENDING, &e), 0);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

/* --- voids in any order: the void x sale-state table, row by row -------- */

enum setup_kind { SU_NONE, SU_PENDING, SU_HELD, SU_FAILED, SU_PUSHED, SU_UNLINKED,
                  SU_SENDING, SU_DOUBT, SU_DELETED, SU_CANCELLED };

static const struct void_row {
    const char *name;
    enum setup_kind setup;
    enum ledger_stage_outcome outcome;
    enum ledger_state state;            /* the row's state after the void */
    enum ledger_action action;          /* LA_NONE: no request */
    const char *error;                  /* last_error after the void, NULL: any */
    int sale_bucket, void_bucket;       /* after a delete succeeds (pushed, linked) */
} void_rows[] = {
    { "not seen yet", SU_NONE, LSO_VOID_UNMATCHED, LS_VOIDED, LA_NONE, NULL,
      -1, LB_V_UNMATCHED },
    { "pending (never sent)", SU_PENDING, LSO_VOID, LS_CANCELLED, LA_NONE, NULL,
      LB_S_CANCELLED, LB_V_CANCELLING },
    { "held (never sent)", SU_HELD, LSO_VOID, LS_CANCELLED, LA_NONE, NULL,
      LB_S_CANCELLED, LB_V_CANCELLING },
    { "failed (never applied)", SU_FAILED, LSO_VOID, LS_CANCELLED, LA_NONE, NULL,
      LB_S_CANCELLED, LB_V_CANCELLING },
    { "pushed, linked", SU_PUSHED, LSO_VOID_DELETE, LS_PENDING, LA_DELETE, NULL,
      LB_S_CANCELLED, LB_V_DELETED },
    { "pushed, unlinked", SU_UNLINKED, LSO_VOID_FAILED, LS_FAILED, LA_NONE,
      "no usable reference id: change it in OPSCOM by hand", LB_S_CANCELLED, LB_V_FAILED },
    { "sending", SU_SENDING, LSO_VOID_FAILED, LS_FAILED, LA_NONE,
      "voided while in doubt: check OPSCOM by hand", LB_S_CANCELLED, LB_V_FAILED },
    { "doubt set", SU_DOUBT, LSO_VOID_FAILED, LS_FAILED, LA_NONE,
      "voided while in doubt: check OPSCOM by hand", LB_S_CANCELLED, LB_V_FAILED },
    { "deleted", SU_DELETED, LSO_VOID_UNCHANGED, LS_DELETED, LA_NONE, NULL,
      LB_S_CANCELLED, LB_V_UNCHANGED },
    { "cancelled", SU_CANCELLED, LSO_VOID_UNCHANGED, LS_CANCELLED, LA_NONE, NULL,
      LB_S_CANCELLED, LB_V_UNCHANGED },
};

/* Brings key "ps:1" into the row's state through the real transitions. */
static void void_setup(struct ledger *l, enum setup_kind k, struct permit *sale)
{
    struct ledger_rec r;
    struct etl_err e;
    struct permit v;
    int more;

    ledger_rec_init(&r);
    mk(sale, "ps:1", "ABC123", 1450, "Lot 4");
    if (k == SU_NONE)
        return;
    stage(l, sale, k == SU_HELD);
    get(l, "ps:1", &r);
    switch (k) {
    case SU_FAILED:
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        ck_assert_int_eq(ledger_done_failed(l, r.id, "9006 plate required", 0, &e), 0);
        break;
    case SU_PUSHED:
        push_ok(l, "ps:1", "R1");
        break;
    case SU_UNLINKED:
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        ck_assert_int_eq(ledger_done_ok(l, r.id, LA_PUSH, NULL, &more, &e), 0);
        break;
    case SU_SENDING:
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        break;
    case SU_DOUBT:
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        ck_assert_int_eq(ledger_done_retry(l, r.id, 1, "502 after sending", &e), 0);
        break;
    case SU_DELETED:
        push_ok(l, "ps:1", "R1");
        get(l, "ps:1", &r);
        ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);
        push_ok(l, "ps:1", "R1");
        break;
    case SU_CANCELLED:
        v = *sale;
        v.voided = 1;
        ck_assert_int_eq(stage(l, &v, 0), LSO_VOID);
        break;
    default:
        break;
    }
    ledger_rec_release(&r);
}

START_TEST(test_void_table)
{
    const struct void_row *t = &void_rows[_i];
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct ledger_void_effect eff;
    struct permit sale, v;
    struct etl_err e;
    int more, found;
    const int64_t run = 42;

    ledger_rec_init(&r);
    void_setup(l, t->setup, &sale);
    /* the pure table agrees with what staging does */
    found = ledger_get(l, "ps:1", &r, &e);
    ck_assert_int_ge(found, 0);
    ledger_void_effect(found ? &r : NULL, &eff);
    ck_assert_msg(eff.outcome == t->outcome, "%s: effect %d", t->name, eff.outcome);
    ledger_set_run(l, run);
    v = sale;
    v.voided = 1;
    v.cents = 1450;
    v.line = 9;
    v.source = "voids.csv";
    ck_assert_msg(stage(l, &v, 0) == t->outcome, "%s: outcome", t->name);
    get(l, "ps:1", &r);
    ck_assert_msg(r.state == t->state, "%s: state %s", t->name, ledger_state_name(r.state));
    if (t->state == LS_PENDING)
        ck_assert_msg(r.action == t->action, "%s: action", t->name);
    if (t->error)
        ck_assert_str_eq(r.last_error.ptr, t->error);
    ck_assert_int_eq(r.p.voided, 1);
    ck_assert_str_eq(r.void_source.ptr, "voids.csv");
    ck_assert_int_eq(r.void_line, 9);
    ck_assert_int_eq(r.void_cents, 1450);
    ck_assert_int_eq(r.void_run, run);
    /* only a linked pushed permit gets a request; a void's delete is
     * marked sent when it leaves, and deletes the permit */
    ck_assert_int_eq(ledger_count_state(l, LS_PENDING, &e), t->action == LA_DELETE);
    if (t->action == LA_DELETE) {
        ck_assert_int_eq(r.void_sent, 0);
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        get(l, "ps:1", &r);
        ck_assert_int_eq(r.void_sent, 1);
        ck_assert_int_eq(ledger_done_ok(l, r.id, LA_DELETE, "R1", &more, &e), 0);
        get(l, "ps:1", &r);
        ck_assert_int_eq(r.state, LS_DELETED);
        ck_assert_int_eq(r.srv_body.len, 0);
    }
    /* --retry-failed never resends a sale a void failed */
    ck_assert_int_eq(ledger_retry_failed(l, &e), 0);
    /* the sale seen (again, or for the first time) in the same run:
     * cancelled, never sent, whatever its content */
    sale.cents = 1999;
    ck_assert_int_eq(stage(l, &sale, 0), LSO_CANCELLED);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, t->state == LS_VOIDED ? LS_CANCELLED
                              : t->action == LA_DELETE ? LS_DELETED : t->state);
    ck_assert_int_eq(ledger_count_state(l, LS_PENDING, &e), 0);
    ck_assert_str_eq(r.void_source.ptr, "voids.csv");
    ck_assert_int_eq(r.p.line, 2);              /* the sale's file:line */
    /* the summary buckets of this run */
    ck_assert_int_eq(ledger_sale_bucket(&r, run), LB_S_CANCELLED);
    ck_assert_msg(ledger_void_bucket(&r, run) ==
                      (t->setup == SU_NONE ? LB_V_CANCELLING : t->void_bucket),
                  "%s: void bucket %d", t->name, ledger_void_bucket(&r, run));
    ck_assert_int_eq(ledger_sale_bucket(&r, run + 1), -1);
    ck_assert_int_eq(ledger_void_bucket(&r, run + 1), -1);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

/* A void met in a later run than its sale, and a sale in a later run than
 * its void: buckets per run. */
START_TEST(test_void_runs)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;

    ledger_rec_init(&r);
    ledger_set_run(l, 1);
    mk(&p, "ps:1", "A1", 500, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    push_ok(l, "ps:1", "R1");
    mk(&p, "ps:2", "A2", 700, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_UNMATCHED);
    get(l, "ps:1", &r);
    ck_assert_int_eq(ledger_sale_bucket(&r, 1), LB_S_PUSHED);
    get(l, "ps:2", &r);
    ck_assert_int_eq(ledger_sale_bucket(&r, 1), -1);
    ck_assert_int_eq(ledger_void_bucket(&r, 1), LB_V_UNMATCHED);
    /* run 2: the void of ps:1, the sale of ps:2 */
    ledger_set_run(l, 2);
    mk(&p, "ps:1", "A1", 500, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_DELETE);
    mk(&p, "ps:2", "A2", 700, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_CANCELLED);
    get(l, "ps:1", &r);
    ck_assert_int_eq(ledger_sale_bucket(&r, 2), -1);        /* an earlier run's sale */
    ck_assert_int_eq(ledger_void_bucket(&r, 2), LB_V_PENDING);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.state, LS_CANCELLED);
    ck_assert_int_eq(ledger_sale_bucket(&r, 2), LB_S_CANCELLED);
    ck_assert_int_eq(ledger_void_bucket(&r, 2), -1);        /* the void was run 1's */
    ck_assert_int_eq(ledger_count_earlier_attention(l, 2, &e), 0);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

/* An existing version-1 ledger (built here from the version-1 SQL) migrates
 * to this version without losing a record; the widened CHECK still refuses
 * an unknown state on any connection. */
START_TEST(test_migrate_v1_voids)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    struct ledger *l;
    struct ledger_rec r;
    struct permit p;
    char *msg = NULL;
    static const char rows[] =
        "INSERT INTO records (key, plate, cents, currency, start_time, end_time, "
        "vendor_zone, zone, zone_status, permit_no, ticket, promo, source, line, body, hash, "
        "srv_body, record, reference_id, state, action, first_seen, last_seen) VALUES "
        "('ps:1','AAA1',1450,'CAD',1795874400,1795878000,'Lot 4','Lot 4','matched','','','',"
        " 'a.csv',2,'{}','h1','{\"zone\":\"Lot 4\"}','{}','R1','pushed','none','t','t'),"
        "('ps:2','BBB2',300,'USD',1795874400,1795878000,'Lot 4','Lot 4','matched','','','',"
        " 'a.csv',3,'{}','h2',NULL,'{}',NULL,'pending','push','t','t'),"
        "('ps:3','CCC3',0,'CAD',1795874400,1795878000,'Lot 5','Lot 5','matched','','','',"
        " 'a.csv',4,'{}','h3',NULL,'{}','R3','deleted','none','t','t');"
        "INSERT INTO files VALUES ('a.csv', 10, 20, 'abc', 'ctx', 1, 't');"
        "PRAGMA user_version = 1;";

    ck_assert_ptr_nonnull(ledger_migration_sql(0));
    ck_assert_ptr_null(ledger_migration_sql(LEDGER_SCHEMA_VERSION));
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, ledger_migration_sql(0), NULL, NULL, &msg), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, rows, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
    sqlite3_close(db);

    l = open_ok(LEDGER_LOCK);
    ledger_rec_init(&r);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.reference_id, "R1");
    ck_assert_int_eq(r.p.cents, 1450);
    ck_assert_int_eq(r.run, 0);
    ck_assert_int_eq(r.void_sent, 0);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.p.currency, CUR_USD);
    get(l, "ps:3", &r);
    ck_assert_int_eq(r.state, LS_DELETED);
    /* the new states work on the migrated ledger */
    mk(&p, "ps:1", "AAA1", 1450, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_DELETE);
    mk(&p, "ps:2", "BBB2", 300, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID);
    mk(&p, "ps:9", "ZZZ9", 100, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_UNMATCHED);
    /* the settlement tables exist on the migrated ledger */
    {
        struct ledger_money_line m;
        struct etl_err e;

        memset(&m, 0, sizeof(m));
        m.file = "s.csv";
        m.line = 2;
        m.day = "2026-11-28";
        m.vendor = "paystation";
        m.currency = CUR_CAD;
        m.cents = 1450;
        m.count = -1;
        ck_assert_int_eq(ledger_settle_add(l, &m, &e), 0);
        m.reason = "Amount: x";
        ck_assert_int_eq(ledger_rejrow_add(l, &m, &e), 0);
    }
    ledger_rec_release(&r);
    ledger_close(l);

    /* another connection (CHECKs enforced): version, integrity, states */
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), LEDGER_SCHEMA_VERSION);
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*), sum(state = 'cancelled'), "
                                            "sum(state = 'voided') FROM records", -1, &st,
                                        NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 4);
    ck_assert_int_eq(sqlite3_column_int(st, 1), 1);
    ck_assert_int_eq(sqlite3_column_int(st, 2), 1);
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE records SET state = 'cancelled' WHERE key = 'ps:3'",
                                  NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "UPDATE records SET state = 'bogus' WHERE key = 'ps:3'",
                                  NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM files", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
END_TEST

START_TEST(test_held)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "ABC123", 1450, "Lott 4");
    p.zone_status = ZONE_DISCONNECTED;
    ck_assert_int_eq(stage(l, &p, 1), LSO_NEW);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_HELD);
    ck_assert_int_eq(ledger_count_state(l, LS_HELD, &e), 1);
    ck_assert_int_eq(stage(l, &p, 1), LSO_UNCHANGED);
    /* the alias now resolves it: new zone, new hash, pending push */
    snprintf(p.zone, sizeof(p.zone), "Lot 4");
    p.zone_status = ZONE_ALIAS;
    ck_assert_int_eq(stage(l, &p, 0), LSO_PUSH);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_ptr_nonnull(strstr(r.body.ptr, "\"zone\":\"Lot 4\""));
    /* held, then config says push: same hash, pending */
    mk(&p, "ps:2", "X1", 100, "Nowhere");
    p.zone_status = ZONE_DISCONNECTED;
    stage(l, &p, 1);
    ck_assert_int_eq(stage(l, &p, 0), LSO_PUSH);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

START_TEST(test_doubt)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    int more;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "A1", 100, "Lot 4");
    stage(l, &p, 0);
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    stage(l, &p, 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    get(l, "ps:2", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ledger_close(l);   /* "killed" with both in flight */

    l = open_ok(LEDGER_LOCK);
    ck_assert_int_eq(ledger_count_state(l, LS_SENDING, &e), 2);
    ck_assert_int_eq(ledger_recover_sending(l, &e), 2);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.doubt, 1);
    ck_assert_int_eq(r.resent_after_doubt, 0);
    ck_assert_int_eq(r.attempts, 1);
    /* ps:1 resent: flagged */
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_PUSH, "R1", &more, &e), 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_int_eq(r.resent_after_doubt, 1);
    ck_assert_int_eq(r.doubt, 0);
    ck_assert_int_eq(r.attempts, 2);
    /* ps:2: attempts ran out in this run: pending, doubt kept for the next */
    get(l, "ps:2", &r);
    ck_assert_int_eq(ledger_done_retry(l, r.id, 0, "503", &e), 0);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.doubt, 1);
    ck_assert_str_eq(r.last_error.ptr, "503");
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.resent_after_doubt, 1);
    /* a resend after doubt inside one run (client's after_doubt flag) */
    mk(&p, "ps:3", "A3", 100, "Lot 4");
    stage(l, &p, 0);
    get(l, "ps:3", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    get(l, "ps:3", &r);
    ck_assert_int_eq(r.resent_after_doubt, 0);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 1, &e), 0);
    get(l, "ps:3", &r);
    ck_assert_int_eq(r.resent_after_doubt, 1);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

START_TEST(test_outcomes)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    int more;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "A1", 100, "Lot 4");
    stage(l, &p, 0);
    push_ok(l, "ps:1", "R1");
    /* repush: delete phase, then push */
    snprintf(p.zone, sizeof(p.zone), "Lot 5");
    ck_assert_int_eq(stage(l, &p, 0), LSO_REPUSH);
    get(l, "ps:1", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);   /* an outcome follows a send */
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_REPUSH, "R1", &more, &e), 0);
    ck_assert_int_eq(more, 1);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, after_delete_phase());
    ck_assert_int_eq(r.action, LA_PUSH);
    ck_assert_int_eq(r.srv_body.len, 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_PUSH, "R9", &more, &e), 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.reference_id, "R9");
    /* update answered "not found": failed with the message */
    p.cents = 200;
    ck_assert_int_eq(stage(l, &p, 0), LSO_UPDATE);
    get(l, "ps:1", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_not_found(l, r.id, LA_UPDATE, "record not found", &more, &e), 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_FAILED);
    ck_assert_str_eq(r.last_error.ptr, "record not found");
    /* --retry-failed brings it back with its action */
    ck_assert_int_eq(ledger_retry_failed(l, &e), 1);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ck_assert_int_eq(r.action, LA_UPDATE);
    /* delete answered "not found": already gone */
    ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_not_found(l, r.id, LA_DELETE, "gone", &more, &e), 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_DELETED);
    /* permanent failure */
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    stage(l, &p, 0);
    get(l, "ps:2", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_failed(l, r.id, "invalid end time", 0, &e), 0);
    get(l, "ps:2", &r);
    ck_assert_int_eq(r.state, LS_FAILED);
    ck_assert_int_eq(stage(l, &p, 0), LSO_UNCHANGED);   /* not retried unchanged */
    /* a success without a usable reference id: pushed, and said so */
    mk(&p, "ps:5", "A5", 100, "Lot 4");
    stage(l, &p, 0);
    get(l, "ps:5", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_PUSH, "", &more, &e), 0);
    get(l, "ps:5", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.reference_id, "");
    ck_assert_ptr_nonnull(strstr(r.last_error.ptr, "without a usable reference id"));
    ck_assert_int_eq(r.unlinked, 1);
    ck_assert_int_eq(ledger_rec_unlinked(&r), 1);
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    p.end += 60;
    ck_assert_int_eq(stage(l, &p, 0), LSO_PUSH);         /* content changed: retried */
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

START_TEST(test_admin_keeps_hash)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    char hash[65];
    int more;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "A1", 100, "Lot 4");
    stage(l, &p, 0);
    push_ok(l, "ps:1", "R1");
    get(l, "ps:1", &r);
    snprintf(hash, sizeof(hash), "%s", r.hash);
    ck_assert_int_eq(ledger_admin_update(l, r.id, "\"reference_id\":\"R1\",\"LicencePlate\":\"B2\"",
                                         "{\"LicencePlate\":\"B2\"}", &e), 0);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_UPDATE, "R1", &more, &e), 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.hash, hash);
    ck_assert_str_eq(r.srv_body.ptr, "{\"LicencePlate\":\"B2\"}");
    ck_assert_int_eq(ledger_get_by_ref(l, "R1", &r, &e), 1);
    ck_assert_str_eq(r.p.key, "ps:1");
    /* rerun with the same file: nothing undoes the admin change */
    ck_assert_int_eq(stage(l, &p, 0), LSO_UNCHANGED);
    ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_DELETE, "R1", &more, &e), 0);
    ck_assert_int_eq(stage(l, &p, 0), LSO_UNCHANGED);
    get(l, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_DELETED);
    ck_assert_str_eq(r.hash, hash);
    ledger_rec_release(&r);
    ledger_close(l);
}
END_TEST

static int count_cb(void *ctx, const struct ledger_rec *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

struct live { char rows[8][96]; int n; };

static void live_cb(void *ctx, const char *type, const char *zone, const char *zs, long n)
{
    struct live *lv = ctx;

    if (lv->n < 8)
        snprintf(lv->rows[lv->n++], sizeof(lv->rows[0]), "%s|%s|%s|%ld", type, zone, zs, n);
}

/* Settlement lines, rejected rows and the silent-zone queries (both backends). */
struct money_seen {
    int  n;
    char days[4][16];
    long long cents[4];
    long counts[4];
    char reasons[4][32];
};

static int money_cb(void *ctx, const struct ledger_money_line *m)
{
    struct money_seen *ms = ctx;

    if (ms->n < 4) {
        snprintf(ms->days[ms->n], sizeof(ms->days[0]), "%s", m->day ? m->day : "-");
        ms->cents[ms->n] = m->cents;
        ms->counts[ms->n] = m->count;
        snprintf(ms->reasons[ms->n], sizeof(ms->reasons[0]), "%s", m->reason ? m->reason : "");
    }
    ms->n++;
    return 0;
}

struct zone_seen {
    int       n;
    long long sum_quarters;
    long      sum_counts;
    long long lot4_first, lot9_first;
};

static void quarter_cb(void *ctx, const char *zone, long long quarter, long count)
{
    struct zone_seen *z = ctx;

    (void)zone;
    z->n++;
    z->sum_quarters += quarter;
    z->sum_counts += count;
}

static void first_cb(void *ctx, const char *zone, long long first)
{
    struct zone_seen *z = ctx;

    z->n++;
    if (!strcmp(zone, "Lot 4"))
        z->lot4_first = first;
    else if (!strcmp(zone, "Lot 9"))
        z->lot9_first = first;
}

START_TEST(test_money_and_zones)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_money_line m = { "s.csv", 2, "2026-11-28", "acme", CUR_CAD, -1250, 3,
                                   NULL, 7 };
    struct money_seen ms;
    struct zone_seen z;
    struct permit p;
    struct etl_err e;
    long long last;

    ck_assert_int_eq(ledger_settle_add(l, &m, &e), 0);
    m.line = 3;
    m.day = "2026-11-29";
    m.cents = 500;
    m.count = -1;
    ck_assert_int_eq(ledger_settle_add(l, &m, &e), 0);
    memset(&ms, 0, sizeof(ms));
    ck_assert_int_eq(ledger_each_settlement(l, "2026-11-28", "2026-11-28", money_cb, &ms, &e),
                     0);
    ck_assert_int_eq(ms.n, 1);
    ck_assert_int_eq(ms.cents[0], -1250);
    ck_assert_int_eq(ms.counts[0], 3);
    memset(&ms, 0, sizeof(ms));
    ck_assert_int_eq(ledger_each_settlement(l, "2026-11-01", "2026-11-30", money_cb, &ms, &e),
                     0);
    ck_assert_int_eq(ms.n, 2);
    ck_assert_str_eq(ms.days[1], "2026-11-29");
    ck_assert_int_eq(ms.counts[1], -1);
    /* a file's lines are replaced: clear, then add */
    ck_assert_int_eq(ledger_settle_clear(l, "s.csv", &e), 0);
    memset(&ms, 0, sizeof(ms));
    ck_assert_int_eq(ledger_each_settlement(l, "2026-11-01", "2026-11-30", money_cb, &ms, &e),
                     0);
    ck_assert_int_eq(ms.n, 0);

    m.file = "in.csv";
    m.line = 5;
    m.day = NULL;
    m.cents = 975;
    m.reason = "plate: empty";
    ck_assert_int_eq(ledger_rejrow_add(l, &m, &e), 0);
    m.line = 6;
    m.day = "2026-11-28";
    m.cents = 120;
    ck_assert_int_eq(ledger_rejrow_add(l, &m, &e), 0);
    memset(&ms, 0, sizeof(ms));
    ck_assert_int_eq(ledger_each_rejrow(l, "2026-11-28", "2026-11-28", 7, money_cb, &ms, &e), 0);
    ck_assert_int_eq(ms.n, 2);
    ck_assert_str_eq(ms.days[0], "-");            /* unknown day first */
    ck_assert_int_eq(ms.cents[0], 975);
    ck_assert_str_eq(ms.reasons[0], "plate: empty");
    ck_assert_int_eq(ms.cents[1], 120);
    memset(&ms, 0, sizeof(ms));
    ck_assert_int_eq(ledger_each_rejrow(l, "2026-11-28", "2026-11-28", 0, money_cb, &ms, &e), 0);
    ck_assert_int_eq(ms.n, 1);
    ck_assert_int_eq(ledger_rejrow_clear(l, "in.csv", &e), 0);
    memset(&ms, 0, sizeof(ms));
    ck_assert_int_eq(ledger_each_rejrow(l, "2026-11-28", "2026-11-28", 7, money_cb, &ms, &e), 0);
    ck_assert_int_eq(ms.n, 0);

    /* two sales in Lot 4 (quarters T0 and T0 + 1800), one in Lot 9 a day earlier */
    mk(&p, "ps:1", "A1", 100, "Lot 4");
    stage(l, &p, 0);
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    p.start += 1800 + 60;
    p.end += 1800 + 60;
    stage(l, &p, 0);
    mk(&p, "ps:3", "A3", 100, "Lot 9");
    p.start -= 86400;
    p.end -= 86400;
    stage(l, &p, 0);
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(ledger_sale_counts(l, T0 - 86400, T0 + 86400, quarter_cb, &z, &e), 0);
    ck_assert_int_eq(z.n, 3);
    ck_assert_int_eq(z.sum_counts, 3);
    ck_assert_int_eq(z.sum_quarters, T0 + (T0 + 1800) + (T0 - 86400));
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(ledger_sale_counts(l, T0, T0 + 900, quarter_cb, &z, &e), 0);
    ck_assert_int_eq(z.n, 1);
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(ledger_zone_firsts(l, first_cb, &z, &e), 0);
    ck_assert_int_eq(z.n, 2);
    ck_assert_int_eq(z.lot4_first, T0);
    ck_assert_int_eq(z.lot9_first, T0 - 86400);
    ck_assert_int_eq(ledger_zone_last_start(l, "Lot 4", &last, &e), 0);
    ck_assert_int_eq(last, T0 + 1860);
    ck_assert_int_eq(ledger_zone_last_start(l, "Nowhere", &last, &e), 0);
    ck_assert_int_eq(last, 0);
    ledger_close(l);
}
END_TEST

START_TEST(test_queries_and_prune)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_filter f = { -1, NULL, NULL, 0 };
    struct live lv;
    struct permit p;
    struct etl_err e;
    long removed;
    int n;

    mk(&p, "ps:1", "A1", 100, "Lot 4");
    snprintf(p.permit_no, sizeof(p.permit_no), "P1");
    stage(l, &p, 0);
    push_ok(l, "ps:1", "R1");
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    stage(l, &p, 0);
    push_ok(l, "ps:2", "R2");
    mk(&p, "ps:3", "A2", 100, "Lot 4");
    p.start -= 86400LL * 10;
    p.end -= 86400LL * 10;
    stage(l, &p, 0);
    push_ok(l, "ps:3", "R3");
    mk(&p, "ps:4", "A4", 100, "Lot 4");    /* old but pending: never pruned */
    p.start -= 86400LL * 10;
    p.end -= 86400LL * 10;
    stage(l, &p, 0);

    n = 0;
    ck_assert_int_eq(ledger_list(l, &f, count_cb, &n, &e), 0);
    ck_assert_int_eq(n, 4);
    n = 0;
    f.plate = "A2";
    ck_assert_int_eq(ledger_list(l, &f, count_cb, &n, &e), 0);
    ck_assert_int_eq(n, 2);
    n = 0;
    f.plate = NULL;
    f.state = LS_PENDING;
    ck_assert_int_eq(ledger_list(l, &f, count_cb, &n, &e), 0);
    ck_assert_int_eq(n, 1);
    n = 0;
    ck_assert_int_eq(ledger_each_in_range(l, T0, T0 + 86400, count_cb, &n, &e), 0);
    ck_assert_int_eq(n, 2);

    memset(&lv, 0, sizeof(lv));
    ck_assert_int_eq(ledger_live_counts(l, live_cb, &lv, &e), 0);
    ck_assert_int_eq(lv.n, 2);
    ck_assert_str_eq(lv.rows[0], "standard|Lot 4|matched|1");
    ck_assert_str_eq(lv.rows[1], "temp|Lot 4|matched|2");

    {
        struct ledger_rec r;
        char hash3[65];
        enum ledger_stage_outcome oc;

        ledger_rec_init(&r);
        ck_assert_int_eq(ledger_get(l, "ps:3", &r, &e), 1);
        snprintf(hash3, sizeof(hash3), "%s", r.hash);
        ck_assert_int_eq(ledger_prune(l, T0 - 86400, &removed, &e), 0);
        ck_assert_int_eq(removed, 1);
        /* ps:3 is a plate-free tombstone: key, hash, state, reference,
         * zone, amount kept; plate, record JSON and body gone */
        ck_assert_int_eq(ledger_get(l, "ps:3", &r, &e), 1);
        ck_assert_int_eq(r.pruned, 1);
        ck_assert_str_eq(r.p.plate, "");
        ck_assert_str_eq(r.hash, hash3);
        ck_assert_str_eq(r.reference_id, "R3");
        ck_assert_int_eq(r.state, LS_PUSHED);
        ck_assert_str_eq(r.p.zone, "Lot 4");
        ck_assert_int_eq(r.p.cents, 100);
        ck_assert_int_eq((int)r.record.len, 0);
        ck_assert_int_eq((int)r.body.len, 0);
        ck_assert_ptr_nonnull(r.srv_body.ptr);
        ck_assert_ptr_null(strstr(r.srv_body.ptr, "A2"));
        ck_assert_ptr_nonnull(strstr(r.srv_body.ptr, "Lot 4"));
        /* the old pending record of the same age is untouched */
        ck_assert_int_eq(ledger_get(l, "ps:4", &r, &e), 1);
        ck_assert_int_eq(r.pruned, 0);
        ck_assert_str_eq(r.p.plate, "A4");
        /* pruning again finds nothing new */
        ck_assert_int_eq(ledger_prune(l, T0 - 86400, &removed, &e), 0);
        ck_assert_int_eq(removed, 0);
        /* the same record staged again: unchanged, nothing to send */
        mk(&p, "ps:3", "A2", 100, "Lot 4");
        p.start -= 86400LL * 10;
        p.end -= 86400LL * 10;
        ck_assert_int_eq(ledger_stage(l, &p, 0, &oc, &e), 0);
        ck_assert_int_eq(oc, LSO_UNCHANGED);
        /* changed amount: an update of the live permit R3, never a push */
        p.cents = 250;
        ck_assert_int_eq(ledger_stage(l, &p, 0, &oc, &e), 0);
        ck_assert_int_eq(oc, LSO_UPDATE);
        ck_assert_int_eq(ledger_get(l, "ps:3", &r, &e), 1);
        ck_assert_int_eq(r.pruned, 0);
        ck_assert_int_eq(r.action, LA_UPDATE);
        ck_assert_str_eq(r.reference_id, "R3");
        ck_assert_str_eq(r.p.plate, "A2");
        ledger_rec_release(&r);
    }
    /* live counts and period queries still count the tombstone */
    memset(&lv, 0, sizeof(lv));
    ck_assert_int_eq(ledger_live_counts(l, live_cb, &lv, &e), 0);
    ck_assert_int_eq(lv.n, 2);
    ck_assert_str_eq(lv.rows[1], "temp|Lot 4|matched|2");
    n = 0;
    f.state = -1;
    ck_assert_int_eq(ledger_list(l, &f, count_cb, &n, &e), 0);
    ck_assert_int_eq(n, 4);
    ledger_close(l);
}
END_TEST

/* --- live counts (issue 20): the live_counts table against a scan ----------- */

static int on_pg(void)
{
    return !strncmp(path, "postgres", 8);
}

/* Runs sql on the ledger's database through a connection of its own
 * (PostgreSQL: in the schema permit_etl); each result row is appended to
 * out (if not NULL) as its values joined by '|', one line per row. */
static void db_sql(const char *sql, struct buf *out)
{
    if (out)
        buf_reset(out);
    if (on_pg()) {
        PGconn *c = PQconnectdb(path);
        struct buf q = BUF_INIT;
        PGresult *r;
        int i, j;

        ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
        ck_assert_int_eq(buf_addf(&q, "SET search_path = permit_etl; "
                                  "SET client_min_messages = warning; %s", sql), 0);
        r = PQexec(c, q.ptr);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK ||
                      PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql,
                      PQerrorMessage(c));
        for (i = 0; out && PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
            for (j = 0; j < PQnfields(r); j++)
                ck_assert_int_eq(buf_addf(out, "%s%s", PQgetvalue(r, i, j),
                                          j + 1 < PQnfields(r) ? "|" : "\n"), 0);
        PQclear(r);
        PQfinish(c);
        buf_release(&q);
    } else {
        sqlite3 *db;
        sqlite3_stmt *st;
        const char *tail = sql;
        int rc, j;

        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 10000);
        while (tail && *tail) {
            ck_assert_msg(sqlite3_prepare_v2(db, tail, -1, &st, &tail) == SQLITE_OK, "%s: %s",
                          sql, sqlite3_errmsg(db));
            if (!st)
                break;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                for (j = 0; out && j < sqlite3_column_count(st); j++) {
                    const unsigned char *t = sqlite3_column_text(st, j);

                    ck_assert_int_eq(buf_addf(out, "%s%s", t ? (const char *)t : "",
                                              j + 1 < sqlite3_column_count(st) ? "|" : "\n"),
                                     0);
                }
            ck_assert_msg(rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
    }
}

/* The reference: the scan `stats` ran before the live_counts table, over
 * every record the server holds, written here on its own (srv_body '':
 * the server holds the row's own body, whose permitNo and zone are the
 * row's permit_no and zone, left out of the body when empty). */
#define REF_SCAN(JTXT)                                                        \
    "SELECT type, szone, CASE WHEN szone = zone THEN zone_status ELSE '' END, " \
    "count(*) FROM (SELECT CASE WHEN srv_body = '' THEN "                    \
    "CASE WHEN permit_no = '' THEN 'temp' ELSE 'standard' END "               \
    "WHEN " JTXT("permitNo") " IS NULL THEN 'temp' ELSE 'standard' END AS type, " \
    "CASE WHEN srv_body = '' THEN zone ELSE coalesce(" JTXT("zone") ", '') END AS szone, " \
    "zone, zone_status FROM records WHERE srv_body IS NOT NULL) x "            \
    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
#define SQ_JTXT(k) "json_extract(srv_body, '$." k "')"
#define PG_JTXT(k) "(CASE WHEN srv_body = '' THEN NULL ELSE nullif(srv_body, '')::json->>'" k "' END)"

static void live_buf_cb(void *ctx, const char *type, const char *zone, const char *zs,
                        long n)
{
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(buf_addf(ctx, "%s|%s|%s|%ld\n", type, zone, zs, n), 0);
}

/* ledger_live_counts() through l equals the reference scan; no group of the
 * table sums to a negative count. `want` (if not NULL): the expected rows. */
static void live_check(struct ledger *l, const char *want, const char *when)
{
    struct buf got = BUF_INIT, ref = BUF_INIT, neg = BUF_INIT;
    struct etl_err e;

    ck_assert_msg(ledger_live_counts(l, live_buf_cb, &got, &e) == 0, "%s: %s", when, e.msg);
    db_sql(on_pg() ? REF_SCAN(PG_JTXT) : REF_SCAN(SQ_JTXT), &ref);
    ck_assert_msg(!strcmp(got.ptr ? got.ptr : "", ref.ptr ? ref.ptr : ""),
                  "%s: live counts\n%s differ from the scan\n%s", when,
                  got.ptr ? got.ptr : "", ref.ptr ? ref.ptr : "");
    if (want)
        ck_assert_msg(!strcmp(got.ptr ? got.ptr : "", want), "%s: got\n%swant\n%s", when,
                      got.ptr ? got.ptr : "", want);
    db_sql("SELECT count(*) FROM (SELECT sum(n) AS s FROM live_counts "
           "GROUP BY type, zone, zone_status) x WHERE s < 0", &neg);
    ck_assert_msg(!strcmp(neg.ptr, "0\n"), "%s: %s groups below 0", when, neg.ptr);
    buf_release(&got);
    buf_release(&ref);
    buf_release(&neg);
}

/* Answers the record's pending action with its outcome. */
static void send_ok(struct ledger *l, const char *key, const char *ref)
{
    struct ledger_rec r;
    struct etl_err e;
    int more = 1;

    ledger_rec_init(&r);
    while (more) {
        get(l, key, &r);
        ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
        ck_assert_int_eq(ledger_done_ok(l, r.id, r.action, ref, &more, &e), 0);
    }
    ledger_rec_release(&r);
}

/* A mixed sequence of every change of a record; after each step the
 * counts equal the scan. */
START_TEST(test_live_counts)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    long removed;
    int more;

    ledger_rec_init(&r);
    live_check(l, "", "empty");
    mk(&p, "ps:A", "AAA", 100, "Lot 4");
    snprintf(p.permit_no, sizeof(p.permit_no), "P1");
    stage(l, &p, 0);
    mk(&p, "ps:B", "BBB", 100, "Lot 4");
    stage(l, &p, 0);
    mk(&p, "ps:C", "CCC", 100, "Lot 5");
    p.zone_status = ZONE_ALIAS;
    stage(l, &p, 0);
    mk(&p, "ps:D", "DDD", 100, "Lot 5");    /* staged, never sent */
    stage(l, &p, 0);
    mk(&p, "ps:OLD", "OLD1", 100, "Lot 4");  /* ended long ago: pruned below */
    p.start -= 86400LL * 10;
    p.end -= 86400LL * 10;
    stage(l, &p, 0);
    live_check(l, "", "staged");
    send_ok(l, "ps:A", "RA");
    send_ok(l, "ps:B", "RB");
    send_ok(l, "ps:C", "RC");
    send_ok(l, "ps:OLD", "ROLD");
    live_check(l, "standard|Lot 4|matched|1\ntemp|Lot 4|matched|2\ntemp|Lot 5|alias|1\n",
               "pushed");
    /* a failure and a retry of D change nothing */
    get(l, "ps:D", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_retry(l, r.id, 1, "timeout", &e), 0);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_failed(l, r.id, "bad", 0, &e), 0);
    live_check(l, NULL, "failed");
    /* B moves to Lot 5 (a repush: deleted first, then pushed) */
    mk(&p, "ps:B", "BBB", 100, "Lot 5");
    ck_assert_int_eq(stage(l, &p, 0), LSO_REPUSH);
    get(l, "ps:B", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_REPUSH, "RB", &more, &e), 0);
    ck_assert_int_eq(more, 1);
    live_check(l, "standard|Lot 4|matched|1\ntemp|Lot 4|matched|1\ntemp|Lot 5|alias|1\n",
               "repush: deleted");
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_PUSH, "RB2", &more, &e), 0);
    live_check(l, "standard|Lot 4|matched|1\ntemp|Lot 4|matched|1\ntemp|Lot 5|alias|1\n"
               "temp|Lot 5|matched|1\n", "repush: pushed");
    /* A loses its permit number (standard -> temp); C's amount changes (an
     * update within its group) */
    mk(&p, "ps:A", "AAA", 100, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_REPUSH);
    send_ok(l, "ps:A", "RA2");
    mk(&p, "ps:C", "CCC", 250, "Lot 5");
    p.zone_status = ZONE_ALIAS;
    ck_assert_int_eq(stage(l, &p, 0), LSO_UPDATE);
    send_ok(l, "ps:C", "RC");
    live_check(l, "temp|Lot 4|matched|2\ntemp|Lot 5|alias|1\ntemp|Lot 5|matched|1\n",
               "permit number and amount changed");
    /* an admin update to another zone: the server's zone is not the row's */
    get(l, "ps:C", &r);
    ck_assert_int_eq(ledger_admin_update(l, r.id, "{\"zone\":\"Lot 7\"}",
                                         "{\"zone\":\"Lot 7\",\"permitNo\":\"X\"}", &e), 0);
    send_ok(l, "ps:C", "RC");
    live_check(l, "standard|Lot 7||1\ntemp|Lot 4|matched|2\ntemp|Lot 5|matched|1\n",
               "admin update");
    /* a void of B (deleted) and an admin delete of C */
    mk(&p, "ps:B", "BBB", 100, "Lot 5");
    p.voided = 1;
    ck_assert_int_eq(stage(l, &p, 0), LSO_VOID_DELETE);
    send_ok(l, "ps:B", "RB2");
    get(l, "ps:C", &r);
    ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);
    send_ok(l, "ps:C", "RC");
    live_check(l, "temp|Lot 4|matched|2\n", "void and admin delete");
    /* a transaction rolled back leaves the counts as they were */
    ck_assert_int_eq(ledger_begin(l, &e), 0);
    mk(&p, "ps:E", "EEE", 100, "Lot 9");
    stage(l, &p, 0);
    get(l, "ps:E", &r);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_PUSH, "RE", &more, &e), 0);
    get(l, "ps:A", &r);
    ck_assert_int_eq(ledger_admin_delete(l, r.id, &e), 0);
    ck_assert_int_eq(ledger_mark_sending(l, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(l, r.id, LA_DELETE, "RA2", &more, &e), 0);
    ledger_rollback(l);
    ck_assert_int_eq(ledger_get(l, "ps:E", &r, &e), 0);
    live_check(l, "temp|Lot 4|matched|2\n", "rolled back");
    /* rows whose srv_body is '' (the server holds the row's own body),
     * written directly: D becomes live with its own columns' group; a new
     * row with a permit number and no zone; then their columns change */
    db_sql("UPDATE records SET srv_body = '', body = '', record = '', target = '' "
           "WHERE key = 'ps:D'", NULL);
    db_sql("INSERT INTO records (key, plate, cents, currency, start_time, end_time, "
           "vendor_zone, zone, zone_status, permit_no, ticket, promo, voided, source, line, "
           "body, hash, upd, target, srv_body, record, reference_id, state, action, "
           "first_seen, last_seen) VALUES ('ps:F', 'FFF', 100, 'CAD', 1795874400, "
           "1795878000, 'Lot 4', '', 'missing', 'PF', '', '', 0, 'in.csv', 9, '', 'h', "
           "NULL, '', '', '', 'RF', 'pushed', 'none', 't', 't')", NULL);
    live_check(l, "standard||missing|1\ntemp|Lot 4|matched|2\ntemp|Lot 5|matched|1\n",
               "'' rows");
    db_sql("UPDATE records SET zone = 'Lot 6', zone_status = 'alias' WHERE key = 'ps:D'",
           NULL);
    db_sql("UPDATE records SET permit_no = '' WHERE key = 'ps:F'", NULL);
    live_check(l, "temp||missing|1\ntemp|Lot 4|matched|2\ntemp|Lot 6|alias|1\n",
               "'' rows' columns changed");
    /* from '' to the JSON the server holds, and back */
    db_sql("UPDATE records SET srv_body = '{\"zone\":\"Lot 6\",\"permitNo\":\"Q\"}' "
           "WHERE key = 'ps:D'", NULL);
    live_check(l, "standard|Lot 6|alias|1\ntemp||missing|1\ntemp|Lot 4|matched|2\n",
               "'' to JSON");
    db_sql("UPDATE records SET srv_body = '' WHERE key = 'ps:D'", NULL);
    db_sql("UPDATE records SET srv_body = '' WHERE key = 'ps:A'", NULL);
    live_check(l, "temp||missing|1\ntemp|Lot 4|matched|2\ntemp|Lot 6|alias|1\n",
               "JSON to ''");
    /* a '' row deleted; a live one and one that is not */
    db_sql("DELETE FROM records WHERE key IN ('ps:F', 'ps:C')", NULL);
    live_check(l, "temp|Lot 4|matched|2\ntemp|Lot 6|alias|1\n", "rows deleted");
    /* prune: the old record becomes a tombstone, still live */
    ck_assert_int_eq(ledger_prune(l, T0 - 86400, &removed, &e), 0);
    ck_assert_int_eq(removed, 1);
    live_check(l, "temp|Lot 4|matched|2\ntemp|Lot 6|alias|1\n", "pruned");
    /* the last of a group deleted: the group is gone */
    db_sql("UPDATE records SET srv_body = NULL WHERE key = 'ps:D'", NULL);
    live_check(l, "temp|Lot 4|matched|2\n", "group emptied");
    ledger_close(l);
    /* read-only (another connection) */
    l = open_ok(LEDGER_READONLY);
    live_check(l, "temp|Lot 4|matched|2\n", "read-only");
    ledger_close(l);
    ledger_rec_release(&r);
}
END_TEST

/* Rows of an older ledger for the migration tests: JSON bodies with and
 * without permitNo, a server zone that is not the row's, NULL, and '' */
#define LIVE_OLD_ROWS                                                         \
    "INSERT INTO records (key, plate, cents, currency, start_time, end_time, " \
    "vendor_zone, zone, zone_status, permit_no, ticket, promo, source, line, body, hash, " \
    "srv_body, record, reference_id, state, action, first_seen, last_seen) VALUES " \
    "('k1','A',1,'CAD',1,2,'Lot 1','Lot 1','matched','P1','','','a.csv',1,'{}','h', " \
    " '{\"zone\":\"Lot 1\",\"permitNo\":\"P1\"}','{}','R1','pushed','none','t','t')," \
    "('k2','A',1,'CAD',1,2,'Lot 1','Lot 1','matched','','','','a.csv',2,'{}','h', " \
    " '{\"zone\":\"Lot 1\"}','{}','R2','pushed','none','t','t'),"            \
    "('k3','A',1,'CAD',1,2,'Lot 1','Lot 1','alias','','','','a.csv',3,'{}','h', " \
    " '{\"zone\":\"Lot 1\"}','{}','R3','pushed','none','t','t'),"            \
    "('k4','A',1,'CAD',1,2,'Lot 2','Lot 2','matched','','','','a.csv',4,'{}','h', " \
    " '{\"zone\":\"Lot 9\"}','{}','R4','pushed','none','t','t'),"            \
    "('k5','A',1,'CAD',1,2,'Lot 2','Lot 2','matched','','','','a.csv',5,'{}','h', " \
    " NULL,'{}',NULL,'pending','push','t','t'),"                             \
    "('k6','A',1,'CAD',1,2,'Lot 2','Lot 2','missing','P6','','','a.csv',6,'','h', " \
    " '','',NULL,'pushed','none','t','t'),"                                  \
    "('k7','A',1,'CAD',1,2,'','','','','','','a.csv',7,'','h', "             \
    " '','','R7','pushed','none','t','t');"
#define LIVE_OLD_WANT                                                         \
    "standard|Lot 1|matched|1\nstandard|Lot 2|missing|1\ntemp|||1\n"          \
    "temp|Lot 1|alias|1\ntemp|Lot 1|matched|1\ntemp|Lot 9||1\n"

/* A ledger at the version before live_counts, with records, gets their
 * counts when it is opened (migrated). SQLite: built from the steps'
 * own SQL. */
START_TEST(test_live_counts_migrate)
{
    struct ledger *l;
    struct buf v = BUF_INIT;
    struct etl_err e;
    sqlite3 *db;
    char *msg = NULL;
    int s;

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    for (s = 0; s < LEDGER_SCHEMA_VERSION - 1; s++) {
        ck_assert_msg(sqlite3_exec(db, ledger_migration_sql(s), NULL, NULL, &msg) == SQLITE_OK,
                      "step %d: %s", s, msg);
        /* a step that edited the schema's text: a new connection reads it */
        sqlite3_close(db);
        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    }
    ck_assert_msg(sqlite3_exec(db, LIVE_OLD_ROWS, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
    buf_reset(&v);
    ck_assert_int_eq(buf_addf(&v, "PRAGMA user_version = %d", LEDGER_SCHEMA_VERSION - 1), 0);
    ck_assert_int_eq(sqlite3_exec(db, v.ptr, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    db_sql("SELECT count(*) FROM sqlite_master WHERE name = 'live_counts'", &v);
    ck_assert_str_eq(v.ptr, "0\n");
    /* read-only: refused until migrated */
    ck_assert_ptr_null(ledger_open(path, LEDGER_READONLY, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "needs a migration"));
    l = open_ok(LEDGER_LOCK);
    live_check(l, LIVE_OLD_WANT, "migrated");
    ledger_close(l);
    db_sql("PRAGMA user_version", &v);
    ck_assert_int_eq((int)strtol(v.ptr, NULL, 10), LEDGER_SCHEMA_VERSION);
    buf_release(&v);
}
END_TEST

/* PostgreSQL: the step run on a ledger with records (its table, function
 * and triggers dropped and the version set back), and several workers:
 * outcomes of one group committed by two workers at once never wait for
 * each other; each worker's read and close fold the delta rows. */
START_TEST(test_pg_live_counts)
{
    struct ledger *a = open_ok(LEDGER_LOCK), *b;
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    struct buf v = BUF_INIT;
    char sql[200];
    int more;

    ledger_close(a);
    db_sql(LIVE_OLD_ROWS, NULL);
    snprintf(sql, sizeof(sql), "DROP TABLE live_counts; DROP FUNCTION live_counts_add(), "
             "live_counts_sub(), live_counts_upd() CASCADE; "
             "UPDATE schema_version SET version = %d", LEDGER_SCHEMA_VERSION - 1);
    db_sql(sql, NULL);
    db_sql("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'live_counts%'", &v);
    ck_assert_str_eq(v.ptr, "0\n");
    a = open_ok(LEDGER_LOCK);
    live_check(a, LIVE_OLD_WANT, "migrated");
    db_sql("DELETE FROM records", NULL);
    live_check(a, "", "rows deleted");

    ledger_rec_init(&r);
    mk(&p, "ps:1", "A1", 100, "Lot 4");
    stage(a, &p, 0);
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    stage(a, &p, 0);
    b = open_ok(LEDGER_LOCK);
    /* a's outcome for ps:1 is not committed while b commits ps:2's */
    ck_assert_int_eq(ledger_begin(a, &e), 0);
    get(a, "ps:1", &r);
    ck_assert_int_eq(ledger_mark_sending(a, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(a, r.id, LA_PUSH, "R1", &more, &e), 0);
    ck_assert_int_eq(ledger_begin(b, &e), 0);
    get(b, "ps:2", &r);
    ck_assert_int_eq(ledger_mark_sending(b, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(b, r.id, LA_PUSH, "R2", &more, &e), 0);
    ck_assert_int_eq(ledger_commit(b, &e), 0);
    /* b's read folds what it sees; a's open transaction's row stays */
    live_check(b, "temp|Lot 4|matched|1\n", "one committed");
    ck_assert_int_eq(ledger_commit(a, &e), 0);
    live_check(b, "temp|Lot 4|matched|2\n", "both committed");
    db_sql("SELECT count(*) FROM live_counts", &v);
    ck_assert_str_eq(v.ptr, "1\n");                  /* folded */
    /* ps:1 deleted by a: a delta row until a closes */
    get(a, "ps:1", &r);
    ck_assert_int_eq(ledger_admin_delete(a, r.id, &e), 0);
    send_ok(a, "ps:1", "R1");
    db_sql("SELECT count(*) FROM live_counts", &v);
    ck_assert_str_eq(v.ptr, "2\n");
    ledger_close(a);
    db_sql("SELECT count(*) FROM live_counts", &v);
    ck_assert_str_eq(v.ptr, "1\n");
    live_check(b, "temp|Lot 4|matched|1\n", "after a's close");
    ledger_close(b);
    ledger_rec_release(&r);
    buf_release(&v);
}
END_TEST

START_TEST(test_files_and_tmp)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_file f = { 120, 1700000000, "ab", "cd", 0 }, g;
    struct permit p, q;
    struct buf src = BUF_INIT;
    struct etl_err e;
    int64_t cur = 0;
    int final;

    ck_assert_int_eq(ledger_file_get(l, "in.csv", &g, &e), 0);
    ck_assert_int_eq(ledger_file_put(l, "in.csv", &f, &e), 0);
    ck_assert_int_eq(ledger_file_get(l, "in.csv", &g, &e), 1);
    ck_assert_int_eq(g.size, 120);
    ck_assert_int_eq(g.mtime, 1700000000);
    ck_assert_str_eq(g.sha256, "ab");
    ck_assert_int_eq(g.final, 0);

    mk(&p, "ps:1", "A1", 100, "Lot 4");
    p.voided = 1;
    ck_assert_int_eq(ledger_begin(l, &e), 0);
    ck_assert_int_eq(ledger_tmp_add(l, &p, &e), 0);
    mk(&p, "ps:2", "A2", 250, "Lot 5");
    ck_assert_int_eq(ledger_tmp_add(l, &p, &e), 0);
    ck_assert_int_eq(ledger_commit(l, &e), 0);
    ck_assert_int_eq(ledger_tmp_next(l, &cur, &q, &src, &e), 1);
    ck_assert_str_eq(q.key, "ps:1");
    ck_assert_int_eq(q.voided, 1);
    ck_assert_int_eq(ledger_tmp_next(l, &cur, &q, &src, &e), 1);
    ck_assert_str_eq(q.key, "ps:2");
    ck_assert_int_eq(q.cents, 250);
    ck_assert_str_eq(q.zone, "Lot 5");
    ck_assert_str_eq(q.source, "in.csv");
    ck_assert_int_eq(q.line, 2);
    ck_assert_int_eq(q.start, T0);
    ck_assert_int_eq(ledger_tmp_next(l, &cur, &q, &src, &e), 0);
    ck_assert_int_eq(ledger_tmp_clear(l, &e), 0);
    cur = 0;
    ck_assert_int_eq(ledger_tmp_next(l, &cur, &q, &src, &e), 0);

    stage(l, &p, 0);
    ck_assert_int_eq(ledger_file_update_final(l, "in.csv", &final, &e), 0);
    ck_assert_int_eq(final, 0);
    push_ok(l, "ps:2", "R2");
    ck_assert_int_eq(ledger_file_update_final(l, "in.csv", &final, &e), 0);
    ck_assert_int_eq(final, 1);
    ck_assert_int_eq(ledger_file_get(l, "in.csv", &g, &e), 1);
    ck_assert_int_eq(g.final, 1);
    buf_release(&src);
    ledger_close(l);
}
END_TEST

/* Records parked then merged one by one (push's merge): a sale and its
 * void in the same batch (the void sees the sale just staged), a changed
 * record staged before, a new one; a source with a tab, a backslash, a
 * newline and a byte that is not UTF-8 comes back (PostgreSQL stores
 * that byte as the text \xE9). */
START_TEST(test_tmp_merge)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    static const char odd[] = "d\tir\\x\n\xE9.csv";
    const char *odd_back = !strncmp(path, "postgres", 8) ? "d\tir\\x\n\\xE9.csv" : odd;
    enum ledger_stage_outcome want[] = { LSO_NEW, LSO_VOID, LSO_PUSH, LSO_NEW }, got[4];
    struct permit p, q;
    struct ledger_rec r;
    struct buf src = BUF_INIT;
    struct etl_err e;
    int64_t cur = 0;
    int n = 0, rc;

    mk(&p, "ps:9", "B9", 100, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    ck_assert_int_eq(ledger_begin(l, &e), 0);
    mk(&p, "ps:8", "B8", 300, "Lot 4");
    p.source = odd;
    ck_assert_int_eq(ledger_tmp_add(l, &p, &e), 0);
    p.voided = 1;
    ck_assert_int_eq(ledger_tmp_add(l, &p, &e), 0);
    mk(&p, "ps:9", "B9", 200, "Lot 4");
    ck_assert_int_eq(ledger_tmp_add(l, &p, &e), 0);
    mk(&p, "ps:10", "B10", 400, "Lot 5");
    ck_assert_int_eq(ledger_tmp_add(l, &p, &e), 0);
    while ((rc = ledger_tmp_next(l, &cur, &q, &src, &e)) == 1) {
        ck_assert_int_lt(n, 4);
        if (n < 2)
            ck_assert_str_eq(q.source, odd_back);
        ck_assert_msg(ledger_stage(l, &q, 0, &got[n], &e) == 0, "stage: %s", e.msg);
        ck_assert_int_eq(got[n], want[n]);
        n++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(ledger_tmp_clear(l, &e), 0);
    ck_assert_int_eq(ledger_commit(l, &e), 0);
    ledger_rec_init(&r);
    get(l, "ps:8", &r);
    ck_assert_int_eq(r.state, LS_CANCELLED);
    get(l, "ps:9", &r);
    ck_assert_int_eq(r.p.cents, 200);
    ck_assert_int_eq(r.state, LS_PENDING);
    get(l, "ps:10", &r);
    ck_assert_int_eq(r.state, LS_PENDING);
    ledger_rec_release(&r);
    buf_release(&src);
    ledger_close(l);
}
END_TEST

START_TEST(test_dry_and_readonly)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;

    ledger_rec_init(&r);
    mk(&p, "ps:1", "A1", 100, "Lot 4");
    stage(l, &p, 0);
    ledger_close(l);
    /* dry: sees the ledger, writes go nowhere */
    l = open_ok(LEDGER_DRY);
    get(l, "ps:1", &r);
    mk(&p, "ps:2", "A2", 100, "Lot 4");
    ck_assert_int_eq(stage(l, &p, 0), LSO_NEW);
    ledger_close(l);
    l = open_ok(LEDGER_READONLY);
    ck_assert_int_eq(ledger_get(l, "ps:2", &r, &e), 0);
    get(l, "ps:1", &r);
    ck_assert_int_eq(ledger_stage(l, &p, 0, &(enum ledger_stage_outcome){0}, &e), -1);
    ledger_close(l);
    /* neither creates a missing ledger */
    snprintf(path, sizeof(path), "%s/none.db", dir);
    l = open_ok(LEDGER_READONLY);
    ck_assert_int_eq(ledger_get(l, "ps:1", &r, &e), 0);
    ledger_close(l);
    l = open_ok(LEDGER_DRY);
    ledger_close(l);
    ck_assert_int_ne(access(path, F_OK), 0);
    ledger_rec_release(&r);
}
END_TEST

/* PostgreSQL: the schema and its version; a URI with a password refused
 * without echoing it. */
START_TEST(test_pg_schema)
{
    struct ledger *l = open_ok(LEDGER_LOCK);
    char v[64], uri[400];
    struct etl_err e;

    ck_assert_str_eq(ledger_backend_name(l), "postgresql");
    ledger_close(l);
    pg_sql("SELECT version FROM permit_etl.schema_version", v, sizeof(v));
    ck_assert_int_eq((int)strtol(v, NULL, 10), LEDGER_SCHEMA_VERSION);
    /* reopening migrates nothing; a newer version is refused */
    l = open_ok(LEDGER_LOCK);
    ledger_close(l);
    pg_sql("UPDATE permit_etl.schema_version SET version = 99", v, sizeof(v));
    ck_assert_ptr_null(ledger_open(path, 0, &e));
    ck_assert_int_eq(e.code, E_DB);
    ck_assert_ptr_nonnull(strstr(e.msg, "schema version 99"));
    /* a state outside the list is refused by the server */
    pg_sql("UPDATE permit_etl.schema_version SET version = 0; "
           "DROP TABLE permit_etl.records; DROP TABLE permit_etl.files", v, sizeof(v));
    l = open_ok(LEDGER_LOCK);
    ledger_close(l);
    pg_sql("SELECT count(*) FROM pg_constraint WHERE conname = 'records_state_check' "
           "AND pg_get_constraintdef(oid) LIKE '%voided%'", v, sizeof(v));
    ck_assert_str_eq(v, "1");
    /* passwords: user:pass@ and ?password= */
    ck_assert_ptr_null(ledger_open("postgresql://etl:Sekr3tPw@127.0.0.1:1/etl", 0, &e));
    ck_assert_int_eq(e.code, E_CONFIG);
    ck_assert_ptr_null(strstr(e.msg, "Sekr3tPw"));
    snprintf(uri, sizeof(uri), "%s?password=Sekr3tPw", path);
    ck_assert_ptr_null(ledger_open(uri, 0, &e));
    ck_assert_int_eq(e.code, E_CONFIG);
    ck_assert_ptr_null(strstr(e.msg, "Sekr3tPw"));
    /* an unreachable server: libpq's message */
    ck_assert_ptr_null(ledger_open("postgresql://etl@127.0.0.1:1/etl?connect_timeout=2", 0, &e));
    ck_assert_int_eq(e.code, E_DB);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot connect"));
}
END_TEST

/* Two workers: claims exclude each other; an expired lease puts the record
 * in doubt for the next claimer, and the first worker's late outcome is
 * discarded; the waiting worker waits for the other's lease. */
START_TEST(test_pg_workers)
{
    struct ledger *a = open_ok(LEDGER_LOCK), *b;
    struct ledger_rec r;
    struct permit p;
    struct etl_err e;
    int64_t cur = 0;
    int more, i, got;
    char v[400];

    ledger_rec_init(&r);
    for (i = 1; i <= 3; i++) {
        char key[16], plate[16];

        snprintf(key, sizeof(key), "ps:%d", i);
        snprintf(plate, sizeof(plate), "A%d", i);
        mk(&p, key, plate, 100, "Lot 4");
        stage(a, &p, 0);
    }
    b = open_ok(LEDGER_LOCK);
    ledger_set_claim(a, 2, 1);     /* two at a time, a lease of 2 s */
    ledger_set_claim(b, 2, 1);
    ck_assert_int_eq(ledger_next_pending(a, &cur, &r, &e), 1);
    ck_assert_str_eq(r.p.key, "ps:1");
    ck_assert_int_eq(ledger_count_state(a, LS_SENDING, &e), 2);   /* the window */
    cur = 0;
    ck_assert_int_eq(ledger_next_pending(b, &cur, &r, &e), 1);
    ck_assert_str_eq(r.p.key, "ps:3");                            /* skipped a's */
    ck_assert_int_eq(ledger_mark_sending(b, r.id, 0, &e), 0);
    ck_assert_int_eq(ledger_done_ok(b, r.id, LA_PUSH, "R3", &more, &e), 0);
    ck_assert_int_eq(ledger_next_pending(b, &cur, &r, &e), 0);    /* only a's left */
    get(a, "ps:1", &r);
    ck_assert_int_eq(ledger_mark_sending(a, r.id, 0, &e), 0);
    /* a stalls: b waits for a's leases, then claims them, in doubt */
    ck_assert_int_eq(ledger_wait_others(b, &more, &e), 0);
    ck_assert_int_eq(more, 1);
    /* ps:2's lease (claimed, never handed out) can expire before ps:1's,
     * which a's mark renewed a moment later: wait for ps:1's too */
    for (i = 0; i < 200; i++) {
        pg_sql("SELECT count(*) FROM permit_etl.records WHERE key = 'ps:1' "
               "AND lease < clock_timestamp()", v, sizeof(v));
        if (!strcmp(v, "1"))
            break;
        usleep(50000);
    }
    ledger_set_claim(b, 1, 1);     /* one at a time: in id order */
    cur = 0;
    ck_assert_int_eq(ledger_next_pending(b, &cur, &r, &e), 1);
    ck_assert_str_eq(r.p.key, "ps:1");
    ck_assert_int_eq(r.doubt, 1);
    ck_assert_int_eq(ledger_mark_sending(b, r.id, 0, &e), 0);
    /* a's outcome arrives late: discarded */
    ck_assert_int_eq(ledger_done_ok(a, r.id, LA_PUSH, "RA", &more, &e), 0);
    get(b, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_SENDING);
    ck_assert_str_eq(r.reference_id, "");
    ck_assert_int_eq(ledger_done_ok(b, r.id, LA_PUSH, "RB", &more, &e), 0);
    get(b, "ps:1", &r);
    ck_assert_int_eq(r.state, LS_PUSHED);
    ck_assert_str_eq(r.reference_id, "RB");
    ck_assert_int_eq(r.resent_after_doubt, 1);
    /* a's other claim (ps:2, never handed out) expired too: b takes it */
    ck_assert_int_eq(ledger_next_pending(b, &cur, &r, &e), 1);
    ck_assert_str_eq(r.p.key, "ps:2");
    ck_assert_int_eq(r.doubt, 1);
    /* a worker that ends gives back what it holds: b's claim of ps:2 was
     * handed out, so it comes back in doubt */
    ledger_close(b);
    pg_sql("SELECT state || ',' || doubt || ',' || coalesce(worker, '-') "
           "FROM permit_etl.records WHERE key = 'ps:2'", v, sizeof(v));
    ck_assert_str_eq(v, "pending,1,-");
    /* the file lock: one holder at a time, per canonical path */
    b = open_ok(LEDGER_LOCK);
    snprintf(v, sizeof(v), "%s/x.csv", dir);
    {
        FILE *f = fopen(v, "w");

        ck_assert_ptr_nonnull(f);
        fclose(f);
    }
    ck_assert_int_eq(chdir(dir), 0);   /* another spelling of the same file */
    ck_assert_int_eq(ledger_file_lock(a, "./x.csv", &got, &e), 0);
    ck_assert_int_eq(got, 1);
    ck_assert_int_eq(ledger_file_lock(b, v, &got, &e), 0);
    ck_assert_int_eq(got, 0);
    ledger_file_unlock(a, "./x.csv");
    ck_assert_int_eq(ledger_file_lock(b, v, &got, &e), 0);
    ck_assert_int_eq(got, 1);
    ledger_close(b);
    /* b's session ended (the server notices within moments) */
    for (i = 0, got = 0; i < 100 && !got; i++) {
        ck_assert_int_eq(ledger_file_lock(a, v, &got, &e), 0);
        if (!got)
            usleep(50000);
    }
    ck_assert_int_eq(got, 1);
    ledger_rec_release(&r);
    ledger_close(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ledger");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_schema);
    tcase_add_test(tc, test_migrate_v1);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_body);
    tcase_add_test(tc, test_compact);
    tcase_add_loop_test(tc, test_staged_json, 0,
                        sizeof(staged_json_cases) / sizeof(staged_json_cases[0]));
    tcase_add_loop_test(tc, test_changes, 0, sizeof(change_cases) / sizeof(change_cases[0]));
    tcase_add_test(tc, test_change_before_push);
    tcase_add_test(tc, test_voids);
    tcase_add_loop_test(tc, test_void_table, 0, (int)(sizeof(void_rows) / sizeof(void_rows[0])));
    tcase_add_test(tc, test_void_runs);
    tcase_add_test(tc, test_migrate_v1_voids);
    tcase_add_test(tc, test_held);
    tcase_add_test(tc, test_doubt);
    tcase_add_test(tc, test_outcomes);
    tcase_add_test(tc, test_admin_keeps_hash);
    tcase_add_test(tc, test_queries_and_prune);
    tcase_add_test(tc, test_live_counts);
    tcase_add_test(tc, test_live_counts_migrate);
    tcase_add_test(tc, test_money_and_zones);
    tcase_add_test(tc, test_files_and_tmp);
    tcase_add_test(tc, test_tmp_merge);
    tcase_add_test(tc, test_dry_and_readonly);
    suite_add_tcase(s, tc);
    if (getenv("TEST_LEDGER_URI")) {
        /* the same tests on PostgreSQL (not those of SQLite's files, lock
         * and kill-by-close), and those of several workers */
        tc = tcase_create("postgresql");
        tcase_add_checked_fixture(tc, setup_pg, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_pg_schema);
        tcase_add_test(tc, test_pg_workers);
        tcase_add_test(tc, test_body);
        tcase_add_test(tc, test_compact);
        tcase_add_loop_test(tc, test_staged_json, 0,
                            sizeof(staged_json_cases) / sizeof(staged_json_cases[0]));
        tcase_add_loop_test(tc, test_changes, 0,
                            sizeof(change_cases) / sizeof(change_cases[0]));
        tcase_add_test(tc, test_change_before_push);
        tcase_add_test(tc, test_voids);
        tcase_add_loop_test(tc, test_void_table, 0,
                            (int)(sizeof(void_rows) / sizeof(void_rows[0])));
        tcase_add_test(tc, test_void_runs);
        tcase_add_test(tc, test_held);
        tcase_add_test(tc, test_outcomes);
        tcase_add_test(tc, test_admin_keeps_hash);
        tcase_add_test(tc, test_queries_and_prune);
        tcase_add_test(tc, test_live_counts);
        tcase_add_test(tc, test_pg_live_counts);
        tcase_add_test(tc, test_money_and_zones);
        tcase_add_test(tc, test_files_and_tmp);
        tcase_add_test(tc, test_tmp_merge);
        suite_add_tcase(s, tc);
    }
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
