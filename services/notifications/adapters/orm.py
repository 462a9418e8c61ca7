"""Notifications tables: read models fed by roster and sessions events, and the notification log.

The read models are copies of other services' facts, each stamped with the `occurred_at` of the
event that last wrote it (`version_at`), so an older event arriving late never overwrites a newer
one. The service works on these tables with SQLAlchemy Core: the scheduler moves notifications
in batches of hundreds, where an identity map would only cost time.
"""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Index, Integer, String, Table, Text, Time,
                        UniqueConstraint, text)

from shared.db import UTCDateTime, service_metadata
from shared.audit.table import define_audit_table
from shared.messaging.tables import define_messaging_tables

metadata = service_metadata()
messaging = define_messaging_tables(metadata)
audit = define_audit_table(metadata)

# Participants and facilitators: who to reach, how, and when not to.
recipients = Table(
    "recipients", metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(12), nullable=False),  # participant | facilitator
    Column("name", String(200)),
    Column("email", String(320)),
    Column("phone", String(32)),
    Column("timezone", String(64)),
    Column("channels", JSON, nullable=False),
    Column("sms_consent", Boolean, nullable=False),
    Column("quiet_start", Time),
    Column("quiet_end", Time),
    Column("status", String(16), nullable=False),
    # Roster's generation of the participant's page links: messages carry a link of this one.
    Column("page_link_generation", Integer, nullable=False, server_default=text("1")),
    Column("version_at", UTCDateTime(), nullable=False),
)

groups = Table(
    "groups", metadata,
    Column("id", String(36), primary_key=True),
    Column("modality", String(16), nullable=False),
    Column("location", String(300)),
    Column("schedule", JSON, nullable=False),
    Column("facilitator_ids", JSON, nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("version_at", UTCDateTime(), nullable=False),
)

# Who facilitates which group, as rows, so a facilitator's view of the log is an indexed query.
group_facilitators = Table(
    "group_facilitators", metadata,
    Column("group_id", String(36), primary_key=True),
    Column("facilitator_id", String(36), primary_key=True),
)
Index("ix_group_facilitators_facilitator", group_facilitators.c.facilitator_id, group_facilitators.c.group_id)

# One row per enrollment that was ever active: a member from active_from until ended_at. Either
# end may arrive first (events are not ordered across retries), hence both nullable.
memberships = Table(
    "memberships", metadata,
    Column("enrollment_id", String(36), primary_key=True),
    Column("group_id", String(36), nullable=False),
    Column("participant_id", String(36), nullable=False),
    Column("active_from", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
)
Index("ix_memberships_group", memberships.c.group_id, memberships.c.participant_id)
Index("ix_memberships_participant", memberships.c.participant_id)

sessions = Table(
    "sessions", metadata,
    Column("id", String(36), primary_key=True),
    Column("group_id", String(36), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("modality", String(16), nullable=False),
    Column("location", String(300)),
    Column("status", String(16), nullable=False),  # scheduled | cancelled
    Column("version_at", UTCDateTime(), nullable=False),
)
Index("ix_sessions_group_starts", sessions.c.group_id, sessions.c.starts_at)

# Session notes still waiting for their author's signature, as sessions' note events tell it (ids and
# states only: notifications never learns what a note says). `signed_at` stays once set, so a drafted
# event that arrives after its signed event (a retry overtaking) cannot revive the reminder.
unsigned_notes = Table(
    "unsigned_notes", metadata,
    Column("note_id", String(36), primary_key=True),
    Column("author_id", String(64), nullable=False),
    Column("session_id", String(36), nullable=False),
    Column("signed_at", UTCDateTime()),
)
Index("ix_unsigned_notes_author_session", unsigned_notes.c.author_id, unsigned_notes.c.session_id)

# The notification log. `params` holds the ids and times a message is rendered from (never contact
# data); `title`/`body` hold the rendered text of in-app notifications only, which is their delivery.
notifications = Table(
    "notifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient_id", String(36), nullable=False),
    Column("recipient_kind", String(12), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("group_id", String(36)),
    Column("session_id", String(36)),
    Column("event_id", String(36)),
    Column("dedupe_key", String(120), nullable=False),
    Column("status", String(12), nullable=False),  # pending | sending | sent | failed | suppressed
    Column("reason", String(40)),
    Column("urgent", Boolean, nullable=False),
    Column("params", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    # When a scheduler may next take the row: the due time, a retry or quiet-hours deferral, or
    # (while `sending`) the end of the claim's lease, after which a crashed claim is taken over.
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claim_token", String(36)),
    Column("sent_at", UTCDateTime()),
    Column("last_error", String(300)),
    Column("title", String(200)),
    Column("body", Text),
    Column("read_at", UTCDateTime()),  # in-app: when its recipient saw it on their page
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The correlation id of the request that caused it, so the send is logged under that id too.
    Column("correlation_id", String(64)),
    # The guarantee that one event or one reminder slot never reaches a person twice on a channel.
    UniqueConstraint("recipient_id", "channel", "dedupe_key"),
)
# The scheduler only scans rows still to send: O(backlog), not O(history). The claim query uses this
# very text, literal values and all: PostgreSQL uses a partial index only when it can see the query
# implies the index's condition, which it cannot with bound parameters in a generic plan.
STILL_TO_SEND = text("status IN ('pending', 'sending')")
Index("ix_notifications_due", notifications.c.next_attempt_at, postgresql_where=STILL_TO_SEND,
      sqlite_where=STILL_TO_SEND)
Index("ix_notifications_page", notifications.c.created_at, notifications.c.id)
Index("ix_notifications_recipient", notifications.c.recipient_id, notifications.c.created_at, notifications.c.id)
Index("ix_notifications_group", notifications.c.group_id, notifications.c.created_at, notifications.c.id)
Index("ix_notifications_session", notifications.c.session_id, notifications.c.dedupe_key)
Index("ix_notifications_inbox", notifications.c.recipient_id, notifications.c.channel, notifications.c.sent_at,
      notifications.c.id)
