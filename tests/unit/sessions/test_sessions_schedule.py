"""Sessions generated from a group's weekly schedule: local times across DST, bounds, determinism."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from services.sessions.domain.errors import ValidationFailed
from services.sessions.domain.schedule import WeeklySchedule, missing_occurrences, occurrences

NEW_YORK = ZoneInfo("America/New_York")
EVENING = {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
           "timezone": "America/New_York"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_spring_forward_keeps_six_pm_local_and_moves_utc_from_23_to_22():
    starts = occurrences(EVENING, date(2026, 1, 5), None, date(2026, 3, 2), date(2026, 3, 12))

    assert starts == [utc(2026, 3, 2, 23), utc(2026, 3, 4, 23), utc(2026, 3, 5, 23),
                      utc(2026, 3, 9, 22), utc(2026, 3, 11, 22), utc(2026, 3, 12, 22)]
    assert {s.astimezone(NEW_YORK).hour for s in starts} == {18}


def test_fall_back_keeps_six_pm_local_and_moves_utc_from_22_to_23():
    starts = occurrences(EVENING, date(2026, 1, 5), None, date(2026, 10, 26), date(2026, 11, 5))

    assert [s.hour for s in starts] == [22, 22, 22, 23, 23, 23]
    assert [s.astimezone(NEW_YORK).strftime("%a %H:%M") for s in starts] == [
        "Mon 18:00", "Wed 18:00", "Thu 18:00", "Mon 18:00", "Wed 18:00", "Thu 18:00"]


def test_a_start_in_the_spring_forward_gap_moves_forward_by_the_gap():
    night = {**EVENING, "weekdays": ["sun"], "start_time": "02:30"}

    [start] = occurrences(night, date(2026, 3, 1), None, date(2026, 3, 8), date(2026, 3, 8))

    assert start == utc(2026, 3, 8, 7, 30)
    assert start.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_an_ambiguous_start_on_the_fall_back_night_is_the_first_one():
    night = {**EVENING, "weekdays": ["sun"], "start_time": "01:30"}

    [start] = occurrences(night, date(2026, 10, 1), None, date(2026, 11, 1), date(2026, 11, 1))

    assert start == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST an hour later


def test_only_scheduled_weekdays_inside_both_the_group_dates_and_the_requested_range():
    starts = occurrences(EVENING, date(2026, 4, 8), date(2026, 4, 16), date(2026, 4, 1), date(2026, 4, 30))

    local_days = [s.astimezone(NEW_YORK).date() for s in starts]
    assert local_days == [date(2026, 4, 8), date(2026, 4, 9), date(2026, 4, 13), date(2026, 4, 15),
                          date(2026, 4, 16)]


def test_a_range_outside_the_group_dates_yields_nothing():
    assert occurrences(EVENING, date(2026, 4, 8), date(2026, 5, 29), date(2026, 6, 1), date(2026, 6, 30)) == []
    assert occurrences(EVENING, date(2026, 4, 8), None, date(2026, 3, 1), date(2026, 4, 7)) == []


def test_the_same_range_gives_the_same_starts_and_a_second_generation_adds_nothing():
    first = occurrences(EVENING, date(2026, 1, 5), None, date(2026, 2, 1), date(2026, 2, 28))
    again = occurrences(EVENING, date(2026, 1, 5), None, date(2026, 2, 1), date(2026, 2, 28))
    wider = occurrences(EVENING, date(2026, 1, 5), None, date(2026, 2, 1), date(2026, 3, 7))

    assert first == again
    assert missing_occurrences(again, first) == []
    assert missing_occurrences(wider, first) == [utc(2026, 3, 2, 23), utc(2026, 3, 4, 23), utc(2026, 3, 5, 23)]


def test_a_range_over_366_days_is_refused_naming_to():
    with pytest.raises(ValidationFailed) as refused:
        occurrences(EVENING, date(2026, 1, 1), None, date(2026, 1, 1), date(2027, 1, 2))
    assert refused.value.field == "to"

    assert len(occurrences(EVENING, date(2026, 1, 1), None, date(2026, 1, 1), date(2027, 1, 1))) > 150


def test_a_reversed_range_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        occurrences(EVENING, date(2026, 1, 1), None, date(2026, 2, 1), date(2026, 1, 1))
    assert refused.value.field == "to"


@pytest.mark.parametrize(("change", "field"), [
    ({"weekdays": []}, "schedule.weekdays"),
    ({"weekdays": ["monday"]}, "schedule.weekdays"),
    ({"start_time": "6pm"}, "schedule.start_time"),
    ({"duration_minutes": 0}, "schedule.duration_minutes"),
    ({"timezone": "Mars/Olympus"}, "schedule.timezone"),
])
def test_a_malformed_schedule_names_its_field(change, field):
    with pytest.raises(ValidationFailed) as refused:
        WeeklySchedule.from_roster({**EVENING, **change})
    assert refused.value.field == field
