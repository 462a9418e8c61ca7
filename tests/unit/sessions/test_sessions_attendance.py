"""Taking attendance: when it may be taken, minutes and their defaults, walk-ins, join-link records."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.sessions.domain.attendance import JOIN_LINK, record_join, take_attendance
from services.sessions.domain.errors import Conflict, ValidationFailed
from services.sessions.domain.model import schedule_session

START = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)
DURING, AFTER = START + timedelta(minutes=30), START + timedelta(hours=4)
MEMBER, WALK_IN = uuid.uuid4(), uuid.uuid4()
FACILITATOR = str(uuid.uuid4())


def session():
    s, _ = schedule_session(uuid.uuid4(), START, 180, "virtual", None, None, START - timedelta(days=1))
    return s


def take(s, status, minutes=None, now=AFTER, participant=MEMBER, record=None):
    return take_attendance(s, participant, status, minutes, expected=[MEMBER], now=now,
                           recorded_by=FACILITATOR, record=record)


def test_attendance_before_the_start_is_refused():
    with pytest.raises(Conflict):
        take(session(), "present", now=START - timedelta(seconds=1))


def test_attendance_for_a_cancelled_session_is_refused():
    s = session()
    s.cancel("Snow", START - timedelta(hours=2))
    with pytest.raises(Conflict):
        take(s, "absent")


@pytest.mark.parametrize("minutes", [-1, 181, 12.5])
def test_minutes_outside_the_session_are_refused_naming_minutes(minutes):
    with pytest.raises(ValidationFailed) as refused:
        take(session(), "left_early", minutes)
    assert refused.value.field == "minutes"
    assert refused.value.errors == {"json": {"minutes": [refused.value.reason]}}


@pytest.mark.parametrize(("status", "expected_minutes"), [
    ("present", 180), ("absent", 0), ("excused", 0), ("not_recorded", 0)])
def test_minutes_default_to_the_whole_session_or_nothing(status, expected_minutes):
    record, _ = take(session(), status, now=DURING)
    assert record.minutes == expected_minutes


@pytest.mark.parametrize("status", ["late", "left_early"])
def test_late_and_left_early_need_minutes_from_the_facilitator(status):
    with pytest.raises(ValidationFailed) as refused:
        take(session(), status)
    assert refused.value.field == "minutes"
    assert take(session(), status, 120)[0].minutes == 120


def test_an_absence_with_minutes_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        take(session(), "absent", 30)
    assert refused.value.field == "minutes"


def test_an_unknown_status_is_refused_naming_status():
    with pytest.raises(ValidationFailed) as refused:
        take(session(), "asleep")
    assert refused.value.field == "status"


def test_a_walk_in_is_someone_not_on_the_expected_list():
    s = session()
    record, event = take(s, "present", participant=WALK_IN)

    assert record.walk_in
    assert event.data() == {"session_id": str(s.id), "group_id": str(s.group_id), "participant_id": str(WALK_IN),
                            "status": "present", "minutes": 180, "walk_in": True}


def test_correcting_a_record_updates_it_and_resending_the_same_publishes_nothing():
    s = session()
    record, _ = take(s, "present", now=DURING)
    corrected, event = take(s, "left_early", 90, record=record)
    same, nothing = take(s, "left_early", 90, record=record)

    assert corrected is record is same
    assert (record.status, record.minutes, record.recorded_at) == ("left_early", 90, AFTER)
    assert event.status == "left_early" and nothing is None


def test_following_the_link_late_records_the_time_from_the_join_to_the_end():
    s = session()
    record, event = record_join(s, MEMBER, "late", START + timedelta(minutes=30))

    assert (record.status, record.minutes, record.joined_at) == ("late", 150, START + timedelta(minutes=30))
    assert record.recorded_by == JOIN_LINK and not record.walk_in
    assert event.minutes == 150


def test_a_reconnect_changes_nothing_and_a_join_overrides_only_absent_or_not_recorded():
    s = session()
    record, _ = record_join(s, MEMBER, "present", START - timedelta(minutes=5))
    again, nothing = record_join(s, MEMBER, "late", START + timedelta(minutes=40), record)
    assert (again.status, again.joined_at, nothing) == ("present", START - timedelta(minutes=5), None)

    marked_absent, _ = take(s, "absent", now=START + timedelta(minutes=5), participant=WALK_IN)
    joined, event = record_join(s, WALK_IN, "late", START + timedelta(minutes=60), marked_absent)
    assert (joined.status, joined.minutes, event.status) == ("late", 120, "late")

    excused, _ = take(s, "excused", now=START + timedelta(minutes=5))
    kept, none = record_join(s, MEMBER, "present", START + timedelta(minutes=6), excused)
    assert (kept.status, none) == ("excused", None)
