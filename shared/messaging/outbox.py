"""Writing events to the outbox inside the caller's database transaction."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from shared.events import Envelope, new_envelope
from shared.logging import current_correlation_id
from shared.messaging.topology import EXCHANGE


def add_to_outbox(session: Session, outbox: Table, envelope: Envelope,
                  exchange: str = EXCHANGE, routing_key: str | None = None) -> None:
    session.execute(insert(outbox).values(
        event_id=envelope.id, event_type=envelope.type, exchange=exchange,
        routing_key=routing_key or envelope.type, body=envelope.to_json(),
        correlation_id=envelope.correlation_id, created_at=datetime.now(timezone.utc), attempts=0,
    ))


def emit(session: Session, outbox: Table, producer: str, event_type: str, data: dict[str, Any]) -> Envelope:
    """Validate an event against the catalogue and stage it in the current transaction."""
    envelope = new_envelope(event_type, data, producer=producer, correlation_id=current_correlation_id())
    add_to_outbox(session, outbox, envelope)
    return envelope
