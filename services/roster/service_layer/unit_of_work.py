"""The roster's unit of work: its repositories on one transaction, with the outbox alongside."""
from __future__ import annotations

from services.roster.adapters.repositories import (EnrollmentRepository, FacilitatorRepository,
                                                   GroupRepository, ParticipantRepository)
from shared.unit_of_work import SqlAlchemyUnitOfWork


class RosterUnitOfWork(SqlAlchemyUnitOfWork):
    facilitators: FacilitatorRepository
    participants: ParticipantRepository
    groups: GroupRepository
    enrollments: EnrollmentRepository

    def _start(self) -> None:
        self.facilitators = FacilitatorRepository(self.session)
        self.participants = ParticipantRepository(self.session)
        self.groups = GroupRepository(self.session)
        self.enrollments = EnrollmentRepository(self.session)
