"""Personal join links: listing them, showing each participant their own, and following one.

Following a link is the participant's proof of presence: it records `present` (or `late` after the
start plus the grace period) in the same transaction as its event, then sends them to the room.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from collections.abc import Callable

from sqlalchemy.engine import Connection

from shared.join_links import LinkSigner
from services.sessions.adapters.session_reads import SessionRow, facilitates_member, sessions_page
from services.sessions.domain.attendance import record_join
from services.sessions.domain.errors import Conflict, DomainError, NotFound, TooEarly
from services.sessions.domain.join_window import check_join, join_window
from services.sessions.domain.membership import expected_participants, is_active_member
from services.sessions.domain.model import Session
from services.sessions.service_layer.access import as_uuid, facilitator_scope, managed_session
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.principal import Principal


class UnknownLink(DomainError):
    """A forged, garbled or truncated token, or one naming a session that does not exist."""

    http_status = 404

    def __init__(self) -> None:
        super().__init__("This link is not valid. Please check that you copied all of it.")


@dataclass(frozen=True)
class JoinLink:
    participant_id: uuid.UUID
    url: str
    valid_from: datetime
    valid_until: datetime


def personal_link(session: Session, participant_id: uuid.UUID, links: LinkSigner) -> JoinLink:
    return JoinLink(participant_id, links.join_url(session.id, participant_id), *join_window(session))


def join_links(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, links: LinkSigner,
               now: datetime) -> list[JoinLink]:
    """One link per member expected at the start whose enrollment is still active."""
    with uow:
        session = managed_session(uow, principal, session_id)
        if session.cancelled_at is not None:
            raise Conflict("a cancelled session has no join links")
        if not session.has_join_links:
            raise Conflict("an in-person session has no join links")
        memberships = uow.memberships.for_group(session.group_id)
        expected = expected_participants(memberships, session.starts_at)
        return [personal_link(session, pid, links) for pid in expected if is_active_member(memberships, pid, now)]


def participant_sessions(connect: Callable[[], Connection], principal: Principal, participant_id: uuid.UUID,
                         args: dict, links: LinkSigner, now: datetime):
    """(sessions, cursor, {session id: their link}); upcoming ones unless a period is asked for.

    Read without the ORM (adapters/session_reads.py): one statement, whose rows say whether the
    participant is still in each session's group (their links need no second query)."""
    with connect() as connection:
        if principal.is_facilitator and not facilitates_member(connection, principal.sub, participant_id):
            raise NotFound("no such participant")
        if not principal.is_admin and not principal.is_facilitator and as_uuid(principal.sub) != participant_id:
            raise NotFound("no such participant")
        items, cursor = sessions_page(
            connection, args["limit"], args["cursor"], now=now, starts_from=args.get("from_"),
            starts_before=args.get("to"), upcoming="from_" not in args and "to" not in args,
            participant_id=participant_id, facilitator_id=facilitator_scope(principal))
    return items, cursor, links_of_rows(participant_id, items, links, now)


def links_of_rows(participant_id: uuid.UUID, rows: list[SessionRow], links: LinkSigner,
                  now: datetime) -> dict[uuid.UUID, JoinLink]:
    """The participant's own links, for sessions still ahead of a group they are still in."""
    return {row.id: personal_link(row, participant_id, links) for row in rows
            if row.still_member and link_still_useful(row, now)}


def joins_for(uow: SessionsUnitOfWork, participant_id: uuid.UUID, sessions: list[Session], links: LinkSigner,
              now: datetime) -> dict[uuid.UUID, JoinLink]:
    """The participant's own links, for sessions still ahead of a group they are still in."""
    useful = [s for s in sessions if link_still_useful(s, now)]
    if not useful:  # past, cancelled or in-person only: no need to look up their memberships
        return {}
    active_groups = uow.memberships.active_groups(participant_id, now)
    return {s.id: personal_link(s, participant_id, links) for s in useful if s.group_id in active_groups}


def link_still_useful(session: Session, now: datetime) -> bool:
    return session.has_join_links and session.cancelled_at is None and session.ends_at > now


def follow_join_link(uow: SessionsUnitOfWork, links: LinkSigner, token: str, grace_minutes: int,
                     now: datetime, record: bool = True) -> tuple[Session, str]:
    """(session, 'present' | 'late'), or UnknownLink / a JoinRefused error; records nothing on refusal."""
    ids = links.read_join_token(token)
    if ids is None:
        raise UnknownLink()
    session_id, participant_id = ids
    with uow:
        session = uow.sessions.get_for_update(session_id)  # two clicks at once record one join
        if session is None:
            raise UnknownLink()
        active = uow.memberships.is_active(participant_id, session.group_id, now)
        try:
            outcome = check_join(session, now, active, grace_minutes)
        except TooEarly as early:
            group = uow.groups.get(session.group_id)
            raise TooEarly(early.valid_from, group.timezone if group else None) from None
        if record:
            existing = uow.attendance.get(session.id, participant_id)
            # Enrolled after the start: not on the expected list, so the join is a walk-in's.
            walk_in = existing is None and not uow.memberships.is_active(participant_id, session.group_id,
                                                                         session.starts_at)
            attendance, event = record_join(session, participant_id, outcome, now, existing, walk_in=walk_in)
            if existing is None:
                uow.attendance.add(attendance)
            if event is not None:
                uow.emit(event)
            uow.commit()
        return session, outcome
