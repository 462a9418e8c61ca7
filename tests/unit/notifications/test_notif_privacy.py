"""No message ever names the program, the group's kind, a diagnosis or substance use.

Every template found on disk is rendered with a realistic context (with every optional detail, and
with the bare minimum, so both sides of each `if` are seen) and checked for forbidden words, in the
subject, the text and the HTML. A template added without a context here fails this test.
"""
from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.notifications.adapters.templates import CONTEXT_VARIABLES, TEMPLATE_DIR, render
from services.notifications.domain.messages import SENDER_NAME, SMS_MAX_CHARS, Channel, MessageKind

FORBIDDEN = (
    "addiction", "substance", "alcohol", "drug", "rehab", "recovery", "treatment", "iop",
    "intensive outpatient", "psychoeducation", "process group", "therapy", "therapist", "diagnosis",
    "counseling", "sober", "relapse", "mental health", "psychiatric", "clinic",
)

STARTS = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)
SCHEDULE = {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
            "timezone": "America/New_York"}
PAGE_URL = "https://web.example.org/p/WgwfPgAAQACAAAAAAAAAAQAAAAM.aw9XrA.zOkzvowaJkTlJCNYt"
MEMBER = {"recipient_timezone": "America/Chicago", "page_url": PAGE_URL}
FACILITATOR = {"recipient_timezone": "America/New_York"}

# The fullest realistic context for every kind.
CONTEXTS: dict[str, dict] = {
    "welcome": {**MEMBER, "schedule": SCHEDULE, "first_session_starts_at": STARTS,
                "location": "Room 204, 1450 Harbor Avenue, Springfield"},
    "waitlisted": {**MEMBER, "waitlist_position": 4},
    "promoted": {**MEMBER, "schedule": SCHEDULE, "first_session_starts_at": STARTS,
                 "location": "Room 204, 1450 Harbor Avenue, Springfield"},
    "session_rescheduled": {**MEMBER, "previous_starts_at": STARTS, "starts_at": "2026-03-10T23:30:00+00:00"},
    "session_cancelled": {**MEMBER, "starts_at": STARTS},
    "reminder_virtual": {**MEMBER, "starts_at": STARTS, "location": "Room 204, 1450 Harbor Avenue",
                         "join_url": "https://sessions.example.org/join/eyJzIjoiN2YzYTkxYzIifQ.Zq3xJcW8"},
    "reminder_in_person": {**MEMBER, "starts_at": STARTS, "location": "Room 204, 1450 Harbor Avenue"},
    "session_relocated": {**MEMBER, "starts_at": STARTS, "online": True, "location": "Room 4",
                          "join_url": "https://sessions.example.org/join/eyJzIjoiN2YzYTkxYzIifQ.Zq3xJcW8"},
    "page_link": {**MEMBER},
    "absence_alert": {**FACILITATOR, "participant_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                      "missed_count": 2, "last_session_starts_at": STARTS},
    "note_unsigned": {**FACILITATOR, "session_starts_at": STARTS},
}


def minimal(kind: str) -> dict:
    required, _ = CONTEXT_VARIABLES[MessageKind(kind)]
    return {name: value for name, value in CONTEXTS[kind].items()
            if name in required or name == "recipient_timezone"}


def template_files() -> list[Path]:
    return sorted(path for path in TEMPLATE_DIR.iterdir()
                  if path.suffix in (".txt", ".html") and not path.name.startswith("_"))


def assert_neutral(where: str, text: str | None) -> None:
    lowered = (text or "").lower()
    found = [word for word in FORBIDDEN if word in lowered]
    assert not found, f"{where} contains {found}"


def test_templates_exist_on_disk():
    assert len(template_files()) >= len(MessageKind) * len(Channel)


@pytest.mark.parametrize("path", template_files(), ids=lambda path: path.name)
def test_every_template_on_disk_renders_neutrally(path):
    kind, channel, extension = path.name.split(".")
    assert kind in CONTEXTS, f"{path.name}: add a realistic context for {kind!r} to CONTEXTS"
    for label, context in (("full", CONTEXTS[kind]), ("minimal", minimal(kind))):
        message = render(kind, channel, context)
        if extension == "html":
            assert message.html, f"{path.name} was not used for the HTML part"
        for part in ("subject", "text", "html"):
            assert_neutral(f"{path.name} ({label} context) {part}", getattr(message, part))


@pytest.mark.parametrize("kind", list(MessageKind))
@pytest.mark.parametrize("channel", list(Channel))
def test_every_kind_renders_on_every_channel(kind, channel):
    message = render(kind, channel, CONTEXTS[kind])
    assert message.text
    assert_neutral(f"{kind}/{channel}", " ".join(filter(None, [message.subject, message.text, message.html])))
    if channel is Channel.SMS:
        assert len(message.text) < SMS_MAX_CHARS
    else:
        assert message.subject


def test_template_sources_are_neutral_including_branches_not_rendered():
    for path in TEMPLATE_DIR.iterdir():
        assert_neutral(path.name, path.read_text(encoding="utf-8"))


def test_sender_name_is_neutral():
    assert_neutral("SENDER_NAME", SENDER_NAME)


def test_contexts_cover_every_kind_and_nothing_else():
    assert set(CONTEXTS) == {kind.value for kind in MessageKind}
