"""Roster use cases: each loads what it needs, applies one domain rule, saves and emits its events
in the same transaction. Views call exactly one of these."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from services.roster.adapters.group_reads import read_group
from services.roster.domain.errors import Conflict, NotFound, ValidationFailed
from services.roster.domain.model import Group
from services.roster.domain.people import Facilitator, Participant
from services.roster.service_layer.access import (Forbidden, ensure_manages, may_see_group, require,
                                                  visible_participant)
from services.roster.service_layer.unit_of_work import RosterUnitOfWork
from shared.principal import Principal

log = logging.getLogger(__name__)

PARTICIPANT_SELF_EDITABLE = {"preferred_name", "email", "phone", "timezone", "channels", "sms_consent",
                             "quiet_hours"}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def register_facilitator(uow: RosterUnitOfWork, principal: Principal, data: dict[str, Any],
                         now: datetime | None = None) -> Facilitator:
    require(principal, "admin")
    with uow:
        if uow.facilitators.email_taken(str(data.get("email", "")).strip().lower()):
            raise Conflict("a facilitator with this email is already registered")
        facilitator, events = Facilitator.register(**data, now=_now(now))
        uow.facilitators.add(facilitator)
        uow.emit(*events)
        uow.commit()
        log.info("facilitator registered", extra={"facilitator_id": facilitator.id})
        return facilitator


def get_facilitator(uow: RosterUnitOfWork, principal: Principal, facilitator_id: str) -> Facilitator:
    require(principal, "admin", "facilitator")
    with uow:
        facilitator = uow.facilitators.get(facilitator_id)
        if facilitator is None:
            raise NotFound("no such facilitator")
        return facilitator


def register_participant(uow: RosterUnitOfWork, principal: Principal, data: dict[str, Any],
                         now: datetime | None = None) -> Participant:
    require(principal, "admin", "facilitator")
    with uow:
        registered_by = principal.sub if principal.is_facilitator else None
        participant, events = Participant.register(**data, registered_by=registered_by, now=_now(now))
        uow.participants.add(participant)
        uow.emit(*events)
        uow.commit()
        log.info("participant registered", extra={"participant_id": participant.id})
        return participant


def get_participant(uow: RosterUnitOfWork, principal: Principal, participant_id: str) -> Participant:
    with uow:
        return visible_participant(uow, principal, participant_id)


def update_participant(uow: RosterUnitOfWork, principal: Principal, participant_id: str,
                       changes: dict[str, Any], now: datetime | None = None) -> Participant:
    if principal.is_participant:
        for key in changes:
            if key not in PARTICIPANT_SELF_EDITABLE:
                raise Forbidden(f"participants cannot change {key}")
    with uow:
        participant = visible_participant(uow, principal, participant_id)
        uow.emit(*participant.update(changes, _now(now)))
        uow.commit()
        return participant


def revoke_page_links(uow: RosterUnitOfWork, principal: Principal, participant_id: str,
                      now: datetime | None = None) -> Participant:
    """A facilitator who sees the participant, or an admin, ends every page link sent so far."""
    require(principal, "admin", "facilitator")
    with uow:
        participant = visible_participant(uow, principal, participant_id)
        uow.emit(*participant.revoke_page_links(_now(now)))
        uow.commit()
        log.info("page links revoked", extra={"participant_id": participant.id,
                                               "generation": participant.page_link_generation})
        return participant


def request_page_link(uow: RosterUnitOfWork, email: str) -> None:
    """Anyone may ask; only a registered, active address leads to an email, and the caller is never
    told which (the event carries the participant's id, notifications sends the link)."""
    with uow:
        for participant in uow.participants.with_email(email):
            uow.emit(*participant.request_page_link())
        uow.commit()


def create_group(uow: RosterUnitOfWork, principal: Principal, data: dict[str, Any],
                 now: datetime | None = None) -> Group:
    require(principal, "admin", "facilitator")
    with uow:
        group, events = Group.create(**data, now=_now(now))
        _check_facilitators(uow, principal, group.facilitator_ids)
        uow.groups.add(group)
        uow.emit(*events)
        uow.commit()
        log.info("group created", extra={"group_id": group.id})
        return group


def _check_facilitators(uow: RosterUnitOfWork, principal: Principal, facilitator_ids: list[str]) -> None:
    missing = uow.facilitators.missing(facilitator_ids)
    if missing:
        raise ValidationFailed("facilitator_ids", f"unknown facilitator id {missing[0]}")
    if principal.is_facilitator and principal.sub not in facilitator_ids:
        raise ValidationFailed("facilitator_ids", "must include yourself")


def get_group(connect: Callable[[], Connection], principal: Principal, group_id: str) -> dict[str, Any]:
    """The group as the API shows it, if the caller may see it (one statement, no ORM: see group_reads)."""
    with connect() as connection:
        group = read_group(connection, group_id, member_id=principal.sub if principal.is_participant else None)
    if group is None or not may_see_group(principal, group):
        raise NotFound("no such group")
    return group


def update_group(uow: RosterUnitOfWork, principal: Principal, group_id: str, changes: dict[str, Any],
                 now: datetime | None = None) -> Group:
    with uow:
        group = ensure_manages(principal, uow.groups.get_for_update(group_id))
        events = group.update(changes, _now(now))
        if "facilitator_ids" in changes:
            _check_facilitators(uow, principal, group.facilitator_ids)
            uow.groups.sync_facilitators(group)
        uow.emit(*events)
        uow.commit()
        return group


def close_group(uow: RosterUnitOfWork, principal: Principal, group_id: str,
                now: datetime | None = None) -> Group:
    with uow:
        group = ensure_manages(principal, uow.groups.get_for_update(group_id))
        uow.emit(*group.close(_now(now)))
        uow.commit()
        return group


def enroll(uow: RosterUnitOfWork, principal: Principal, group_id: str, participant_id: str,
           now: datetime | None = None):
    with uow:
        # The row lock serializes enrollments into this group; the access check reads the locked row.
        group = ensure_manages(principal, uow.groups.get_for_update(group_id))
        participant = uow.participants.get(participant_id)
        if participant is None:
            raise ValidationFailed("participant_id", "no such participant")
        participant.ensure_enrollable()
        enrollment, events = group.enroll(participant_id, _now(now))
        uow.emit(*events)
        uow.commit()
        log.info("participant enrolled", extra={"group_id": group_id, "participant_id": participant_id,
                                                 "enrollment_id": enrollment.id, "status": enrollment.status})
        return enrollment


def end_enrollment(uow: RosterUnitOfWork, principal: Principal, group_id: str, enrollment_id: str,
                   reason: str, now: datetime | None = None):
    with uow:
        group = ensure_manages(principal, uow.groups.get_for_update(group_id, with_enrollment=enrollment_id))
        events = group.end_enrollment(enrollment_id, reason, _now(now))
        uow.emit(*events)
        uow.commit()
        log.info("enrollment ended", extra={"group_id": group_id, "enrollment_id": enrollment_id,
                                             "count": len(events)})
        return next(e for e in group.enrollments if e.id == enrollment_id)
