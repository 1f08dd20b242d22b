#!/usr/bin/env python3
"""voids_check.py — expectations for t_voids.sh computed from the input files
alone (the contract, not the tool's output), then compared with what the tool
wrote: the summary JSON, the workbook (openpyxl) and the sandbox's state.

  voids_check.py check MODEL.json RUN_FILES... -- SUMMARY.json REPORT.xlsx STATE.json

MODEL.json carries what earlier runs saw (sale keys, void keys); it is
updated after the check. The model: a sale is cancelled when its key has a
void in this run or any earlier run; Gross = this run's sales, Voids = those
cancelled, Net = Gross - Voids (cents, per currency); a void of a sale of
this run is "cancelling", of an earlier run's sale "deleted" (it was
pushed), with no sale yet "unmatched". The server must hold exactly the
sales ever seen whose key never had a void.
"""
import csv
import json
import os
import sys

import openpyxl


def cents(text):
    text = text.strip().replace(",", "")
    units, _, frac = text.partition(".")
    return int(units) * 100 + int((frac + "00")[:2])


def read_rows(paths):
    """(sales, voids): key -> (cents, currency, file, line) for paystation files."""
    sales, voids = {}, {}
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        head = rows[0]
        st = head.index("Status") if "Status" in head else -1
        for n, r in enumerate(rows[1:], start=2):
            key = "paystation:" + r[0].strip()
            cur = (r[6].strip() or "CAD").upper()
            rec = (cents(r[5]), cur, os.path.basename(path), n)
            if st >= 0 and r[st].strip().upper() in ("VOID", "VOIDED", "REFUND", "REFUNDED"):
                voids[key] = rec
            else:
                sales[key] = rec
    return sales, voids


def fail(msg):
    print("voids_check: " + msg)
    sys.exit(1)


def summary_money(ws):
    """{label: {"CAD": cents, "USD": cents}} from the Summary's money block."""
    out, heads = {}, None
    for row in ws.iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        if row[0] == "Money":
            heads = [h for h in row[1:3]]
            continue
        if heads and isinstance(row[0], str) and row[0].split(" ")[0] in (
                "Gross", "Voids", "Net", "Earlier"):
            out[row[0].split(" ")[0]] = {
                heads[i]: round((row[1 + i] or 0) * 100) for i in range(2)}
    return out


def sheet_table(ws, keycol_names):
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    for name in keycol_names:
        if name in head:
            k = head.index(name)
            return head, [r for r in rows[1:] if r and r[k] is not None], k
    fail("no column %s in %s (header %s)" % (keycol_names, ws.title, head))


