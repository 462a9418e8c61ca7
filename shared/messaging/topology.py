"""Names on the broker and their declaration: one topic exchange, a durable queue per consumer and
its retry queues.

Queues are quorum queues by default: replicated on a majority of a cluster's nodes, so losing one
node loses no message. RABBITMQ_QUEUE_TYPE=classic keeps classic queues (an existing single-node
broker whose queues were declared classic; see docs/OPERATIONS.md, "Moving to quorum queues").
"""
from __future__ import annotations

from pika.exceptions import ChannelClosedByBroker

EXCHANGE = "iop.events"
QUEUE_TYPES = ("quorum", "classic")
PRECONDITION_FAILED = 406


class QueueDeclarationRefused(RuntimeError):
    """The broker holds the queue with other arguments (another type, another TTL): it never changes
    a queue's arguments, so the process cannot go on until an operator moves the queue."""


def retry_queue_name(queue: str, delay_seconds: float) -> str:
    # The delay is in the name: a queue's TTL cannot change once declared, so a new delay
    # gets a new queue instead of a PRECONDITION_FAILED on redeclaration.
    return f"{queue}.retry.{int(delay_seconds * 1000)}ms"


def queue_arguments(queue_type: str) -> dict:
    if queue_type not in QUEUE_TYPES:
        raise ValueError(f"queue type must be one of {QUEUE_TYPES}, got {queue_type!r}")
    return {"x-queue-type": "quorum"} if queue_type == "quorum" else {}


def retry_queue_arguments(queue: str, delay_seconds: float, queue_type: str) -> dict:
    """A retry queue holds a message for its delay, then dead-letters it back to `queue`."""
    arguments = {**queue_arguments(queue_type), "x-message-ttl": int(delay_seconds * 1000),
                 "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue}
    if queue_type == "quorum":
        # A quorum queue dead-letters at most once by default: a node lost while a message moves back
        # would lose it. At-least-once keeps it until the target queue confirms (it needs reject-publish).
        arguments.update({"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"})
    return arguments


def declare_consumer_topology(channel, queue: str, bindings: list[str], retry_delays: list[float],
                              queue_type: str = "quorum") -> None:
    """Declare (idempotently) the exchange, the consumer's queue and its retry queues; raises
    QueueDeclarationRefused when one exists with other arguments."""
    channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True)
    _declare(channel, queue, queue_arguments(queue_type), queue_type)
    for key in bindings:
        channel.queue_bind(queue=queue, exchange=EXCHANGE, routing_key=key)
    for delay in retry_delays:
        _declare(channel, retry_queue_name(queue, delay), retry_queue_arguments(queue, delay, queue_type),
                 queue_type)


def _declare(channel, name: str, arguments: dict, queue_type: str) -> None:
    try:
        channel.queue_declare(queue=name, durable=True, arguments=arguments or None)
    except ChannelClosedByBroker as exc:
        if exc.reply_code != PRECONDITION_FAILED:
            raise
        other = "classic" if queue_type == "quorum" else "quorum"
        raise QueueDeclarationRefused(
            f"RabbitMQ refused to declare queue {name!r} as a {queue_type} queue: it exists with other "
            f"arguments ({exc.reply_text}). A queue's type never changes in place: move it as "
            f"docs/OPERATIONS.md 'Moving to quorum queues' says, or set RABBITMQ_QUEUE_TYPE={other} "
            f"to keep using the queues as they are.") from None
