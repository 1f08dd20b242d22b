#!/usr/bin/env python3
"""report_voids_check.py — the offline report's order-free voids, checked
against figures computed here from the input CSVs alone (pay-station files
with a Status column; key = paystation:<Receipt No>, amounts in cents).

  report_voids_check.py check REPORT.xlsx CSV...     read back and compare
  report_voids_check.py money REPORT.xlsx            print the money figures
                                                     (to compare two reports)

The contract: Gross = every sale read, Voids = the sales whose key has a
void row in any of the files (before or after the sale), Net = Gross -
Voids per currency; every revenue figure (zone, source file, promo code, Zone Audit) is Net;
Permits lists the sales
not cancelled; the Voids sheet lists each cancelled sale with its sale
file:line and void file:line, and each void whose sale is in none of the
files as unmatched. Prints "ok NAME" / "not ok NAME: why"; exits 1 on a
failure.
"""
import csv
import json
import os
import sys
from collections import defaultdict

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from voids_check import summary_money  # noqa: E402  (the Summary's Gross/Voids/Net)

VOID_WORDS = ("VOID", "VOIDED", "REFUND", "REFUNDED")
failed = 0


def check(name, cond, why=""):
    global failed
    if cond:
        print("ok " + name)
    else:
        failed += 1
        print("not ok %s: %s" % (name, why))


def cents(text):
    """'1,234.5' or '$3.00' or a cell value -> integer cents, exactly."""
    if text is None:
        return 0
    if not isinstance(text, str):
        text = repr(round(text, 2))
    text = text.strip().replace(",", "").lstrip("$").replace("US$", "")
    neg = text.startswith("-")
    units, _, frac = text.lstrip("-").partition(".")
    v = int(units or "0") * 100 + int((frac + "00")[:2])
    return -v if neg else v


def read_inputs(paths):
    """sales, voids: key -> dict(cents, cur, zone, promo, file, line)."""
    sales, voids = {}, {}
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        h = {name: i for i, name in enumerate(rows[0])}
        for n, r in enumerate(rows[1:], start=2):
            key = "paystation:" + r[h["Receipt No"]].strip()
            rec = {"cents": abs(cents(r[h["Amount"]])),
                   "cur": (r[h["Currency"]].strip() or "CAD").upper(),
                   "zone": r[h["Zone"]].strip(), "promo": r[h["Promo"]].strip().upper(),
                   "file": os.path.basename(path), "line": n}
            if r[h["Status"]].strip().upper() in VOID_WORDS:
                voids[key] = rec
            else:
                sales[key] = rec
    return sales, voids


def table(ws):
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0]) if rows else []
    body = []
    for r in rows[1:]:
        if all(v is None for v in r):
            break
        body.append(dict(zip(head, r)))
    return head, body


def summary_section(ws, title):
    """{first cell: (records, CAD cents, USD cents)} of a Summary section, and its Total."""
    rows = list(ws.iter_rows(values_only=True))
    for i, r in enumerate(rows):
        if r and isinstance(r[0], str) and r[0].startswith(title):
            head = list(rows[i + 1])
            rc, ca, us = head.index("Records"), head.index("Revenue CAD"), \
                head.index("Revenue USD")
            body = {}
            for r2 in rows[i + 2:]:
                row = (r2[rc], cents(r2[ca]), cents(r2[us]))
                if r2[0] == "Total":
                    return body, row
                body[r2[0]] = row
    return None, None


def money_figures(path):
    wb = openpyxl.load_workbook(path)
    s = wb["Summary"]
    out = {"money": summary_money(s)}
    for title in ("Revenue by zone", "Revenue by source file"):
        body, total = summary_section(s, title)
        out[title] = {"rows": sorted([k, list(v)] for k, v in (body or {}).items()),
                      "total": list(total) if total else None}
    _, promo = table(wb["Promo Codes"])
    out["promo"] = sorted([r["Promo code"], r["Uses"], cents(r["Revenue CAD"]),
                           cents(r["Revenue USD"])] for r in promo if r.get("Promo code"))
    _, voids = table(wb["Voids"])
    out["voids"] = sorted([r["Kind"], r["Key"], cents(r["Amount"]) if r["Amount"] else 0]
                          for r in voids)
    _, permits = table(wb["Permits"])
    out["permits"] = sorted(r["Key"] for r in permits)
    return out


