"""The broker side of a consuming service: bounded prefetch, manual acks after commit, retries with
back-off through TTL queues, dead letters after a bounded number of attempts, reconnect forever
(to any node AMQP_URL names: see shared/messaging/broker.py).

Attempts are counted by us in the x-attempts header, not by the broker: a failed handling is
re-published to a retry queue and acked, so a quorum queue's own redelivery count (x-delivery-count)
only grows when a consumer dies or its connection drops with the message in hand. No x-delivery-limit
is set: the inbox absorbs those redeliveries, and a limit would drop a message that did nothing wrong.

The message is acked only after its effect is committed (or after it was parked in a retry queue
or the dead-letter table), so a crash at any point means redelivery, which the inbox absorbs.
"""
from __future__ import annotations

import logging
import time

import pika
from pika.exceptions import AMQPError

from shared.events import InvalidEvent, parse_envelope
from shared.logging import correlation
from shared.messaging.broker import connect
from shared.messaging.dead_letters import record_dead_letter
from shared.messaging.pipeline import EventPipeline, Outcome
from shared.messaging.topology import declare_consumer_topology, retry_queue_name
from shared.worker import GracefulStop, Heartbeat, backoff_delays

log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-attempts"


class EventConsumer:
    def __init__(self, pipeline: EventPipeline, amqp_url: str, queue: str, bindings: list[str],
                 prefetch: int = 50, max_attempts: int = 5, retry_delays: list[float] | None = None,
                 stop: GracefulStop | None = None, heartbeat: Heartbeat | None = None, metrics=None,
                 queue_type: str = "quorum"):
        self.pipeline = pipeline
        self.amqp_url = amqp_url
        self.queue = queue
        self.bindings = bindings
        self.prefetch = prefetch
        self.max_attempts = max_attempts
        self.retry_delays = retry_delays or [1, 5, 30, 120]
        self.stop = stop or GracefulStop()
        self.heartbeat = heartbeat or Heartbeat(None)
        self.metrics = metrics
        self.queue_type = queue_type

    def run(self) -> None:
        delays = backoff_delays()
        while not self.stop.requested:
            try:
                self._consume()
                delays = backoff_delays()
            except AMQPError as exc:
                delay = next(delays)
                log.warning("broker unreachable (%s); reconnecting in %.1fs", type(exc).__name__, delay,
                            extra={"queue": self.queue})
                self.heartbeat.beat()  # waiting for the broker is a loop turning, not a stuck one
                self.stop.wait(delay)
        log.info("consumer stopped", extra={"queue": self.queue})

    def _consume(self) -> None:
        connection = connect(self.amqp_url)  # the first node of AMQP_URL that answers
        try:
            channel = connection.channel()
            declare_consumer_topology(channel, self.queue, self.bindings, self.retry_delays, self.queue_type)
            channel.confirm_delivery()  # retries we park must be on the broker before we ack
            channel.basic_qos(prefetch_count=self.prefetch)
            log.info("consuming", extra={"queue": self.queue})
            next_depth_check = 0.0
            for method, properties, body in channel.consume(self.queue, inactivity_timeout=1.0):
                self.heartbeat.beat()
                if self.metrics is not None and time.monotonic() >= next_depth_check:
                    next_depth_check = time.monotonic() + 5.0
                    depth = channel.queue_declare(self.queue, passive=True).method.message_count
                    self.metrics.observe_queue_depth(self.queue, depth)
                if method is not None:
                    self._on_message(channel, method, properties, body)
                if self.stop.requested:
                    break
            channel.cancel()  # unacked prefetched messages return to the queue
        finally:
            if connection.is_open:
                connection.close()

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        headers = properties.headers or {}
        attempt = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        started = time.perf_counter()
        try:
            envelope = parse_envelope(body)
        except InvalidEvent as exc:
            # A malformed event will never succeed: dead-letter it now rather than retry.
            self._dead_letter(channel, method, body, str(exc), attempt, None, None)
            return
        try:
            with correlation(envelope.correlation_id):  # logs and events it causes carry the same id
                outcome = self.pipeline.handle(envelope)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            log.warning("handler failed", exc_info=True,
                        extra={"event_id": envelope.id, "event_type": envelope.type, "attempts": attempt})
            if attempt >= self.max_attempts:
                self._dead_letter(channel, method, body, f"{type(exc).__name__}: {exc}", attempt,
                                  envelope.id, envelope.type)
            else:
                self._retry_later(channel, method, properties, body, attempt)
            self._count(envelope.type, "retried")
            return
        channel.basic_ack(method.delivery_tag)
        self._count(envelope.type, outcome.value, time.perf_counter() - started)
        if outcome is Outcome.HANDLED:
            with correlation(envelope.correlation_id):
                log.info("event handled", extra={"event_id": envelope.id, "event_type": envelope.type,
                                                 "duration_ms": round((time.perf_counter() - started) * 1000, 1)})

    def _retry_later(self, channel, method, properties, body: bytes, attempt: int) -> None:
        delay = self.retry_delays[min(attempt - 1, len(self.retry_delays) - 1)]
        headers = dict(properties.headers or {})
        headers[ATTEMPTS_HEADER] = attempt
        retry_props = pika.BasicProperties(
            content_type=properties.content_type, delivery_mode=2, message_id=properties.message_id,
            type=properties.type, correlation_id=properties.correlation_id, headers=headers)
        channel.basic_publish(exchange="", routing_key=retry_queue_name(self.queue, delay),
                              body=body, properties=retry_props)
        channel.basic_ack(method.delivery_tag)

    def _dead_letter(self, channel, method, body, error, attempt, event_id, event_type) -> None:
        try:
            record_dead_letter(self.pipeline.session_factory, self.pipeline.tables, self.pipeline.consumer,
                               body, error, attempt, event_id, event_type)
        except Exception:  # noqa: BLE001 - the database is down: keep the message on the broker
            log.exception("could not record a dead letter; requeueing", extra={"event_id": event_id})
            time.sleep(1.0)
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        channel.basic_ack(method.delivery_tag)
        self._count(event_type or "invalid", "dead_lettered")
        log.error("event dead-lettered", extra={"event_id": event_id, "event_type": event_type,
                                                "attempts": attempt, "error": error[:200]})

    def _count(self, event_type: str, outcome: str, seconds: float | None = None) -> None:
        if self.metrics is not None:
            self.metrics.observe_consumed(self.queue, event_type, outcome, seconds)
