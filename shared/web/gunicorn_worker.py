"""gunicorn's gthread worker, answering the requests gunicorn itself refuses in the platform's JSON
error format (`{"code", "status", "message"}`) instead of its HTML page.

gunicorn parses the request line and headers before the application sees anything, and refuses a
line over `limit_request_line` (414), too many or too large headers (431) or a malformed request
(400) on its own. The same answers, as JSON; the log names the kind of error, never the request
line (it may carry a join token or personal data in its query).
"""
from __future__ import annotations

import json

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

# What gunicorn answers for each error it raises while parsing, most specific first.
_REFUSALS: tuple[tuple[type[Exception], int, str, str], ...] = (
    (errors.LimitRequestLine, 414, "URI Too Long", "the request line is too long"),
    (errors.LimitRequestHeaders, 431, "Request Header Fields Too Large", "the request headers are too large"),
    (errors.UnsupportedTransferCoding, 501, "Not Implemented", "this transfer coding is not supported"),
    (errors.ExpectationFailed, 417, "Expectation Failed", "this expectation cannot be met"),
    (errors.ForbiddenProxyRequest, 403, "Forbidden", "the proxy is not allowed"),
    (errors.ConfigurationProblem, 500, "Internal Server Error", "the server cannot read this request"),
    (errors.ParseException, 400, "Bad Request", "the request is not valid HTTP"),
)


def refusal_for(exc: Exception) -> tuple[int, str, str] | None:
    for kind, code, reason, message in _REFUSALS:
        if isinstance(exc, kind):
            return code, reason, message
    return None


def json_error_response(code: int, reason: str, message: str) -> bytes:
    body = json.dumps({"code": code, "status": reason, "message": message}).encode()
    head = (f"HTTP/1.1 {code} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n")
    return head.encode("latin-1") + body


class JsonErrorThreadWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):
        refusal = refusal_for(exc)
        if refusal is None:  # the application's own failure: gunicorn's 500 (the app answers its own)
            return super().handle_error(req, client, addr, exc)
        code, reason, message = refusal
        self.log.warning("refused request: %s %s from ip=%s", code, type(exc).__name__, (addr or ("",))[0])
        try:
            util.write_nonblock(client, json_error_response(code, reason, message))
        except Exception:  # noqa: BLE001 - the client may be gone; nothing to tell it then
            self.log.debug("Failed to send error message.")
