"""Session notes: the group note of a session and each attending member's individualized note.

A note is a draft its author edits (each edit names the version it was made on, so two facilitators
editing one draft see a conflict instead of overwriting each other), until the author signs it:
signing locks it. When the group asks for co-signature, a note signed by a co-facilitator waits for
the lead facilitator's; a locked note only ever gains addenda (author, time, text), never edits.

The text lives in `sections` (field name -> text); this module never logs or puts it in an error.
"""
from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from .errors import Conflict, Forbidden, ValidationFailed
from .events import NoteAddendumAdded, NoteDrafted, NoteSigned

GROUP, INDIVIDUAL = "group", "individual"
KINDS = (GROUP, INDIVIDUAL)
# What each kind of note says (SPEC 8): the group's session, and one member's part in it.
SECTIONS = {GROUP: ("topic", "activities", "dynamics"), INDIVIDUAL: ("participation", "progress", "plan")}
DRAFT, AWAITING_COSIGNATURE, SIGNED, COSIGNED = "draft", "awaiting_cosignature", "signed", "cosigned"
STATUSES = (DRAFT, AWAITING_COSIGNATURE, SIGNED, COSIGNED)
MAX_TEXT = 20_000
# A note still unsigned this long after its session ended is overdue: on the dashboard, one reminder.
SIGNATURE_DUE_AFTER = timedelta(hours=24)


class NoteUnreadable(Conflict):
    """The stored text of this note failed authentication (tampered) or its key is gone: this note,
    and only this one, cannot be shown or changed until an administrator restores it."""

    def __init__(self, note_id: uuid.UUID) -> None:
        super().__init__(f"note {note_id} cannot be read: its stored text failed its integrity check. "
                         "Administrators have been alerted; other notes are not affected")
        self.note_id = note_id


class Author:
    """Who wrote or signed: a role and an id (a facilitator id, or an admin's subject)."""

    def __init__(self, role: str, id: str) -> None:
        self.role, self.id = role, id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Author) and (self.role, self.id) == (other.role, other.id)

    def __hash__(self) -> int:
        return hash((self.role, self.id))


class Addendum:
    """Text added to a locked note; `text` is None when its stored ciphertext failed authentication."""

    def __init__(self, id: uuid.UUID, note_id: uuid.UUID, author: Author, text: str | None,
                 created_at: datetime) -> None:
        self.id, self.note_id, self.author, self.text, self.created_at = id, note_id, author, text, created_at


