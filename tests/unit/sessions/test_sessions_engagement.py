"""Weekly hours against the program minimum, and the absence-streak alert firing once per streak."""
import uuid
from datetime import date, datetime, timezone

from services.sessions.domain.engagement import WeekHours, absence_streak, weekly_hours
from services.sessions.domain.schedule import occurrences

SCHEDULE = {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
            "timezone": "America/New_York"}
# Three weeks straddling the March 2026 DST change: 2-5, 9-12, 16-19 March.
STARTS = occurrences(SCHEDULE, date(2026, 3, 1), None, date(2026, 3, 1), date(2026, 3, 21))
GROUP, PARTICIPANT = uuid.uuid4(), uuid.uuid4()


def test_weekly_hours_count_present_late_and_left_early_and_flag_weeks_below_nine_hours():
    statuses = [("present", 180), ("late", 150), ("left_early", 120),
                ("present", 180), ("present", 180), ("present", 180),
                ("present", 180), ("absent", 0), ("excused", 0)]
    entries = [(start, status, minutes) for start, (status, minutes) in zip(STARTS, statuses, strict=True)]

    assert weekly_hours(entries, "America/New_York") == [
        WeekHours(date(2026, 3, 2), 450, 7.5, 3, below_minimum=True),
        WeekHours(date(2026, 3, 9), 540, 9.0, 3, below_minimum=False),
        WeekHours(date(2026, 3, 16), 180, 3.0, 1, below_minimum=True),
    ]


def test_the_minimum_is_configurable():
    entries = [(start, "present", 180) for start in STARTS[:2]]
    [week] = weekly_hours(entries, "America/New_York", minimum_hours=6)
    assert (week.hours, week.below_minimum) == (6.0, False)


def test_weeks_are_cut_in_local_time():
    # Sunday 21:00 in New York is already Monday in UTC; it belongs to the week that is ending.
    sunday_evening = datetime(2026, 3, 9, 1, tzinfo=timezone.utc)
    [week] = weekly_hours([(sunday_evening, "present", 60)], "America/New_York")
    assert week.week_start == date(2026, 3, 2)


SESSIONS = [uuid.uuid4() for _ in range(6)]


def streak_after(statuses, just_recorded):
    history = list(zip(SESSIONS, statuses))
    return absence_streak(history, SESSIONS[just_recorded], group_id=GROUP, participant_id=PARTICIPANT)


def test_the_second_consecutive_absence_fires_once_and_the_third_does_not():
    assert streak_after(["present", "absent"], 1) is None
    event = streak_after(["present", "absent", "absent"], 2)
    assert streak_after(["present", "absent", "absent", "absent"], 3) is None

    assert event.type == "sessions.absence.streak"
    assert event.data() == {"group_id": str(GROUP), "participant_id": str(PARTICIPANT),
                            "session_ids": [str(SESSIONS[1]), str(SESSIONS[2])], "count": 2}


def test_an_excused_absence_neither_counts_nor_breaks_the_streak():
    assert streak_after(["absent", "excused"], 0) is None
    event = streak_after(["absent", "excused", "absent"], 2)
    assert event.session_ids == (str(SESSIONS[0]), str(SESSIONS[2]))


def test_attending_resets_the_streak():
    assert streak_after(["absent", "present", "absent"], 2) is None
    assert streak_after(["absent", "late", "absent", "absent"], 3).count == 2


def test_an_old_streak_since_broken_is_not_announced_again():
    assert streak_after(["absent", "absent", "present"], 1) is None


def test_filling_in_the_absence_that_joins_two_single_absences_fires():
    event = streak_after(["absent", "absent", "absent"], 1)
    assert event.count == 3
