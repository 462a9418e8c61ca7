"""What goes into a message at send time: the session as it is now, the participant's own link."""
from datetime import datetime, time, timedelta, timezone

import pytest

from services.notifications.adapters.join_links import JoinLinks
from services.notifications.adapters.templates import render
from services.notifications.domain.messages import MessageKind
from services.notifications.domain.model import Group, Notification, Recipient, Session
from services.notifications.service_layer.compose import Facts, MissingLocation, compose
from shared.join_links import LinkSigner

UTC = timezone.utc
STARTS = datetime(2026, 3, 9, 22, tzinfo=UTC)
LINKS = JoinLinks("https://sessions.example.org", "join-secret")
MEMBER = Recipient(id="5a0c1f3e-0000-4000-8000-000000000001", kind="participant", name="Jordan",
                   email="j@example.org", phone=None, timezone="America/Chicago", channels=("email",),
                   sms_consent=False, quiet_start=time(22), quiet_end=time(7))
GROUP = Group(id="g1", modality="hybrid", location="Room 204", facilitator_ids=("f1",),
              schedule={"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 180,
                        "timezone": "America/New_York"})


def session(modality="virtual", location=None) -> Session:
    return Session(id="7d1e2f3a-0000-4000-8000-000000000002", group_id="g1", starts_at=STARTS,
                   ends_at=STARTS + timedelta(hours=3), modality=modality, location=location)


def reminder(kind="reminder_in_person", recipient=MEMBER) -> Notification:
    return Notification(id="n1", recipient_id=recipient.id, recipient_kind=recipient.kind, channel="email",
                        kind=kind, group_id="g1", session_id="s1", urgent=False, attempts=0, due_at=STARTS)


def test_a_virtual_reminder_carries_the_participants_own_working_join_link():
    facts = Facts(group=GROUP, session=session("virtual"), next_session=None)
    kind, context = compose(reminder(), MEMBER, facts, LINKS)
    assert kind is MessageKind.REMINDER_VIRTUAL  # follows the session's modality now, not when planned
    token = context["join_url"].removeprefix("https://sessions.example.org/join/")
    ids = LinkSigner("join-secret", "https://sessions.example.org").read_join_token(token)
    assert tuple(map(str, ids)) == (facts.session.id, MEMBER.id)
    message = render(kind, "email", context)
    assert context["join_url"] in message.text and "5:00 PM CDT" in message.text  # recipient's clock


def test_an_in_person_reminder_carries_the_location_falling_back_to_the_groups():
    facts = Facts(group=GROUP, session=session("in_person", location=None), next_session=None)
    kind, context = compose(reminder("reminder_virtual"), MEMBER, facts, LINKS)
    assert kind is MessageKind.REMINDER_IN_PERSON and context["location"] == "Room 204"
    assert "join_url" not in context


def test_an_in_person_reminder_with_no_location_anywhere_is_refused():
    bare = Group(**{**GROUP.__dict__, "location": None})
    with pytest.raises(MissingLocation):
        compose(reminder(), MEMBER, Facts(group=bare, session=session("in_person"), next_session=None), LINKS)


def test_a_welcome_has_the_schedule_and_first_session_and_a_facilitator_reads_the_groups_clock():
    facilitator = Recipient(id="f1", kind="facilitator", name="Dr. A", email="a@example.org", phone=None,
                            timezone=None, channels=("email",), sms_consent=False, quiet_start=None, quiet_end=None)
    welcome = Notification(id="n2", recipient_id="f1", recipient_kind="facilitator", channel="email",
                           kind="welcome", group_id="g1", session_id=None, urgent=False, attempts=0, due_at=STARTS)
    facts = Facts(group=GROUP, session=None, next_session=session())
    kind, context = compose(welcome, facilitator, facts, LINKS)
    assert context["recipient_timezone"] == "America/New_York"
    assert context["schedule"] == GROUP.schedule and context["first_session_starts_at"] == STARTS
    assert "Mondays at 6:00 PM EDT" in render(kind, "email", context).text
