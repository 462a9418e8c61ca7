"""The audit table each service keeps in its own database, next to its outbox.

Append-only: nothing in the code updates or deletes a row, and the migration (shared.audit.migration)
makes the database refuse it too.
"""
from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table

from shared.db import UTCDateTime

TABLE_NAME = "audit_log"


def define_audit_table(metadata: MetaData) -> Table:
    audit = Table(
        TABLE_NAME, metadata,
        Column("id", String(36), primary_key=True),
        Column("at", UTCDateTime(), nullable=False),
        Column("service", String(32), nullable=False),
        Column("actor_role", String(16), nullable=False),
        Column("actor_id", String(64)),
        Column("action", String(64), nullable=False),
        Column("method", String(8), nullable=False),
        Column("resource", String(300), nullable=False),
        Column("participant_id", String(36)),
        Column("request_id", String(36), nullable=False),
        Column("correlation_id", String(64)),
        Column("client_address", String(64)),
        Column("outcome", String(8), nullable=False),
        Column("status", Integer),
    )
    Index("ix_audit_log_page", audit.c.at, audit.c.id)
    Index("ix_audit_log_participant", audit.c.participant_id, audit.c.at, audit.c.id)
    Index("ix_audit_log_actor", audit.c.actor_id, audit.c.at, audit.c.id)
    return audit
