"""What gunicorn refuses before the application runs (deploy/gunicorn.conf.py's worker) answers in the
platform's JSON error format, as the application's own errors do: a real gunicorn serving roster."""
from __future__ import annotations

import http.client
import json
import time

import pytest

from tests.support.processes import VENV_BIN, Platform, free_port
from tests.support.tokens import TEST_SECRET

pytestmark = pytest.mark.integration


@pytest.fixture
def gunicorn_roster(settings_for, tmp_path):
    settings = settings_for("roster")
    port = free_port()
    platform = Platform(tmp_path, {"APP_ENV": "test", "JWT_SECRET": TEST_SECRET, "AMQP_URL": settings.amqp_url,
                                   "DATABASE_URL": settings.database_url, "WEB_CONCURRENCY": "1"})
    process = platform.start("roster", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                        "--bind", f"127.0.0.1:{port}", "services.roster.entrypoints.wsgi:app"])
    deadline = time.monotonic() + 60
    while True:
        try:
            if send(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200:
                break
        except OSError:
            pass
        assert process.popen.poll() is None and time.monotonic() < deadline, process.log()
        time.sleep(0.2)
    yield port, process
    process.stop()


def send(port: int, raw: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.connect()
    connection.sock.sendall(raw.encode("latin-1"))
    response = http.client.HTTPResponse(connection.sock)
    response.begin()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_oversized_and_malformed_requests_get_the_json_error_format(gunicorn_roster):
    port, process = gunicorn_roster
    status, headers, body = send(port, "GET /v1/groups HTTP/1.1\r\nHost: x\r\n\r\n")
    app_error = json.loads(body)  # the application's own error: no bearer token
    assert status == 401 and headers["content-type"] == "application/json"

    token = "secret-join-token"
    cases = {
        414: f"GET /join/{token}{'a' * 5000} HTTP/1.1\r\nHost: x\r\n\r\n",               # limit_request_line 4094
        431: f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {'b' * 9000}\r\n\r\n",           # limit_request_field_size
        400: "GET /healthz HTTP/9.9 junk\r\nHost: x\r\n\r\n",
    }
    cases_many = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "".join(f"X-{i}: v\r\n" for i in range(120)) + "\r\n"
    for expected, raw in [*cases.items(), (431, cases_many)]:
        status, headers, body = send(port, raw)
        assert status == expected, (expected, body)
        assert headers["content-type"] == "application/json"
        error = json.loads(body)
        assert error["code"] == expected and set(error) == set(app_error), error
        assert error["status"] and error["message"]
    assert token not in process.log()  # refusals are logged by kind, never with the request line
