"""Quiet hours defer non-urgent messages to the end of the recipient's local quiet period."""
from datetime import datetime, time, timezone

import pytest

from services.notifications.domain.quiet_hours import deliver_at, is_quiet

UTC = timezone.utc
NIGHT = (time(22, 0), time(7, 0))  # wraps midnight
NEW_YORK = "America/New_York"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_due_outside_quiet_hours_is_unchanged():
    due = utc("2026-03-10T16:00")  # 12:00 EDT
    assert deliver_at(due, *NIGHT, NEW_YORK, urgent=False) == due


def test_due_in_the_evening_part_waits_until_the_next_morning():
    due = utc("2026-03-11T03:30")  # Tuesday 23:30 EDT
    assert deliver_at(due, *NIGHT, NEW_YORK, urgent=False) == utc("2026-03-11T11:00")  # Wed 07:00 EDT


def test_due_in_the_early_morning_part_waits_until_the_same_morning():
    due = utc("2026-03-11T09:00")  # 05:00 EDT
    assert deliver_at(due, *NIGHT, NEW_YORK, urgent=False) == utc("2026-03-11T11:00")


def test_period_that_does_not_wrap_midnight():
    due = utc("2026-03-11T17:30")  # 13:30 EDT inside 13:00-15:00
    assert deliver_at(due, time(13), time(15), NEW_YORK, urgent=False) == utc("2026-03-11T19:00")


def test_start_is_inside_and_end_is_outside():
    start, end = utc("2026-03-11T02:00"), utc("2026-03-11T11:00")  # 22:00 and 07:00 EDT
    assert deliver_at(start, *NIGHT, NEW_YORK, urgent=False) == end
    assert deliver_at(end, *NIGHT, NEW_YORK, urgent=False) == end


def test_urgent_messages_ignore_quiet_hours():
    due = utc("2026-03-11T03:30")
    assert deliver_at(due, *NIGHT, NEW_YORK, urgent=True) == due


@pytest.mark.parametrize("start, end", [(None, None), (time(22), None), (None, time(7)), (time(8), time(8))])
def test_no_or_empty_quiet_hours_change_nothing(start, end):
    due = utc("2026-03-11T03:30")
    assert deliver_at(due, start, end, NEW_YORK, urgent=False) == due


def test_uses_the_recipients_timezone_not_utc():
    due = utc("2026-03-10T14:00")  # 23:00 in Tokyo, 14:00 in UTC
    assert deliver_at(due, *NIGHT, "Asia/Tokyo", urgent=False) == utc("2026-03-10T22:00")  # 07:00 JST
    assert deliver_at(due, *NIGHT, "UTC", urgent=False) == due


def test_spring_forward_night_is_an_hour_shorter():
    due = utc("2026-03-08T04:00")  # Saturday 23:00 EST; clocks jump to EDT at 02:00
    assert deliver_at(due, *NIGHT, NEW_YORK, urgent=False) == utc("2026-03-08T11:00")  # 07:00 EDT


def test_fall_back_night_is_an_hour_longer():
    due = utc("2026-11-01T03:00")  # Saturday 23:00 EDT; clocks fall back to EST at 02:00
    assert deliver_at(due, *NIGHT, NEW_YORK, urgent=False) == utc("2026-11-01T12:00")  # 07:00 EST


def test_quiet_end_inside_the_skipped_hour_is_late_never_early():
    due = utc("2026-03-08T04:00")  # 23:00 EST; 02:30 does not exist on 8 March
    assert deliver_at(due, time(22), time(2, 30), NEW_YORK, urgent=False) == utc("2026-03-08T07:30")


def test_quiet_end_in_the_repeated_hour():
    quiet = (time(0, 30), time(1, 30))
    first_pass = utc("2026-11-01T05:15")  # 01:15 EDT, before the clocks fall back
    second_pass = utc("2026-11-01T06:15")  # 01:15 EST, the repeated hour
    assert deliver_at(first_pass, *quiet, NEW_YORK, urgent=False) == utc("2026-11-01T05:30")
    assert deliver_at(second_pass, *quiet, NEW_YORK, urgent=False) == utc("2026-11-01T06:30")


def test_result_is_in_utc_whatever_the_input_offset():
    due = datetime.fromisoformat("2026-03-10T23:30-04:00")
    result = deliver_at(due, *NIGHT, NEW_YORK, urgent=False)
    assert result == utc("2026-03-11T11:00") and result.tzinfo == UTC


def test_naive_due_time_is_refused():
    with pytest.raises(ValueError):
        deliver_at(datetime(2026, 3, 10, 23), *NIGHT, NEW_YORK, urgent=False)


def test_is_quiet_on_the_boundaries():
    assert is_quiet(time(22), *NIGHT) and is_quiet(time(6, 59), *NIGHT)
    assert not is_quiet(time(7), *NIGHT) and not is_quiet(time(21, 59), *NIGHT)
