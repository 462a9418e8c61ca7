"""Session lists as the API shows them, read with prebuilt Core statements (the model: roster's
group_reads): the session list and a participant's sessions.

A statement is built once per filter shape (which filters are given, which status) with bound
parameters only, run on a plain connection; each row becomes a `SessionRow`, which answers what the
presenters and the join-link rules ask of a session. A participant's page carries `still_member`
(their membership of the session's group is active now), so their join links need no second query.
"""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, exists, literal, or_, select
from sqlalchemy.engine import Connection

from services.sessions.adapters.orm import memberships, sessions
from services.sessions.adapters.repositories import FACILITATES_MEMBER, facilitated_by
from services.sessions.adapters.session_repositories import session_ids_of, status_condition
from services.sessions.domain.model import has_join_links, session_status
from shared.db import one_of
from shared.pagination import PrebuiltPage

_NOW = bindparam("now", type_=sessions.c.starts_at.type)
_PARTICIPANT = bindparam("participant_id", type_=memberships.c.participant_id.type)
_STILL_MEMBER = exists().where(
    memberships.c.participant_id == _PARTICIPANT, memberships.c.group_id == sessions.c.group_id,
    memberships.c.active_from <= _NOW, or_(memberships.c.active_until.is_(None), memberships.c.active_until > _NOW))


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: uuid.UUID
    group_id: uuid.UUID
    starts_at: datetime
    duration_minutes: int
    modality: str
    location: str | None
    video_room_url: str | None
    topic: str | None
    generated: bool
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    still_member: bool = False

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def has_join_links(self) -> bool:
        return has_join_links(self.modality)

    def status_at(self, now: datetime) -> str:
        return session_status(self.cancelled_at, self.starts_at, self.ends_at, now)


_FIELDS = SessionRow.__slots__


class Shape(NamedTuple):
    upcoming: bool
    group: bool
    starts_from: bool
    starts_before: bool
    status: str | None
    facilitator: bool
    participant: bool


@functools.cache
def _page(shape: Shape, dialect: str) -> PrebuiltPage:
    columns = [sessions.c[name] for name in _FIELDS if name != "still_member"]
    member = _STILL_MEMBER if shape.participant else literal(False)
    query = select(*columns, member.label("still_member"))
    if shape.upcoming:
        query = query.where(sessions.c.ends_at > _NOW)
    if shape.group:
        query = query.where(sessions.c.group_id == bindparam("group_id", type_=sessions.c.group_id.type))
    if shape.starts_from:
        query = query.where(sessions.c.starts_at >= bindparam("starts_from", type_=sessions.c.starts_at.type))
    if shape.starts_before:
        query = query.where(sessions.c.starts_at < bindparam("starts_before", type_=sessions.c.starts_at.type))
    if shape.status:
        query = query.where(status_condition(shape.status, _NOW))
    if shape.facilitator:
        query = query.where(facilitated_by(bindparam("facilitator_id"), sessions.c.group_id))
    if shape.participant:
        query = query.where(one_of(sessions.c.id, session_ids_of(_PARTICIPANT), dialect))
    return PrebuiltPage(query, sessions.c.starts_at, sessions.c.id)


def sessions_page(connection: Connection, limit: int, cursor: str | None, *, now: datetime,
                  group_id: uuid.UUID | None = None, starts_from: datetime | None = None,
                  starts_before: datetime | None = None, status: str | None = None,
                  facilitator_id: str | None = None, participant_id: uuid.UUID | None = None,
                  upcoming: bool = False) -> tuple[list[SessionRow], str | None]:
    """The same page as SessionRepository.page, as SessionRows."""
    shape = Shape(upcoming, bool(group_id), bool(starts_from), bool(starts_before), status or None,
                  bool(facilitator_id), bool(participant_id))
    params: dict[str, Any] = {"now": now, "group_id": group_id, "starts_from": starts_from,
                              "starts_before": starts_before, "facilitator_id": facilitator_id,
                              "participant_id": participant_id}
    rows, cursor = _page(shape, connection.dialect.name).run(
        connection, {k: v for k, v in params.items() if v is not None}, limit, cursor)
    return [SessionRow(**{name: row[name] for name in _FIELDS}) for row in rows], cursor


def facilitates_member(connection: Connection, facilitator_id: str, participant_id: uuid.UUID) -> bool:
    """Whether the participant was ever a member of one of this facilitator's groups."""
    params = {"facilitator_id": facilitator_id, "participant_id": participant_id}
    return connection.execute(FACILITATES_MEMBER, params).first() is not None