def main():
    a = sys.argv[1:]
    if a[0] != "check":
        fail("usage")
    model_path = a[1]
    sep = a.index("--")
    files, (summary, report, state) = a[2:sep], a[sep + 1:]
    model = {"sales": [], "voids": []}
    if os.path.exists(model_path):
        with open(model_path) as f:
            model = json.load(f)
    earlier_sales, earlier_voids = set(model["sales"]), set(model["voids"])
    sales, voids = read_rows(files)

    all_voids = earlier_voids | set(voids)
    cancelled = {k for k in sales if k in all_voids}
    gross = {"CAD": 0, "USD": 0}
    vsum = {"CAD": 0, "USD": 0}
    for k, (c, cur, _, _) in sales.items():
        gross[cur] += c
        if k in cancelled:
            vsum[cur] += c
    net = {c: gross[c] - vsum[c] for c in gross}
    vb = {"cancelling": 0, "deleted": 0, "unmatched": 0}
    for k in voids:
        if k in sales:
            vb["cancelling"] += 1
        elif k in earlier_sales:
            vb["deleted"] += 1
        else:
            vb["unmatched"] += 1
    earlier_voided = {"CAD": 0, "USD": 0}

    with open(summary) as f:
        sj = json.load(f)
    # every row in exactly one bucket
    rows = sj["rows"]
    if rows["read"] != rows["sales"] + rows["rejected"] + rows["duplicates"] + rows["voids"]:
        fail("rows do not add up: %s" % rows)
    if rows["sales"] != sum(sj["sales"].values()):
        fail("sales do not add up: %s vs %s" % (rows, sj["sales"]))
    if rows["voids"] != sum(sj["voids"].values()):
        fail("voids do not add up: %s vs %s" % (rows, sj["voids"]))
    want_rows = {"read": len(sales) + len(voids), "sales": len(sales), "rejected": 0,
                 "duplicates": 0, "voids": len(voids)}
    if rows != want_rows:
        fail("rows %s, wanted %s" % (rows, want_rows))
    want_sales = {"pushed": len(sales) - len(cancelled), "updated": 0, "repushed": 0,
                  "unchanged": 0, "cancelled": len(cancelled), "held": 0, "failed": 0,
                  "left pending": 0, "not pushed": 0}
    if sj["sales"] != want_sales:
        fail("sales %s, wanted %s" % (sj["sales"], want_sales))
    want_voids = {"cancelling": vb["cancelling"], "deleted": vb["deleted"],
                  "unmatched": vb["unmatched"], "failed": 0, "left pending": 0, "unchanged": 0}
    if sj["voids"] != want_voids:
        fail("voids %s, wanted %s" % (sj["voids"], want_voids))
    for cur in ("CAD", "USD"):
        m = sj["money"][cur]
        if (m["gross"], m["voids"], m["net"]) != (gross[cur], vsum[cur], net[cur]):
            fail("money %s %s, wanted gross %d voids %d net %d" % (
                cur, m, gross[cur], vsum[cur], net[cur]))
    if sj["exit_status"] != 0 or sj["causes"]:
        fail("exit %s causes %s, wanted 0 and none" % (sj["exit_status"], sj["causes"]))

    wb = openpyxl.load_workbook(report)
    names = wb.sheetnames
    if names.index("Zone Audit") + 1 != names.index("Voids") or \
            names.index("Voids") + 1 != names.index("Rejected"):
        fail("sheet order %s" % names)
    money = summary_money(wb["Summary"])
    for label, want in (("Gross", gross), ("Voids", vsum), ("Net", net)):
        if money.get(label) != want:
            fail("Summary %s %s, wanted %s" % (label, money.get(label), want))
    # Net on the Summary is Gross - Voids, as finance would compute it
    for cur in ("CAD", "USD"):
        if money["Gross"][cur] - money["Voids"][cur] != money["Net"][cur]:
            fail("Summary: Gross - Voids != Net in %s" % cur)
    _, prow, pk = sheet_table(wb["Permits"], ("Key", "_key"))
    pkeys = sorted(r[pk] for r in prow)
    want_p = sorted(k for k in sales if k not in cancelled)
    if pkeys != want_p:
        fail("Permits keys %s, wanted %s" % (pkeys, want_p))
    vhead, vrows, vk = sheet_table(wb["Voids"], ("Key",))
    kind = vhead.index("Kind")
    got = sorted((r[kind], r[vk]) for r in vrows)
    want = sorted([("cancelled sale", k) for k in cancelled] +
                  [("unmatched void", k) for k in voids
                   if k not in sales and k not in earlier_sales] +
                  [("earlier sale voided", k) for k in voids
                   if k not in sales and k in earlier_sales])
    if got != want:
        fail("Voids rows %s, wanted %s" % (got, want))
    amount = vhead.index("Amount")
    cur_col = vhead.index("Currency")
    for r in vrows:
        if r[kind] == "earlier sale voided":
            earlier_voided[r[cur_col]] += round(r[amount] * 100)
        if r[kind] == "cancelled sale":
            c, cur, _, _ = sales[r[vk]]
            if round(r[amount] * 100) != c or r[cur_col] != cur:
                fail("Voids row %s: amount %s %s, wanted %d %s" % (r[vk], r[amount],
                                                                   r[cur_col], c, cur))
    if earlier_voided != {"CAD": 0, "USD": 0} and money.get("Earlier") != earlier_voided:
        fail("Summary earlier sales voided %s, wanted %s" % (money.get("Earlier"),
                                                             earlier_voided))

    # the server: exactly the sales ever seen whose key never had a void
    with open(state) as f:
        st = json.load(f)
    live = sorted("paystation:" + p["fields"].get("permitNo", "")
                  for p in st["permits"] if not p["deleted"])
    ever = earlier_sales | set(sales)
    want_live = sorted(k for k in ever if k not in all_voids)
    if live != want_live:
        fail("live permits %s, wanted %s" % (live, want_live))

    model["sales"] = sorted(ever)
    model["voids"] = sorted(all_voids)
    with open(model_path, "w") as f:
        json.dump(model, f)
    print("ok: %d sales (%d cancelled), %d voids; CAD gross %d voids %d net %d" % (
        len(sales), len(cancelled), len(voids), gross["CAD"], vsum["CAD"], net["CAD"]))


main()
