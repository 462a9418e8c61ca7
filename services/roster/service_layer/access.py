"""Who may see and change what in the roster, as plain checks on a principal.

A resource outside a caller's scope answers 404, not 403: whether a given person is a client of
the program is itself protected information. A role that may never do an action gets 403.
"""
from __future__ import annotations

from services.roster.domain.errors import NotFound
from services.roster.domain.model import Group
from services.roster.domain.people import Participant
from services.roster.service_layer.unit_of_work import RosterUnitOfWork
from shared.errors import Forbidden  # noqa: F401 - importable from here too
from shared.principal import Principal, require


def ensure_manages(principal: Principal, group: Group | None) -> Group:
    """The group, if it exists and the caller runs it (an admin or one of its facilitators).

    Checked on the row the caller has just loaded: `facilitator_ids` is kept in step with the
    group_facilitators rows, so no second query is needed.
    """
    require(principal, "admin", "facilitator")
    if group is None or not (principal.is_admin or principal.sub in group.facilitator_ids):
        raise NotFound("no such group")
    return group


def may_see_group(principal: Principal, group: dict) -> bool:
    """Staff who run the group, or a participant ever enrolled in it (`group` as read_group gives it)."""
    if principal.is_participant:
        return bool(group["is_member"])
    return principal.is_admin or (principal.is_facilitator and principal.sub in group["facilitator_ids"])


def visible_participant(uow: RosterUnitOfWork, principal: Principal, participant_id: str) -> Participant:
    """The participant, if the caller may see them (one statement)."""
    participant = None
    if principal.is_admin or (principal.is_participant and principal.sub == participant_id):
        participant = uow.participants.get(participant_id)
    elif principal.is_facilitator:
        participant = uow.participants.get_visible_to_facilitator(principal.sub, participant_id)
    if participant is None:
        raise NotFound("no such participant")
    return participant


def ensure_sees_participant(uow: RosterUnitOfWork, principal: Principal, participant_id: str) -> None:
    if principal.is_admin:
        return
    if principal.is_participant and principal.sub == participant_id:
        return
    if principal.is_facilitator and uow.participants.visible_to_facilitator(principal.sub, participant_id):
        return
    raise NotFound("no such participant")
