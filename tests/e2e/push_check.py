#!/usr/bin/env python3
"""push_check.py — helpers of the push end-to-end tests (t_push*.sh,
t_kill*.sh, t_ledger*.sh): generate inputs, read the sandbox's state file and
the ledger (a SQLite file, or a postgresql:// URI read through psql), check
that they agree.

  gen N OUT [FIRST]            paystation CSV with N rows (ids R<FIRST>...)
  requests STATE [OP]          requests the sandbox received (total or per op)
  live STATE                   live (not deleted) permits
  dropped STATE                responses dropped by --drop-every
  ledger-count LEDGER [STATE]  records in the ledger (in that state)
  sql LEDGER SQL               rows of a query, columns joined by |
  pg-name FILE                 the database of a ledger file on a PostgreSQL run
  ledger-field LEDGER KEY COL  one column of one record
  live-counts LEDGER           the ledger's live_counts table (summed per
                               group) == the live records counted here from
                               their srv_body (type, server zone, zone status);
                               no group below 0. Prints "groups=.. live=..".
  compare-jsonout STATE JSONL  live permits == the --json-out records, field for field
  check STATE LEDGER N [MAXDUP]
      every one of N records is pushed in the ledger, its reference_id is a
      live permit with exactly the ledger's server copy; every live permit
      not referenced by the ledger duplicates a record flagged
      resent_after_doubt; at most MAXDUP such duplicates (default: no limit).
      Prints "pushed=.. live=.. dups=.. resent=..".
"""
import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter

CANON = ["LicencePlate", "Amount", "CurrencyID", "startTime", "endTime", "zone",
         "permitNo", "TicketNumber", "promoCode"]
ZONES = ["Lot 01", "Lot 02", "Lot 03", "Lot 04", "Lot 05", "Lot 06", "Red Lot", "Blue Lot"]


