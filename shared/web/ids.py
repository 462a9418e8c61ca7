"""Ids in URL paths are UUIDs, parsed once while the URL is matched.

Every path variable named `*_id` (`/groups/<group_id>`) goes through `IdConverter`: the view receives
a `uuid.UUID`, and a malformed id is a client error naming the parameter (422), not a 404.
"""
from __future__ import annotations

import re
import uuid

from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import BaseConverter, Rule

from shared.fields import UUID_PATTERN, UUID_SCHEMA

_CANONICAL = re.compile(UUID_PATTERN)


class IdConverter(BaseConverter):
    variable = "id"  # the path variable's name, for the error (set by IdRule)

    def to_python(self, value: str) -> uuid.UUID:
        try:
            if not _CANONICAL.match(value):  # the documented form only, not every spelling uuid.UUID takes
                raise ValueError(value)
            return uuid.UUID(value)
        except ValueError:
            # Flask keeps an HTTPException raised while matching and answers it through the error handlers.
            refused = UnprocessableEntity()
            refused.data = {"message": f"{self.variable} is not a valid UUID",
                            "errors": {"path": {self.variable: ["Not a valid UUID."]}}}
            raise refused from None

    def to_url(self, value) -> str:
        return str(value)


class IdRule(Rule):
    """A Flask url rule whose `*_id` variables are UUIDs unless they name another converter."""

    def get_converter(self, variable_name, converter_name, args, kwargs) -> BaseConverter:
        if converter_name == "default" and variable_name.endswith("_id") and not args and not kwargs:
            converter = IdConverter(self.map)
            converter.variable = variable_name
            return converter
        return super().get_converter(variable_name, converter_name, args, kwargs)


def id_schema(_converter: IdConverter) -> dict:
    """How the OpenAPI document shows a path id."""
    return dict(UUID_SCHEMA)
