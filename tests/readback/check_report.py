#!/usr/bin/python3
"""check_report.py — reads a permit-etl XLSX report back with openpyxl and
checks it against figures computed independently from the same run's
`validate --json-out` JSON Lines (and `--rejects` CSV).

usage: check_report.py XLSX [--jsonl F]... [--rejects F]... [--tz ZONE]
                       [--max-rows N] [--offline] [--aborted] [--token T]
                       [--no-permit-rows]

Prints one "ok NAME" / "not ok NAME: why" line per check; exits 1 if any
failed. Money is compared in integer cents (Decimal), CAD and USD apart.
"""
import argparse
import csv
import datetime as dt
import json
import re
import sys
import zipfile
from collections import defaultdict
from decimal import Decimal

import openpyxl

BASE = ["Summary", "Promo Codes", "Zone Audit", "Voids", "Rejected", "Push Log",
        "OPSCOM Stats", "Permits"]
PERMIT_HEADS = ["LicencePlate", "Amount", "CurrencyID", "startTime (UTC)",
                "endTime (UTC)", "zone", "permitNo", "TicketNumber", "promoCode",
                "_source", "_line", "_key", "_zone_status"]
REJECT_HEADS = ["File", "Line", "Field", "Reason", "Raw value"]

failed = 0


def ok(name):
    print("ok " + name)


def not_ok(name, why):
    global failed
    failed += 1
    print("not ok %s: %s" % (name, why))


def check(name, cond, why=""):
    if cond:
        ok(name)
    else:
        not_ok(name, why)


def cents(v):
    """A cell or JSON amount -> integer cents, exactly."""
    if v is None:
        return 0
    return int((Decimal(str(v)) * 100).to_integral_value())


def iso(v):
    if isinstance(v, dt.datetime):
        # Excel dates carry float error: round to the nearest second
        v = v + dt.timedelta(microseconds=500000)
        return v.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")
    return v


def parts(wb, base):
    """The sheets of `base`: base, "base 2", "base 3", ... in workbook order."""
    names = wb.sheetnames
    out = []
    k = 1
    while True:
        n = base if k == 1 else "%s %d" % (base, k)
        if n not in names:
            return out
        out.append(wb[n])
        k += 1


def table_rows(wb, base, heads):
    rows = []
    for ws in parts(wb, base):
        it = ws.iter_rows(values_only=True)
        head = next(it, None)
        if head is None or list(head[:len(heads)]) != heads:
            not_ok("%s header" % ws.title, "got %r" % (head,))
            continue
        for r in it:
            rows.append(r)
    return rows


