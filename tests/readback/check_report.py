#!/usr/bin/python3
"""check_report.py — reads a permit-etl XLSX report back with openpyxl and
checks it against figures computed independently from the same run's
`validate --json-out` JSON Lines (and `--rejects` CSV).

usage: check_report.py XLSX [--jsonl F]... [--rejects F]... [--tz ZONE]
                       [--max-rows N] [--offline] [--aborted] [--token T]
                       [--any-order] [--days D1 D2]

Prints one "ok NAME" / "not ok NAME: why" line per check; exits 1 if any
failed. Money is compared in integer cents (Decimal), CAD and USD apart.
Local times are computed here with zoneinfo from the records' UTC times
(--tz, the report's business_tz; UTC without it). Also checked on every
sheet: the print setup (landscape, one page wide, header row repeated,
page numbers), frozen header rows and autofilters of table sheets.
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

def permit_heads(tz):
    return ["Plate", "Amount", "Currency", "Start (%s)" % tz, "End (%s)" % tz, "Zone",
            "Zone status", "Permit no.", "Ticket no.", "Promo code", "Source file", "Line",
            "Key", "Start (UTC)", "End (UTC)"]


def zone_heads(tz):
    return ["Vendor zone", "Resolved zone", "Status", "Suggested zone", "Rows",
            "Revenue CAD", "Revenue USD", "First start (%s)" % tz, "Last start (%s)" % tz,
            "Files", "First start (UTC)", "Last start (UTC)"]


PROMO_HEADS = ["Promo code", "Uses", "Revenue CAD", "Revenue USD", "Share of accepted",
               "Free sessions"]
PROMO_ZONE_HEADS = ["Promo code", "Zone", "Uses", "Revenue CAD", "Revenue USD",
                    "Free sessions"]
PROMO_ZONE_COL = 7          # column H
TABLE_SHEETS = ["Promo Codes", "Zone Audit", "Rejected", "Permits"]
# API keys never head a column (they stay in --json-out)
API_KEYS = {"LicencePlate", "Amount ", "CurrencyID", "startTime", "endTime", "zone",
            "permitNo", "TicketNumber", "promoCode", "_source", "_line", "_key",
            "_zone_status"}
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
    """Data rows of a table that starts at A1, to the first blank row."""
    rows = []
    for ws in parts(wb, base):
        it = ws.iter_rows(values_only=True)
        head = next(it, None)
        if head is None or list(head[:len(heads)]) != heads:
            not_ok("%s header" % ws.title, "got %r" % (head,))
            continue
        for r in it:
            if all(v is None for v in r[:len(heads)]):
                break
            rows.append(r)
    return rows


def local_iso(utc_text, tz):
    """A record's UTC time as wall-clock time in tz, computed independently."""
    t = dt.datetime.strptime(utc_text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
    if tz:
        t = t.astimezone(tz)
    return t.strftime("%Y-%m-%dT%H:%M:%S")


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
    ap.add_argument("--days", nargs=2, default=None,
                    help="the business days the title must name (a period report)")
    args = ap.parse_args()
    tzname = args.tz or "UTC"
    tz = None
    if args.tz:
        from zoneinfo import ZoneInfo
        tz = ZoneInfo(args.tz)
    PERMIT_HEADS = permit_heads(tzname)

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
    # Reconciliation and Silent Zones come after Summary, only when there
    # are settlements / silent zones (check_settle.py reads them)
    for b in BASE[:1] + ["Reconciliation", "Silent Zones"] + BASE[1:]:
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

    # --- every sheet prints landscape, one page wide, header row repeated,
    # page numbers in the footer; no header is an API key
    for ws in wb.worksheets:
        pr = ws.sheet_properties.pageSetUpPr
        check("%s prints landscape" % ws.title, ws.page_setup.orientation == "landscape",
              repr(ws.page_setup.orientation))
        check("%s prints one page wide" % ws.title,
              pr is not None and pr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
              and ws.page_setup.fitToHeight == 0,
              "fitToPage %r width %r height %r" % (pr and pr.fitToPage,
                                                  ws.page_setup.fitToWidth,
                                                  ws.page_setup.fitToHeight))
        check("%s repeats its header row" % ws.title, ws.print_title_rows == "$1:$1",
              repr(ws.print_title_rows))
        foot = ws.oddFooter
        check("%s page numbers in the footer" % ws.title,
              any(x.text and "&P" in x.text for x in (foot.left, foot.center, foot.right)),
              "no &P")
        head = [c.value for c in next(ws.iter_rows(max_row=1))]
        check("%s headers are not API keys" % ws.title,
              not [h for h in head if h in API_KEYS], repr(head))
    for b in TABLE_SHEETS:
        for ws in parts(wb, b):
            check("%s frozen header" % ws.title, ws.freeze_panes == "A2",
                  "freeze_panes %r" % ws.freeze_panes)
            check("%s autofilter" % ws.title, bool(ws.auto_filter.ref),
                  "no autofilter")
    for b in ["Permits", "Rejected"]:
        for ws in parts(wb, b):
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
        prow = sorted(prow, key=lambda r: r[12] or "")
        recs_cmp = sorted(recs, key=lambda j: j.get("_key", ""))
    else:
        recs_cmp = recs
    for i, (r, j) in enumerate(zip(prow, recs_cmp)):
        got = {
            "LicencePlate": r[0], "Amount": cents(r[1]), "CurrencyID": r[2],
            "startLocal": iso(r[3]), "endLocal": iso(r[4]), "zone": r[5],
            "_zone_status": r[6], "permitNo": r[7], "TicketNumber": r[8],
            "promoCode": r[9], "_source": r[10], "_line": r[11], "_key": r[12],
            "startTime": iso(r[13]), "endTime": iso(r[14]),
        }
        want = dict(j)
        want["Amount"] = cents(j.get("Amount"))
        want["startLocal"] = local_iso(j["startTime"], tz)
        want["endLocal"] = local_iso(j["endTime"], tz)
        for k in got:
            w = want.get(k)
            if got[k] != w:
                bad.append("row %d %s: %r != %r" % (i + 2, k, got[k], w))
        if not isinstance(r[0], str):
            bad.append("row %d plate is not text" % (i + 2))
    check("Permits rows equal --json-out", not bad, "; ".join(bad[:5]))
    fmt_bad = []
    for ws in parts(wb, "Permits"):
        for row in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 200)):
            amt = row[1]
            if not isinstance(amt.value, (int, float)) or amt.number_format != "#,##0.00":
                fmt_bad.append("%s %r" % (amt.coordinate, amt.number_format))
            for c in (row[3], row[4], row[13], row[14]):
                if not isinstance(c.value, dt.datetime) or not (
                        "yy" in c.number_format and "hh:mm" in c.number_format):
                    fmt_bad.append("%s %r" % (c.coordinate, c.number_format))
    check("Permits amount is a number with a plain #,##0.00 format (Currency beside), "
          "times are dates with a date-time format", not fmt_bad, "; ".join(fmt_bad[:5]))

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

    def day(j):
        t = dt.datetime.strptime(j["startTime"], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=dt.timezone.utc)
        if tz:
            t = t.astimezone(tz)
        return t.strftime("%Y-%m-%d")

    for title, keyf in [("Revenue by zone", lambda j: j.get("zone") or "(none)"),
                        ("Revenue by source file", lambda j: j["_source"].rsplit("/", 1)[-1]),
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
        if title != "Revenue by zone":
            # an input without accepted records, a day of a period without
            # sales: listed with zeros
            got = {k: v for k, v in got.items() if v != [0, 0, 0, 0]}
        check("%s per key and currency" % title, got == {k: v for k, v in exp.items()},
              "got %r want %r" % (got, dict(exp)))
        tot = [sum(v[i] for v in exp.values()) for i in range(4)]
        check("%s totals per currency" % title,
              total is not None and [total[1], total[2], cents(total[3]), cents(total[4])] == tot,
              "got %r want %r" % (total, tot))
    ndays = len({day(j) for j in recs})
    want_charts = (1 if recs else 0) + (
        1 if ndays > 1 or (args.days and args.days[0] != args.days[1]) else 0)
    check("Summary has the revenue-by-zone (and daily) charts", len(s._charts) == want_charts,
          "%d charts, want %d" % (len(s._charts), want_charts))
    # the title names the business day(s)
    title = s["A1"].value or ""
    if args.days:
        d1, d2 = args.days
    elif recs:
        d1, d2 = min(day(j) for j in recs), max(day(j) for j in recs)
    else:
        d1 = d2 = None
    if d1 is None:
        check("Summary title: no business day", "no business day" in title, repr(title))
    elif d1 == d2:
        check("Summary title names the business day", title.endswith("business day " + d1),
              repr(title))
    else:
        check("Summary title names the business days",
              title.endswith("business days %s to %s" % (d1, d2)), repr(title))
    # exit status 1: each cause with its count and the sheet that shows it
    srows = list(s.iter_rows(values_only=True))
    facts = {r[0]: r[1] for r in srows if r and isinstance(r[0], str)}
    exit1 = str(facts.get("Exit status", "")).startswith("1 ")
    causes = {}
    for i, r in enumerate(srows):
        if r[0] == "Needs attention":
            for r2 in srows[i + 1:]:
                if r2[0] is None:
                    break
                causes[r2[0]] = (r2[1], r2[2])
    if exit1:
        check("exit 1: the Summary lists its causes", bool(causes), "none listed")
        check("each cause names a sheet of the workbook",
              all(sh in wb.sheetnames for _, sh in causes.values()), repr(causes))
    else:
        check("no causes listed unless exit 1", not causes, repr(causes))
    if exit1 and args.rejects:
        rej_rows, dups = set(), 0
        for f in args.rejects:
            with open(f, newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
                rd = csv.reader(fh)
                next(rd, None)
                for row in rd:
                    if row[2] == "_key":
                        dups += 1
                    elif row[2] != "_file":
                        rej_rows.add((row[0], row[1]))
        check("causes: rows rejected and duplicates counted from --rejects",
              causes.get("rows rejected", (0, None))[0] == len(rej_rows) and
              causes.get("duplicate rows", (0, None))[0] == dups,
              "got %r want %d rejected, %d duplicates" % (causes, len(rej_rows), dups))

    # --- Promo Codes: per-code table (A-F, the autofilter) and, below it in
    # columns H-M, the per-zone breakdown: no column and no filtered row
    # holds both
    pr = table_rows(wb, "Promo Codes", PROMO_HEADS)
    exp = defaultdict(lambda: [0, 0, 0, 0])
    expz = defaultdict(lambda: [0, 0, 0, 0])
    for j in recs:
        p = j.get("promoCode")
        if not p:
            continue
        a = cents(j.get("Amount"))
        for d, k in [(exp, p), (expz, (p, j.get("zone") or "(none)"))]:
            d[k][0] += 1
            d[k][1 if j["CurrencyID"] == "CAD" else 2] += a
            d[k][3] += a == 0
    got, shares = {}, []
    for r in pr:
        got[r[0]] = [r[1], cents(r[2]), cents(r[3]), r[5]]
        shares.append(abs(r[4] - r[1] / max(len(recs), 1)) < 1e-9)
    check("promo uses and revenue per code", got == dict(exp),
          "got %r want %r" % (got, dict(exp)))
    tot_cad = sum(cents(j.get("Amount")) for j in recs
                  if j.get("promoCode") and j["CurrencyID"] == "CAD")
    tot_usd = sum(cents(j.get("Amount")) for j in recs
                  if j.get("promoCode") and j["CurrencyID"] == "USD")
    col_sum = [0, 0, 0]
    gotz, zone_rows_at, filt = {}, [], []
    for ws in parts(wb, "Promo Codes"):
        for row in ws.iter_rows(min_row=2, values_only=True):
            if row[0] is not None:
                col_sum[0] += row[1] or 0
                col_sum[1] += cents(row[2])
                col_sum[2] += cents(row[3])
        filt.append(ws.auto_filter.ref)
        heads_at = None
        for r in ws.iter_rows(min_col=PROMO_ZONE_COL + 1,
                              max_col=PROMO_ZONE_COL + len(PROMO_ZONE_HEADS)):
            vals = [c.value for c in r]
            if heads_at is None:
                if vals == PROMO_ZONE_HEADS:
                    heads_at = r[0].row
                continue
            if vals[0] is None:
                break
            zone_rows_at.append(r[0].row)
            gotz[(vals[0], vals[1])] = [vals[2], cents(vals[3]), cents(vals[4]), vals[5]]
    check("promo: the sum of the per-code column equals the promo total of the inputs",
          col_sum == [sum(v[0] for v in exp.values()), tot_cad, tot_usd],
          "got %r want %r" % (col_sum, [sum(v[0] for v in exp.values()), tot_cad, tot_usd]))
    check("promo uses and revenue per code and zone (a separate table)", gotz == dict(expz),
          "got %r want %r" % (gotz, dict(expz)))
    last_filtered = 0
    for ref in filt:
        if ref:
            last_filtered = max(last_filtered, int(re.sub(r"^.*[A-Z]", "", ref.split(":")[-1])))
    check("promo: the autofilter covers the per-code table only",
          all(r > last_filtered for r in zone_rows_at), "filter %r, zone rows %r" % (filt, zone_rows_at[:3]))
    check("promo share of accepted records", all(shares), "")
    check("promo codes upper-case", all(k == k.upper() for k in got), repr(list(got)))

    # --- Zone Audit: rows and revenue add up
    za = table_rows(wb, "Zone Audit", zone_heads(tzname))
    tot = [sum(r[4] for r in za), sum(cents(r[5]) for r in za), sum(cents(r[6]) for r in za)]
    want = [len(recs), sum(cents(j.get("Amount")) for j in recs if j["CurrencyID"] == "CAD"),
            sum(cents(j.get("Amount")) for j in recs if j["CurrencyID"] == "USD")]
    check("Zone Audit rows and revenue add up", tot == want, "got %r want %r" % (tot, want))
    st = defaultdict(int)
    for j in recs:
        st[j.get("_zone_status") or "unchecked"] += 1
    gst = defaultdict(int)
    for r in za:
        gst[r[2]] += r[4]
    check("Zone Audit rows per status", dict(gst) == dict(st), "got %r want %r" % (dict(gst), dict(st)))
    # the resolved zone on every row: the zone its records carry
    resolved = defaultdict(set)
    files_of = defaultdict(set)
    for j in recs:
        resolved[j.get("_zone_status") or "unchecked"].add(j.get("zone") or "(none)")
    check("Zone Audit: a resolved zone on every row",
          all(r[1] for r in za) and
          all(r[1] in resolved[r[2]] for r in za), repr([(r[0], r[1], r[2]) for r in za][:5]))
    check("Zone Audit: files by base name",
          all("/" not in (r[9] or "") for r in za) and
          {f for r in za for f in (r[9] or "").split(", ") if f} ==
          {j["_source"].rsplit("/", 1)[-1] for j in recs},
          repr([r[9] for r in za][:3]))
    bad = []
    for r in za:
        if not isinstance(r[7], dt.datetime) or not isinstance(r[10], dt.datetime):
            bad.append(r[0])
            continue
        first_utc = iso(r[10])
        if iso(r[7]) != local_iso(first_utc, tz):
            bad.append("%s: %s != %s" % (r[0], iso(r[7]), local_iso(first_utc, tz)))
    check("Zone Audit: first start in business_tz, then UTC", not bad, "; ".join(bad[:3]))

    # --- Rejected equals the rejects CSV
    if args.rejects:
        want = []
        for f in args.rejects:
            with open(f, newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
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
