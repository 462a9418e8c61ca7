"""Domain errors of the sessions service: the shared ones (each carries the HTTP status a view answers
with, `http_status`) and the reasons a personal join link does not open the room.
"""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from shared.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed

__all__ = ["Conflict", "DomainError", "Expired", "Forbidden", "JoinRefused", "NotFound", "Revoked", "TooEarly",
           "ValidationFailed"]


class JoinRefused(DomainError):
    """Base of the reasons a personal join link does not open the video room."""


class TooEarly(JoinRefused):
    """The link opens 15 minutes before the start; `valid_from` lets the page say when to come back."""

    http_status = 403

    def __init__(self, valid_from: datetime, timezone: str | None = None) -> None:
        super().__init__("This session's room is not open yet.")
        self.valid_from = valid_from
        self.timezone = timezone  # where the group meets, so the page can show a local time


class Expired(JoinRefused):
    """The session has ended."""

    http_status = 410

    def __init__(self) -> None:
        super().__init__("This session has ended.")


class Revoked(JoinRefused):
    """The link no longer grants entry: `reason` is 'enrollment_ended', 'session_cancelled' or 'in_person'."""

    http_status = 403

    MESSAGES: ClassVar[dict[str, str]] = {
        "enrollment_ended": "This link is no longer valid because your enrollment has ended.",
        "session_cancelled": "This session has been cancelled.",
        "in_person": "This session is now held in person, so there is no video room.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES.get(reason, "This link is no longer valid."))
        self.reason = reason