class Note:
    def __init__(self, id: uuid.UUID, session_id: uuid.UUID, group_id: uuid.UUID, kind: str,
                 participant_id: uuid.UUID | None, author: Author, sections: dict[str, str] | None, status: str,
                 version: int, needs_cosignature: bool, created_at: datetime, updated_at: datetime,
                 signed_at: datetime | None = None, cosigned_by: str | None = None,
                 cosigned_at: datetime | None = None, addenda: list[Addendum] | None = None) -> None:
        self.id = id
        self.session_id = session_id
        self.group_id = group_id
        self.kind = kind
        self.participant_id = participant_id
        self.author = author
        self.sections = sections
        self.status = status
        self.version = version
        self.needs_cosignature = needs_cosignature
        self.created_at = created_at
        self.updated_at = updated_at
        self.signed_at = signed_at
        self.cosigned_by = cosigned_by
        self.cosigned_at = cosigned_at
        self.addenda = addenda or []

    def __repr__(self) -> str:  # ids and state only: a note's repr may reach a log or a traceback
        return f"<Note {self.id} {self.kind} session={self.session_id} {self.status} v{self.version}>"

    @property
    def readable(self) -> bool:
        """False when the stored text could not be decrypted (see NoteUnreadable)."""
        return self.sections is not None

    def require_readable(self) -> None:
        if not self.readable or any(a.text is None for a in self.addenda):
            raise NoteUnreadable(self.id)

    @property
    def locked(self) -> bool:
        return self.status != DRAFT

    def edit(self, changes: Mapping[str, str], expected_version: int, now: datetime) -> None:
        """Change sections of a draft made on `expected_version`; the version moves on by one."""
        if self.locked:
            raise Conflict("this note is signed and locked: it cannot be edited; add an addendum instead")
        self._check_version(expected_version)
        self.sections = {**self.sections, **valid_sections(self.kind, changes)}
        self.version += 1
        self.updated_at = now

    def append(self, field: str, sentence: str, now: datetime) -> None:
        """'Apply to all': the sentence goes at the end of one section of this draft."""
        current = self.sections.get(field, "")
        joined = f"{current.rstrip()}\n{sentence}" if current.strip() else sentence
        self.sections = {**self.sections, **valid_sections(self.kind, {field: joined})}
        self.version += 1
        self.updated_at = now

    def sign(self, by: Author, expected_version: int, lead_facilitator: str | None, requires_cosignature: bool,
             now: datetime) -> NoteSigned:
        """The author signs (locks) their draft; when the group requires it, a note not written by the
        lead facilitator then awaits the lead's co-signature."""
        if by != self.author:
            raise Forbidden("only the note's author may sign it")
        if self.locked:
            raise Conflict("this note is already signed and locked")
        self._check_version(expected_version)
        self.needs_cosignature = requires_cosignature and not (by.role == "facilitator" and by.id == lead_facilitator)
        waits = self.needs_cosignature
        self.status = AWAITING_COSIGNATURE if waits else SIGNED
        self.signed_at = self.updated_at = now
        self.version += 1
        return NoteSigned(*self._ids(), self.status)

    def cosign(self, by: Author, lead_facilitator: str | None, now: datetime) -> NoteSigned:
        if self.status != AWAITING_COSIGNATURE:
            raise Conflict("this note is not awaiting a co-signature")
        if not (by.role == "facilitator" and by.id == lead_facilitator):
            raise Forbidden("only the group's lead facilitator may co-sign a note")
        self.status, self.cosigned_by, self.cosigned_at = COSIGNED, by.id, now
        self.updated_at = now
        self.version += 1
        return NoteSigned(*self._ids(), self.status)

    def add_addendum(self, by: Author, text: str, now: datetime) -> tuple[Addendum, NoteAddendumAdded]:
        if not self.locked:
            raise Conflict("this note is still a draft: edit it rather than adding an addendum")
        addendum = Addendum(uuid.uuid4(), self.id, by, valid_text("text", text, required=True), now)
        self.addenda.append(addendum)
        return addendum, NoteAddendumAdded(str(self.id), str(self.session_id), str(self.group_id),
                                           str(addendum.id), by.id)

    def overdue(self, session_ends_at: datetime, now: datetime) -> bool:
        return self.status in (DRAFT, AWAITING_COSIGNATURE) and now >= session_ends_at + SIGNATURE_DUE_AFTER

    def _check_version(self, expected_version: int) -> None:
        if expected_version != self.version:
            raise Conflict(f"this note has changed since version {expected_version} (it is at version "
                           f"{self.version}): reload it and apply your changes again")

    def _ids(self) -> tuple[str, str, str, str, str]:
        return str(self.id), str(self.session_id), str(self.group_id), self.author.role, self.author.id


def start_note(session_id: uuid.UUID, group_id: uuid.UUID, kind: str, participant_id: uuid.UUID | None,
               author: Author, attended: Collection[uuid.UUID], starter: Mapping[str, str],
               session_ends_at: datetime, now: datetime) -> tuple[Note, NoteDrafted]:
    """A new draft, its sections starting from the group's template (`starter`).

    `attended`: who was present, late or left early (walk-ins included): an individualized note is
    about someone who was in the session, nobody else.
    """
    if kind not in KINDS:
        raise ValidationFailed("kind", f"must be one of {', '.join(KINDS)}")
    if kind == GROUP and participant_id is not None:
        raise ValidationFailed("participant_id", "a group note is about the session, not one member")
    if kind == INDIVIDUAL:
        if participant_id is None:
            raise ValidationFailed("participant_id", "required for an individualized note")
        if participant_id not in attended:
            raise ValidationFailed("participant_id", "was not in this session (neither expected and attending "
                                                     "nor a walk-in): no note can be written for them")
    sections = {field: starter.get(field, "") for field in SECTIONS[kind]}
    note = Note(uuid.uuid4(), session_id, group_id, kind, participant_id, author, valid_sections(kind, sections),
                DRAFT, 1, False, now, now)
    return note, NoteDrafted(*note._ids(), DRAFT, session_ends_at.isoformat())


def valid_sections(kind: str, sections: Mapping[str, str]) -> dict[str, str]:
    """The sections as given, each checked under its request name (`sections.<name>`)."""
    allowed = SECTIONS[kind]
    for field in sections:
        if field not in allowed:
            raise ValidationFailed(f"sections.{field}", f"is not a section of a {kind} note ({', '.join(allowed)})")
    return {field: valid_text(f"sections.{field}", text) for field, text in sections.items()}


def valid_text(field: str, text: str | None, required: bool = False) -> str:
    text = text or ""
    if not isinstance(text, str):
        raise ValidationFailed(field, "must be text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(field, f"at most {MAX_TEXT:,} characters")
    if required and not text.strip():
        raise ValidationFailed(field, "is required")
    return text
