"""WeeklySchedule: validation that names the bad field, its API shape, and DST-safe first sessions."""
from datetime import UTC, date, datetime, time

import pytest

from services.roster.domain.errors import ValidationFailed
from services.roster.domain.schedule import WeeklySchedule

EVENINGS = {"weekdays": ["thu", "mon", "wed"], "start_time": "18:00", "duration_minutes": 180,
            "timezone": "America/New_York"}


def evenings(**overrides) -> WeeklySchedule:
    return WeeklySchedule.from_dict(EVENINGS | overrides)


def test_weekdays_are_kept_in_week_order_and_round_trip_through_the_api_shape():
    schedule = evenings()
    assert schedule.weekdays == ("mon", "wed", "thu")
    assert schedule.start_time == time(18, 0)
    assert schedule.to_dict() == {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00",
                                  "duration_minutes": 180, "timezone": "America/New_York"}
    assert WeeklySchedule.from_dict(schedule.to_dict()) == schedule


def test_schedule_is_an_immutable_value():
    with pytest.raises(AttributeError):
        evenings().duration_minutes = 60  # type: ignore[misc]


@pytest.mark.parametrize("overrides, field", [
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": "mon"}, "weekdays"),
    ({"weekdays": ["mon", "funday"]}, "weekdays"),
    ({"weekdays": ["mon", "mon"]}, "weekdays"),
    ({"start_time": "6pm"}, "start_time"),
    ({"start_time": "18:00:30"}, "start_time"),
    ({"start_time": 18}, "start_time"),
    ({"duration_minutes": 14}, "duration_minutes"),
    ({"duration_minutes": 481}, "duration_minutes"),
    ({"duration_minutes": "180"}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"timezone": "America"}, "timezone"),
    ({"timezone": "../etc/passwd"}, "timezone"),
])
def test_an_invalid_schedule_names_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        evenings(**overrides)
    assert caught.value.field == field


def test_a_missing_key_is_named():
    raw = dict(EVENINGS)
    del raw["timezone"]
    with pytest.raises(ValidationFailed) as caught:
        WeeklySchedule.from_dict(raw)
    assert caught.value.field == "timezone"


@pytest.mark.parametrize("duration", [15, 480])
def test_duration_bounds_are_inclusive(duration):
    assert evenings(duration_minutes=duration).duration_minutes == duration


def test_first_session_is_the_first_scheduled_weekday_on_or_after_the_start_date():
    # 2025-01-02 is a Thursday; New York is on EST (UTC-5) in January.
    assert evenings().first_start_on_or_after(date(2025, 1, 2)) == datetime(2025, 1, 2, 23, tzinfo=UTC)
    # Friday -> the following Monday.
    assert evenings().first_start_on_or_after(date(2025, 1, 3)) == datetime(2025, 1, 6, 23, tzinfo=UTC)


def test_first_session_uses_the_offset_in_force_on_the_meeting_day_not_the_start_day():
    sundays = evenings(weekdays=["sun"])
    # Starts on Saturday 2024-03-09 (EST); the meeting is Sunday 2024-03-10, after the switch to EDT.
    assert sundays.first_start_on_or_after(date(2024, 3, 9)) == datetime(2024, 3, 10, 22, tzinfo=UTC)
    # Back to EST on Sunday 2024-11-03.
    assert sundays.first_start_on_or_after(date(2024, 11, 2)) == datetime(2024, 11, 3, 23, tzinfo=UTC)


def test_a_start_time_in_the_spring_forward_gap_resolves_to_the_wall_clock_after_it():
    small_hours = evenings(weekdays=["sun"], start_time="02:30")
    # 02:30 does not exist on 2024-03-10 in New York; the clock reads 03:30 EDT = 07:30 UTC.
    assert small_hours.first_start_on_or_after(date(2024, 3, 10)) == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
