"""Marshmallow fields used by both event schemas and API schemas."""
from __future__ import annotations

import uuid

from marshmallow import ValidationError, fields


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("Not a valid UUID.") from None
    return True


def Id(**kwargs) -> fields.String:  # noqa: N802 - used like a field class
    """A UUID kept in its string form, as ids travel in JSON and are stored."""
    return fields.String(validate=_is_uuid, **kwargs)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except (ValueError, TypeError, AttributeError):
        return False
