"""The errors a rule raises, each carrying the HTTP status it answers with.

Pure Python (the domain layers import it): one handler in shared.web turns any of them into the
uniform JSON error, so no service keeps a mapping of its own. Messages never quote names, emails or
phone numbers: error texts end up in logs.
"""
from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A clinic rule refused the request."""

    http_status: ClassVar[int] = 400

    def __init__(self, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors  # the body's `errors` map ({location: {field: [reason]}}), if any


class ValidationFailed(DomainError):
    """One input field breaks a rule; `field` names it (dotted when nested), `location` says where it was."""

    http_status = 422

    def __init__(self, field: str, message: str, location: str = "json") -> None:
        super().__init__(f"{field}: {message}", {location: {field: [message]}})
        self.field = field
        self.reason = message
        self.message = message  # the `errors` map lists it under the field's name: no need to repeat it


class Conflict(DomainError):
    """The request is well formed but clashes with the current state (say, closing twice)."""

    http_status = 409


class NotFound(DomainError):
    """The thing asked for does not exist, or the caller may not know that it does."""

    http_status = 404


class Forbidden(DomainError):
    """The caller's role may never do this (a resource outside their scope is a NotFound instead)."""

    http_status = 403

    def __init__(self, message: str = "your role may not do this") -> None:
        super().__init__(message)


class GroupNotKnownYet(DomainError):
    """An event about a group arrived before the group's own (roster publishes them in order, queues
    may not deliver them so): the consumer retries it with back-off until the group is known."""

    http_status = 404
