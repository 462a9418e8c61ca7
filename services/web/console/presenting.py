"""How the console shows times, statuses and names (template filters)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STATUS_LABELS = {"not_recorded": "Not recorded", "present": "Present", "late": "Late", "left_early": "Left early",
                 "absent": "Absent", "excused": "Excused"}
END_REASON_LABELS = {"completed": "Completed the program", "discharged": "Discharged", "withdrew": "Withdrew",
                     "transferred": "Transferred", "stepped_up": "Stepped up to a higher level of care",
                     "stepped_down": "Stepped down to a lower level of care"}
WEEKDAY_LABELS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
                  "sat": "Saturday", "sun": "Sunday"}
MODALITY_LABELS = {"in_person": "In person", "virtual": "Virtual", "hybrid": "Hybrid"}


def parse_moment(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def local(value, tz: str | None = None, fmt: str = "%a %b %-d, %Y %-I:%M %p") -> str:
    moment = parse_moment(value)
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(tz) if tz else None
    except (KeyError, ValueError):
        zone = None
    return moment.astimezone(zone).strftime(fmt) if zone else moment.strftime(fmt + " UTC")


def local_time(value, tz: str | None = None) -> str:
    return local(value, tz, "%-I:%M %p")


def day(value) -> str:
    if not value:
        return ""
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return parsed.strftime("%b %-d, %Y")


def install_filters(state) -> None:
    env = state.app.jinja_env
    env.filters.update(local=local, local_time=local_time, day=day,
                       status_label=lambda s: STATUS_LABELS.get(s, s), end_reason=lambda r: END_REASON_LABELS.get(r, r),
                       weekday=lambda w: WEEKDAY_LABELS.get(w, w), modality=lambda m: MODALITY_LABELS.get(m, m))
    env.globals.update(STATUS_LABELS=STATUS_LABELS, END_REASON_LABELS=END_REASON_LABELS,
                       WEEKDAY_LABELS=WEEKDAY_LABELS, MODALITY_LABELS=MODALITY_LABELS)
