"""Declare a consumer's queue before anything publishes to it.

The broker drops (yet confirms) an event that no queue is bound to, so a relay that starts before
the consumer has ever run would lose what it publishes. The consuming services' migrate one-shots
call `provision_consumer_queue`; compose starts the relays only after those one-shots have succeeded.
"""
from __future__ import annotations

import logging

from pika.exceptions import AMQPError
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from shared.messaging.broker import connect
from shared.messaging.topology import declare_consumer_topology

log = logging.getLogger(__name__)


def provision_consumer_queue(amqp_url: str, queue: str, bindings: list[str], retry_delays: list[float],
                             wait_seconds: float = 60, queue_type: str = "quorum") -> None:
    """Declare (idempotently) the exchange, the durable queue with its bindings and its retry queues,
    waiting up to `wait_seconds` for the broker; raises the last AMQPError if it never answers, and
    QueueDeclarationRefused at once when a queue exists with another type."""

    @retry(retry=retry_if_exception_type(AMQPError), stop=stop_after_delay(wait_seconds),
           wait=wait_exponential(multiplier=0.5, max=5), reraise=True,
           before_sleep=lambda state: log.warning("broker unreachable; retrying the queue declaration",
                                                  extra={"queue": queue}))
    def declare() -> None:
        connection = connect(amqp_url)
        try:
            declare_consumer_topology(connection.channel(), queue, bindings, retry_delays, queue_type)
        finally:
            if connection.is_open:
                connection.close()

    declare()
    log.info("consumer queue declared", extra={"queue": queue, "bindings": len(bindings), "queue_type": queue_type})