class PgLedger:
    """The PostgreSQL ledger (a postgresql:// URI) read through psql, with
    the few calls of sqlite3 these checks use."""

    def __init__(self, uri):
        self.uri = uri
        self.psql = os.path.join(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"), "psql")

    def execute(self, sql, params=()):
        for v in params:
            sql = sql.replace("?", "'" + str(v).replace("'", "''") + "'", 1)
        # rows as JSON keep their types (integers stay integers)
        q = "SELECT coalesce(json_agg(t), '[]') FROM (%s) t" % sql
        out = subprocess.run([self.psql, "-XAtq", "-d", self.uri, "-c",
                              "SET search_path = permit_etl", "-c", q],
                             check=True, capture_output=True, text=True).stdout
        rows = json.loads(out, object_pairs_hook=lambda kv: tuple(v for _, v in kv))
        return Rows(rows)


class Rows(list):
    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return list(self)


def pg_name(spec):
    """The database that stands for the ledger file `spec` on a PostgreSQL
    run of the e2e tests (lib.sh's ledger_uri): its path relative to the
    test's directory (E2E_TOP), so ledger.db of two subdirectories are two
    ledgers, as on SQLite."""
    top = os.environ.get("E2E_TOP") or os.getcwd()
    rel = os.path.normpath(os.path.relpath(os.path.abspath(spec), top))
    b = "".join(c if c.isascii() and c.isalnum() else "_" for c in rel).lower()
    if len(b) > 50:
        import hashlib
        b = b[:40] + hashlib.sha256(rel.encode()).hexdigest()[:10]
    return "l_" + b


def connect(spec):
    """A SQLite ledger file or a PostgreSQL URI; on a PostgreSQL run of the
    e2e tests (E2E_PG_BASE set by lib.sh) a file name is its database."""
    if spec.startswith(("postgresql://", "postgres://")):
        return PgLedger(spec)
    if os.environ.get("E2E_PG_BASE"):
        return PgLedger(os.environ["E2E_PG_BASE"] + "/" + pg_name(spec))
    return sqlite3.connect(spec)


def gen(n, out, first=1):
    with open(out, "w", newline="") as f:
        f.write("Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No\r\n")
        for i in range(first, first + n):
            day = 1 + (i // 600) % 28
            minute = (i * 7) % 600
            h, m = 7 + minute // 60, minute % 60
            h2, m2 = h + 1, m
            def ampm(hh, mm):
                suffix = "AM" if hh < 12 else "PM"
                hh12 = hh % 12 or 12
                return "%d:%02d %s" % (hh12, mm, suffix)
            f.write("R%d,P%06d,%s,11/%d/2026 %s,11/%d/2026 %s,%d.%02d,,,\r\n" % (
                i, i, ZONES[i % len(ZONES)], day, ampm(h, m), day, ampm(h2, m2),
                1 + i % 40, (i * 25) % 100))


def state(path):
    with open(path) as f:
        return json.load(f)


def live(st):
    return [p for p in st["permits"] if not p["deleted"]]


# the permit columns a body is built from, in CANON's order
BODY_COLS = "plate, cents, currency, start_time, end_time, zone, permit_no, ticket, promo"


def body_of(cols):
    """The canonical body (a dict) of a row's permit columns: what an empty
    body / srv_body / target of the compact ledger row stands for. Written
    from the wire format's rules (empty members, a free session and no
    currency are left out; amounts as units.cents; times UTC), not by the
    program."""
    import datetime
    plate, cents, cur, start, end, zone, pno, ticket, promo = cols

    def utc(t):
        return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S")
    b = {}
    if plate:
        b["LicencePlate"] = plate
    if int(cents) > 0:
        b["Amount"] = "%d.%02d" % (int(cents) // 100, int(cents) % 100)
    if cur in ("CAD", "USD"):
        b["CurrencyID"] = cur
    b["startTime"] = utc(start)
    b["endTime"] = utc(end)
    for k, v in (("zone", zone), ("permitNo", pno), ("TicketNumber", ticket),
                 ("promoCode", promo)):
        if v:
            b[k] = v
    return b


def server_body(db, key, srv):
    """A row's srv_body as JSON text: '' is the row's own body."""
    if srv != "":
        return srv
    cols = db.execute("SELECT %s FROM records WHERE key = ?" % BODY_COLS, (key,)).fetchone()
    return json.dumps(body_of(cols), separators=(",", ":"))


def norm(fields):
    return tuple((k, fields[k]) for k in CANON if k in fields)


def live_groups(db):
    """Live records per (type, zone, zone status) as the server holds them,
    computed here from each row's server body (srv_body '' is the row's own
    body, body_of())."""
    want = Counter()
    for row in db.execute("SELECT srv_body, zone, zone_status, %s FROM records "
                          "WHERE srv_body IS NOT NULL" % BODY_COLS).fetchall():
        body, zone, zst = row[:3]
        b = body_of(row[3:]) if body == "" else json.loads(body)
        szone = b.get("zone", "")
        want[("temp" if b.get("permitNo") is None else "standard", szone,
              zst if szone == zone else "")] += 1
    return want


def main():
    a = sys.argv[1:]
    cmd = a[0]
    if cmd == "gen":
        gen(int(a[1]), a[2], int(a[3]) if len(a) > 3 else 1)
    elif cmd == "requests":
        r = state(a[1])["counters"]["requests"]
        print(r[a[2]] if len(a) > 2 else r["total"])
    elif cmd == "live":
        print(len(live(state(a[1]))))
    elif cmd == "dropped":
        print(state(a[1])["counters"]["faults"]["dropped"])
    elif cmd == "pg-name":
        print(pg_name(a[1]))
    elif cmd == "sql":
        for row in connect(a[1]).execute(a[2]).fetchall():
            print("|".join("" if v is None else str(v) for v in row))
    elif cmd == "ledger-count":
        db = connect(a[1])
        if len(a) > 2:
            print(db.execute("SELECT count(*) FROM records WHERE state = ?", (a[2],)).fetchone()[0])
        else:
            print(db.execute("SELECT count(*) FROM records").fetchone()[0])
    elif cmd == "ledger-field":
        db = connect(a[1])
        row = db.execute("SELECT %s FROM records WHERE key = ?" % a[3], (a[2],)).fetchone()
        v = "" if row is None or row[0] is None else row[0]
        if a[3] in ("srv_body", "body", "target") and row is not None and v == "":
            v = server_body(db, a[2], "")
        print(v)
    elif cmd == "live-counts":
        db = connect(a[1])
        have = Counter()
        for t, z, zs, n in db.execute(
                "SELECT type, zone, zone_status, sum(n) FROM live_counts "
                "GROUP BY type, zone, zone_status").fetchall():
            if int(n) < 0:
                print("group %s below 0: %s" % ((t, z, zs), n))
                sys.exit(1)
            if int(n):
                have[(t, z, zs)] = int(n)
        want = live_groups(db)
        if have != want:
            print("live_counts %s != records %s" % (sorted(have.items()), sorted(want.items())))
            sys.exit(1)
        print("groups=%d live=%d" % (len(have), sum(have.values())))
    elif cmd == "compare-jsonout":
        want = Counter()
        with open(a[2]) as f:
            for line in f:
                if line.strip():
                    want[norm(json.loads(line))] += 1
        have = Counter(norm(p["fields"]) for p in live(state(a[1])))
        if want != have:
            print("missing on the server: %s" % list((want - have).elements())[:3])
            print("extra on the server: %s" % list((have - want).elements())[:3])
            sys.exit(1)
        print("live=%d" % sum(have.values()))
    elif cmd == "check":
        st = state(a[1])
        n = int(a[3])
        maxdup = int(a[4]) if len(a) > 4 else -1
        lv = {p["reference_id"]: p for p in live(st)}
        db = connect(a[2])
        rows = [r[:3] + (r[3] if r[3] != "" else json.dumps(body_of(r[5:])), r[4])
                for r in db.execute("SELECT key, state, reference_id, srv_body, "
                                    "resent_after_doubt, %s FROM records" % BODY_COLS)]
        bad = []
        pushed = [r for r in rows if r[1] == "pushed"]
        if len(pushed) != n:
            bad.append("%d records pushed in the ledger, wanted %d (states: %s)" % (
                len(pushed), n, Counter(r[1] for r in rows)))
        refs = set()
        for key, _, ref, srv, _ in pushed:
            refs.add(ref)
            if ref not in lv:
                bad.append("%s: reference %s is not live on the server" % (key, ref))
            elif norm(lv[ref]["fields"]) != norm(json.loads(srv)):
                bad.append("%s: server has %s, ledger says %s" % (key, lv[ref]["fields"], srv))
        resent_bodies = Counter(norm(json.loads(r[3])) for r in pushed if r[4])
        dups = [p for ref, p in lv.items() if ref not in refs]
        for p in dups:
            k = norm(p["fields"])
            if resent_bodies[k] <= 0:
                bad.append("duplicate not flagged resent_after_doubt: %s" % (p["fields"],))
        if maxdup >= 0 and len(dups) > maxdup:
            bad.append("%d duplicates, at most %d allowed" % (len(dups), maxdup))
        print("pushed=%d live=%d dups=%d resent=%d" % (len(pushed), len(lv), len(dups),
                                                       sum(1 for r in rows if r[4])))
        if bad:
            for b in bad[:10]:
                print(b)
            sys.exit(1)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
