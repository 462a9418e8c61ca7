"""Repositories of session notes (encrypted on the way in, decrypted on the way out) and of the
groups' note settings.

Notes go through SQLAlchemy Core rather than the ORM mapping: the domain's `sections` never become
a column, only their AES-GCM ciphertext does. A row that fails to decrypt comes back as a note with
no text (`readable` false), logged by id, so one bad row never breaks a list of others.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session as DbSession

from services.sessions.adapters.note_cipher import NoteCipher, Sealed, Undecryptable
from services.sessions.adapters.orm import note_addenda, notes, sessions
from services.sessions.adapters.repositories import facilitated_by
from services.sessions.domain.note_settings import NoteSettings
from services.sessions.domain.notes import AWAITING_COSIGNATURE, DRAFT, GROUP, Addendum, Author, Note

log = logging.getLogger(__name__)


class StaleVersion(Exception):
    """Another transaction changed the note between our read and our write."""


def _subject(note: Note) -> str:
    return GROUP if note.participant_id is None else str(note.participant_id)


class NoteRepository:
    def __init__(self, db: DbSession, cipher: NoteCipher):
        self.db = db
        self.cipher = cipher

    # --- writes ---------------------------------------------------------------------------------
    def add(self, note: Note, session_ends_at: datetime) -> None:
        sealed = self.cipher.seal("note", note.id, note.sections)
        self.db.execute(insert(notes).values(
            id=note.id, session_id=note.session_id, group_id=note.group_id, kind=note.kind,
            participant_id=note.participant_id, subject=_subject(note), author_role=note.author.role,
            author_id=note.author.id, session_ends_at=session_ends_at, key_id=sealed.key_id,
            ciphertext=sealed.ciphertext, **self._state(note)))

    def save(self, note: Note, read_version: int) -> None:
        """Write the note's new state, if nobody else wrote it since we read `read_version`."""
        sealed = self.cipher.seal("note", note.id, note.sections)
        result = self.db.execute(update(notes).where(notes.c.id == note.id, notes.c.version == read_version)
                                 .values(key_id=sealed.key_id, ciphertext=sealed.ciphertext, **self._state(note)))
        if result.rowcount != 1:
            raise StaleVersion(str(note.id))

    def add_addendum(self, addendum: Addendum) -> None:
        sealed = self.cipher.seal("addendum", addendum.id, addendum.text)
        self.db.execute(insert(note_addenda).values(
            id=addendum.id, note_id=addendum.note_id, author_role=addendum.author.role,
            author_id=addendum.author.id, key_id=sealed.key_id, ciphertext=sealed.ciphertext,
            created_at=addendum.created_at))

    @staticmethod
    def _state(note: Note) -> dict:
        return {"status": note.status, "version": note.version, "needs_cosignature": note.needs_cosignature,
                "created_at": note.created_at, "updated_at": note.updated_at, "signed_at": note.signed_at,
                "cosigned_by": note.cosigned_by, "cosigned_at": note.cosigned_at}

    # --- reads ----------------------------------------------------------------------------------
    def get(self, note_id: uuid.UUID) -> Note | None:
        row = self.db.execute(select(notes).where(notes.c.id == note_id)).first()
        return self._with_addenda([row])[0] if row else None

    def for_session(self, session_id: uuid.UUID) -> list[Note]:
        rows = self.db.execute(select(notes).where(notes.c.session_id == session_id)
                               .order_by(notes.c.kind, notes.c.created_at, notes.c.id)).all()
        return self._with_addenda(rows)

    def subjects(self, session_id: uuid.UUID) -> dict[str, uuid.UUID]:
        """'group' or participant id -> note id, for the session's notes (no decryption)."""
        rows = self.db.execute(select(notes.c.subject, notes.c.id).where(notes.c.session_id == session_id))
        return {row.subject: row.id for row in rows}

    def locked_for_participant(self, participant_id: uuid.UUID, starts_from: datetime, starts_before: datetime,
                               facilitator_id: str | None) -> list[tuple[Note, datetime]]:
        """The participant's signed (locked) individualized notes of sessions starting in the period,
        with each session's start, oldest first; a facilitator's only from their own groups."""
        query = (select(notes, sessions.c.starts_at.label("session_starts_at"))
                 .join(sessions, sessions.c.id == notes.c.session_id)
                 .where(notes.c.participant_id == participant_id, notes.c.status != DRAFT,
                        sessions.c.starts_at >= starts_from, sessions.c.starts_at < starts_before)
                 .order_by(sessions.c.starts_at, notes.c.id))
        if facilitator_id is not None:
            query = query.where(facilitated_by(facilitator_id, notes.c.group_id))
        rows = self.db.execute(query).all()
        return list(zip(self._with_addenda(rows), (row.session_starts_at for row in rows)))

    def unsigned(self, facilitator_id: str, lead_of: Iterable[uuid.UUID], limit: int):
        """(note without text, session end) of the drafts this person wrote and of the notes awaiting
        their co-signature as lead of the group, oldest session first. No decryption: a list of ids."""
        lead_of = list(lead_of)
        mine = and_(notes.c.author_id == facilitator_id, notes.c.status == DRAFT)
        theirs = and_(notes.c.group_id.in_(lead_of), notes.c.status == AWAITING_COSIGNATURE) if lead_of else None
        query = (select(notes).where(or_(mine, theirs) if theirs is not None else mine)
                 .order_by(notes.c.session_ends_at, notes.c.id).limit(limit))
        return [(self._note(row, None), row.session_ends_at) for row in self.db.execute(query)]

    def count_by_key(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in (notes, note_addenda):
            for key_id, count in self.db.execute(select(table.c.key_id, func.count()).group_by(table.c.key_id)):
                counts[key_id] = counts.get(key_id, 0) + count
        return counts

    # --- re-encryption under the newest key (entrypoints/rotate_notes_key.py) -------------------------
    def reseal_batch(self, limit: int, skip: Iterable[uuid.UUID] = ()) -> tuple[int, list[uuid.UUID]]:
        """Re-encrypt up to `limit` rows of each table not under the current key: (rows re-encrypted,
        ids that failed). A row that fails is left as it is and reported; pass it in `skip` next time."""
        done, failed, skip = 0, [], list(skip)
        for table, purpose in ((notes, "note"), (note_addenda, "addendum")):
            query = select(table.c.id, table.c.key_id, table.c.ciphertext).where(
                table.c.key_id != self.cipher.current_key_id)
            if skip:
                query = query.where(table.c.id.not_in(skip))
            rows = self.db.execute(query.order_by(table.c.id).limit(limit)).all()
            for row in rows:
                try:
                    value = self.cipher.open(purpose, row.id, Sealed(row.key_id, row.ciphertext))
                except Undecryptable:
                    failed.append(row.id)
                    continue
                sealed = self.cipher.seal(purpose, row.id, value)
                self.db.execute(update(table).where(table.c.id == row.id, table.c.key_id == row.key_id)
                                .values(key_id=sealed.key_id, ciphertext=sealed.ciphertext))
                done += 1
        return done, failed

    # --- rows to notes --------------------------------------------------------------------------
    def _with_addenda(self, rows) -> list[Note]:
        ids = [row.id for row in rows]
        addenda: dict[uuid.UUID, list[Addendum]] = {}
        if ids:
            query = select(note_addenda).where(note_addenda.c.note_id.in_(ids)).order_by(
                note_addenda.c.created_at, note_addenda.c.id)
            for row in self.db.execute(query):
                text = self._open("addendum", row.id, row, note_id=row.note_id)
                addenda.setdefault(row.note_id, []).append(
                    Addendum(row.id, row.note_id, Author(row.author_role, row.author_id), text, row.created_at))
        return [self._note(row, self._open("note", row.id, row), addenda.get(row.id, [])) for row in rows]

    def _open(self, purpose: str, row_id: uuid.UUID, row, note_id: uuid.UUID | None = None):
        try:
            return self.cipher.open(purpose, row_id, Sealed(row.key_id, row.ciphertext))
        except Undecryptable as failure:
            # Loud, by id only: ops see which row, the caller gets NoteUnreadable for this note alone.
            log.error("session note failed decryption", extra={
                "note_id": str(note_id or row_id), "addendum_id": str(row_id) if note_id else None,
                "key_id": row.key_id, "error": failure.reason})
            return None

    @staticmethod
    def _note(row, sections, addenda=None) -> Note:
        return Note(row.id, row.session_id, row.group_id, row.kind, row.participant_id,
                    Author(row.author_role, row.author_id), sections, row.status, row.version,
                    row.needs_cosignature, row.created_at, row.updated_at, row.signed_at, row.cosigned_by,
                    row.cosigned_at, addenda)


class NoteSettingsRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def get(self, group_id: uuid.UUID) -> NoteSettings | None:
        return self.db.get(NoteSettings, group_id)

    def add(self, settings: NoteSettings) -> None:
        self.db.add(settings)