def section(ws, title):
    """Rows of a Summary section: after the header under `title`, to Total."""
    rows = list(ws.iter_rows(values_only=True))
    for i, r in enumerate(rows):
        if r and isinstance(r[0], str) and r[0].startswith(title):
            head = rows[i + 1]
            body = []
            for r2 in rows[i + 2:]:
                if r2[0] == "Total":
                    return head, body, r2
                body.append(r2)
    return None, [], None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("xlsx")
    ap.add_argument("--jsonl", action="append", default=[])
    ap.add_argument("--rejects", action="append", default=[])
    ap.add_argument("--tz", default=None)
    ap.add_argument("--max-rows", type=int, default=1048575)
    ap.add_argument("--offline", action="store_true")
    ap.add_argument("--aborted", action="store_true")
    ap.add_argument("--token", default=None)
    ap.add_argument("--any-order", action="store_true",
                    help="Permits rows may come in another order (--date: by start time)")
    args = ap.parse_args()

    recs = []
    for f in args.jsonl:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    recs.append(json.loads(line))

    wb = openpyxl.load_workbook(args.xlsx)

    # --- sheet names and order: each base, then its continuations
    names = wb.sheetnames
    expect = []
    for b in BASE:
        expect += [ws.title for ws in parts(wb, b)]
    check("sheet order", names == expect and [n for n in names if n in BASE] == BASE,
          "got %r" % names)

    # --- no formula anywhere, token nowhere
    formulas = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")
                                          and c.data_type != "s"):
                    formulas.append("%s!%s" % (ws.title, c.coordinate))
    check("no formula cells", not formulas, "formulas at %s" % formulas[:5])
    if args.token:
        with zipfile.ZipFile(args.xlsx) as z:
            hit = [n for n in z.namelist() if args.token.encode() in z.read(n)]
        check("token not in the workbook", not hit, "found in %s" % hit)

    # --- streamed table sheets: frozen headers, autofilters, continuation size
    for b in ["Permits", "Rejected"]:
        for ws in parts(wb, b):
            check("%s frozen header" % ws.title, ws.freeze_panes == "A2",
                  "freeze_panes %r" % ws.freeze_panes)
            check("%s autofilter" % ws.title, bool(ws.auto_filter.ref),
                  "no autofilter")
            check("%s at most %d data rows" % (ws.title, args.max_rows),
                  ws.max_row - 1 <= args.max_rows, "%d rows" % (ws.max_row - 1))
        ps = parts(wb, b)
        for ws in ps[:-1]:
            check("%s full before continuing" % ws.title, ws.max_row - 1 == args.max_rows,
                  "%d data rows" % (ws.max_row - 1))

    # --- Permits equal the JSON Lines, record by record
    prow = table_rows(wb, "Permits", PERMIT_HEADS)
    check("Permits row count", len(prow) == len(recs),
          "%d rows, %d records" % (len(prow), len(recs)))
    bad = []
    if args.any_order:
        prow = sorted(prow, key=lambda r: r[11] or "")
        recs_cmp = sorted(recs, key=lambda j: j.get("_key", ""))
    else:
        recs_cmp = recs
    for i, (r, j) in enumerate(zip(prow, recs_cmp)):
        got = {
            "LicencePlate": r[0], "Amount": cents(r[1]), "CurrencyID": r[2],
            "startTime": iso(r[3]), "endTime": iso(r[4]), "zone": r[5],
            "permitNo": r[6], "TicketNumber": r[7], "promoCode": r[8],
            "_source": r[9], "_line": r[10], "_key": r[11], "_zone_status": r[12],
        }
        want = dict(j)
        want["Amount"] = cents(j.get("Amount"))
        for k in got:
            w = want.get(k)
            if got[k] != w:
                bad.append("row %d %s: %r != %r" % (i + 2, k, got[k], w))
        if not isinstance(r[0], str):
            bad.append("row %d plate is not text" % (i + 2))
    check("Permits rows equal --json-out", not bad, "; ".join(bad[:5]))
    money_fmt_ok = True
    for ws in parts(wb, "Permits"):
        for row in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 200)):
            amt, cur = row[1], row[2].value
            if not isinstance(amt.value, (int, float)) or cur not in amt.number_format:
                money_fmt_ok = False
            if not isinstance(row[3].value, dt.datetime):
                money_fmt_ok = False
    check("Permits money is a number with a currency format, times are dates",
          money_fmt_ok, "")

    # --- Summary: revenue by zone, file, business day; totals per currency
    s = wb["Summary"]
    if args.aborted:
        check("Summary says ABORTED",
              any(c.value == "ABORTED" and c.font.color is not None
                  and (c.font.color.rgb or "").upper().endswith("FF0000")
                  for row in s.iter_rows() for c in row), "no red ABORTED")
    else:
        check("Summary not ABORTED",
              not any(c.value == "ABORTED" for row in s.iter_rows() for c in row), "")

    def expect_by(keyf):
        d = defaultdict(lambda: [0, 0, 0, 0])  # records, free, cad, usd
        for j in recs:
            a = cents(j.get("Amount"))
            e = d[keyf(j)]
            e[0] += 1
            e[1] += a == 0
            e[2 if j["CurrencyID"] == "CAD" else 3] += a
        return d

    tz = None
    if args.tz:
        from zoneinfo import ZoneInfo
        tz = ZoneInfo(args.tz)

    def day(j):
        t = dt.datetime.strptime(j["startTime"], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=dt.timezone.utc)
        if tz:
            t = t.astimezone(tz)
        return t.strftime("%Y-%m-%d")

    for title, keyf in [("Revenue by zone", lambda j: j.get("zone") or "(none)"),
                        ("Revenue by source file", lambda j: j["_source"]),
                        ("Revenue by business day", day)]:
        head, body, total = section(s, title)
        if head is None:
            not_ok(title, "section not found")
            continue
        check("%s header" % title,
              list(head[1:5]) == ["Records", "Free sessions", "Revenue CAD", "Revenue USD"],
              repr(head))
        exp = expect_by(keyf)
        got = {}
        for r in body:
            k = r[0]
            if isinstance(k, dt.datetime):
                k = k.strftime("%Y-%m-%d")
            got[k] = [r[1], r[2], cents(r[3]), cents(r[4])]
        if title == "Revenue by source file":
            # an input without accepted records is listed with zeros
            got = {k: v for k, v in got.items() if v != [0, 0, 0, 0]}
        check("%s per key and currency" % title, got == {k: v for k, v in exp.items()},
              "got %r want %r" % (got, dict(exp)))
        tot = [sum(v[i] for v in exp.values()) for i in range(4)]
        check("%s totals per currency" % title,
              total is not None and [total[1], total[2], cents(total[3]), cents(total[4])] == tot,
              "got %r want %r" % (total, tot))
    check("Summary has the revenue-by-zone chart", len(s._charts) == 1 or not recs,
          "%d charts" % len(s._charts))

    # --- Promo Codes
    pr = table_rows(wb, "Promo Codes",
                    ["Code", "Zone", "Uses", "Revenue CAD", "Revenue USD",
                     "Share of accepted", "Free sessions"])
    exp = defaultdict(lambda: [0, 0, 0, 0])
    expz = defaultdict(lambda: [0, 0, 0, 0])
    for j in recs:
        p = j.get("promoCode")
        if not p:
            continue
        a = cents(j.get("Amount"))
        for d, k in [(exp, p), (expz, (p, j.get("zone") or ""))]:
            d[k][0] += 1
            d[k][1 if j["CurrencyID"] == "CAD" else 2] += a
            d[k][3] += a == 0
    got, gotz, shares = {}, {}, []
    for r in pr:
        v = [r[2], cents(r[3]), cents(r[4]), r[6]]
        if r[1] == "(all zones)":
            got[r[0]] = v
            shares.append(abs(r[5] - r[2] / max(len(recs), 1)) < 1e-9)
        else:
            gotz[(r[0], r[1] or "")] = v
    check("promo uses and revenue per code", got == dict(exp),
          "got %r want %r" % (got, dict(exp)))
    check("promo uses and revenue per code and zone", gotz == dict(expz),
          "got %r want %r" % (gotz, dict(expz)))
    check("promo share of accepted records", all(shares), "")
    check("promo codes upper-case", all(k == k.upper() for k in got), repr(list(got)))

    # --- Zone Audit: rows and revenue add up
    za = table_rows(wb, "Zone Audit",
                    ["Vendor zone", "Status", "Rows", "Revenue CAD", "Revenue USD",
                     "First start (UTC)", "Last start (UTC)", "Files", "Suggested zone"])
    tot = [sum(r[2] for r in za), sum(cents(r[3]) for r in za), sum(cents(r[4]) for r in za)]
    want = [len(recs), sum(cents(j.get("Amount")) for j in recs if j["CurrencyID"] == "CAD"),
            sum(cents(j.get("Amount")) for j in recs if j["CurrencyID"] == "USD")]
    check("Zone Audit rows and revenue add up", tot == want, "got %r want %r" % (tot, want))
    st = defaultdict(int)
    for j in recs:
        st[j.get("_zone_status") or "unchecked"] += 1
    gst = defaultdict(int)
    for r in za:
        gst[r[1]] += r[2]
    check("Zone Audit rows per status", dict(gst) == dict(st), "got %r want %r" % (dict(gst), dict(st)))

    # --- Rejected equals the rejects CSV
    if args.rejects:
        want = []
        for f in args.rejects:
            with open(f, newline="", encoding="utf-8", errors="surrogateescape") as fh:
                rd = csv.reader(fh)
                next(rd, None)
                for row in rd:
                    row = [c[1:] if c[:2] in ("'=", "'+", "'-", "'@") else c for c in row]
                    want.append((row[0], int(row[1]) if row[1] else None, row[2], row[3],
                                 row[4] or None))
        rj = [(r[0], r[1], r[2], r[3], r[4]) for r in table_rows(wb, "Rejected", REJECT_HEADS)]
        check("Rejected rows equal --rejects (file, line, field, reason, raw)",
              rj == want, "got %r want %r" % (rj[:3], want[:3]))

    # --- offline sheets
    if args.offline:
        for b in ["Push Log", "OPSCOM Stats"]:
            check("%s says offline" % b, wb[b]["A1"].value == "offline",
                  repr(wb[b]["A1"].value))

    # --- workbook properties
    p = wb.properties
    check("workbook properties (title, creator, created)",
          bool(p.title) and p.creator == "permit-etl" and p.created is not None, repr(p.title))

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
