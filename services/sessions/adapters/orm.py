"""Sessions tables and their imperative mapping onto the plain domain classes.

The groups and memberships tables are a read model of roster's events; sessions, attendance and
disclosures are this service's own records. No foreign key points at the read model: a membership
may arrive before its group (events can be reordered), and roster stays the owner of both.
"""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Date, ForeignKey, Index, Integer, LargeBinary, String, Table,
                        Text, Uuid, event)
from sqlalchemy.orm import registry

from services.sessions.domain.attendance import AttendanceRecord
from services.sessions.domain.disclosure import Disclosure
from services.sessions.domain.group import Group
from services.sessions.domain.membership import Membership
from services.sessions.domain.model import Session
from services.sessions.domain.note_settings import NoteSettings
from shared.db import UTCDateTime, service_metadata
from shared.audit.table import define_audit_table
from shared.messaging.tables import define_messaging_tables

metadata = service_metadata()
messaging = define_messaging_tables(metadata)
audit = define_audit_table(metadata)

groups = Table(
    "groups", metadata,
    Column("id", Uuid, primary_key=True),
    Column("facilitator_ids", JSON, nullable=False),
    Column("schedule", JSON, nullable=False),
    Column("modality", String(16), nullable=False),
    Column("location", String(300)),
    Column("timezone", String(64), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("closed_at", UTCDateTime()),
    Column("roster_changed_at", UTCDateTime(), nullable=False),
)

# Who facilitates which group, as rows, so "sessions of my groups" is an indexed join; the JSON
# list on the group keeps roster's order (lead first). Kept in step by the group repository.
group_facilitators = Table(
    "group_facilitators", metadata,
    Column("group_id", Uuid, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", String(36), primary_key=True),
)
Index("ix_group_facilitators_facilitator", group_facilitators.c.facilitator_id, group_facilitators.c.group_id)

memberships = Table(
    "memberships", metadata,
    Column("id", Uuid, primary_key=True),  # roster's enrollment id
    Column("group_id", Uuid, nullable=False),
    Column("participant_id", Uuid, nullable=False),
    Column("active_from", UTCDateTime(), nullable=False),
    Column("active_until", UTCDateTime()),
)
Index("ix_memberships_group", memberships.c.group_id, memberships.c.active_from)
Index("ix_memberships_participant", memberships.c.participant_id, memberships.c.group_id)

sessions = Table(
    "sessions", metadata,
    Column("id", Uuid, primary_key=True),
    Column("group_id", Uuid, nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    # Derived from starts_at + duration but stored, so "upcoming" and status filters are SQL.
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("modality", String(16), nullable=False),
    Column("location", String(300)),
    Column("video_room_url", String(500)),
    Column("topic", String(200)),
    Column("generated", Boolean, nullable=False),
    Column("occurrence_starts_at", UTCDateTime()),
    Column("cancelled_at", UTCDateTime()),
    Column("cancel_reason", String(500)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_sessions_page", sessions.c.starts_at, sessions.c.id)
Index("ix_sessions_group_page", sessions.c.group_id, sessions.c.starts_at, sessions.c.id)
# One session per weekly slot of a group: the database's own guard against duplicate generation.
Index("uq_sessions_occurrence", sessions.c.group_id, sessions.c.occurrence_starts_at, unique=True)

attendance = Table(
    "attendance", metadata,
    Column("id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False),
    Column("participant_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("minutes", Integer),
    Column("walk_in", Boolean, nullable=False),
    Column("joined_at", UTCDateTime()),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(64), nullable=False),
)
Index("uq_attendance_session_participant", attendance.c.session_id, attendance.c.participant_id, unique=True)
Index("ix_attendance_participant", attendance.c.participant_id, attendance.c.session_id)

# Every attendance export (court, probation, payer proof): 42 CFR Part 2 asks who got what, when, why.
disclosures = Table(
    "disclosures", metadata,
    Column("id", Uuid, primary_key=True),
    Column("participant_id", Uuid, nullable=False),
    Column("requested_by_role", String(16), nullable=False),
    Column("requested_by_sub", String(64), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("sessions_disclosed", Integer, nullable=False),
    Column("notice", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # What was disclosed ('attendance' or 'notes'), and the participant's written consent for notes.
    Column("contents", String(16), nullable=False, server_default="attendance"),
    Column("consent_given_on", Date),
    Column("consent_expires_on", Date),
)
Index("ix_disclosures_participant_page", disclosures.c.participant_id, disclosures.c.created_at, disclosures.c.id)

# Session notes (SPEC 8). The text is never stored in clear: `ciphertext` is AES-GCM under the key
# `key_id` names (adapters/note_cipher.py). `subject` is 'group' or the participant's id: one note each.
notes = Table(
    "notes", metadata,
    Column("id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False),
    Column("group_id", Uuid, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("participant_id", Uuid),
    Column("subject", String(36), nullable=False),
    Column("author_role", String(16), nullable=False),
    Column("author_id", String(64), nullable=False),
    Column("status", String(24), nullable=False),
    Column("version", Integer, nullable=False),
    Column("needs_cosignature", Boolean, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("session_ends_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("signed_at", UTCDateTime()),
    Column("cosigned_by", String(64)),
    Column("cosigned_at", UTCDateTime()),
)
Index("uq_notes_session_subject", notes.c.session_id, notes.c.subject, unique=True)
Index("ix_notes_author_status", notes.c.author_id, notes.c.status, notes.c.session_ends_at)
Index("ix_notes_group_status", notes.c.group_id, notes.c.status)
Index("ix_notes_participant", notes.c.participant_id, notes.c.session_id)
Index("ix_notes_key", notes.c.key_id)

note_addenda = Table(
    "note_addenda", metadata,
    Column("id", Uuid, primary_key=True),
    Column("note_id", Uuid, ForeignKey("notes.id"), nullable=False),
    Column("author_role", String(16), nullable=False),
    Column("author_id", String(64), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
Index("ix_note_addenda_note", note_addenda.c.note_id, note_addenda.c.created_at)
Index("ix_note_addenda_key", note_addenda.c.key_id)

# A group's note settings: co-signature and the template (prompts, not clinical text).
group_note_settings = Table(
    "group_note_settings", metadata,
    Column("group_id", Uuid, primary_key=True),
    Column("requires_cosignature", Boolean, nullable=False),
    Column("template", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(64), nullable=False),
)

mapper_registry = registry(metadata=metadata)
_mapped = False


def start_mappers() -> None:
    """Map the domain classes once per process (idempotent)."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Group, groups)
    mapper_registry.map_imperatively(Membership, memberships)
    # `ends_at` is a property of the domain class; its stored copy lives under another name.
    mapper_registry.map_imperatively(Session, sessions, properties={"stored_ends_at": sessions.c.ends_at})
    mapper_registry.map_imperatively(AttendanceRecord, attendance)
    mapper_registry.map_imperatively(Disclosure, disclosures)
    mapper_registry.map_imperatively(NoteSettings, group_note_settings)
    event.listen(Session, "before_insert", _store_ends_at)
    event.listen(Session, "before_update", _store_ends_at)
    _mapped = True


def _store_ends_at(_mapper, _connection, session: Session) -> None:
    session.stored_ends_at = session.ends_at
