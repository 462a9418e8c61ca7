"""Who may see and change what in the roster, as plain checks on a principal.

A resource outside a caller's scope answers 404, not 403: whether a given person is a client of
the program is itself protected information. A role that may never do an action gets 403.
"""
from __future__ import annotations

from services.roster.domain.errors import NotFound
from services.roster.service_layer.unit_of_work import RosterUnitOfWork
from shared.auth import Principal


class Forbidden(Exception):
    def __init__(self, message: str = "your role may not do this"):
        super().__init__(message)
        self.message = message


def require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden()


def may_manage_group(uow: RosterUnitOfWork, principal: Principal, group_id: str) -> bool:
    return principal.is_admin or (principal.is_facilitator and uow.groups.facilitates(principal.sub, group_id))


def ensure_manages_group(uow: RosterUnitOfWork, principal: Principal, group_id: str) -> None:
    require(principal, "admin", "facilitator")
    if not may_manage_group(uow, principal, group_id):
        raise NotFound("no such group")


def ensure_sees_participant(uow: RosterUnitOfWork, principal: Principal, participant_id: str) -> None:
    if principal.is_admin:
        return
    if principal.is_participant and principal.sub == participant_id:
        return
    if principal.is_facilitator and uow.participants.visible_to_facilitator(principal.sub, participant_id):
        return
    raise NotFound("no such participant")
