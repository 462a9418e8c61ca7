"""A stand-in SMS provider for end-to-end tests: the webhook the notifications scheduler POSTs each
SMS to (SMS_WEBHOOK_URL), answering 200 and keeping every request it was handed, as the mail sink
keeps every email. It listens on a free local port in a thread of the test process. A story can make
it refuse the next text to a number (a provider's bad minute), to see the send retried."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsGateway:
    def __init__(self, host: str = "127.0.0.1"):
        self.received: list[dict] = []  # {"path", "headers", "body", "status"} per POST, in arrival order
        self._refusals: dict[str, int] = {}  # phone -> the status the next text to it gets
        self._lock = threading.Lock()
        gateway = self

        class Webhook(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the scheduler's requests.Session expects

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                with gateway._lock:
                    status = gateway._refusals.pop(body.get("to"), 200)
                    gateway.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                             "status": status})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass  # nothing on the test's stderr; what arrived is in `received`

        self._server = ThreadingHTTPServer((host, 0), Webhook)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}/sms"
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-gateway", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def refuse_next(self, phone: str, status: int = 503) -> None:
        with self._lock:
            self._refusals[phone] = status

    def all(self) -> list[dict]:
        with self._lock:
            return list(self.received)

    def to(self, phone: str) -> list[str]:
        """The texts delivered to this number (not those refused)."""
        return [request["body"].get("text", "") for request in self.all()
                if request["body"].get("to") == phone and request["status"] == 200]
