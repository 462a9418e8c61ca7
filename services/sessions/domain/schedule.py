"""A group's weekly schedule and the session start times it produces for a date range.

Occurrences are computed in the group's local time and only then converted to UTC, so an 18:00
America/New_York group meets at 18:00 local on both sides of a daylight-saving change (22:00 UTC in
summer, 23:00 UTC in winter). The result is a pure function of its inputs, which is what lets the
generate endpoint be idempotent: the same range always yields the same starts.

Local times that do not exist or exist twice on a transition day follow PEP 495 with fold=0:
- a time in the spring-forward gap (02:30 on 2026-03-08 in New York) moves forward by the gap
  (03:30 EDT), so the session still happens that day, as late as the clock allows;
- an ambiguous time in the fall-back overlap (01:30 on 2026-11-01) is the first of the two (EDT).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationFailed

from shared.vocabulary import WEEKDAYS
# A year and a day covers any IOP (they last weeks to 90 days) while keeping one request's work bounded.
MAX_GENERATION_DAYS = 366


@dataclass(frozen=True)
class WeeklySchedule:
    weekdays: frozenset[int]  # 0 = Monday, as date.weekday()
    start_time: time
    duration_minutes: int
    timezone: str  # IANA name

    @classmethod
    def from_roster(cls, schedule: Mapping[str, Any]) -> WeeklySchedule:
        """Validate the schedule dict exactly as roster publishes it on `roster.group.*`."""
        days = schedule.get("weekdays")
        if not days or not all(d in WEEKDAYS for d in days):
            raise ValidationFailed("schedule.weekdays", f"must be a non-empty list of {', '.join(WEEKDAYS)}")
        try:
            start = time.fromisoformat(schedule.get("start_time", ""))
        except (TypeError, ValueError):
            raise ValidationFailed("schedule.start_time", "must be a local time such as '18:00'") from None
        duration = schedule.get("duration_minutes")
        if not isinstance(duration, int) or isinstance(duration, bool) or duration <= 0:
            raise ValidationFailed("schedule.duration_minutes", "must be a positive number of minutes")
        tz_name = schedule.get("timezone")
        try:
            ZoneInfo(tz_name)
        except (TypeError, ValueError, ZoneInfoNotFoundError):
            raise ValidationFailed(
                "schedule.timezone", "must be an IANA time zone such as 'America/New_York'"
            ) from None
        return cls(frozenset(WEEKDAYS.index(d) for d in days), start.replace(tzinfo=None), duration, tz_name)

    def occurrences(self, starts_on: date, ends_on: date | None, from_: date, to: date) -> list[datetime]:
        """UTC starts of the sessions on [from_, to] that fall inside the group's own [starts_on, ends_on]."""
        check_generation_range(from_, to)
        first = max(from_, starts_on)
        last = min(to, ends_on) if ends_on is not None else to
        zone = ZoneInfo(self.timezone)
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [local_start_utc(day, self.start_time, zone) for day in days if day.weekday() in self.weekdays]


def check_generation_range(from_: date, to: date) -> None:
    """Refuse reversed or over-long ranges, naming the request fields `from` and `to`."""
    if to < from_:
        raise ValidationFailed("to", "must be on or after 'from'")
    if (to - from_).days + 1 > MAX_GENERATION_DAYS:
        raise ValidationFailed("to", f"a range covers at most {MAX_GENERATION_DAYS} days")


def local_start_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time; see the module docstring for gaps and overlaps."""
    # fold=0 gives both documented rules for free: in a gap zoneinfo applies the offset from before
    # the transition (so the instant lands after it, shifted forward); in an overlap, the earlier one.
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(timezone.utc)


def occurrences(
    schedule: Mapping[str, Any] | WeeklySchedule,
    starts_on: date,
    ends_on: date | None,
    from_: date,
    to: date,
) -> list[datetime]:
    """Convenience entry point taking roster's schedule dict directly."""
    weekly = schedule if isinstance(schedule, WeeklySchedule) else WeeklySchedule.from_roster(schedule)
    return weekly.occurrences(starts_on, ends_on, from_, to)


def missing_occurrences(starts: Iterable[datetime], already_generated: Iterable[datetime]) -> list[datetime]:
    """The occurrences not yet backed by a session, so generating the same range twice creates nothing.

    `already_generated` should be the sessions' `occurrence_starts_at` (the slot they were generated
    for, kept through a reschedule), not their current `starts_at`: otherwise moving Monday's session
    to Tuesday would let the next generation put a second session on Monday.
    """
    taken = {moment.astimezone(timezone.utc) for moment in already_generated}
    return [start for start in starts if start not in taken]
