"""Which session notes still wait for their author's signature: the read model behind the one
signature reminder per author and session (ids only; notifications never learns what a note says)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import unsigned_notes
from services.notifications.adapters.read_models import dialect_insert


class UnsignedNotes:
    def __init__(self, session: Session):
        self.session = session

    def drafted(self, note_id: str, author_id: str, session_id: str) -> bool:
        """Record a new draft; False when its signature already arrived (events out of order)."""
        self.session.execute(dialect_insert(self.session, unsigned_notes).values(
            note_id=note_id, author_id=author_id, session_id=session_id).on_conflict_do_nothing(
            index_elements=["note_id"]))
        signed = self.session.scalar(select(unsigned_notes.c.signed_at).where(unsigned_notes.c.note_id == note_id))
        return signed is None

    def signed(self, note_id: str, author_id: str, session_id: str, at: datetime) -> None:
        stmt = dialect_insert(self.session, unsigned_notes).values(
            note_id=note_id, author_id=author_id, session_id=session_id, signed_at=at)
        self.session.execute(stmt.on_conflict_do_update(
            index_elements=["note_id"], set_={"signed_at": func.coalesce(unsigned_notes.c.signed_at, at)}))

    def any_unsigned(self, author_id: str, session_id: str) -> bool:
        query = select(unsigned_notes.c.note_id).where(
            unsigned_notes.c.author_id == author_id, unsigned_notes.c.session_id == session_id,
            unsigned_notes.c.signed_at.is_(None)).limit(1)
        return self.session.execute(query).first() is not None
