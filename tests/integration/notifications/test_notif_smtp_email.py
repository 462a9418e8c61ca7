"""Email through the real SMTP protocol into the real mail sink, and how failures are reported."""
import re
import smtplib
import socket
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller

from services.notifications.adapters.delivery import DeliveryFailed
from services.notifications.adapters.email_smtp import SmtpEmailSender
from services.notifications.adapters.templates import render
from services.notifications.domain.messages import RenderedMessage
from shared.mailsink import MailSink
from tests.support.ports import free_port

SENDER = "noreply@sessions.example.org"
NOTIFICATION_ID = "6f1c0e1e-9a3b-4c55-8d2e-0c7d1f2a3b4c"
STARTS = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)


@pytest.fixture
def sink(tmp_path):
    with MailSink("127.0.0.1", 0, tmp_path / "mail") as running:
        yield running


def sender_for(port: int, **options) -> SmtpEmailSender:
    return SmtpEmailSender("127.0.0.1", port, SENDER, **options)


def test_plain_text_email_is_stored_with_the_right_headers(sink):
    rendered = RenderedMessage(subject="You are on the waiting list", text="Hi Zoë,\n\nNumber 2.")
    sender_for(sink.port).send("jordan@example.com", rendered, NOTIFICATION_ID)

    [path] = sink.files()
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}-[0-9a-f-]{36}\.eml", path.name)
    [message] = sink.messages()
    assert message["From"].addresses[0].display_name == "Group Sessions"
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["To"] == "jordan@example.com"
    assert message["Subject"] == "You are on the waiting list"
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"] == f"<{NOTIFICATION_ID}@sessions.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Hi Zoë,\n\nNumber 2.\n"


def test_email_with_html_is_multipart_alternative(sink):
    context = {"recipient_timezone": "America/New_York", "starts_at": STARTS,
               "join_url": "https://sessions.example.org/join/abc123"}
    sender_for(sink.port).send("jordan@example.com", render("reminder_virtual", "email", context), "n-1")

    [message] = sink.messages()
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "https://sessions.example.org/join/abc123" in message.get_body(("plain",)).get_content()
    assert 'href="https://sessions.example.org/join/abc123"' in message.get_body(("html",)).get_content()
    assert message["Subject"] == "Reminder: your session on Monday, March 9 at 6:00 PM EDT"


def test_a_retried_send_carries_the_same_message_id(sink):
    rendered = RenderedMessage(subject="Session cancelled", text="Cancelled.")
    sender = sender_for(sink.port)
    sender.send("jordan@example.com", rendered, NOTIFICATION_ID)
    sender.send("jordan@example.com", rendered, NOTIFICATION_ID)
    sender.send("jordan@example.com", rendered, "another-notification")
    ids = [message["Message-ID"] for message in sink.messages()]
    assert ids[0] == ids[1] != ids[2]


def test_files_sort_in_arrival_order(sink):
    sender = sender_for(sink.port)
    for number in range(5):
        rendered = RenderedMessage(subject=f"Message {number}", text=".")
        sender.send("jordan@example.com", rendered, f"n-{number}")
    assert [message["Subject"] for message in sink.messages()] == [f"Message {n}" for n in range(5)]


def test_closed_port_is_a_retryable_failure():
    with pytest.raises(DeliveryFailed) as failure:
        sender_for(free_port()).send("jordan@example.com", RenderedMessage("Hi", "Hi"), NOTIFICATION_ID)
    assert failure.value.retryable is True and failure.value.status is None


def test_server_that_never_answers_is_a_retryable_timeout():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never greets
        with pytest.raises(DeliveryFailed) as failure:
            sender_for(silent.getsockname()[1], timeout=0.3).send(
                "jordan@example.com", RenderedMessage("Hi", "Hi"), NOTIFICATION_ID)
    assert failure.value.retryable is True


class _RefuseRecipients:
    def __init__(self, reply: str):
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply


@pytest.mark.parametrize("reply, retryable", [
    ("550 5.1.1 <jordan@example.com>: mailbox unavailable", False),
    ("451 4.3.0 try again later", True),
])
def test_refused_recipient_is_permanent_for_5xx_and_retryable_for_4xx(reply, retryable):
    port = free_port()
    server = Controller(_RefuseRecipients(reply), hostname="127.0.0.1", port=port,
                        server_hostname="refusing.localhost")
    server.start()
    try:
        with pytest.raises(DeliveryFailed) as failure:
            sender_for(port).send("jordan@example.com", RenderedMessage("Hi", "Hi"), NOTIFICATION_ID)
    finally:
        server.stop()
    assert failure.value.retryable is retryable
    assert failure.value.status == int(reply[:3])
    # The failure is logged by callers: it must not carry the address the server echoed.
    assert "jordan" not in str(failure.value) and failure.value.__cause__ is None


def test_email_without_subject_is_refused_before_connecting():
    with pytest.raises(ValueError):
        sender_for(free_port()).send("jordan@example.com", RenderedMessage(None, "text"), NOTIFICATION_ID)


def test_long_or_odd_notification_ids_still_give_a_stable_one_line_message_id(sink):
    sender = sender_for(sink.port)
    odd_id = "weird id <with> spaces@and-at" * 3
    sender.send("jordan@example.com", RenderedMessage("Hi", "Hi"), odd_id)
    sender.send("jordan@example.com", RenderedMessage("Hi", "Hi"), odd_id)
    first, second = sink.messages()
    assert first["Message-ID"] == second["Message-ID"]
    assert re.fullmatch(r"<[0-9a-f]{24}@sessions\.example\.org>", first["Message-ID"])
    assert b"Message-ID: <" in sink.files()[0].read_bytes()  # not folded onto a second line


def test_smtplib_reaches_the_sink_with_several_recipients_as_one_file(sink):
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.sendmail(SENDER, ["a@example.com", "b@example.com"], b"Subject: both\r\n\r\nHello\r\n")
    [message] = sink.messages()
    assert message["X-Envelope-To"] == "a@example.com, b@example.com"
    assert message["Subject"] == "both"
