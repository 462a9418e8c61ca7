"""Keyset (cursor) pagination: a page costs O(page), not O(table).

Lists are ordered by (created_at, id); the cursor is the last row's pair, opaque to clients:
`<microseconds since 1970-01-01 UTC>.<id>`. Every text of that form (CURSOR_PATTERN, as the document
says) is a cursor the server takes; any other is a 422 naming `cursor`.
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, bindparam, literal, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.fields import UUID_PATTERN

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Sixteen digits of microseconds reach the year 2286.
CURSOR_PATTERN = r"^[0-9]{1,16}\." + UUID_PATTERN.removeprefix("^")
_CURSOR = re.compile(CURSOR_PATTERN)
MAX_LIMIT = 200
from shared.errors import ValidationFailed


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"Items per page, 1 to {MAX_LIMIT} (default 50)."})
    cursor = fields.String(load_default=None, validate=validate.Regexp(CURSOR_PATTERN, error="Not a valid cursor."),
                           metadata={"description": "The `next_cursor` of the previous page."})


def encode_cursor(created_at: datetime, row_id: str) -> str:
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return f"{(created_at - EPOCH) // MICROSECOND}.{row_id}"


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    if not isinstance(cursor, str) or not _CURSOR.match(cursor):
        raise ValidationFailed("cursor", "Not a valid cursor.", location="query")
    micros, row_id = cursor.split(".", 1)
    return EPOCH + int(micros) * MICROSECOND, row_id


def after_cursor(created_col, id_col, cursor: str):
    """The keyset condition: rows after the cursor's (created, id), in the list's order."""
    created, row_id = decode_cursor(cursor)
    return tuple_(created_col, id_col) > tuple_(literal(created, created_col.type),
                                                literal(_typed_id(id_col, row_id), id_col.type))


def paginate(session: Session, query: Select, created_col, id_col, limit: int, cursor: str | None,
             scalars: bool = True):
    """Run `query` one page at a time, ordered by (created_col, id_col); returns (rows, next_cursor).

    `created_col` may be any timestamp that orders the list (a session list pages by its start).
    """
    if cursor:
        query = query.where(after_cursor(created_col, id_col, cursor))
    query = query.order_by(created_col, id_col).limit(limit + 1)
    result = session.execute(query)
    rows = list(result.scalars() if scalars else result)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(_attr(last, created_col.key), _attr(last, id_col.key))
    return rows, next_cursor


def _attr(row, name: str):
    value = getattr(row, name)
    return str(value) if isinstance(value, uuid.UUID) else value


def _typed_id(id_col, row_id: str):
    # Ids are strings in some tables and UUIDs in others; the cursor carries their text.
    if getattr(id_col.type, "python_type", str) is uuid.UUID:
        try:
            return uuid.UUID(row_id)
        except ValueError:
            raise ValidationFailed("cursor", "Not a valid cursor.", location="query") from None
    return row_id


class PrebuiltPage:
    """One list's keyset page as two statements built once (first page, page after a cursor), with
    bound parameters only: a read runs them on a plain connection and gets mappings, not entities.

    `base` selects the rows with its filters as bindparams; pages are ordered by (created, id).
    """

    def __init__(self, base: Select, created_col, id_col):
        self.created_key, self.id_key, self.id_col = created_col.key, id_col.key, id_col
        ordered = (created_col, id_col)
        after = tuple_(created_col, id_col) > tuple_(bindparam("after_created", type_=created_col.type),
                                                     bindparam("after_id", type_=id_col.type))
        self.first = base.order_by(*ordered).limit(bindparam("page_rows"))
        self.later = base.where(after).order_by(*ordered).limit(bindparam("page_rows"))

    def run(self, connection: Connection, params: dict, limit: int, cursor: str | None):
        """(rows as dicts, next cursor or None)."""
        params = {**params, "page_rows": limit + 1}
        if cursor:
            created, row_id = decode_cursor(cursor)
            params.update(after_created=created, after_id=_typed_id(self.id_col, row_id))
        rows = [dict(row) for row in connection.execute(self.later if cursor else self.first, params).mappings()]
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = encode_cursor(last[self.created_key], str(last[self.id_key]))
        return rows, next_cursor
