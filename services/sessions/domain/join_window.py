"""When a participant's personal join link opens the video room, and whether they arrive on time.

A link works from 15 minutes before the start (time to test audio) until the session ends, half-open:
at `ends_at` exactly it has expired. Checks run in the order a participant would find most useful:
a link that no longer grants entry says so (403) even after the end, rather than "expired" (410).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from .errors import Expired, Revoked, TooEarly
from .model import Session

OPENS_BEFORE_START = timedelta(minutes=15)
DEFAULT_GRACE_MINUTES = 10


class JoinWindow(NamedTuple):
    valid_from: datetime
    valid_until: datetime


def join_window(session: Session) -> JoinWindow:
    return JoinWindow(session.starts_at - OPENS_BEFORE_START, session.ends_at)


def check_join(
    session: Session,
    now: datetime,
    enrollment_active: bool,
    grace_minutes: int = DEFAULT_GRACE_MINUTES,
) -> str:
    """'present' or 'late' (arriving after the start plus the grace period), or a JoinRefused error.

    `enrollment_active` is whether the participant is enrolled *now* (`is_active_member`): a link
    stops working when the enrollment ends, even for a session they were expected at.
    """
    if session.cancelled_at is not None:
        raise Revoked("session_cancelled")
    if not enrollment_active:
        raise Revoked("enrollment_ended")
    if not session.has_join_links:
        # The session turned in-person after the link was sent: there is no room to go to.
        raise Revoked("in_person")
    window = join_window(session)
    if now < window.valid_from:
        raise TooEarly(window.valid_from)
    if now >= window.valid_until:
        raise Expired()
    if now > session.starts_at + timedelta(minutes=grace_minutes):
        return "late"
    return "present"
