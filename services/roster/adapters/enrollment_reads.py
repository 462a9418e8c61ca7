"""A group's enrollments (the roster page) as the API shows them, read with prebuilt Core statements.

Like group_reads: the statements are built once per filter shape (status or not, facilitator-scoped
or not) with bound parameters only, run on a plain connection, and the rows go straight into the
same response schema. A facilitator's page is narrowed to the groups they run inside the statement.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.engine import Connection

from services.roster.adapters.orm import enrollments, group_facilitators
from shared.pagination import PrebuiltPage

_OF_GROUP = enrollments.c.group_id == bindparam("group_id")
_WITH_STATUS = enrollments.c.status == bindparam("status")
_RUN_BY = exists().where(group_facilitators.c.group_id == bindparam("group_id"),
                         group_facilitators.c.facilitator_id == bindparam("facilitator_id"))


def _page(*conditions) -> PrebuiltPage:
    return PrebuiltPage(select(enrollments).where(_OF_GROUP, *conditions), enrollments.c.enrolled_at,
                        enrollments.c.id)


_PAGES = {(False, False): _page(), (True, False): _page(_WITH_STATUS),
          (False, True): _page(_RUN_BY), (True, True): _page(_WITH_STATUS, _RUN_BY)}


def group_enrollments_page(connection: Connection, group_id: str, limit: int, cursor: str | None,
                           status: str | None = None, facilitated_by: str | None = None,
                           ) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the group's enrollments by enrollment time; with `facilitated_by`, empty unless that
    facilitator runs the group."""
    page = _PAGES[(status is not None, facilitated_by is not None)]
    params = {"group_id": group_id, "status": status, "facilitator_id": facilitated_by}
    return page.run(connection, {k: v for k, v in params.items() if v is not None}, limit, cursor)
