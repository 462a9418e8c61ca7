"""Names on the broker and their declaration: one topic exchange, a durable queue per consumer."""
from __future__ import annotations

EXCHANGE = "iop.events"


def retry_queue_name(queue: str, delay_seconds: float) -> str:
    # The delay is in the name: a queue's TTL cannot change once declared, so a new delay
    # gets a new queue instead of a PRECONDITION_FAILED on redeclaration.
    return f"{queue}.retry.{int(delay_seconds * 1000)}ms"


def declare_consumer_topology(channel, queue: str, bindings: list[str], retry_delays: list[float]) -> None:
    """Declare (idempotently) the exchange, the consumer's queue and its retry queues."""
    channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_declare(queue=queue, durable=True)
    for key in bindings:
        channel.queue_bind(queue=queue, exchange=EXCHANGE, routing_key=key)
    for delay in retry_delays:
        channel.queue_declare(
            queue=retry_queue_name(queue, delay), durable=True,
            arguments={"x-message-ttl": int(delay * 1000), "x-dead-letter-exchange": "",
                       "x-dead-letter-routing-key": queue},
        )
