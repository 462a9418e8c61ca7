"""The messaging tables each service keeps in its own database: outbox, inbox and dead letters."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

from shared.db import UTCDateTime

_BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    dead_letters: Table


def define_messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox", metadata,
        Column("seq", _BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("exchange", String(100), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("correlation_id", String(64)),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("sent_at", UTCDateTime()),
        Column("attempts", Integer, nullable=False, default=0),
    )
    # The relay only ever scans unsent rows: a partial index keeps that O(backlog), not O(history).
    Index("ix_outbox_unsent", outbox.c.seq,
          postgresql_where=outbox.c.sent_at.is_(None), sqlite_where=outbox.c.sent_at.is_(None))
    inbox = Table(
        "inbox", metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("processed_at", UTCDateTime(), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    dead_letters = Table(
        "dead_letters", metadata,
        Column("id", String(36), primary_key=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36)),
        Column("event_type", String(100)),
        Column("body", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("replayed_at", UTCDateTime()),
    )
    Index("ix_dead_letters_created", dead_letters.c.created_at, dead_letters.c.id)
    return MessagingTables(outbox=outbox, inbox=inbox, dead_letters=dead_letters)
