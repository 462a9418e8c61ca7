"""Handling one event exactly once: the inbox row and the handler's effect share a transaction.

Used by the broker consumer and by dead-letter replay alike, so both paths have the same
idempotency: an event id already in the inbox has no second effect.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared.events import Envelope
from shared.messaging.tables import MessagingTables

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, object], None]  # (event, unit of work bound to the transaction)


class Outcome(str, Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


class EventPipeline:
    def __init__(self, consumer: str, handlers: dict[str, Handler], session_factory: sessionmaker[Session],
                 tables: MessagingTables, uow_factory: Callable[[Session], object]):
        self.consumer = consumer
        self.handlers = handlers
        self.session_factory = session_factory
        self.tables = tables
        self.uow_factory = uow_factory

    def handle(self, envelope: Envelope) -> Outcome:
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return Outcome.IGNORED
        inbox = self.tables.inbox
        with self.session_factory() as session:
            try:
                seen = session.execute(select(inbox.c.event_id).where(
                    inbox.c.consumer == self.consumer, inbox.c.event_id == envelope.id)).first()
                if seen:
                    return Outcome.DUPLICATE
                session.execute(insert(inbox).values(consumer=self.consumer, event_id=envelope.id,
                                                     processed_at=datetime.now(timezone.utc)))
                uow = self.uow_factory(session)
                with uow:
                    handler(envelope, uow)
                session.commit()
            except IntegrityError:
                session.rollback()
                if self._already_processed(session, envelope.id):
                    return Outcome.DUPLICATE  # a concurrent consumer committed it first
                raise
        return Outcome.HANDLED

    def _already_processed(self, session: Session, event_id: str) -> bool:
        inbox = self.tables.inbox
        return session.execute(select(inbox.c.event_id).where(
            inbox.c.consumer == self.consumer, inbox.c.event_id == event_id)).first() is not None
