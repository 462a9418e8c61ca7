"""The sessions unit of work: its repositories on one transaction, with the outbox alongside."""
from __future__ import annotations

from services.sessions.adapters.note_cipher import NoteCipher
from services.sessions.adapters.note_repositories import NoteRepository, NoteSettingsRepository
from services.sessions.adapters.repositories import DisclosureRepository, GroupRepository, MembershipRepository
from services.sessions.adapters.session_repositories import AttendanceRepository, SessionRepository
from shared.unit_of_work import SqlAlchemyUnitOfWork


class SessionsUnitOfWork(SqlAlchemyUnitOfWork):
    groups: GroupRepository
    memberships: MembershipRepository
    sessions: SessionRepository
    attendance: AttendanceRepository
    disclosures: DisclosureRepository
    notes: NoteRepository
    note_settings: NoteSettingsRepository

    def __init__(self, *args, cipher: NoteCipher, **kwargs):
        super().__init__(*args, **kwargs)
        self.cipher = cipher

    def _start(self) -> None:
        self.groups = GroupRepository(self.session)
        self.memberships = MembershipRepository(self.session)
        self.sessions = SessionRepository(self.session)
        self.attendance = AttendanceRepository(self.session)
        self.disclosures = DisclosureRepository(self.session)
        self.notes = NoteRepository(self.session, self.cipher)
        self.note_settings = NoteSettingsRepository(self.session)
