"""Marshmallow fields used by both event schemas and API schemas: the platform's vocabulary.

Each field says in the OpenAPI document exactly what the server enforces (a pattern, a format, an
enumeration), so a client that follows the document is never refused for the shape of a value.
"""
from __future__ import annotations

import functools
import re
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate

# The canonical text of a UUID, as every id is written and stored (uuid.UUID also takes braces,
# a 'urn:uuid:' prefix or no hyphens; the document and the server take this form only).
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
UUID_SCHEMA = {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}
_UUID = re.compile(UUID_PATTERN)
# Text that is required may not be blank: at least one character that is not white space.
NOT_BLANK = r"^\s*\S"


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def _uuid_or_error(value: str) -> bool:
    if not is_uuid(value):
        raise ValidationError("Not a valid UUID.")
    return True


def Id(**kwargs) -> fields.String:  # noqa: N802 - used like a field class
    """A UUID kept in its string form, as ids travel in JSON and are stored."""
    metadata = {"format": "uuid", "pattern": UUID_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=_uuid_or_error, metadata=metadata, **kwargs)


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zone names this machine knows (tzdata), the only ones accepted anywhere."""
    return tuple(sorted(available_timezones()))


def TimeZone(**kwargs) -> fields.String:  # noqa: N802 - used like a field class
    """An IANA time zone name such as 'America/New_York', as an enumeration in the document."""
    return fields.String(validate=validate.OneOf(time_zone_names(),
                                                 error="Must be an IANA time zone name such as 'America/New_York'."),
                         **kwargs)


def Text(*, max_length: int, required_text: bool = True, **kwargs) -> fields.String:  # noqa: N802
    """A text of at most `max_length` characters; unless `required_text` is False, not blank."""
    checks = [validate.Length(min=1 if required_text else 0, max=max_length)]
    if required_text:
        checks.append(validate.Regexp(NOT_BLANK, error="May not be blank."))

    return fields.String(validate=checks, **kwargs)


class Flag(fields.Boolean):
    """true or false, and nothing else (marshmallow's Boolean also takes 1, "yes", "on"...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value
