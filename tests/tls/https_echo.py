#!/usr/bin/env python3
"""https_echo.py CERT KEY LOG — a tiny HTTPS server on 127.0.0.1 (port 0)
for the TLS tests (tests/e2e/t_security.sh). Prints "listening on
127.0.0.1:PORT" on stdout; every request is logged (method, path) to LOG;
every POST gets HTTP 400 with an OPSCOM-style error whose message echoes
the request body with its apiToken (the client must mask its token in what it shows)."""
import http.server, json, ssl, sys

cert, key, log = sys.argv[1:4]


class H(http.server.BaseHTTPRequestHandler):
    def _reply(self):
        n = int(self.headers.get("Content-Length") or 0)
        req = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        with open(log, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        body = json.dumps({"ErrorCode": 1001,
                           "ErrorMessage": "rejected request " + req[:300]}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET = _reply

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
