"""Personal join links: the window, on-time or late arrival, and the refusals a participant can meet."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.sessions.domain.errors import Expired, Revoked, TooEarly
from services.sessions.domain.join_window import check_join, join_window
from services.sessions.domain.model import schedule_session

START = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)


def virtual(modality="virtual"):
    s, _ = schedule_session(uuid.uuid4(), START, 180, modality, "Room 4", None, START - timedelta(days=1))
    return s


def test_the_window_opens_15_minutes_early_and_closes_at_the_end():
    assert join_window(virtual()) == (START - timedelta(minutes=15), START + timedelta(hours=3))


@pytest.mark.parametrize(("offset", "outcome"), [
    (timedelta(minutes=-15), "present"),
    (timedelta(0), "present"),
    (timedelta(minutes=10), "present"),
    (timedelta(minutes=10, seconds=1), "late"),
    (timedelta(hours=3) - timedelta(seconds=1), "late"),
])
def test_arrival_is_present_until_the_grace_period_ends_then_late(offset, outcome):
    assert check_join(virtual(), START + offset, enrollment_active=True) == outcome


def test_grace_is_configurable():
    assert check_join(virtual(), START + timedelta(minutes=3), True, grace_minutes=2) == "late"


def test_too_early_says_when_the_room_opens():
    with pytest.raises(TooEarly) as refused:
        check_join(virtual("hybrid"), START - timedelta(minutes=16), True)
    assert refused.value.valid_from == START - timedelta(minutes=15)
    assert refused.value.http_status == 403


def test_after_the_end_the_link_has_expired():
    with pytest.raises(Expired) as refused:
        check_join(virtual(), START + timedelta(hours=3), True)
    assert refused.value.http_status == 410


def test_an_ended_enrollment_a_cancelled_or_an_in_person_session_revokes_the_link():
    with pytest.raises(Revoked) as ended:
        check_join(virtual(), START, enrollment_active=False)
    cancelled = virtual()
    cancelled.cancel("Facilitator ill", START - timedelta(hours=1))
    with pytest.raises(Revoked) as gone:
        check_join(cancelled, START + timedelta(hours=5), enrollment_active=True)
    with pytest.raises(Revoked) as in_person:
        check_join(virtual("in_person"), START, enrollment_active=True)

    assert [e.value.reason for e in (ended, gone, in_person)] == ["enrollment_ended", "session_cancelled", "in_person"]
    assert {e.value.http_status for e in (ended, gone, in_person)} == {403}
