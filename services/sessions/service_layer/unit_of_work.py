"""The sessions unit of work: its repositories on one transaction, with the outbox alongside."""
from __future__ import annotations

from services.sessions.adapters.repositories import DisclosureRepository, GroupRepository, MembershipRepository
from services.sessions.adapters.session_repositories import AttendanceRepository, SessionRepository
from shared.unit_of_work import SqlAlchemyUnitOfWork


class SessionsUnitOfWork(SqlAlchemyUnitOfWork):
    groups: GroupRepository
    memberships: MembershipRepository
    sessions: SessionRepository
    attendance: AttendanceRepository
    disclosures: DisclosureRepository

    def _start(self) -> None:
        self.groups = GroupRepository(self.session)
        self.memberships = MembershipRepository(self.session)
        self.sessions = SessionRepository(self.session)
        self.attendance = AttendanceRepository(self.session)
        self.disclosures = DisclosureRepository(self.session)
