"""peer_common.py — what the two peer scripts (peer_push.py, peer_async.py)
share: reading a pay-station CSV the way a user's own script would and
turning each row into an OPSCOM push body.

The peers are the yardstick of issue 20, "the script a user would write in
ten minutes": no ledger, no duplicate check, no zone reconciliation, no
reject report, no retry. A row that does not parse is skipped and counted.
Local times (America/Toronto) become UTC as the API wants; amounts lose
their currency sign; plates keep only letters and digits, upper-cased.
"""
import csv
import datetime
import re
import zoneinfo

TZ = zoneinfo.ZoneInfo("America/Toronto")
UTC = datetime.timezone.utc
PATH = "/api/OC-TOMA/v1/permits/push"
_money = re.compile(r"[^0-9.]")
_plate = re.compile(r"[^A-Za-z0-9]")


def _utc(text):
    t = datetime.datetime.strptime(text.strip().upper(), "%m/%d/%Y %I:%M %p")
    return t.replace(tzinfo=TZ).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def bodies(path, token):
    """Yields (permitNo, body dict) per usable row; returns the skipped count
    through the list `skipped` (one element) the caller passes in."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            try:
                body = {
                    "apiToken": token,
                    "LicencePlate": _plate.sub("", row["Plate"]).upper(),
                    "Amount": "%.2f" % float(_money.sub("", row["Amount"])),
                    "CurrencyID": (row.get("Currency") or "CAD").strip().upper(),
                    "startTime": _utc(row["Start"]),
                    "endTime": _utc(row["End"]),
                    "zone": row["Zone"].strip(),
                    "permitNo": row["Receipt No"].strip(),
                }
            except (ValueError, KeyError, AttributeError, TypeError):
                yield None
                continue
            if body["Amount"] == "0.00":      # a free session: no money sent
                del body["Amount"], body["CurrencyID"]
            if row.get("Ticket No"):
                body["TicketNumber"] = row["Ticket No"].strip()
            if row.get("Promo"):
                body["promoCode"] = row["Promo"].strip()
            yield body
