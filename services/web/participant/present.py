"""How the personal page shows sessions and messages: times in the participant's own timezone, and
whether each Join button works now. Plain functions of the API's answers and the clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODALITY = {"in_person": "In person", "virtual": "Online", "hybrid": "Online or in person"}


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def clock(value: datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz)
    return f"{local:%I:%M %p}".lstrip("0") + f" {local:%Z}"


def day_and_time(value: datetime, tz: ZoneInfo) -> str:
    local = value.astimezone(tz)
    return f"{local:%A, %B} {local.day} at {clock(value, tz)}"


@dataclass(frozen=True)
class SessionRow:
    id: str
    when: str
    starts_at_iso: str
    ends: str
    how: str
    location: str | None
    join_url: str | None
    join_open: bool
    join_opens: str | None  # when the button will work, if not yet
    in_progress: bool


def session_rows(items: list[dict], tz: ZoneInfo, now: datetime) -> list[SessionRow]:
    rows = []
    for item in items:
        if item.get("status") == "cancelled":
            continue
        starts, ends = moment(item["starts_at"]), moment(item["ends_at"])
        join_url = item.get("join_url")
        valid_from = moment(item["join_valid_from"]) if item.get("join_valid_from") else None
        valid_until = moment(item["join_valid_until"]) if item.get("join_valid_until") else None
        join_open = bool(join_url and valid_from and valid_until and valid_from <= now < valid_until)
        rows.append(SessionRow(
            id=item["id"], when=day_and_time(starts, tz), starts_at_iso=starts.isoformat(), ends=clock(ends, tz),
            how=MODALITY.get(item.get("modality"), "Session"),
            location=item.get("location") if item.get("modality") != "virtual" else None,
            join_url=join_url, join_open=join_open,
            join_opens=day_and_time(valid_from, tz) if join_url and valid_from and now < valid_from else None,
            in_progress=starts <= now < ends))
    return rows


@dataclass(frozen=True)
class MessageRow:
    id: str
    title: str
    text: str
    sent: str
    new: bool


def message_rows(items: list[dict], tz: ZoneInfo) -> list[MessageRow]:
    """Newest first; `new`: not read before this visit."""
    rows = [MessageRow(id=item["id"], title=item.get("title") or "Message", text=item.get("text") or "",
                       sent=day_and_time(moment(item["sent_at"]), tz) if item.get("sent_at") else "",
                       new=item.get("read_at") is None)
            for item in items]
    return rows[::-1]


def webcal(url: str) -> str:
    """The calendar app's subscription form of an http(s) feed URL."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url
