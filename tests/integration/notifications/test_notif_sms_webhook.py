"""SMS through a real (local) HTTP webhook: what is posted, and which answers are worth a retry."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.notifications.adapters.delivery import DeliveryFailed
from services.notifications.adapters.sms_webhook import SmsWebhookSender
from tests.support.ports import free_port

PHONE = "+15555550123"


class _Provider(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), json.loads(body)))
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        if 300 <= self.server.status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # only reached if a redirect were followed
        self.server.received.append((self.path, dict(self.headers), None))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    server.daemon_threads = True
    server.received, server.status, server.delay = [], 200, 0.0
    server.handle_error = lambda *args: None  # a client that gave up (timeout test) is expected
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms(provider):
    sender = SmsWebhookSender(f"http://127.0.0.1:{provider.server_address[1]}/sms", timeout=2)
    yield sender
    sender.close()


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_posts_json_with_the_idempotency_key(provider, sms, status):
    provider.status = status
    sms.send(PHONE, "Group Sessions: Your session starts Monday.", "notif-7:sms")
    [(path, headers, body)] = provider.received
    assert path == "/sms"
    assert body == {"to": PHONE, "text": "Group Sessions: Your session starts Monday.",
                    "idempotency_key": "notif-7:sms"}
    assert headers["Idempotency-Key"] == "notif-7:sms"
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("status, retryable", [
    (500, True), (502, True), (503, True), (429, True), (408, True),
    (400, False), (401, False), (404, False), (422, False),
])
def test_error_answers(provider, sms, status, retryable):
    provider.status = status
    with pytest.raises(DeliveryFailed) as failure:
        sms.send(PHONE, "text", "key-1")
    assert failure.value.retryable is retryable and failure.value.status == status
    assert PHONE not in str(failure.value)


def test_redirect_is_not_followed_and_not_retried(provider, sms):
    provider.status = 302
    with pytest.raises(DeliveryFailed) as failure:
        sms.send(PHONE, "text", "key-1")
    assert failure.value.retryable is False
    assert len(provider.received) == 1  # no GET to the Location


def test_unreachable_provider_is_retryable():
    sender = SmsWebhookSender(f"http://127.0.0.1:{free_port()}/sms", timeout=2)
    with pytest.raises(DeliveryFailed) as failure:
        sender.send(PHONE, "text", "key-1")
    sender.close()
    assert failure.value.retryable is True and failure.value.status is None


def test_slow_provider_times_out_as_retryable(provider):
    provider.delay = 1.0
    sender = SmsWebhookSender(f"http://127.0.0.1:{provider.server_address[1]}/sms", timeout=0.2)
    with pytest.raises(DeliveryFailed) as failure:
        sender.send(PHONE, "text", "key-1")
    sender.close()
    assert failure.value.retryable is True
