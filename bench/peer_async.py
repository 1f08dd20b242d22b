#!/usr/bin/python3
"""peer_async.py — the asyncio peer of bench/run.sh (issue 20): Debian's
python3-aiohttp, one ClientSession (keep-alive), C requests in flight, no
ledger. Reads a pay-station CSV (see peer_common.py).

  OPSCOM_API_TOKEN=T bench/peer_async.py URL FILE [C]

C defaults to 1. Prints "sent N ok M failed F skipped S seconds T"; exit 0
when every sent request succeeded, 1 otherwise.
"""
import asyncio
import os
import sys
import time

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common  # noqa: E402


async def run(url, path, conc, token):
    counts = {"sent": 0, "ok": 0, "skipped": 0}
    rows = peer_common.bodies(path, token)
    headers = {"Accept": "application/json"}

    async def worker(session):
        for body in rows:          # one generator shared by the workers
            if body is None:
                counts["skipped"] += 1
                continue
            counts["sent"] += 1
            try:
                async with session.post(url, json=body, headers=headers) as r:
                    ans = await r.json(content_type=None)
                    counts["ok"] += ans.get("status") == "success"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                pass

    conn = aiohttp.TCPConnector(limit=conc)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(conc)))
    return counts


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write("usage: peer_async.py URL FILE [C]\n")
        return 2
    conc = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    if conc < 1:
        sys.stderr.write("peer_async.py: C must be at least 1\n")
        return 2
    url = sys.argv[1].rstrip("/") + peer_common.PATH
    t0 = time.monotonic()
    c = asyncio.run(run(url, sys.argv[2], conc, os.environ.get("OPSCOM_API_TOKEN", "")))
    print("sent %d ok %d failed %d skipped %d seconds %.3f"
          % (c["sent"], c["ok"], c["sent"] - c["ok"], c["skipped"], time.monotonic() - t0))
    return 0 if c["ok"] == c["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
