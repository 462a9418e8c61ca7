"""The fast MIME writer gives what the email package would, and refuses header injection."""
from email import policy
from email.parser import BytesParser

import pytest

from services.notifications.adapters.email_smtp import SmtpEmailSender
from services.notifications.domain.messages import RenderedMessage

SENDER = SmtpEmailSender("127.0.0.1", 1025, "no-reply@groupsessions.local")


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))


@pytest.mark.parametrize("rendered", [
    RenderedMessage("Welcome: your session schedule", "Hi Jordan,\n\n.a line starting with a dot\n"),
    RenderedMessage("Réunion: ça commence " + "un sujet assez long " * 6, "Hi Zoë,\n\na = b \n" + "x" * 200,
                    "<p>Zoë &amp; co</p>"),
])
def test_fast_path_reads_back_like_the_email_package(rendered):
    fast = parse(SENDER.wire_bytes("jordan@example.org", rendered, "n-1"))
    slow = parse(SENDER.compose("jordan@example.org", rendered, "n-1").as_bytes())
    for header in ("From", "To", "Subject", "Message-ID", "Auto-Submitted"):
        assert str(fast[header]) == str(slow[header])
    assert fast.get_content_type() == slow.get_content_type()
    assert fast.get_body(("plain",)).get_content() == slow.get_body(("plain",)).get_content()
    if rendered.html:
        assert fast.get_body(("html",)).get_content() == slow.get_body(("html",)).get_content()


def test_lines_stay_short_and_7_bit():
    raw = SENDER.wire_bytes("jordan@example.org", RenderedMessage("Zoë " * 30, "é" * 500, "<p>" + "é" * 500), "n")
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_header_injection_is_refused():
    with pytest.raises(ValueError):
        SENDER.wire_bytes("jordan@example.org\r\nBcc: someone@example.org", RenderedMessage("Hi", "Hi"), "n")
    with pytest.raises(ValueError):
        SENDER.wire_bytes("jordan@example.org", RenderedMessage("Hi\nBcc: x@example.org", "Hi"), "n")


def test_a_non_ascii_address_is_left_to_the_email_package():
    assert SENDER.wire_bytes("zoë@example.org", RenderedMessage("Hi", "Hi"), "n") is None
