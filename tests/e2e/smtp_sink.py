#!/usr/bin/python3
"""smtp_sink.py OUTDIR — an SMTP server (aiosmtpd) on 127.0.0.1, a free port.

Prints "listening on 127.0.0.1:PORT" once ready. Every message received is
written to OUTDIR/mail-N.eml (the DATA bytes) and OUTDIR/mail-N.json
({"from", "to", "auth_user", "auth_ok"}). AUTH (PLAIN/LOGIN, allowed without
TLS on loopback) succeeds only for SINK_USER / SINK_PASS from the
environment; without them AUTH always fails.
"""
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult

OUT = sys.argv[1]
USER = os.environ.get("SINK_USER")
PASS = os.environ.get("SINK_PASS")


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = USER is not None and auth_data.login.decode() == USER and \
        auth_data.password.decode() == PASS
    session.sink_user = auth_data.login.decode(errors="replace")
    return AuthResult(success=ok)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(OUT) if f.endswith(".eml")]) + 1
        base = os.path.join(OUT, "mail-%d" % n)
        meta = {"from": envelope.mail_from, "to": envelope.rcpt_tos,
                "auth_user": getattr(session, "sink_user", None),
                "auth_ok": bool(session.authenticated)}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(Handler(), authenticator=authenticator, auth_require_tls=False,
                     data_size_limit=64 * 1024 * 1024),
        "127.0.0.1", 0)
    print("listening on 127.0.0.1:%d" % srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()

asyncio.run(main())