def main():
    a = sys.argv[1:]
    if a[:1] == ["money"]:
        print(json.dumps(money_figures(a[1]), sort_keys=True))
        return
    if a[:1] != ["check"] or len(a) < 3:
        sys.exit("usage: report_voids_check.py check REPORT.xlsx CSV... | money REPORT.xlsx")
    report, files = a[1], a[2:]
    sales, voids = read_inputs(files)
    cancelled = {k for k in sales if k in voids}
    unmatched = {k for k in voids if k not in sales}
    kept = {k: v for k, v in sales.items() if k not in cancelled}
    check("the inputs have cancelled sales and an unmatched void (test data)",
          cancelled and unmatched, "%s %s" % (cancelled, unmatched))

    gross, vsum = defaultdict(int), defaultdict(int)
    for k, s in sales.items():
        gross[s["cur"]] += s["cents"]
        if k in cancelled:
            vsum[s["cur"]] += s["cents"]
    want = {"Gross": {c: gross[c] for c in ("CAD", "USD")},
            "Voids": {c: vsum[c] for c in ("CAD", "USD")},
            "Net": {c: gross[c] - vsum[c] for c in ("CAD", "USD")}}

    wb = openpyxl.load_workbook(report)
    s = wb["Summary"]
    got = summary_money(s)
    check("Summary Gross/Voids/Net per currency", got == want,
          "got %r want %r" % (got, want))

    _, permits = table(wb["Permits"])
    pkeys = sorted(r["Key"] for r in permits)
    check("Permits lists every sale not cancelled, no cancelled sale",
          pkeys == sorted(kept), "got %r want %r" % (pkeys, sorted(kept)))
    bad = [r["Key"] for r in permits
           if (cents(r["Amount"]), r["Currency"]) != (kept[r["Key"]]["cents"],
                                                      kept[r["Key"]]["cur"])
           ] if pkeys == sorted(kept) else ["-"]
    check("Permits amounts and currencies are the sales'", not bad, repr(bad))

    for title, field in (("Revenue by zone", "zone"), ("Revenue by source file", "file")):
        exp = defaultdict(lambda: [0, 0, 0])
        for k, v in kept.items():
            e = exp[v[field]]
            e[0] += 1
            e[1 if v["cur"] == "CAD" else 2] += v["cents"]
        body, total = summary_section(s, title)
        gotb = {k: list(v) for k, v in (body or {}).items() if list(v) != [0, 0, 0]}
        check("%s is Net" % title, gotb == dict(exp), "got %r want %r" % (gotb, dict(exp)))
        tot = [sum(v[i] for v in exp.values()) for i in range(3)]
        check("%s total is Net" % title, total is not None and list(total) == tot,
              "got %r want %r" % (total, tot))

    exp_zone = defaultdict(lambda: [0, 0, 0])
    for v in kept.values():
        e = exp_zone[v["zone"]]
        e[0] += 1
        e[1 if v["cur"] == "CAD" else 2] += v["cents"]
    _, audit = table(wb["Zone Audit"])
    got_zone = {r["Vendor zone"]: [r["Rows"], cents(r["Revenue CAD"]), cents(r["Revenue USD"])]
                for r in audit}
    check("Zone Audit rows and revenue are Net", got_zone == dict(exp_zone),
          "got %r want %r" % (got_zone, dict(exp_zone)))

    exp_promo = defaultdict(lambda: [0, 0, 0])
    for v in kept.values():
        if v["promo"]:
            e = exp_promo[v["promo"]]
            e[0] += 1
            e[1 if v["cur"] == "CAD" else 2] += v["cents"]
    _, promo = table(wb["Promo Codes"])
    got_promo = {r["Promo code"]: [r["Uses"], cents(r["Revenue CAD"]), cents(r["Revenue USD"])]
                 for r in promo if r.get("Promo code")}
    check("Promo Codes count only sales not cancelled", got_promo == dict(exp_promo),
          "got %r want %r" % (got_promo, dict(exp_promo)))

    head, vrows = table(wb["Voids"])
    got_v = sorted((r["Kind"], r["Key"], r["Sale file"] and os.path.basename(r["Sale file"]),
                    r["Sale line"], os.path.basename(r["Void file"] or ""), r["Void line"])
                   for r in vrows)
    want_v = sorted([("cancelled sale", k, sales[k]["file"], sales[k]["line"],
                      voids[k]["file"], voids[k]["line"]) for k in cancelled] +
                    [("unmatched void", k, None, None, voids[k]["file"], voids[k]["line"])
                     for k in unmatched])
    check("Voids sheet: each cancelled sale and each unmatched void, with file:line",
          got_v == want_v, "got %r want %r" % (got_v, want_v))
    bad = [r["Key"] for r in vrows if r["Kind"] == "cancelled sale" and
           (cents(r["Amount"]), r["Currency"]) != (sales[r["Key"]]["cents"],
                                                   sales[r["Key"]]["cur"])]
    check("Voids sheet: a cancelled sale's amount and currency", not bad, repr(bad))
    sys.exit(1 if failed else 0)


main()
