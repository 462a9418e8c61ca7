"""A group's weekly meeting pattern, and the time-zone arithmetic that goes with it.

Groups meet at a local wall-clock time ("Mondays 18:00 in New York"), so the UTC instant of a
session moves with daylight saving time. Everything here works in the schedule's own zone and
converts to UTC only at the end.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from services.roster.domain.errors import ValidationFailed, whole_number

from shared.vocabulary import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, WEEKDAYS


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(field: str, value: Any) -> str:
    """An IANA zone name such as 'America/New_York'.

    Checked against the zone list rather than by opening it, because ZoneInfo() also accepts
    directory names and raises a different error for each kind of bad input.
    """
    if not isinstance(value, str) or value not in _known_zones():
        raise ValidationFailed(field, "must be an IANA time zone name such as 'America/New_York'")
    return value


def clock_time(field: str, value: Any) -> time:
    """A local wall-clock time to the minute, from a `time` or an 'HH:MM' string."""
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(field, "must be a time such as '18:00'") from None
    if not isinstance(value, time):
        raise ValidationFailed(field, "must be a time such as '18:00'")
    if value.tzinfo is not None:
        raise ValidationFailed(field, "is a local time; the time zone is given separately")
    if value.second or value.microsecond:
        raise ValidationFailed(field, "must be a whole minute")
    return value


def clock_text(value: time) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True)
class WeeklySchedule:
    """When a group meets each week. Weekdays are kept in week order whatever order they came in."""

    weekdays: tuple[str, ...]
    start_time: time
    duration_minutes: int
    timezone: str

    def __post_init__(self) -> None:
        days = self.weekdays
        if isinstance(days, str) or not isinstance(days, (list, tuple)) or not days:
            raise ValidationFailed("weekdays", "must list at least one day, e.g. ['mon', 'wed']")
        if any(day not in WEEKDAYS for day in days):
            raise ValidationFailed("weekdays", f"days must be among {', '.join(WEEKDAYS)}")
        if len(set(days)) != len(days):
            raise ValidationFailed("weekdays", "must not repeat a day")
        # Frozen: the normalised values have to be written past the dataclass guard.
        object.__setattr__(self, "weekdays", tuple(d for d in WEEKDAYS if d in days))
        object.__setattr__(self, "start_time", clock_time("start_time", self.start_time))
        whole_number("duration_minutes", self.duration_minutes,
                      MIN_DURATION_MINUTES, MAX_DURATION_MINUTES)
        time_zone("timezone", self.timezone)

    @classmethod
    def from_dict(cls, raw: Any) -> WeeklySchedule:
        """Build from the API/event shape; a missing key is reported under its own name."""
        if not isinstance(raw, dict):
            raise ValidationFailed("schedule", "must be an object")
        for key in ("weekdays", "start_time", "duration_minutes", "timezone"):
            if key not in raw:
                raise ValidationFailed(key, "is required")
        return cls(weekdays=raw["weekdays"], start_time=raw["start_time"],
                   duration_minutes=raw["duration_minutes"], timezone=raw["timezone"])

    def to_dict(self) -> dict[str, Any]:
        return {"weekdays": list(self.weekdays), "start_time": clock_text(self.start_time),
                "duration_minutes": self.duration_minutes, "timezone": self.timezone}

    def first_start_on_or_after(self, day: date) -> datetime:
        """The UTC instant of the first meeting on `day` or the next scheduled weekday after it.

        The local date and time are combined in the schedule's zone on that very date, so the
        offset is the one in force that day (EST in January, EDT in July). A start time that
        falls in a spring-forward gap resolves to the later wall-clock reading (02:30 -> 03:30),
        which is what a clock on the wall would show.
        """
        for offset in range(7):
            candidate = day + timedelta(days=offset)
            if WEEKDAYS[candidate.weekday()] in self.weekdays:
                local = datetime.combine(candidate, self.start_time, tzinfo=ZoneInfo(self.timezone))
                return local.astimezone(UTC)
        raise AssertionError("a validated schedule meets at least once a week")
