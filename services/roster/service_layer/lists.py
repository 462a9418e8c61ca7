"""The roster's scoped lists: each page is one statement for a caller allowed to see it.

A facilitator's page is narrowed to what they may see inside its own query, so the access check
costs a second statement only when the page comes back empty: then it tells "nothing here" (an
empty page) from "not yours, or no such thing" (404).
"""
from __future__ import annotations

from services.roster.service_layer.access import ensure_manages, ensure_sees_participant, require
from services.roster.service_layer.unit_of_work import RosterUnitOfWork
from shared.auth import Principal

GROUP_FILTERS = ("kind", "modality", "status", "facilitator_id")


def list_groups(uow: RosterUnitOfWork, principal: Principal, args: dict):
    """Admins all groups, facilitators their own, participants those they were ever enrolled in."""
    filters = {key: args.get(key) for key in GROUP_FILTERS}
    if principal.is_facilitator:
        if filters["facilitator_id"] not in (None, principal.sub):
            return [], None
        filters["facilitator_id"] = principal.sub
    with uow:
        return uow.groups.page(args["limit"], args["cursor"], **filters,
                               member_id=principal.sub if principal.is_participant else None)


def list_group_enrollments(uow: RosterUnitOfWork, principal: Principal, group_id: str, args: dict):
    require(principal, "admin", "facilitator")
    with uow:
        items, cursor = uow.enrollments.page_for_group(
            group_id, args["limit"], args["cursor"], args.get("status"),
            facilitated_by=principal.sub if principal.is_facilitator else None)
        if not items:
            ensure_manages(principal, uow.groups.get(group_id))
        return items, cursor


def list_participants(uow: RosterUnitOfWork, principal: Principal, args: dict):
    """All for admins; for a facilitator, those they registered or who were ever in their groups."""
    require(principal, "admin", "facilitator")
    with uow:
        return uow.participants.page(args["limit"], args["cursor"],
                                     visible_to_facilitator=principal.sub if principal.is_facilitator else None,
                                     group_id=args.get("group_id"), ids=args.get("id"), search=args.get("q"))


def list_participant_enrollments(uow: RosterUnitOfWork, principal: Principal, participant_id: str, args: dict):
    """A participant's enrollments; a facilitator sees those in their own groups.

    Any enrollment in one of their groups already shows the facilitator may see this participant.
    """
    facilitator = principal.sub if principal.is_facilitator else None
    with uow:
        if facilitator is None:
            ensure_sees_participant(uow, principal, participant_id)  # no query for admins and participants
        items, cursor = uow.enrollments.page_for_participant(participant_id, args["limit"], args["cursor"],
                                                             only_groups_of_facilitator=facilitator)
        if facilitator is not None and not items:
            ensure_sees_participant(uow, principal, participant_id)
        return items, cursor
