"""The outbox relay: publishes unsent outbox rows to `iop.events` and marks them sent after the
broker confirms them.

It publishes a whole batch, then waits for the confirms of the batch (the broker acks many
deliveries in one frame), instead of one blocking round trip per message. A row is marked sent
only after its ack; a nack or a lost connection leaves it unsent, to be published again (consumers
deduplicate by event id). While the broker is down it keeps reconnecting; rows wait in the outbox.

On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED and the lock is held until the
confirms are in, so several relays can run side by side. SQLite has one writer at a time, so
there the read transaction is released before publishing (one relay per SQLite file).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import pika
from pika.adapters.select_connection import SelectConnection
from pika.spec import Basic
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db import is_sqlite
from shared.messaging.tables import MessagingTables
from shared.messaging.topology import EXCHANGE
from shared.worker import GracefulStop, Heartbeat, backoff_delays

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, session_factory: sessionmaker[Session], tables: MessagingTables, amqp_url: str,
                 batch_size: int = 500, idle_poll_seconds: float = 0.02, stop: GracefulStop | None = None,
                 heartbeat: Heartbeat | None = None, metrics=None):
        self.session_factory = session_factory
        self.outbox = tables.outbox
        self.amqp_url = amqp_url
        self.batch_size = batch_size
        self.idle_poll = idle_poll_seconds
        self.stop = stop or GracefulStop()
        self.heartbeat = heartbeat or Heartbeat(None)
        self.metrics = metrics
        self.hold_lock = not is_sqlite(session_factory.kw["bind"])
        self._connection: SelectConnection | None = None
        self._channel = None
        self._next_tag = 0  # the broker numbers deliveries per channel, from 1
        self._reset_batch()

    def _reset_batch(self) -> None:
        self._batch_session: Session | None = None
        self._pending: dict[int, int] = {}  # delivery tag -> outbox seq
        self._acked: list[int] = []
        self._nacked: list[int] = []

    # --- process loop -------------------------------------------------------------------------
    def run(self) -> None:
        delays = backoff_delays()
        while not self.stop.requested:
            self._connection = SelectConnection(
                pika.URLParameters(self.amqp_url), on_open_callback=self._on_connection_open,
                on_open_error_callback=self._on_open_error, on_close_callback=self._on_connection_closed)
            self._connection.ioloop.start()
            if self._channel_was_ready:
                delays = backoff_delays()
            if not self.stop.requested:
                delay = next(delays)
                log.warning("broker unreachable; events wait in the outbox; retrying in %.1fs", delay)
                self.stop.wait(delay)
        log.info("relay stopped")

    def _on_open_error(self, connection, error) -> None:
        connection.ioloop.stop()

    def _on_connection_open(self, connection) -> None:
        self._channel_was_ready = False
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_connection_closed(self, connection, reason) -> None:
        self._abandon_batch()
        self._channel = None
        connection.ioloop.stop()

    def _on_channel_open(self, channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(lambda ch, reason: self._connection.close()
                                      if self._connection.is_open else None)
        channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True,
                                 callback=lambda _frame: channel.confirm_delivery(
                                     ack_nack_callback=self._on_confirm, callback=self._on_confirm_mode))

    def _on_confirm_mode(self, _frame) -> None:
        self._channel_was_ready = True
        self._next_tag = 0
        log.info("relay connected; publishing with confirms")
        self._poll()

    _channel_was_ready = False

    # --- batches --------------------------------------------------------------------------------
    def _poll(self) -> None:
        self.heartbeat.beat()
        if self.stop.requested:
            self._connection.close()
            return
        try:
            rows = self._claim_batch()
        except Exception:  # noqa: BLE001 - database down: keep the loop alive and try again
            log.exception("outbox read failed; retrying")
            self._abandon_batch()
            self._connection.ioloop.call_later(1.0, self._poll)
            return
        if not rows:
            self._abandon_batch()
            self._connection.ioloop.call_later(self.idle_poll, self._poll)
            return
        for row in rows:
            self._channel.basic_publish(
                exchange=row.exchange, routing_key=row.routing_key, body=row.body.encode(),
                properties=pika.BasicProperties(
                    content_type="application/json", delivery_mode=2, message_id=row.event_id,
                    type=row.event_type, correlation_id=row.correlation_id))
            self._next_tag += 1
            self._pending[self._next_tag] = row.seq

    def _claim_batch(self):
        session = self.session_factory()
        query = (select(self.outbox.c.seq, self.outbox.c.event_id, self.outbox.c.event_type,
                        self.outbox.c.exchange, self.outbox.c.routing_key, self.outbox.c.body,
                        self.outbox.c.correlation_id)
                 .where(self.outbox.c.sent_at.is_(None)).order_by(self.outbox.c.seq).limit(self.batch_size))
        if self.hold_lock:
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if self.hold_lock:
            self._batch_session = session
        else:
            session.rollback()
            session.close()
        return rows

    def _on_confirm(self, frame) -> None:
        method = frame.method
        tags = ([t for t in self._pending if t <= method.delivery_tag] if method.multiple
                else [method.delivery_tag])
        target = self._acked if isinstance(method, Basic.Ack) else self._nacked
        for tag in tags:
            seq = self._pending.pop(tag, None)
            if seq is not None:
                target.append(seq)
        if not self._pending:
            self._finish_batch()

    def _finish_batch(self) -> None:
        acked, nacked = self._acked, self._nacked
        session = self._batch_session or self.session_factory()
        try:
            now = datetime.now(timezone.utc)
            if acked:
                session.execute(update(self.outbox).where(self.outbox.c.seq.in_(acked)).values(sent_at=now))
            if nacked:
                session.execute(update(self.outbox).where(self.outbox.c.seq.in_(nacked))
                                .values(attempts=self.outbox.c.attempts + 1))
            session.commit()
        except Exception:  # noqa: BLE001 - unmarked rows are simply published again later
            log.exception("could not mark published events; they will be published again")
            session.rollback()
        finally:
            session.close()
            self._batch_session = None
        if self.metrics is not None:
            self.metrics.observe_relayed(len(acked), len(nacked))
        if nacked:
            log.warning("broker refused events; they stay in the outbox", extra={"count": len(nacked)})
        self._acked, self._nacked = [], []
        self._connection.ioloop.add_callback_threadsafe(self._poll)

    def _abandon_batch(self) -> None:
        if self._batch_session is not None:
            self._batch_session.rollback()
            self._batch_session.close()
        self._reset_batch()
