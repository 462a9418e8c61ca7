"""Keyset (cursor) pagination: a page costs O(page), not O(table).

Lists are ordered by (created_at, id); the cursor is the last row's pair, opaque to clients.
"""
from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import Session

from shared.errors import ValidationFailed


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(created), str(row_id)
    except (ValueError, TypeError, binascii.Error):
        raise ValidationFailed("cursor", "Not a valid cursor.", location="query") from None


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
