"""Session-note use cases: start, read, edit, sign, co-sign, addenda, 'apply to all', unsigned list.

Only the group's facilitators and admins reach notes (participants get 403 here, outsiders 404, as
for every session); the session's row is locked while its notes change, so two facilitators
starting the same member's note queue up instead of both creating one.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.sessions.adapters.note_repositories import StaleVersion
from services.sessions.domain.attendance import ATTENDED
from services.sessions.domain.errors import Conflict, NotFound, ValidationFailed
from services.sessions.domain.model import Session
from services.sessions.domain.note_settings import NoteSettings
from services.sessions.domain.notes import GROUP, INDIVIDUAL, SECTIONS, Addendum, Author, Note, start_note
from services.sessions.service_layer.access import managed_group, managed_session, require
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.principal import Principal

MAX_UNSIGNED = 200


@dataclass(frozen=True)
class UnsignedNote:
    note: Note  # without text: the list shows what to sign, not what it says
    session_ends_at: datetime
    overdue: bool


def author(principal: Principal) -> Author:
    return Author(principal.role, principal.sub[:64])


def settings_of(uow: SessionsUnitOfWork, group_id: uuid.UUID, now: datetime) -> NoteSettings:
    return uow.note_settings.get(group_id) or NoteSettings.default(group_id, now)


# --- settings and template --------------------------------------------------------------------------
def group_note_settings(uow: SessionsUnitOfWork, principal: Principal, group_id: uuid.UUID,
                        now: datetime) -> NoteSettings:
    with uow:
        managed_group(uow, principal, group_id)
        return settings_of(uow, group_id, now)


def change_note_settings(uow: SessionsUnitOfWork, principal: Principal, group_id: uuid.UUID,
                         data: Mapping, now: datetime) -> NoteSettings:
    with uow:
        managed_group(uow, principal, group_id)
        settings = uow.note_settings.get(group_id)
        if settings is None:
            settings = NoteSettings.default(group_id, now)
            uow.note_settings.add(settings)
        settings.change(data.get("requires_cosignature"), data.get("template"), principal.sub[:64], now)
        uow.commit()
        return settings


# --- one note ---------------------------------------------------------------------------------------
def _attended(uow: SessionsUnitOfWork, session: Session) -> set[uuid.UUID]:
    return {pid for pid, record in uow.attendance.for_session(session.id).items() if record.status in ATTENDED}


def _writable_session(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, now: datetime):
    session = managed_session(uow, principal, session_id, for_update=True)
    if session.cancelled_at is not None:
        raise Conflict("a cancelled session has no notes")
    if now < session.starts_at:
        raise Conflict("notes can be written once the session has started")
    return session


def _new_note(uow: SessionsUnitOfWork, principal: Principal, session: Session, kind: str,
              participant_id: uuid.UUID | None, attended: set[uuid.UUID], now: datetime,
              sections: Mapping[str, str] | None = None) -> Note:
    subject = GROUP if kind == GROUP else str(participant_id)
    existing = uow.notes.subjects(session.id).get(subject)
    if existing is not None:
        whose = "the group note" if kind == GROUP else "a note for this member"
        raise Conflict(f"this session already has {whose} ({existing}): edit that one")
    starter = {**settings_of(uow, session.group_id, now).starter(kind), **(sections or {})}
    note, event = start_note(session.id, session.group_id, kind, participant_id, author(principal), attended,
                             starter, session.ends_at, now)
    uow.notes.add(note, session.ends_at)
    uow.emit(event)
    return note


def create_note(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, kind: str,
                participant_id: uuid.UUID | None, sections: Mapping[str, str], now: datetime) -> Note:
    """A new draft from the group's template; given sections replace the template's start."""
    with uow:
        session = _writable_session(uow, principal, session_id, now)
        note = _new_note(uow, principal, session, kind, participant_id, _attended(uow, session), now, sections)
        uow.commit()
        return note


def _note(uow: SessionsUnitOfWork, principal: Principal, note_id: uuid.UUID, for_update: bool = False):
    """The note and its session, if the caller runs the group; 404 otherwise, 403 for participants."""
    require(principal, "admin", "facilitator")
    note = uow.notes.get(note_id)
    if note is None:
        raise NotFound("no such note")
    try:
        session = managed_session(uow, principal, note.session_id, for_update=for_update)
    except NotFound:
        raise NotFound("no such note") from None
    return note, session


def read_note(uow: SessionsUnitOfWork, principal: Principal, note_id: uuid.UUID) -> Note:
    with uow:
        note, _ = _note(uow, principal, note_id)
        note.require_readable()
        return note


def _changed(uow: SessionsUnitOfWork, note: Note, read_version: int) -> None:
    try:
        uow.notes.save(note, read_version)
    except StaleVersion:
        raise Conflict("this note was changed by someone else a moment ago: reload it") from None


def edit_note(uow: SessionsUnitOfWork, principal: Principal, note_id: uuid.UUID, version: int,
              changes: Mapping[str, str], now: datetime) -> Note:
    """Any of the group's facilitators may edit a draft; a stale `version` is a 409, never an overwrite."""
    with uow:
        note, _ = _note(uow, principal, note_id, for_update=True)
        note.require_readable()
        read = note.version
        note.edit(changes, version, now)
        _changed(uow, note, read)
        uow.commit()
        return note


