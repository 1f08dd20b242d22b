#!/usr/bin/python3
"""check_settle.py — reads the Reconciliation and Silent Zones sheets of a
permit-etl workbook back with openpyxl and compares them with what a test
expects (a JSON file it computed from its own inputs).

usage: check_settle.py XLSX EXPECT.json

EXPECT.json: {"recon": [[day, vendor, currency, net, settled, rej_count,
rej_cents, our_count, settled_count], ...] (cents; null where the sheet is
blank), "unexplained_cents": N, "silent": [[zone, day, median, sales,
last_start_local "YYYY-MM-DD HH:MM:SS" or null], ...], "causes": {what:
[count, sheet]}, "no_recon": bool}. Prints "ok NAME" / "not ok NAME: why";
exits 1 if any failed.
"""
import json
import sys
from decimal import Decimal

import openpyxl

fails = 0


def check(name, cond, why=""):
    global fails
    if cond:
        print("ok %s" % name)
    else:
        fails += 1
        print("not ok %s: %s" % (name, why))


def cents(v):
    if v is None:
        return None
    return int((Decimal(str(v)) * 100).quantize(Decimal(1)))


def main():
    wb = openpyxl.load_workbook(sys.argv[1])
    exp = json.load(open(sys.argv[2]))
    tag = exp.get("tag", "")
    names = wb.sheetnames
    order = [n for n in names if n in ("Summary", "Reconciliation", "Silent Zones",
                                       "Promo Codes")]
    want_order = ["Summary"] + (["Reconciliation"] if exp.get("recon") else []) + \
                 (["Silent Zones"] if exp.get("silent") else []) + ["Promo Codes"]
    check(tag + "sheet order", order == want_order, "%s != %s" % (order, want_order))
    if exp.get("recon") is not None and "Reconciliation" in names:
        ws = wb["Reconciliation"]
        rows = list(ws.iter_rows(values_only=True))
        head = list(rows[0])
        check(tag + "Reconciliation headers", head == [
            "Business day", "Vendor", "Currency", "Net", "Settled", "Difference",
            "Rejected rows", "Rejected amount", "Unexplained", "Our count", "Settled count",
            "Note"], head)
        got, total, nonzero, bad = [], 0, 0, []
        for r in rows[1:]:
            if r[0] is None:
                continue
            net, settled, diff, unex = cents(r[3]), cents(r[4]), cents(r[5]), cents(r[8])
            rej = cents(r[7])
            got.append([r[0], r[1], r[2], net, settled, r[6], rej, r[9], r[10]])
            # the sheet's own arithmetic
            if settled is not None and net is not None:
                if diff != settled - net or unex != diff - rej:
                    bad.append(r)
                total += unex
                nonzero += unex != 0
            elif unex is not None:
                bad.append(r)
            if settled is None and r[0] != "day unknown" and r[11] != "no settlement":
                bad.append(r)
        want = sorted(exp["recon"], key=lambda x: (x[0] == "day unknown", x[0], x[1], x[2]))
        check(tag + "Reconciliation rows", got == want,
              "\n got %s\nwant %s" % ([g for g in got if g not in want],
                                     [w for w in want if w not in got]))
        check(tag + "Difference = Settled - Net, Unexplained = Difference - rejected", not bad,
              str(bad[:3]))
        check(tag + "exactly the expected amount unexplained",
              total == exp["unexplained_cents"] and nonzero == (1 if total else 0),
              "total %d in %d rows, want %d" % (total, nonzero, exp["unexplained_cents"]))
    if exp.get("silent") is not None:
        got = []
        if "Silent Zones" in names:
            rows = list(wb["Silent Zones"].iter_rows(values_only=True))
            for r in rows[1:]:
                if r[0] is None:
                    continue
                got.append([r[0], r[1], float(r[2]), r[3],
                            r[4].strftime("%Y-%m-%d %H:%M:%S") if r[4] else None])
        check(tag + "Silent Zones rows", got == exp["silent"], "%s != %s" % (got, exp["silent"]))
        srows = list(wb["Summary"].iter_rows(values_only=True))
        listed = []
        for i, r in enumerate(srows):
            if r and r[0] == "Silent zone":
                for r2 in srows[i + 1:]:
                    if r2[0] is None:
                        break
                    listed.append([r2[0], r2[1]])
        check(tag + "Summary lists the silent zones", listed == [s[:2] for s in exp["silent"]],
              str(listed))
    if exp.get("causes") is not None:
        srows = list(wb["Summary"].iter_rows(values_only=True))
        causes = {}
        for i, r in enumerate(srows):
            if r and r[0] == "Needs attention":
                for r2 in srows[i + 1:]:
                    if r2[0] is None:
                        break
                    causes[r2[0]] = [r2[1], r2[2]]
        for what, cs in exp["causes"].items():
            check(tag + "Summary cause '%s'" % what, causes.get(what) == cs,
                  "%s (all: %s)" % (causes.get(what), causes))
        for what in exp.get("absent_causes", []):
            check(tag + "no cause '%s'" % what, what not in causes, str(causes))
    sys.exit(1 if fails else 0)


main()
