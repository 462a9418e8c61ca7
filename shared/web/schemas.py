"""API schema pieces every service uses: page arguments and the `{items, next_cursor}` envelope."""
from __future__ import annotations

from marshmallow import Schema, fields

from shared.pagination import PageArgs


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """The list response: `{"items": [...], "next_cursor": "..." | null}`."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema), required=True),
                             "next_cursor": fields.String(allow_none=True, required=True)}, name=name)


__all__ = ["PageArgs", "page_of"]
