"""The session entity: creation rules, status that follows the clock, reschedule, cancel, modality."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.sessions.domain.errors import Conflict, ValidationFailed
from services.sessions.domain.events import SessionCancelled, SessionRescheduled, SessionScheduled
from services.sessions.domain.model import occurrence_session_id, schedule_session, video_room_url

GROUP = uuid.UUID("00000000-0000-4000-8000-000000000001")
START = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)
BEFORE = START - timedelta(days=2)


def session(modality="virtual", location=None, **overrides):
    args = dict(group_id=GROUP, starts_at=START, duration_minutes=180, modality=modality,
                location=location, topic="Coping skills", now=BEFORE)
    return schedule_session(**{**args, **overrides})


def test_scheduling_a_virtual_session_gives_it_a_room_and_an_id_only_event():
    s, event = session()

    assert s.video_room_url == f"https://meet.jit.si/room-{s.id}"
    assert s.ends_at == START + timedelta(hours=3)
    assert s.location is None and not s.generated
    assert isinstance(event, SessionScheduled) and event.type == "sessions.session.scheduled"
    assert event.data() == {
        "session_id": str(s.id), "group_id": str(GROUP), "starts_at": "2026-03-09T22:00:00+00:00",
        "ends_at": "2026-03-10T01:00:00+00:00", "duration_minutes": 180, "modality": "virtual",
        "location": None, "video_room_url": s.video_room_url, "topic": "Coping skills"}


def test_an_in_person_session_needs_a_location_and_has_no_room():
    s, _ = session("in_person", "Room 4")
    assert (s.location, s.video_room_url) == ("Room 4", None)

    with pytest.raises(ValidationFailed) as refused:
        session("in_person", None)
    assert refused.value.field == "location"


def test_a_generated_session_has_a_deterministic_id():
    a, _ = session(occurrence_starts_at=START)
    b, _ = session(occurrence_starts_at=START)

    assert a.id == b.id == occurrence_session_id(GROUP, START)
    assert a.generated and a.occurrence_starts_at == START


@pytest.mark.parametrize("minutes", [14, 481, 90.5, True])
def test_duration_outside_a_quarter_hour_to_eight_hours_is_refused(minutes):
    with pytest.raises(ValidationFailed) as refused:
        session(duration_minutes=minutes)
    assert refused.value.field == "duration_minutes"


def test_a_naive_start_or_an_unknown_modality_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as naive:
        session(starts_at=datetime(2026, 3, 9, 18))
    with pytest.raises(ValidationFailed) as modality:
        session("telepathy")
    assert (naive.value.field, modality.value.field) == ("starts_at", "modality")


def test_a_session_in_the_past_can_be_recorded_after_the_fact():
    s, _ = session(now=START + timedelta(days=1))
    assert s.status_at(START + timedelta(days=1)) == "completed"


def test_status_follows_the_clock_unless_cancelled():
    s, _ = session()
    assert s.status_at(START - timedelta(seconds=1)) == "scheduled"
    assert s.status_at(START) == "in_progress"
    assert s.status_at(s.ends_at - timedelta(seconds=1)) == "in_progress"
    assert s.status_at(s.ends_at) == "completed"

    s.cancel("Facilitator ill", BEFORE)
    assert s.status_at(START) == "cancelled"


def test_reschedule_moves_the_session_and_tells_where_it_was():
    s, _ = session()
    event = s.reschedule(START + timedelta(days=1), BEFORE, duration_minutes=120)

    assert isinstance(event, SessionRescheduled)
    assert (event.previous_starts_at, event.starts_at, event.ends_at) == (
        "2026-03-09T22:00:00+00:00", "2026-03-10T22:00:00+00:00", "2026-03-11T00:00:00+00:00")
    assert s.updated_at == BEFORE


def test_rescheduling_or_changing_to_what_it_already_is_publishes_nothing():
    s, _ = session("in_person", "Room 4")
    assert s.reschedule(START, BEFORE, duration_minutes=180) is None
    assert s.change_modality("in_person", "Room 4", None, BEFORE) is None
    assert s.updated_at == BEFORE


def test_going_virtual_without_a_room_is_refused_naming_video_room_url():
    s, _ = session("in_person", "Room 4")
    with pytest.raises(ValidationFailed) as refused:
        s.change_modality("virtual", None, None, BEFORE)
    assert refused.value.field == "video_room_url"


def test_a_cancelled_or_completed_session_cannot_be_rescheduled():
    s, _ = session()
    with pytest.raises(Conflict):
        s.reschedule(START + timedelta(days=1), s.ends_at)
    s.cancel("Snowstorm", BEFORE)
    with pytest.raises(Conflict):
        s.reschedule(START + timedelta(days=1), BEFORE)


def test_cancel_needs_a_reason_happens_once_and_not_after_the_session():
    s, _ = session()
    with pytest.raises(ValidationFailed) as refused:
        s.cancel("  ", BEFORE)
    assert refused.value.field == "reason"

    event = s.cancel("Holiday", BEFORE)
    assert isinstance(event, SessionCancelled)
    assert event.data() == {"session_id": str(s.id), "group_id": str(GROUP),
                            "starts_at": "2026-03-09T22:00:00+00:00", "reason": "Holiday"}
    assert (s.cancelled_at, s.cancel_reason) == (BEFORE, "Holiday")
    with pytest.raises(Conflict):
        s.cancel("Again", BEFORE)

    finished, _ = session()
    with pytest.raises(Conflict):
        finished.cancel("Too late", finished.ends_at)


def test_a_snow_day_turns_an_in_person_session_virtual_and_participants_are_told():
    s, _ = session("in_person", "Room 4")
    room = video_room_url("https://meet.jit.si/room-{session_id}", s.id, s.group_id)

    event = s.change_modality("virtual", None, room, BEFORE)

    assert (s.modality, s.location, s.video_room_url) == ("virtual", None, room)
    assert event.type == "sessions.session.relocated" and event.video_room_url == room
    assert (event.previous_modality, event.previous_location, event.modality) == ("in_person", "Room 4", "virtual")


def test_a_room_template_may_name_the_group_and_a_bad_placeholder_is_refused():
    session_id = uuid.uuid4()
    assert video_room_url("https://rooms.example/{group_id}/{session_id}", session_id, GROUP) == (
        f"https://rooms.example/{GROUP}/{session_id}")
    with pytest.raises(ValidationFailed):
        video_room_url("https://rooms.example/{room}", session_id, GROUP)
