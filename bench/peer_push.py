#!/usr/bin/python3
"""peer_push.py — the naive sequential loop permit-etl is compared with at
concurrency 1 (bench/run.sh, issue 20): Python's urllib, one POST after the
other, no ledger. Reads a pay-station CSV (see peer_common.py).

  OPSCOM_API_TOKEN=T bench/peer_push.py URL FILE [1]

(The optional 1 is the concurrency, for symmetry with peer_async.py: a
sequential loop has no other.) URL is the API's base (http://127.0.0.1:PORT). Prints one line:
"sent N ok M failed F skipped S seconds T"; exit 0 when every sent request
succeeded, 1 otherwise.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common  # noqa: E402


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "1"):
        sys.stderr.write("usage: peer_push.py URL FILE [1]\n")
        return 2
    url = sys.argv[1].rstrip("/") + peer_common.PATH
    token = os.environ.get("OPSCOM_API_TOKEN", "")
    sent = ok = skipped = 0
    t0 = time.monotonic()
    for body in peer_common.bodies(sys.argv[2], token):
        if body is None:
            skipped += 1
            continue
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/json"})
        sent += 1
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                ans = json.loads(r.read())
                ok += ans.get("status") == "success"
        except urllib.error.HTTPError as e:
            if sent - ok == 1:
                sys.stderr.write("peer_push.py: first failure: HTTP %d %s\n"
                                 % (e.code, e.read()[:200].decode("utf-8", "replace")))
        except (urllib.error.URLError, OSError, ValueError) as e:
            if sent - ok == 1:
                sys.stderr.write("peer_push.py: first failure: %s\n" % e)
    print("sent %d ok %d failed %d skipped %d seconds %.3f"
          % (sent, ok, sent - ok, skipped, time.monotonic() - t0))
    return 0 if ok == sent else 1


if __name__ == "__main__":
    sys.exit(main())
