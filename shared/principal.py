"""Who is calling (role and subject id, from a verified bearer token) and the one role check.

Pure Python, so service layers use it without Flask; shared.auth reads the token into a Principal.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.errors import Forbidden

ROLES = ("admin", "facilitator", "participant")


@dataclass(frozen=True)
class Principal:
    role: str
    sub: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"

    @property
    def is_participant(self) -> bool:
        return self.role == "participant"


def require(principal: Principal, *roles: str) -> Principal:
    """The principal, if its role is one of `roles`; else Forbidden (403)."""
    if principal.role not in roles:
        raise Forbidden()
    return principal
