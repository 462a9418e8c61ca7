"""The outbox relay: publishes unsent outbox rows to `iop.events` and marks them sent after the
broker confirms them.

Rows go out in batches with publisher confirms (the broker acks many deliveries in one frame),
and up to `window` batches are in flight at once, so reading the next batch from the database
overlaps the broker's confirms of the previous one instead of one round trip per message. A row
is marked sent only after its ack; a nack or a lost connection leaves it unsent, to be published
again (consumers deduplicate by event id). While the broker is down it keeps reconnecting, to the
next node AMQP_URL names each time (shared/messaging/broker.py); rows wait in the outbox.

On PostgreSQL each batch is claimed with FOR UPDATE SKIP LOCKED and the lock is held until its
confirms are in and it is marked, so several relays can run side by side. SQLite has one writer at
a time, so there the read is released before publishing (one relay per SQLite file).

Marking a confirmed batch sent (an UPDATE and a commit) runs on a thread of its own, so the
database's work overlaps the publishing of the next batches instead of pausing it.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pika
from pika.adapters.select_connection import SelectConnection
from pika.spec import Basic
from sqlalchemy import BigInteger, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

from shared.db import is_sqlite
from shared.messaging.broker import broker_nodes
from shared.messaging.tables import MessagingTables
from shared.messaging.topology import EXCHANGE
from shared.worker import GracefulStop, Heartbeat, backoff_delays

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Batch:
    session: Session | None
    pending: dict[int, int] = field(default_factory=dict)  # delivery tag -> outbox seq
    acked: list[int] = field(default_factory=list)
    nacked: list[int] = field(default_factory=list)
    published_at: float = field(default_factory=time.monotonic)


class OutboxRelay:
    def __init__(self, session_factory: sessionmaker[Session], tables: MessagingTables, amqp_url: str,
                 batch_size: int = 2000, idle_poll_seconds: float = 0.02, window: int = 3,
                 confirm_timeout: float = 30.0,
                 stop: GracefulStop | None = None, heartbeat: Heartbeat | None = None, metrics=None):
        self.session_factory = session_factory
        self.outbox = tables.outbox
        self.amqp_url = amqp_url
        self.nodes = broker_nodes(amqp_url)
        self._node = 0  # index into nodes: the next one to try
        self.batch_size = batch_size
        self.idle_poll = idle_poll_seconds
        self.window = window
        self.confirm_timeout = confirm_timeout
        self.stop = stop or GracefulStop()
        self.heartbeat = heartbeat or Heartbeat(None)
        self.metrics = metrics
        self.hold_lock = not is_sqlite(session_factory.kw["bind"])
        self._marker: ThreadPoolExecutor | None = None  # made by run()
        self._marking: list[Future] = []
        self._connection: SelectConnection | None = None
        self._channel = None
        self._ready = False
        self._reset()

    def _reset(self) -> None:
        self._batches: list[_Batch] = []
        self._batch_of_tag: dict[int, _Batch] = {}
        self._next_tag = 0  # the broker numbers deliveries per channel, from 1
        self._lowest_open_tag = 1
        self._claimed_upto = 0  # SQLite: highest seq in flight, later claims start above it
        self._poll_scheduled = False

    # --- connection lifecycle -----------------------------------------------------------------
    def run(self) -> None:
        self._marker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-marker")
        delays = backoff_delays()
        while not self.stop.requested:
            self._ready = False
            node = self.nodes[self._node % len(self.nodes)]
            self._node += 1  # a lost or refused connection moves on to the next node
            self._connection = SelectConnection(
                node, on_open_callback=self._on_connection_open,
                on_open_error_callback=lambda conn, err: conn.ioloop.stop(),
                on_close_callback=self._on_connection_closed)
            self._connection.ioloop.start()
            if self._ready:
                delays = backoff_delays()
            if not self.stop.requested and self._node % len(self.nodes) == 0:
                delay = next(delays)  # every node tried once: wait before the next round
                log.warning("broker unreachable; events wait in the outbox; retrying in %.1fs", delay)
                self.heartbeat.beat()  # waiting for the broker is a loop turning, not a stuck one
                self.stop.wait(delay)
        self._marker.shutdown(wait=True)  # every confirmed batch is marked before the process ends
        log.info("relay stopped")

    def _on_connection_open(self, connection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_connection_closed(self, connection, _reason) -> None:
        self._abandon_all()
        self._channel = None
        connection.ioloop.stop()

    def _on_channel_open(self, channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(lambda _ch, _reason: self._close())
        channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True,
                                 callback=lambda _frame: channel.confirm_delivery(
                                     ack_nack_callback=self._on_confirm, callback=self._on_confirm_mode))

    def _on_confirm_mode(self, _frame) -> None:
        self._ready = True
        self._reset()
        wait(self._marking)  # batches confirmed before a reconnect are marked before anything is claimed
        self._marking.clear()
        log.info("relay connected; publishing with confirms")
        self._poll()
        self._watch_confirms(self._connection)

    def _watch_confirms(self, connection) -> None:
        """A confirm that never comes would hold its batch, and the rows' locks, for ever (seen once
        on a cluster that had lost a node: publishes stayed unconfirmed until the node was back).
        After `confirm_timeout` the connection is dropped and the batch published again, on the next
        node (consumers deduplicate)."""
        if connection is not self._connection or not connection.is_open:
            return
        if self._batches and time.monotonic() - self._batches[0].published_at > self.confirm_timeout:
            log.warning("no confirm from the broker for %.0fs; reconnecting", self.confirm_timeout,
                        extra={"in_flight": sum(len(b.pending) for b in self._batches)})
            self._close()
            return
        connection.ioloop.call_later(1.0, lambda: self._watch_confirms(connection))

    def _close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    # --- claiming and publishing ----------------------------------------------------------------
    def _schedule_poll(self, delay: float) -> None:
        if not self._poll_scheduled:
            self._poll_scheduled = True
            self._connection.ioloop.call_later(delay, self._poll)

    def _poll(self) -> None:
        self._poll_scheduled = False
        self.heartbeat.beat()
        if self.stop.requested:
            if not self._batches:
                self._close()
            return
        while len(self._batches) < self.window:
            try:
                published = self._claim_and_publish()
            except Exception:  # noqa: BLE001 - database down: keep the loop alive and try again
                log.exception("outbox read failed; retrying")
                self._schedule_poll(1.0)
                return
            if not published:
                if not self._batches:
                    self._schedule_poll(self.idle_poll)
                return  # otherwise the next confirm calls _poll again

    def _claim_and_publish(self) -> bool:
        session = self.session_factory()
        c = self.outbox.c
        query = (select(c.seq, c.event_id, c.event_type, c.exchange, c.routing_key, c.body, c.correlation_id)
                 .where(c.sent_at.is_(None)).order_by(c.seq).limit(self.batch_size))
        if self.hold_lock:
            # Rows in flight stay locked by their batch's transaction, so SKIP LOCKED passes over them.
            # No "seq above the last claim" cursor here: concurrent requests commit out of seq order,
            # and a row committed after a higher seq was claimed would be stranded below the cursor.
            query = query.with_for_update(skip_locked=True)
        else:
            # SQLite has one writer at a time, so rows commit in seq order and the cursor is safe.
            query = query.where(c.seq > self._claimed_upto)
        rows = session.execute(query).all()
        if not rows or not self.hold_lock:
            session.rollback()
            session.close()
            session = None
        if not rows:
            return False
        batch = _Batch(session=session)
        for row in rows:
            self._channel.basic_publish(
                exchange=row.exchange, routing_key=row.routing_key, body=row.body.encode(),
                properties=pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                message_id=row.event_id, type=row.event_type,
                                                correlation_id=row.correlation_id))
            self._next_tag += 1
            batch.pending[self._next_tag] = row.seq
            self._batch_of_tag[self._next_tag] = batch
        self._claimed_upto = rows[-1].seq
        self._batches.append(batch)
        return True

    # --- confirms -------------------------------------------------------------------------------
    def _on_confirm(self, frame) -> None:
        method = frame.method
        acked = isinstance(method, Basic.Ack)
        first = self._lowest_open_tag if method.multiple else method.delivery_tag
        finished = False
        for tag in range(first, method.delivery_tag + 1):
            batch = self._batch_of_tag.pop(tag, None)
            if batch is None:
                continue
            (batch.acked if acked else batch.nacked).append(batch.pending.pop(tag))
            if not batch.pending:
                self._finish(batch)
                finished = True
        if method.multiple or method.delivery_tag == self._lowest_open_tag:
            self._lowest_open_tag = method.delivery_tag + 1
        if finished and not acked:
            self._schedule_poll(1.0)  # the broker refuses for now: try again soon, not in a tight loop
        elif finished:
            self._poll()

    def _finish(self, batch: _Batch) -> None:
        self._batches.remove(batch)
        if batch.nacked:
            log.warning("broker refused events; they stay in the outbox", extra={"count": len(batch.nacked)})
            self._claimed_upto = min(self._claimed_upto, min(batch.nacked) - 1)
        self._marking = [f for f in self._marking if not f.done()]
        self._marking.append(self._marker.submit(self._mark, batch, self._connection))

    def _mark(self, batch: _Batch, connection) -> None:
        """On the marker thread: record the batch's outcome and release its claim. A failure leaves
        the rows unsent (published again after a reconnect); consumers deduplicate by event id."""
        session = batch.session or self.session_factory()
        c = self.outbox.c
        try:
            now = datetime.now(timezone.utc)
            if batch.acked:
                session.execute(update(self.outbox).where(self._seq_in(batch.acked)).values(sent_at=now))
            if batch.nacked:
                session.execute(update(self.outbox).where(self._seq_in(batch.nacked))
                                .values(attempts=c.attempts + 1))
            session.commit()
        except Exception:  # noqa: BLE001 - reconnecting starts over from the oldest unsent row
            log.exception("could not mark published events; they will be published again")
            session.rollback()
            if connection is not None and connection.is_open:
                connection.ioloop.add_callback_threadsafe(self._close)
        finally:
            session.close()
        if self.metrics is not None:
            self.metrics.observe_relayed(len(batch.acked), len(batch.nacked))

    def _seq_in(self, seqs: list[int]):
        # One array parameter on PostgreSQL instead of hundreds of bound values per statement.
        if self.hold_lock:
            return self.outbox.c.seq == any_(bindparam("seqs", seqs, type_=ARRAY(BigInteger)))
        return self.outbox.c.seq.in_(seqs)

    def _abandon_all(self) -> None:
        for batch in self._batches:
            if batch.session is not None:
                batch.session.rollback()
                batch.session.close()
        self._reset()
