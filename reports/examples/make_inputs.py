#!/usr/bin/python3
"""make_inputs.py OUTDIR — writes the deterministic example exports behind
reports/examples/summary.png: a pay-station CSV and a mobile-app CSV of one
weekend, with aliases, a misspelt zone, promo codes, free sessions, USD
payments and a few broken rows. See reports/examples/README.md."""
import os
import random
import sys

out = sys.argv[1]
rnd = random.Random(1128)
zones = ["Lot 01", "LOT-02", "lot03", "Red Lot", "Blue Lot", "Garage A", "3002",
         "Harbourfront Garage", "Main Street", "King Street", "City Hall",
         "Harbourfront Grage", "Arena", "Library", "Lot 14"]
weights = [9, 7, 6, 5, 4, 8, 6, 7, 5, 4, 3, 2, 3, 2, 1]
promos = [""] * 12 + ["summer", "SENIOR", "FREE"]


def pick():
    return rnd.choices(zones, weights)[0]


with open(os.path.join(out, "paystation-1128.csv"), "w", newline="") as f:
    f.write("Receipt No,Plate,Zone,Start,End,Amount,Currency,Promo,Ticket No,Status\r\n")
    for i in range(1, 241):
        day = 28 + (i > 130)
        h = rnd.randint(7, 22)
        m = rnd.choice([0, 10, 15, 20, 30, 40, 45, 50])
        dur = rnd.choice([30, 60, 60, 90, 120, 180])
        eh, em = h + (m + dur) // 60, (m + dur) % 60
        ampm = lambda x: "%d:%02d %s" % ((x - 1) % 12 + 1, 0, "AM" if x < 12 else "PM")
        start = "11/%d/2025 %d:%02d %s" % (day, (h - 1) % 12 + 1, m, "AM" if h < 12 else "PM")
        if eh >= 24:
            eh -= 24
            end = "11/%d/2025 %d:%02d %s" % (day + 1, (eh - 1) % 12 + 1 if eh else 12, em,
                                              "AM")
        else:
            end = "11/%d/2025 %d:%02d %s" % (day, (eh - 1) % 12 + 1, em,
                                              "AM" if eh < 12 else "PM")
        promo = rnd.choice(promos)
        amount = "0.00" if promo == "FREE" else "%.2f" % (dur / 60 * rnd.choice([2.5, 3.0, 4.25]))
        cur = "USD" if rnd.random() < 0.12 else ""
        plate = "%s%03d" % (rnd.choice(["ABC", "BXRT", "CKZ", "DLM", "EV"]), rnd.randint(0, 999))
        status = "VOID" if i % 47 == 0 else ""
        if i % 61 == 0:
            amount = "14.505"
        f.write("R%05d,%s,%s,%s,%s,%s,%s,%s,,%s\r\n" %
                (i, plate, pick(), start, end, amount, cur, promo, status))

with open(os.path.join(out, "mobile-1128.csv"), "w", newline="") as f:
    f.write("transaction_id,licence_plate,parking_zone,start_time,end_time,amount,currency,"
            "promo_code\n")
    for i in range(1, 121):
        day = 28 + (i > 60)
        h = rnd.randint(12, 27)
        d = day + h // 24
        h %= 24
        dur = rnd.choice([30, 60, 120])
        eh, em = h + dur // 60, dur % 60
        ed = d + eh // 24
        eh %= 24
        amount = "%.2f" % (dur / 60 * 3.5)
        cur = "USD" if rnd.random() < 0.2 else "CAD"
        f.write("M%05d,MOB%04d,%s,2025-11-%02dT%02d:00:00Z,2025-11-%02dT%02d:%02d:00Z,%s,%s,%s\n" %
                (i, rnd.randint(0, 9999), pick(), d, h, ed, eh, em, amount, cur,
                 rnd.choice(promos)))
