"""Scheduling use cases: each loads what it needs, applies one domain rule, saves and emits its
events in the same transaction. Views call exactly one of these."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

from services.sessions.adapters.session_reads import sessions_page

from shared.join_links import LinkSigner
from services.sessions.domain.errors import Conflict
from services.sessions.domain.group import Group
from services.sessions.domain.model import Session, schedule_session, video_room_url
from services.sessions.domain.schedule import missing_occurrences
from services.sessions.service_layer.access import (as_uuid, facilitator_scope, managed_group, managed_session,
                                                    visible_session)
from services.sessions.service_layer.join import JoinLink, joins_for, links_of_rows
from services.sessions.service_layer.options import SessionsOptions
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.principal import Principal


def _open(group: Group) -> Group:
    if group.is_closed:
        raise Conflict("the group is closed; no new sessions can be scheduled")
    return group


def schedule_one(uow: SessionsUnitOfWork, principal: Principal, group_id: uuid.UUID, data: dict[str, Any],
                 options: SessionsOptions, now: datetime) -> Session:
    """One session, with the group's modality, place and length unless the request says otherwise.
    A start in the past is allowed: facilitators record sessions after the fact."""
    with uow:
        group = _open(managed_group(uow, principal, group_id))
        session, event = schedule_session(
            group.id, data["starts_at"], data.get("duration_minutes") or group.session_minutes,
            data.get("modality") or group.modality, data.get("location") or group.location, data.get("topic"),
            now, options.video_room_template)
        uow.sessions.add(session)
        uow.emit(event)
        uow.commit()
        return session


def generate(uow: SessionsUnitOfWork, principal: Principal, group_id: uuid.UUID, from_: date, to: date,
             options: SessionsOptions, now: datetime) -> tuple[list[Session], int]:
    """Sessions for every weekly slot of the range that has none yet: (created, how many existed).

    Slots are remembered by their original start, so a moved or cancelled session is not recreated.
    """
    with uow:
        managed_group(uow, principal, group_id)
        group = _open(uow.groups.get_for_update(group_id))  # two generations queue up, never duplicate
        slots = group.weekly_schedule().occurrences(group.starts_on, group.ends_on, from_, to)
        missing = missing_occurrences(slots, uow.sessions.generated_slots(group.id, slots))
        created = []
        for slot in missing:
            session, event = schedule_session(
                group.id, slot, group.session_minutes, group.modality, group.location, None, now,
                options.video_room_template, occurrence_starts_at=slot)
            uow.sessions.add(session)
            uow.emit(event)
            created.append(session)
        uow.commit()
        return created, len(slots) - len(missing)


def get_session(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, links: LinkSigner,
                now: datetime) -> tuple[Session, JoinLink | None]:
    """The session, and for a participant their own join link when it can still be used."""
    with uow:
        session = visible_session(uow, principal, session_id)
        if not principal.is_participant:
            return session, None
        return session, joins_for(uow, uuid.UUID(principal.sub), [session], links, now).get(session.id)


def list_sessions(connect: Callable[[], Connection], principal: Principal, args: dict[str, Any], links: LinkSigner,
                  now: datetime):
    """(sessions, cursor, participant's links): all for admins, their groups' for facilitators,
    their own for participants. Read without the ORM, in one statement (adapters/session_reads.py)."""
    participant_id = as_uuid(principal.sub) if principal.is_participant else None
    if principal.is_participant and participant_id is None:
        return [], None, {}
    with connect() as connection:
        items, cursor = sessions_page(
            connection, args["limit"], args["cursor"], now=now, group_id=as_uuid(args.get("group_id")),
            starts_from=args.get("from_"), starts_before=args.get("to"), status=args.get("status"),
            facilitator_id=facilitator_scope(principal), participant_id=participant_id)
    return items, cursor, links_of_rows(participant_id, items, links, now) if participant_id else {}


def reschedule(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, starts_at: datetime,
               duration_minutes: int | None, now: datetime) -> Session:
    with uow:
        session = managed_session(uow, principal, session_id, for_update=True)
        event = session.reschedule(starts_at, now, duration_minutes)
        if event is not None:  # a retried request moves nothing and alerts nobody twice
            uow.emit(event)
        uow.commit()
        return session


def cancel(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, reason: str,
           now: datetime) -> Session:
    with uow:
        session = managed_session(uow, principal, session_id, for_update=True)
        uow.emit(session.cancel(reason, now))
        uow.commit()
        return session


def change(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, changes: dict[str, Any],
           options: SessionsOptions, now: datetime) -> Session:
    """Hold one session differently (a snow day turns it virtual) or set its topic; the time stays."""
    with uow:
        session = managed_session(uow, principal, session_id, for_update=True)
        if "modality" in changes or "location" in changes:
            modality = changes.get("modality") or session.modality
            location = changes["location"] if "location" in changes else session.location
            if location is None and modality != "virtual":
                group = uow.groups.get(session.group_id)
                location = group.location if group is not None else None
            room = session.video_room_url or video_room_url(options.video_room_template, session.id,
                                                            session.group_id)
            event = session.change_modality(modality, location, room, now)
            if event is not None:
                uow.emit(event)
        if "topic" in changes:
            session.change_topic(changes["topic"], now)
        uow.commit()
        return session
