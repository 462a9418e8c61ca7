"""How times and weekly schedules read to a recipient, in the recipient's own timezone.

Pure functions used by the message renderer: "Monday, March 9 at 6:00 PM EDT" and
"Mondays, Wednesdays and Thursdays at 6:00 PM EDT, for 3 hours".
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.vocabulary import WEEKDAYS as WEEKDAY_CODES
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


def as_aware(moment: datetime | str) -> datetime:
    """Accept the ISO 8601 strings events carry as well as datetimes; refuse naive ones."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware time, got {moment!r}")
    return value


def clock(local: datetime) -> str:
    """'6:00 PM EDT'. Built by hand because %p and %-I depend on the process locale and platform."""
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{hour}:{local.minute:02d} {half} {local.tzname()}"


def format_when(moment: datetime | str, timezone: str) -> str:
    """'Monday, March 9 at 6:00 PM EDT' for the given instant as seen in the given IANA timezone."""
    local = as_aware(moment).astimezone(ZoneInfo(timezone))
    return (f"{_DAY_NAMES[local.weekday()]}, {_MONTH_NAMES[local.month - 1]} {local.day}"
            f" at {clock(local)}")


def describe_duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if rest:
        parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
    return " ".join(parts) or "0 minutes"


def _join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_weekly_schedule(
    weekdays: list[str],
    start_time: time | str,
    group_timezone: str,
    recipient_timezone: str,
    reference: datetime,
    duration_minutes: int | None = None,
) -> str:
    """The group's weekly meeting times as the recipient's clock shows them.

    The schedule is defined in the group's timezone, so for a recipient elsewhere a weekday can shift
    (Monday 11 PM in New York is Tuesday in London) and the offset between the two zones changes with
    DST. We convert the occurrences in the week starting at `reference`, so the text is right for the
    weeks around the message's sending, which is when people read it.
    """
    if not weekdays:
        raise ValueError("a weekly schedule needs at least one weekday")
    start = time.fromisoformat(start_time) if isinstance(start_time, str) else start_time
    group_zone, recipient_zone = ZoneInfo(group_timezone), ZoneInfo(recipient_timezone)
    first_day: date = as_aware(reference).astimezone(group_zone).date()

    occurrences: list[datetime] = []
    for code in dict.fromkeys(weekdays):  # a repeated weekday is still one meeting
        if code not in WEEKDAY_CODES:
            raise ValueError(f"unknown weekday {code!r}; expected one of {', '.join(WEEKDAY_CODES)}")
        ahead = (WEEKDAY_CODES.index(code) - first_day.weekday()) % 7
        day = first_day + timedelta(days=ahead)
        occurrences.append(datetime.combine(day, start, tzinfo=group_zone).astimezone(recipient_zone))

    days_by_clock: dict[str, list[int]] = {}
    for local in sorted(occurrences, key=lambda moment: (moment.weekday(), moment.time())):
        days_by_clock.setdefault(clock(local), []).append(local.weekday())
    phrases = [
        f"{_join_words([_DAY_NAMES[day] + 's' for day in days])} at {label}"
        for label, days in days_by_clock.items()
    ]
    text = "; ".join(phrases)
    if duration_minutes:
        text += f", for {describe_duration(duration_minutes)}"
    return text