def sign_note(uow: SessionsUnitOfWork, principal: Principal, note_id: uuid.UUID, version: int,
              now: datetime) -> Note:
    with uow:
        note, session = _note(uow, principal, note_id, for_update=True)
        note.require_readable()
        group = uow.groups.get(session.group_id)
        read = note.version
        event = note.sign(author(principal), version, _lead(group), settings_of(uow, session.group_id, now)
                          .requires_cosignature, now)
        _changed(uow, note, read)
        uow.emit(event)
        uow.commit()
        return note


def cosign_note(uow: SessionsUnitOfWork, principal: Principal, note_id: uuid.UUID, now: datetime) -> Note:
    with uow:
        note, session = _note(uow, principal, note_id, for_update=True)
        note.require_readable()
        read = note.version
        event = note.cosign(author(principal), _lead(uow.groups.get(session.group_id)), now)
        _changed(uow, note, read)
        uow.emit(event)
        uow.commit()
        return note


def add_addendum(uow: SessionsUnitOfWork, principal: Principal, note_id: uuid.UUID, text: str,
                 now: datetime) -> tuple[Note, Addendum]:
    with uow:
        note, _ = _note(uow, principal, note_id, for_update=True)
        note.require_readable()
        addendum, event = note.add_addendum(author(principal), text, now)
        uow.notes.add_addendum(addendum)
        uow.emit(event)
        uow.commit()
        return note, addendum


def _lead(group) -> str | None:
    return group.facilitator_ids[0] if group is not None and group.facilitator_ids else None


# --- a session's notes -------------------------------------------------------------------------------
def session_notes(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID) -> list[Note]:
    """Every note of the session; one that cannot be decrypted is listed without text (`readable`)."""
    with uow:
        managed_session(uow, principal, session_id)
        return uow.notes.for_session(session_id)


def apply_to_all(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID, field: str,
                 sentence: str, now: datetime) -> tuple[list[Note], list[uuid.UUID]]:
    """Append a sentence to one section of every attending member's draft note, starting the drafts
    that do not exist yet: (notes changed, ids of the locked or unreadable notes left alone)."""
    if field not in SECTIONS[INDIVIDUAL]:
        raise ValidationFailed("field", f"must be one of {', '.join(SECTIONS[INDIVIDUAL])}")
    if not (sentence or "").strip():
        raise ValidationFailed("text", "is required")
    with uow:
        session = _writable_session(uow, principal, session_id, now)
        attended = _attended(uow, session)
        existing = {note.participant_id: note for note in uow.notes.for_session(session_id) if note.kind == INDIVIDUAL}
        changed, skipped = [], []
        for pid in sorted(attended):
            note = existing.get(pid) or _new_note(uow, principal, session, INDIVIDUAL, pid, attended, now)
            if note.locked or not note.readable:
                skipped.append(note.id)
                continue
            read = note.version
            note.append(field, sentence.strip(), now)
            _changed(uow, note, read)
            changed.append(note)
        uow.commit()
        return changed, skipped


# --- what is waiting for a signature -----------------------------------------------------------------
def unsigned_notes(uow: SessionsUnitOfWork, principal: Principal, facilitator_id: str | None,
                   overdue_only: bool, now: datetime) -> list[UnsignedNote]:
    """A facilitator's drafts and the notes awaiting their co-signature as lead; an admin names the
    facilitator (`facilitator_id`). Overdue: still unsigned 24 hours after the session ended."""
    require(principal, "admin", "facilitator")
    if principal.is_facilitator:
        if facilitator_id not in (None, principal.sub):
            raise NotFound("no such facilitator")
        facilitator_id = principal.sub
    elif facilitator_id is None:
        raise ValidationFailed("facilitator_id", "an admin names whose unsigned notes to list")
    with uow:
        rows = uow.notes.unsigned(facilitator_id, uow.groups.led_by(facilitator_id), MAX_UNSIGNED)
    items = [UnsignedNote(note, ends_at, note.overdue(ends_at, now)) for note, ends_at in rows]
    return [item for item in items if item.overdue] if overdue_only else items
