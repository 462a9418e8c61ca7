"""Who may see and change what in sessions, as plain checks on a principal.

Admins: everything. Facilitators: the sessions of the groups they facilitate (per the read model).
Participants: the sessions they were expected at or walked in to, and their own records.
Anything outside a caller's scope answers 404, not 403, as in roster: whether a given person is a
client of the program is itself protected. A role that may never do an action gets 403.
"""
from __future__ import annotations

import uuid

from services.sessions.domain.errors import Forbidden, NotFound
from services.sessions.domain.group import Group
from services.sessions.domain.model import Session
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.auth import Principal

# Roster owns groups; this service learns of them from events, a moment after they are created.
UNKNOWN_GROUP = ("no such group here yet: a group created in roster reaches the sessions service "
                 "within a moment, so try again shortly")


def require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden()


def managed_group(uow: SessionsUnitOfWork, principal: Principal, group_id: uuid.UUID) -> Group:
    """The group, if the caller runs it (an admin or one of its facilitators)."""
    require(principal, "admin", "facilitator")
    group = uow.groups.get(group_id)
    if group is None or not (principal.is_admin or group.facilitated_by(principal.sub)):
        raise NotFound(UNKNOWN_GROUP)
    return group


def visible_session(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID,
                    for_update: bool = False) -> Session:
    """The session, if the caller may see it; the scope rides in the query that loads it."""
    session = None
    if principal.is_admin:
        session = uow.sessions.get_scoped(session_id, for_update=for_update)
    elif principal.is_facilitator:
        session = uow.sessions.get_scoped(session_id, facilitator_id=principal.sub, for_update=for_update)
    elif (participant_id := as_uuid(principal.sub)) is not None:
        session = uow.sessions.get_scoped(session_id, participant_id=participant_id, for_update=for_update)
    if session is None:
        raise NotFound("no such session")
    return session


def managed_session(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID,
                    for_update: bool = False) -> Session:
    """A session the caller may change: participants may see theirs, never change them."""
    require(principal, "admin", "facilitator")
    return visible_session(uow, principal, session_id, for_update)


def ensure_sees_participant(uow: SessionsUnitOfWork, principal: Principal, participant_id: uuid.UUID) -> None:
    if principal.is_admin:
        return
    if principal.is_participant and as_uuid(principal.sub) == participant_id:
        return
    if principal.is_facilitator and uow.groups.facilitates_member(principal.sub, participant_id):
        return
    raise NotFound("no such participant")


def facilitator_scope(principal: Principal) -> str | None:
    """The facilitator id to narrow list queries to, or None for an admin."""
    return principal.sub if principal.is_facilitator else None


def as_uuid(text: str | None) -> uuid.UUID | None:
    """A principal's `sub` or a filter as a UUID; None when absent or not one (matches nothing)."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None
