"""The group as the API shows it, read with one prebuilt Core statement.

`GET /v1/groups/<id>` is the roster's hottest read: it needs the row and whether the caller may see
it, not a domain object with its enrollments, an ORM session and its identity map. The statement is
built once (bound parameters only), the row goes straight into the same response schema, and the
status comes from the domain's own rule (`group_status`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, exists, literal, select
from sqlalchemy.engine import Connection

from services.roster.adapters.orm import enrollments, groups
from services.roster.domain.model import group_status

_EVER_ENROLLED = exists().where(enrollments.c.group_id == groups.c.id,
                                enrollments.c.participant_id == bindparam("member_id"))
_BY_ID = select(groups, literal(False).label("is_member")).where(groups.c.id == bindparam("group_id"))
_BY_ID_FOR_MEMBER = select(groups, _EVER_ENROLLED.label("is_member")).where(groups.c.id == bindparam("group_id"))


def read_group(connection: Connection, group_id: str, member_id: str | None = None) -> dict[str, Any] | None:
    """The group's fields and `status`, plus `is_member`: whether `member_id` was ever enrolled in it."""
    if member_id is None:
        row = connection.execute(_BY_ID, {"group_id": group_id}).mappings().first()
    else:
        row = connection.execute(_BY_ID_FOR_MEMBER, {"group_id": group_id, "member_id": member_id}).mappings().first()
    if row is None:
        return None
    view = dict(row)
    view["status"] = group_status(view["closed_at"], view["active_count"], view["capacity"])
    return view
