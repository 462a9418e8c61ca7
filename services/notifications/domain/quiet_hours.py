"""Quiet hours: when a message may go out, given the recipient's local quiet period.

A participant may say "nothing between 22:00 and 07:00". A non-urgent message falling due inside that
period waits until it ends, on the recipient's own clock; urgent ones (a session changed at short
notice) go at once. Pure: times in, time out.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

UTC = dt_timezone.utc


def is_quiet(local_clock: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a wall-clock time lies in [start, end); a period with start > end wraps midnight."""
    if quiet_start < quiet_end:
        return quiet_start <= local_clock < quiet_end
    return local_clock >= quiet_start or local_clock < quiet_end


def _first_instant_at(day: date, wall: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant after `after` at which the local clock shows `wall` on `day`.

    fold=0 comes first: on a fall-back day it is the earlier of the two 01:30s; on a spring-forward day
    a wall time inside the skipped hour reads as if the clock had not jumped (02:30 becomes 03:30
    daylight time), so the message is late by at most the skipped hour and never early. fold=1 is
    the later 01:30, for a message that fell due during the repeated hour itself.
    """
    for fold in (0, 1):
        candidate = datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC)
        if candidate > after:
            return candidate
    return after  # unreachable for a due time inside quiet hours; kept so the result is never early


def deliver_at(
    due_at_utc: datetime,
    quiet_start: time | None,
    quiet_end: time | None,
    timezone: str,
    urgent: bool,
) -> datetime:
    """When a message due at `due_at_utc` may be sent to a recipient in `timezone`, as UTC.

    Unchanged when urgent, when the recipient has no quiet hours (either bound missing, or start equal
    to end, which is an empty period), or when due outside them; otherwise the end of the quiet period
    that contains the due time.
    """
    if due_at_utc.tzinfo is None or due_at_utc.utcoffset() is None:
        raise ValueError("due_at_utc must be timezone-aware")
    due = due_at_utc.astimezone(UTC)
    if urgent or quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return due
    zone = ZoneInfo(timezone)
    local = due.astimezone(zone)
    wall = local.time()
    if not is_quiet(wall, quiet_start, quiet_end):
        return due
    # In a wrapping period (22:00-07:00) the evening part ends on the next local day.
    wraps_past_midnight = quiet_start > quiet_end and wall >= quiet_start
    end_day = local.date() + timedelta(days=1) if wraps_past_midnight else local.date()
    return _first_instant_at(end_day, quiet_end, zone, after=due)
