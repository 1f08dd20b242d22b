#!/usr/bin/env python3
"""run_check.py — checks of `permit-etl run` (t_run.sh).

  summary-field SUMMARY.json PATH     a field, dotted path (counts.pushed)
  xlsx-permits XLSX                   rows of the Permits sheet(s)
  xlsx-totals XLSX                    "CAD USD" sums of Permits amounts (cents)
  summary-agrees SUMMARY.json XLSX STATE
      the summary's totals equal the workbook's Permits sums, its pushed count
      equals the live permits of the sandbox, its report path is XLSX
  permits-day XLSX YYYY-MM-DD TZ      every Permits start falls on that business day
                                      (and its Start (TZ) column shows it in TZ)
"""
import json
import os
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl


def permits(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for name in wb.sheetnames:
        if name == "Permits" or name.startswith("Permits "):
            it = wb[name].iter_rows(values_only=True)
            head = next(it)
            rows += [dict(zip(head, r)) for r in it]
    return rows


def totals(path):
    t = {"CAD": 0, "USD": 0}
    for r in permits(path):
        if r.get("Amount") is not None:
            t[r["Currency"]] += round(r["Amount"] * 100)
    return t


def main():
    a = sys.argv[1:]
    if a[0] == "summary-field":
        v = json.load(open(a[1]))
        for k in a[2].split("."):
            v = v[k]
        print(v)
    elif a[0] == "xlsx-permits":
        print(len(permits(a[1])))
    elif a[0] == "xlsx-totals":
        t = totals(a[1])
        print(t["CAD"], t["USD"])
    elif a[0] == "summary-agrees":
        s = json.load(open(a[1]))
        t = totals(a[2])
        live = [p for p in json.load(open(a[3]))["permits"] if not p["deleted"]]
        cents = {k: round(float(v) * 100) for k, v in s["totals"].items()}
        problems = []
        if cents != t:
            problems.append("totals %s != workbook %s" % (cents, t))
        if s["counts"]["pushed"] != len(live):
            problems.append("pushed %s != live %d" % (s["counts"]["pushed"], len(live)))
        if os.path.realpath(s["report"]) != os.path.realpath(a[2]):
            problems.append("report %s != %s" % (s["report"], a[2]))
        if problems:
            print("; ".join(problems))
            sys.exit(1)
    elif a[0] == "permits-day":
        tz = ZoneInfo(a[3])
        bad = 0
        rows = permits(a[1])
        for r in rows:
            start = r["Start (UTC)"].replace(tzinfo=timezone.utc)
            local = start.astimezone(tz).replace(tzinfo=None)
            # the business-time column shows the same instant in TZ
            if abs((r["Start (%s)" % a[3]] - local).total_seconds()) >= 1:
                bad += 1
            elif local.strftime("%Y-%m-%d") != a[2]:
                bad += 1
        print("%d %d" % (len(rows), bad))
    else:
        sys.exit("unknown command " + a[0])


if __name__ == "__main__":
    main()
