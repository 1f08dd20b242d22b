#!/usr/bin/python3
"""http_sink.py OUTDIR STATUS — an HTTP server on 127.0.0.1, a free port.

Prints "listening on 127.0.0.1:PORT" once ready. Every POST body is written
to OUTDIR/hook-N.body with its request line and headers in
OUTDIR/hook-N.json; the answer is STATUS (e.g. 200 or 500).
"""
import http.server
import json
import os
import sys

OUT, STATUS = sys.argv[1], int(sys.argv[2])


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = len([f for f in os.listdir(OUT) if f.endswith(".body")]) + 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        base = os.path.join(OUT, "hook-%d" % n)
        with open(base + ".json", "w") as f:
            json.dump({"path": self.path, "headers": dict(self.headers)}, f)
        with open(base + ".body.tmp", "wb") as f:
            f.write(body)
        os.rename(base + ".body.tmp", base + ".body")
        self.send_response(STATUS)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, fmt, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
