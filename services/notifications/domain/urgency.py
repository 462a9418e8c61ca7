"""Which notifications are urgent: they bypass quiet hours and are sent at once.

Only a change to a session that is close matters enough to wake someone: if a session less than 24 h
away moves or is cancelled, waiting for the morning could mean a wasted trip or a missed session.
Welcome, waitlist, promotion and reminder messages are never urgent, and neither are absence alerts
to facilitators (they act on them in working hours).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.notifications.domain.messages import MessageKind

URGENT_NOTICE = timedelta(hours=24)

SESSION_CHANGES = frozenset({MessageKind.SESSION_RESCHEDULED, MessageKind.SESSION_RELOCATED,
                             MessageKind.SESSION_CANCELLED})


def is_urgent(
    kind: MessageKind | str,
    now: datetime,
    starts_at: datetime | None = None,
    previous_starts_at: datetime | None = None,
) -> bool:
    """Whether a notification of `kind` must go at once.

    For a reschedule both the old and the new start count and the earlier one decides: moving a
    session from tomorrow morning to next week is as urgent as moving next week's to tomorrow.
    A session that has already started counts as less than 24 h away.
    """
    if MessageKind(kind) not in SESSION_CHANGES:
        return False
    starts = [moment for moment in (starts_at, previous_starts_at) if moment is not None]
    if not starts:
        raise ValueError(f"a {kind} notification needs the session's start time to judge urgency")
    return min(starts) - now < URGENT_NOTICE
