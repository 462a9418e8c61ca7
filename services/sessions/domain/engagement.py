"""How a participant keeps up with the program: weekly hours against the minimum, and absence streaks.

ASAM level 2.1 asks at least 9 hours a week of an adult in an IOP (6 for adolescents), so the minimum is
a parameter. Two consecutive unexcused absences are the early warning facilitators act on.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .attendance import ATTENDED
from .events import AbsenceStreak

DEFAULT_MINIMUM_HOURS = 9
ABSENCE_STREAK_LENGTH = 2


@dataclass(frozen=True)
class WeekHours:
    week_start: date  # the Monday, in the participant's time zone
    minutes: int
    hours: float  # minutes / 60, rounded to the hundredth for display
    sessions_attended: int
    below_minimum: bool


def weekly_hours(
    entries: Iterable[tuple[datetime, str, int | None]],
    timezone: str | ZoneInfo,
    minimum_hours: float = DEFAULT_MINIMUM_HOURS,
) -> list[WeekHours]:
    """Sum one participant's attendance per ISO week (Monday to Sunday, local time), oldest week first.

    `entries` are (session starts_at, status, minutes), one per expected or walk-in session. Present,
    late and left_early count their minutes; absent, excused and not_recorded count nothing. A week
    appears only if it has at least one entry: weeks before enrollment are not "below minimum".
    Weeks are cut in local time because a Sunday-evening session in New York is Monday in UTC.
    """
    zone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
    minutes: dict[date, int] = {}
    attended: dict[date, int] = {}
    for starts_at, status, spent in entries:
        local_day = starts_at.astimezone(zone).date()
        monday = local_day - timedelta(days=local_day.weekday())
        minutes.setdefault(monday, 0)
        attended.setdefault(monday, 0)
        if status in ATTENDED:
            minutes[monday] += spent or 0
            attended[monday] += 1
    return [
        WeekHours(
            week_start=monday,
            minutes=minutes[monday],
            hours=round(minutes[monday] / 60, 2),
            sessions_attended=attended[monday],
            # Compare exact minutes, not the rounded hours shown: 8.999 h must still be below 9.
            below_minimum=minutes[monday] < minimum_hours * 60,
        )
        for monday in sorted(minutes)
    ]


def absence_streak(
    history: Sequence[tuple[uuid.UUID, str]],
    just_recorded: uuid.UUID,
    *,
    group_id: uuid.UUID,
    participant_id: uuid.UUID,
    length: int = ABSENCE_STREAK_LENGTH,
) -> AbsenceStreak | None:
    """The streak event to publish now that `just_recorded` was marked absent, or None.

    `history` is the participant's (session_id, status) in this group, ordered by session start,
    already including the new status. Call it only when a record *changed* to 'absent' (take_attendance
    returned an event), so a re-sent list cannot raise a second alert.

    Rules, so facilitators hear once per streak:
    - 'excused' and 'not_recorded' neither count nor break a streak: an excused absence is not a
      warning sign, and a session whose attendance was never taken says nothing either way;
    - present, late and left_early end a streak;
    - only the latest streak matters (a streak that the participant has since broken is old news);
    - the event fires when this absence makes the streak reach `length` for the first time: the
      second absence fires, the third does not; an absence filled in between two others that joins
      them into one streak fires, unless either side already was a streak on its own.
    """
    counted = [(session_id, status) for session_id, status in history if status not in ("excused", "not_recorded")]
    streak: list[uuid.UUID] = []
    for session_id, status in counted:
        streak = streak + [session_id] if status == "absent" else []
    if just_recorded not in streak or len(streak) < length:
        return None
    position = streak.index(just_recorded)
    before, after = position, len(streak) - position - 1
    if before >= length or after >= length:
        return None  # that streak already existed, and was announced when it formed
    return AbsenceStreak(str(group_id), str(participant_id), tuple(str(s) for s in streak), len(streak))
