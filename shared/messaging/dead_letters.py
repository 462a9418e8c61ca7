"""Dead letters: events a consumer gave up on, kept in its database to be listed and replayed.

Replay re-runs the event through the same pipeline (inbox included), so replaying twice, or
replaying an event that was meanwhile handled, has one effect at most.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.events import InvalidEvent, parse_envelope
from shared.messaging.pipeline import EventPipeline, Outcome
from shared.messaging.tables import MessagingTables


@dataclass(frozen=True)
class ReplayResult:
    outcome: str
    error: str | None = None


def record_dead_letter(session_factory: sessionmaker[Session], tables: MessagingTables, consumer: str,
                       body: bytes, error: str, attempts: int, event_id: str | None,
                       event_type: str | None) -> str:
    letter_id = str(uuid.uuid4())
    with session_factory() as session:
        session.execute(insert(tables.dead_letters).values(
            id=letter_id, consumer=consumer, event_id=event_id, event_type=event_type,
            body=_storable(body), error=_storable(error.encode())[:2000], attempts=attempts,
            created_at=datetime.now(timezone.utc)))
        session.commit()
    return letter_id


def _storable(raw: bytes) -> str:
    # A poison message may be any bytes; PostgreSQL text holds neither NUL nor invalid UTF-8.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def list_dead_letters(session: Session, tables: MessagingTables, limit: int = 50,
                      include_replayed: bool = False) -> list[dict]:
    table = tables.dead_letters
    query = select(table).order_by(table.c.created_at, table.c.id).limit(limit)
    if not include_replayed:
        query = query.where(table.c.replayed_at.is_(None))
    return [dict(row._mapping) for row in session.execute(query)]


def replay_dead_letter(pipeline: EventPipeline, letter_id: str) -> ReplayResult | None:
    """Handle a dead letter again; None when there is no such letter."""
    table = pipeline.tables.dead_letters
    with pipeline.session_factory() as session:
        row = session.execute(select(table).where(table.c.id == letter_id)).first()
    if row is None:
        return None
    if row.replayed_at is not None:
        return ReplayResult(outcome="already_replayed")
    try:
        outcome = pipeline.handle(parse_envelope(row.body))
    except InvalidEvent as exc:
        return ReplayResult(outcome="failed", error=str(exc))
    except Exception as exc:  # the handler still fails: the letter stays for a later replay
        return ReplayResult(outcome="failed", error=f"{type(exc).__name__}: {exc}")
    with pipeline.session_factory() as session:
        session.execute(update(table).where(table.c.id == letter_id)
                        .values(replayed_at=datetime.now(timezone.utc)))
        session.commit()
    return ReplayResult(outcome=Outcome(outcome).value)
