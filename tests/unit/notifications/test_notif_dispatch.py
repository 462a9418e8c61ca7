"""Deciding at send time: suppressed (and why), deferred for quiet hours, retried, or sent."""
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone

import pytest

from services.notifications.domain.dispatch import Defer, Retry, Send, Suppress, decide
from services.notifications.domain.model import Notification, Reason, Recipient, Session

UTC = timezone.utc
NOW = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # Tuesday 23:30 in New York
MORNING = datetime(2026, 3, 11, 11, 0, tzinfo=UTC)  # 07:00 in New York
MEMBER = Recipient(id="p1", kind="participant", name="Jordan", email="j@example.org", phone="+15555550123",
                   timezone="America/New_York", channels=("email", "sms", "in_app"), sms_consent=True,
                   quiet_start=time(22), quiet_end=time(7))
SESSION = Session(id="s1", group_id="g1", starts_at=NOW + timedelta(hours=12), ends_at=NOW + timedelta(hours=15),
                  modality="virtual", location=None)


def note(channel="email", kind="reminder_virtual", urgent=False) -> Notification:
    return Notification(id="n1", recipient_id="p1", recipient_kind="participant", channel=channel, kind=kind,
                        group_id="g1", session_id="s1", urgent=urgent, attempts=0, due_at=NOW)


def decision(notification=None, recipient=MEMBER, session=SESSION, member=True, sms_provider=True, now=NOW):
    return decide(notification or note(), recipient, session, member, now, sms_provider)


def test_quiet_hours_defer_a_reminder_to_their_end():
    assert decision() == Defer(MORNING)


def test_an_urgent_change_goes_at_once_in_quiet_hours():
    assert decision(note(kind="session_cancelled", urgent=True)) == Send()


def test_in_app_is_not_held_back_by_quiet_hours():
    assert decision(note(channel="in_app")) == Send()


def test_outside_quiet_hours_it_is_sent():
    assert decision(now=MORNING) == Send()


@pytest.mark.parametrize("changes, reason", [
    ({"sms_consent": False}, Reason.NO_SMS_CONSENT),
    ({"phone": None}, Reason.NO_SMS_CONSENT),
    ({"channels": ("email",)}, Reason.CHANNEL_NOT_CHOSEN),
    ({"status": "inactive"}, Reason.RECIPIENT_INACTIVE),
])
def test_sms_needs_the_channel_consent_and_a_phone(changes, reason):
    assert decision(note(channel="sms"), recipient=replace(MEMBER, **changes), now=MORNING) == Suppress(reason)


def test_sms_without_a_configured_provider_is_suppressed():
    no_provider = decision(note(channel="sms"), sms_provider=False, now=MORNING)
    assert no_provider == Suppress(Reason.NO_SMS_PROVIDER)


def test_reminders_of_cancelled_or_started_sessions_and_for_former_members_are_suppressed():
    assert decision(session=replace(SESSION, status="cancelled")) == Suppress(Reason.SESSION_CANCELLED)
    assert decision(now=SESSION.starts_at) == Suppress(Reason.SESSION_STARTED)
    assert decision(member=False, now=MORNING) == Suppress(Reason.NOT_A_MEMBER)


def test_a_session_change_still_reaches_someone_no_longer_a_member():
    assert decision(note(kind="session_cancelled"), member=False, now=MORNING) == Send()


def test_an_unknown_recipient_is_retried_not_dropped():
    assert decision(recipient=None) == Retry(Reason.RECIPIENT_UNKNOWN)


def test_a_facilitator_without_timezone_or_quiet_hours_gets_alerts_at_once():
    facilitator = Recipient(id="f1", kind="facilitator", name="Dr. A", email="a@example.org", phone=None,
                            timezone=None, channels=("email",), sms_consent=False, quiet_start=None, quiet_end=None)
    alert = replace(note(kind="absence_alert"), recipient_id="f1", recipient_kind="facilitator", session_id=None)
    assert decide(alert, facilitator, None, False, NOW, True) == Send()
