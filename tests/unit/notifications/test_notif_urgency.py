"""Only changes to a session less than 24 h away are urgent."""
from datetime import datetime, timedelta, timezone

import pytest

from services.notifications.domain.messages import MessageKind
from services.notifications.domain.urgency import is_urgent

NOW = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def test_cancellation_of_a_session_within_24_hours_is_urgent():
    assert is_urgent(MessageKind.SESSION_CANCELLED, NOW, starts_at=NOW + 23 * HOUR)


def test_cancellation_further_ahead_is_not():
    assert not is_urgent("session_cancelled", NOW, starts_at=NOW + 25 * HOUR)


def test_exactly_24_hours_ahead_is_not_less_than_24_hours():
    assert not is_urgent("session_cancelled", NOW, starts_at=NOW + 24 * HOUR)


@pytest.mark.parametrize("previous, new", [(72, 2), (2, 72)])
def test_reschedule_is_urgent_when_either_old_or_new_start_is_close(previous, new):
    assert is_urgent(
        "session_rescheduled", NOW, starts_at=NOW + new * HOUR, previous_starts_at=NOW + previous * HOUR,
    )


def test_reschedule_between_two_distant_times_is_not_urgent():
    assert not is_urgent(
        "session_rescheduled", NOW, starts_at=NOW + 96 * HOUR, previous_starts_at=NOW + 72 * HOUR,
    )


def test_change_to_a_session_already_under_way_is_urgent():
    assert is_urgent("session_cancelled", NOW, starts_at=NOW - HOUR)


@pytest.mark.parametrize("kind", [
    "reminder_virtual", "reminder_in_person", "welcome", "waitlisted", "promoted", "absence_alert",
])
def test_other_kinds_are_never_urgent(kind):
    assert not is_urgent(kind, NOW, starts_at=NOW + HOUR)


def test_session_change_without_a_start_time_is_a_programming_error():
    with pytest.raises(ValueError):
        is_urgent("session_cancelled", NOW)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        is_urgent("newsletter", NOW)
