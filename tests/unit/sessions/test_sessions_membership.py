"""The expected list at a session's start, from memberships that keep their periods."""
import uuid
from datetime import date, datetime, timezone

from services.sessions.domain.membership import Membership, expected_participants, is_active_member
from services.sessions.domain.schedule import occurrences

GROUP = uuid.uuid4()
FROM_START, WEEK_3_JOINER, LEAVER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
SCHEDULE = {"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 180, "timezone": "America/New_York"}
# Mondays 2026-01-05 (week 1), -12 (week 2), -19 (week 3), -26 (week 4).
WEEKS = occurrences(SCHEDULE, date(2026, 1, 5), None, date(2026, 1, 5), date(2026, 1, 26))


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


MEMBERSHIPS = [
    Membership(uuid.uuid4(), GROUP, FROM_START, at(1, 1)),
    Membership(uuid.uuid4(), GROUP, WEEK_3_JOINER, at(1, 15)),
    Membership(uuid.uuid4(), GROUP, LEAVER, at(1, 1), active_until=at(1, 14)),
]


def test_rolling_enrollment_a_week_3_joiner_is_expected_from_week_3_and_a_leaver_not_after_leaving():
    expected = [expected_participants(MEMBERSHIPS, start) for start in WEEKS]

    assert expected == [
        [FROM_START, LEAVER],
        [FROM_START, LEAVER],
        [FROM_START, WEEK_3_JOINER],
        [FROM_START, WEEK_3_JOINER],
    ]


def test_an_enrollment_ending_exactly_at_the_start_is_not_expected():
    ended = Membership(uuid.uuid4(), GROUP, LEAVER, at(1, 1), active_until=WEEKS[0])
    assert expected_participants([ended], WEEKS[0]) == []


def test_a_re_enrolled_participant_appears_once():
    again = [Membership(uuid.uuid4(), GROUP, LEAVER, at(1, 1), at(1, 8)),
             Membership(uuid.uuid4(), GROUP, LEAVER, at(1, 8))]
    assert expected_participants(again, WEEKS[1]) == [LEAVER]


def test_ending_twice_keeps_the_first_end_and_the_link_dies_with_the_enrollment():
    membership = Membership(uuid.uuid4(), GROUP, LEAVER, at(1, 1))
    membership.end(at(1, 14))
    membership.end(at(1, 20))

    assert membership.active_until == at(1, 14)
    assert is_active_member([membership], LEAVER, at(1, 13))
    assert not is_active_member([membership], LEAVER, at(1, 14))
