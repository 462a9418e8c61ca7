"""Keyset (cursor) pagination: a page costs O(page), not O(table).

Lists are ordered by (created_at, id); the cursor is the last row's pair, opaque to clients.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session


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
        abort(422, message="invalid cursor", errors={"query": {"cursor": ["Not a valid cursor."]}})
        raise  # unreachable: abort raises


def paginate(session: Session, query: Select, created_col, id_col, limit: int, cursor: str | None,
             scalars: bool = True):
    """Run `query` one page at a time; returns (rows, next_cursor)."""
    if cursor:
        created, row_id = decode_cursor(cursor)
        query = query.where(tuple_(created_col, id_col) > tuple_(created, row_id))
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
    return getattr(row, name)
