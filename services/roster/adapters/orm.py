"""Roster tables and their imperative mapping onto the plain domain classes."""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Time,
                        func, text)
from sqlalchemy.orm import registry, relationship
from sqlalchemy.types import TypeDecorator

from services.roster.domain.model import Enrollment, Group
from services.roster.domain.people import Facilitator, Participant
from services.roster.domain.schedule import WeeklySchedule
from shared.db import UTCDateTime, service_metadata
from shared.audit.table import define_audit_table
from shared.messaging.tables import define_messaging_tables

metadata = service_metadata()
messaging = define_messaging_tables(metadata)
audit = define_audit_table(metadata)


class ScheduleType(TypeDecorator):
    """A WeeklySchedule stored as the JSON the API shows."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.to_dict()

    def process_result_value(self, value, dialect):
        return None if value is None else WeeklySchedule.from_dict(value)


facilitators = Table(
    "facilitators", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("credentials", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
)
Index("ix_facilitators_page", facilitators.c.created_at, facilitators.c.id)

participants = Table(
    "participants", metadata,
    Column("id", String(36), primary_key=True),
    Column("preferred_name", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("phone", String(32)),
    Column("timezone", String(64), nullable=False),
    Column("channels", JSON, nullable=False),
    Column("sms_consent", Boolean, nullable=False),
    Column("quiet_hours_start", Time),
    Column("quiet_hours_end", Time),
    Column("status", String(16), nullable=False),
    Column("registered_by", String(36), index=True),
    Column("sms_consent_at", UTCDateTime()),
    Column("sms_consent_wording", String(1000)),
    Column("page_link_generation", Integer, nullable=False, server_default=text("1")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
# The fresh-link page finds a participant by address, whatever its case.
Index("ix_participants_email_lower", func.lower(participants.c.email))
Index("ix_participants_page", participants.c.created_at, participants.c.id)

groups = Table(
    "groups", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("modality", String(16), nullable=False),
    Column("location", String(300)),
    Column("enrollment_policy", String(8), nullable=False),
    Column("facilitator_ids", JSON, nullable=False),
    Column("schedule", ScheduleType(), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("closed_at", UTCDateTime()),
    Column("active_count", Integer, nullable=False),
    Column("waitlist_count", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index("ix_groups_page", groups.c.created_at, groups.c.id)

# Who facilitates which group, as rows, so "my groups" is an indexed query (the JSON list on
# the group keeps the order: lead first). Kept in step by the group repository.
group_facilitators = Table(
    "group_facilitators", metadata,
    Column("group_id", String(36), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("facilitator_id", String(36), ForeignKey("facilitators.id"), primary_key=True),
    Column("position", Integer, nullable=False),
)
Index("ix_group_facilitators_facilitator", group_facilitators.c.facilitator_id, group_facilitators.c.group_id)

enrollments = Table(
    "enrollments", metadata,
    Column("id", String(36), primary_key=True),
    Column("group_id", String(36), ForeignKey("groups.id"), nullable=False),
    Column("participant_id", String(36), ForeignKey("participants.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("waitlist_position", Integer),
    Column("enrolled_at", UTCDateTime(), nullable=False),
    Column("activated_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("end_reason", String(16)),
)
Index("ix_enrollments_group_page", enrollments.c.group_id, enrollments.c.enrolled_at, enrollments.c.id)
Index("ix_enrollments_participant_page", enrollments.c.participant_id, enrollments.c.enrolled_at,
      enrollments.c.id)
# A facilitator's caseload (everyone ever enrolled in their groups) from the index alone.
Index("ix_enrollments_group_participant", enrollments.c.group_id, enrollments.c.participant_id)
# The database's own guard for "at most one current enrollment per participant and group".
_current = text("status IN ('active', 'waitlisted')")
Index("uq_enrollments_current", enrollments.c.group_id, enrollments.c.participant_id, unique=True,
      postgresql_where=_current, sqlite_where=_current)

mapper_registry = registry(metadata=metadata)
_mapped = False


def start_mappers() -> None:
    """Map the domain classes once per process (idempotent)."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Facilitator, facilitators)
    mapper_registry.map_imperatively(Participant, participants)
    mapper_registry.map_imperatively(Enrollment, enrollments)
    mapper_registry.map_imperatively(Group, groups, properties={
        # Loaded only where a rule needs the members (see GroupRepository.get_for_update), so reading
        # or listing groups costs one query whatever their history.
        "enrollments": relationship(Enrollment, lazy="select", order_by=enrollments.c.enrolled_at,
                                    cascade="all, delete-orphan"),
    })
    _mapped = True
