"""Domain errors of the sessions service.

Each error carries the HTTP status a view should answer with (`http_status`), so one error handler in
the entrypoints can map every rule violation without the domain importing Flask.
"""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar


class DomainError(Exception):
    """A clinic rule refused the request."""

    http_status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """One input field breaks a rule; `field` is the request field name, for the 422 `errors` map."""

    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
        # The HTTP error body lists `message` under the field's name, so it need not repeat the name.
        self.message = message

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.reason]}


class Conflict(DomainError):
    """The request is well formed but the session's current state forbids it (cancelled, completed...)."""

    http_status = 409


class Forbidden(DomainError):
    """The caller may see the thing, but this act is not theirs: a role that never may, or another
    person's signature."""

    http_status = 403

    def __init__(self, message: str = "your role may not do this"):
        super().__init__(message)


class NotFound(DomainError):
    http_status = 404


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
