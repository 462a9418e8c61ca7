"""Session reminders: the configured offsets and the slots they give each session.

`REMINDER_OFFSETS` ("24h,1h" by default, "90s" in end-to-end tests) says how long before a session
each reminder goes. Each offset is a slot with a stable key ("reminder:24h"), which the notification
log uses in its uniqueness key so a slot never yields two messages to the same recipient.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import NamedTuple

from services.notifications.domain.messages import MessageKind

DEFAULT_REMINDER_OFFSETS = "24h,1h"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_OFFSET = re.compile(r"^(\d+)([smhd])$")


class ReminderSlot(NamedTuple):
    key: str
    due_at: datetime


def parse_offsets(text: str | None = None) -> list[timedelta]:
    """Parse "24h,1h" / "90s" / "2d,30m" into offsets, largest first; None gives the default.

    Units: s, m, h, d; whole numbers only; duplicates (1h and 60m) collapse into one.
    """
    raw = DEFAULT_REMINDER_OFFSETS if text is None else text
    parts = [part.strip().lower() for part in raw.split(",")]
    if not any(parts):
        raise ValueError(f"REMINDER_OFFSETS is empty; use e.g. {DEFAULT_REMINDER_OFFSETS!r}")
    offsets: set[timedelta] = set()
    for part in parts:
        match = _OFFSET.match(part)
        if not match:
            raise ValueError(
                f"REMINDER_OFFSETS: cannot read {part!r} in {raw!r}; expected a comma-separated "
                f"list of whole numbers with a unit s, m, h or d, e.g. {DEFAULT_REMINDER_OFFSETS!r}"
            )
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
        if seconds == 0:
            raise ValueError(f"REMINDER_OFFSETS: {part!r} would remind at the start itself")
        offsets.add(timedelta(seconds=seconds))
    return sorted(offsets, reverse=True)


def offset_label(offset: timedelta) -> str:
    """The canonical spelling of an offset: "24h", "30m", "90s".

    Canonical (not as configured) so that changing "1d" to "24h" keeps the same slot keys and cannot
    send a reminder twice. Days are shown as hours to keep the familiar "reminder:24h".
    """
    seconds = int(offset.total_seconds())
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def reminder_slots(
    session_starts_at: datetime,
    offsets: list[timedelta],
    now: datetime,
    catch_up: bool = True,
) -> list[ReminderSlot]:
    """The reminder slots still to send for a session, as (key, due_at), earliest first.

    A slot whose time has passed is skipped: a session created 3 h ahead gets its 1 h reminder but
    no 24 h one. If every slot has passed but the session has not started (created or moved to less
    than the smallest offset ahead), the smallest slot is kept and due now, so the member still gets
    one reminder with the join link or location; `catch_up=False` turns that off. A session that has
    started gets no reminders.
    """
    if session_starts_at <= now:
        return []
    slots = [
        ReminderSlot(f"reminder:{offset_label(offset)}", session_starts_at - offset)
        for offset in sorted(offsets, reverse=True)
    ]
    upcoming = [slot for slot in slots if slot.due_at >= now]
    if not upcoming and catch_up and slots:
        return [ReminderSlot(slots[-1].key, now)]
    return upcoming


def reminder_kind(modality: str) -> MessageKind:
    """Which reminder a session gets: hybrid ones carry the join link (and may add the location)."""
    if modality == "in_person":
        return MessageKind.REMINDER_IN_PERSON
    if modality in ("virtual", "hybrid"):
        return MessageKind.REMINDER_VIRTUAL
    raise ValueError(f"unknown session modality {modality!r}")
