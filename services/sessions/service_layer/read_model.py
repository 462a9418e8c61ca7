"""Roster events applied to the sessions read model (groups and memberships).

The pipeline runs each handler in the transaction that records the event id in the inbox, so a
redelivered event has no second effect. The handlers are idempotent on their own as well, and
order-independent, because a retried event can overtake a later one:
- a group change older than the state held is ignored (roster's `occurred_at` orders them);
- a membership keeps the earliest start and the first end it was told about, whichever came first;
- a group closed before it was created here is retried (raising) until `created` has arrived.
Events this service does not need (participants, facilitators, waitlists) are not routed here.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime

from services.sessions.domain.group import Group
from services.sessions.domain.membership import Membership
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.errors import GroupNotKnownYet
from shared.events import Envelope

log = logging.getLogger(__name__)


GroupNotYetKnown = GroupNotKnownYet  # the shared name; this one stays importable

def _occurred(envelope: Envelope) -> datetime:
    return datetime.fromisoformat(envelope.occurred_at)


def group_changed(envelope: Envelope, uow: SessionsUnitOfWork) -> None:
    data = envelope.typed_data()
    group = uow.groups.get(uuid.UUID(data["group_id"]))
    if group is None:
        uow.groups.add(Group.from_roster(data, _occurred(envelope)))
    elif group.apply_roster_change(data, _occurred(envelope)):
        uow.groups.sync_facilitators(group)
    else:
        log.info("older group state ignored", extra={"event_id": envelope.id, "group_id": data["group_id"]})


def group_closed(envelope: Envelope, uow: SessionsUnitOfWork) -> None:
    data = envelope.typed_data()
    group = uow.groups.get(uuid.UUID(data["group_id"]))
    if group is None:
        raise GroupNotKnownYet(f"group {data['group_id']} closed before it was created here")
    group.close(data["closed_at"])


def enrollment_activated(envelope: Envelope, uow: SessionsUnitOfWork) -> None:
    data = envelope.typed_data()
    enrollment_id = uuid.UUID(data["enrollment_id"])
    membership = uow.memberships.get(enrollment_id)
    if membership is None:
        uow.memberships.add(Membership(enrollment_id, uuid.UUID(data["group_id"]),
                                       uuid.UUID(data["participant_id"]), data["active_from"]))
    else:
        membership.activated(data["active_from"])


def enrollment_ended(envelope: Envelope, uow: SessionsUnitOfWork) -> None:
    data = envelope.typed_data()
    if data["previous_status"] != "active":
        return  # a waitlisted enrollment never was a membership
    enrollment_id = uuid.UUID(data["enrollment_id"])
    membership = uow.memberships.get(enrollment_id)
    if membership is None:
        # The end overtook the activation: keep an empty period; the activation will open it.
        ended_at = data["ended_at"]
        uow.memberships.add(Membership(enrollment_id, uuid.UUID(data["group_id"]),
                                       uuid.UUID(data["participant_id"]), ended_at, ended_at))
    else:
        membership.end(data["ended_at"])


HANDLERS = {
    "roster.group.created": group_changed,
    "roster.group.updated": group_changed,
    "roster.group.closed": group_closed,
    "roster.enrollment.activated": enrollment_activated,
    "roster.enrollment.ended": enrollment_ended,
}
