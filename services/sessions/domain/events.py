"""Events the sessions service publishes (past tense), as written to the outbox.

Each event is a frozen dataclass whose fields are exactly the envelope's `data`: JSON-friendly (ids and
datetimes as strings, datetimes ISO 8601 in UTC) and carrying ids only, never names, emails or phones,
because these events reach services and logs that must not learn who is in treatment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from shared.events.domain import DomainEvent




@dataclass(frozen=True)
class SessionScheduled(DomainEvent):
    type: ClassVar[str] = "sessions.session.scheduled"

    session_id: str
    group_id: str
    starts_at: str
    ends_at: str
    duration_minutes: int
    modality: str
    location: str | None
    video_room_url: str | None
    topic: str | None


@dataclass(frozen=True)
class SessionRescheduled(DomainEvent):
    """The session moved to another time (its place may be unchanged)."""

    type: ClassVar[str] = "sessions.session.rescheduled"

    session_id: str
    group_id: str
    previous_starts_at: str
    starts_at: str
    ends_at: str
    modality: str
    location: str | None
    video_room_url: str | None


@dataclass(frozen=True)
class SessionRelocated(DomainEvent):
    """Same time, another modality or place (a snow day turns a session virtual): its own notice,
    so members are told what changed and get their join link when there is now a room."""

    type: ClassVar[str] = "sessions.session.relocated"

    session_id: str
    group_id: str
    starts_at: str
    ends_at: str
    previous_modality: str
    modality: str
    previous_location: str | None
    location: str | None
    video_room_url: str | None


@dataclass(frozen=True)
class SessionCancelled(DomainEvent):
    type: ClassVar[str] = "sessions.session.cancelled"

    session_id: str
    group_id: str
    starts_at: str
    reason: str


@dataclass(frozen=True)
class AttendanceRecorded(DomainEvent):
    type: ClassVar[str] = "sessions.attendance.recorded"

    session_id: str
    group_id: str
    participant_id: str
    status: str
    minutes: int | None
    walk_in: bool


@dataclass(frozen=True)
class AbsenceStreak(DomainEvent):
    """Two (or more) consecutive unexcused absences: facilitators are alerted once per streak."""

    type: ClassVar[str] = "sessions.absence.streak"

    group_id: str
    participant_id: str
    session_ids: tuple[str, ...]
    count: int

    def data(self) -> dict[str, Any]:
        return {**super().data(), "session_ids": list(self.session_ids)}


# Events about notes carry ids and states only: a note's text never leaves the sessions database.
@dataclass(frozen=True)
class _AboutNote(DomainEvent):
    """What every note event names: ids only, never the note's text (SPEC 8)."""

    note_id: str
    session_id: str
    group_id: str


@dataclass(frozen=True)
class _NoteByAuthor(_AboutNote):
    author_role: str
    author_id: str
    status: str


@dataclass(frozen=True)
class NoteDrafted(_NoteByAuthor):
    """A note was started; `session_ends_at` lets notifications plan the author's signature reminder."""

    type: ClassVar[str] = "sessions.note.drafted"

    session_ends_at: str


@dataclass(frozen=True)
class NoteSigned(_NoteByAuthor):
    """The author signed (status `signed` or `awaiting_cosignature`) or the lead co-signed (`cosigned`)."""

    type: ClassVar[str] = "sessions.note.signed"


@dataclass(frozen=True)
class NoteAddendumAdded(_AboutNote):
    type: ClassVar[str] = "sessions.note.addendum_added"

    addendum_id: str
    author_id: str
