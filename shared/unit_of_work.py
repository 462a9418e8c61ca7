"""The unit of work: one database transaction in which a change and its events are saved together.

Services subclass it to add their repositories. `emit` stages a domain event in the outbox, so
either the change and its event are both committed or neither is.
"""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from shared.events import Envelope
from shared.events.domain import DomainEvent
from shared.messaging.outbox import emit
from shared.messaging.tables import MessagingTables


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], tables: MessagingTables, producer: str,
                 session: Session | None = None):
        self._session_factory = session_factory
        self.tables = tables
        self.producer = producer
        self._given_session = session
        self.session: Session
        self.emitted: list[Envelope] = []

    def __enter__(self):
        self.session = self._given_session or self._session_factory()
        self.emitted = []
        self._start()
        return self

    def _start(self) -> None:
        """Hook for subclasses: build repositories on self.session."""

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._given_session is None:
            # close() rolls back anything uncommitted but, unlike rollback(), leaves loaded objects
            # readable, so a view can still serialize what it read.
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def emit(self, *events: DomainEvent) -> None:
        for event in events:
            self.emitted.append(emit(self.session, self.tables.outbox, self.producer, event.type, event.data()))
