"""Small things every roster entity uses: new ids, the caller's clock in UTC, id-only reprs."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def new_id() -> str:
    return str(uuid.uuid4())


def utc(now: datetime) -> datetime:
    """The caller's `now` in UTC; a naive value is a programming error, not bad user input."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def show_id(entity: Any) -> str:
    return f"<{type(entity).__name__} {entity.id}>"

