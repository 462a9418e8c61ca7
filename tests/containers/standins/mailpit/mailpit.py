#!/usr/bin/python3
"""A stand-in for Mailpit: keeps every message received over SMTP (port 1025) in memory and serves the
part of Mailpit's HTTP API the compose test reads (port 8025):

    GET    /api/v1/messages?start=0&limit=50   newest first: {"total", "count", "start", "messages": [...]}
    GET    /api/v1/message/<ID>                one message with its Text and HTML bodies
    GET    /api/v1/message/<ID>/raw            the message as received
    DELETE /api/v1/messages                    forget every message
    GET    /readyz, /livez                     200 once both servers listen

`mailpit readyz` (the compose file's health command) asks /readyz and exits 0 or 1.
"""
from __future__ import annotations

import sys

if __name__ == "__main__" and sys.argv[1:] == ["readyz"]:
    # The health command: as little as possible before the answer (a busy machine makes every import slow).
    import socket
    try:
        with socket.create_connection(("127.0.0.1", 8025), timeout=4) as probe:
            probe.sendall(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")
            sys.exit(0 if probe.recv(64).split(b" ")[1:2] == [b"200"] else 1)
    except OSError:
        sys.exit(1)

import json
import os
import signal
import threading
import time
import uuid
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SMTP_PORT, HTTP_PORT = 1025, 8025
MESSAGES: list[dict] = []  # oldest first
LOCK = threading.Lock()


def addresses(value: str | None) -> list[dict]:
    return [{"Name": name, "Address": address} for name, address in getaddresses([value or ""]) if address]


def summary(message: dict) -> dict:
    return {key: message[key] for key in ("ID", "MessageID", "From", "To", "Subject", "Created", "Size")}


class Handler:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        message = {"ID": uuid.uuid4().hex, "MessageID": (parsed["Message-ID"] or "").strip("<>"),
                   "From": (addresses(parsed["From"]) or [{}])[0], "To": addresses(parsed["To"]),
                   "Subject": parsed["Subject"] or "", "Created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "Size": len(raw), "Text": text.get_content() if text else "",
                   "HTML": html.get_content() if html else "", "raw": raw}
        with LOCK:
            MESSAGES.append(message)
        return "250 Message accepted for delivery"


class Api(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value) -> None:
        self._send(status, json.dumps(value).encode())

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        if url.path in ("/readyz", "/livez"):
            return self._send(200, b"ok", "text/plain")
        if url.path == "/api/v1/messages":
            query = parse_qs(url.query)
            start, limit = int(query.get("start", ["0"])[0]), int(query.get("limit", ["50"])[0])
            with LOCK:
                newest_first = list(reversed(MESSAGES))
            page = newest_first[start:start + limit]
            return self._json(200, {"total": len(newest_first), "count": len(page), "start": start,
                                    "messages": [summary(m) for m in page]})
        if len(parts) in (4, 5) and parts[:3] == ["api", "v1", "message"]:
            with LOCK:
                found = [m for m in MESSAGES if m["ID"] == parts[3]]
            if not found:
                return self._json(404, {"error": "message not found"})
            if len(parts) == 5 and parts[4] == "raw":
                return self._send(200, found[0]["raw"], "message/rfc822")
            return self._json(200, {k: v for k, v in found[0].items() if k != "raw"})
        return self._json(404, {"error": "not found"})

    def do_DELETE(self):  # noqa: N802
        if urlparse(self.path).path != "/api/v1/messages":
            return self._json(404, {"error": "not found"})
        with LOCK:
            MESSAGES.clear()
        return self._send(200, b"ok", "text/plain")

    def log_message(self, *args):  # the test reads the API; no access log
        pass


def serve() -> None:
    from aiosmtpd.controller import Controller

    smtp = Controller(Handler(), hostname="0.0.0.0", port=SMTP_PORT)
    smtp.start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # PID 1: stop at once on docker stop
    print(f"mail catcher: SMTP on {SMTP_PORT}, HTTP on {HTTP_PORT}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", HTTP_PORT), Api).serve_forever()


if __name__ == "__main__":
    serve()
