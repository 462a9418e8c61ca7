"""The small field checks of the roster domain, and the errors they raise (shared.errors: each
carries its HTTP status). Messages never quote names, emails or phone numbers: error texts end up in logs.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from shared.errors import Conflict, DomainError, NotFound, ValidationFailed

__all__ = ["Conflict", "DomainError", "NotFound", "ValidationFailed"]  # where the roster's code imports them

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Separators people type in phone numbers; the digits are what a provider dials.
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+?[0-9]{7,15}$")


def text(field: str, value: Any, *, max_length: int = 200) -> str:
    """A required, non-blank string, trimmed."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(field, "is required")
    value = value.strip()
    if len(value) > max_length:
        raise ValidationFailed(field, f"must be at most {max_length} characters")
    return value


def optional_text(field: str, value: Any, *, max_length: int = 200) -> str | None:
    """A string or None; blank counts as None so clearing a field by sending "" works."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return text(field, value, max_length=max_length)


def email(field: str, value: Any) -> str:
    value = text(field, value, max_length=254)
    if not _EMAIL.match(value):
        raise ValidationFailed(field, "is not an email address")
    return value


def phone(field: str, value: Any) -> str | None:
    value = optional_text(field, value, max_length=32)
    if value is not None and not _PHONE.match(_PHONE_SEPARATORS.sub("", value)):
        raise ValidationFailed(field, "is not a phone number (7 to 15 digits, optional leading +)")
    return value


def choice(field: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValidationFailed(field, f"must be one of {', '.join(allowed)}")
    return value


def whole_number(field: str, value: Any, low: int, high: int) -> int:
    # bool is an int in Python; `true` for a capacity is a client bug, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(field, "must be a whole number")
    if not low <= value <= high:
        raise ValidationFailed(field, f"must be between {low} and {high}")
    return value


def uuid_string(field: str, value: Any) -> str:
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(field, "must be a UUID") from None
