"""Run a real outbox relay or event consumer in a background thread for a test, then stop it."""
from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator

from shared.messaging.broker import connect
from shared.messaging.consumer import EventConsumer
from shared.messaging.pipeline import EventPipeline
from shared.messaging.relay import OutboxRelay
from shared.web.context import ServiceContext
from shared.worker import GracefulStop


@contextlib.contextmanager
def running_relay(context: ServiceContext, amqp_url: str | None = None, **kwargs) -> Iterator[OutboxRelay]:
    stop = GracefulStop()
    relay = OutboxRelay(context.session_factory, context.tables, amqp_url or context.settings.amqp_url,
                        stop=stop, idle_poll_seconds=0.02, **kwargs)
    thread = threading.Thread(target=relay.run, name="test-relay", daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        stop.request()
        thread.join(timeout=15)


@contextlib.contextmanager
def running_consumer(pipeline: EventPipeline, amqp_url: str, bindings: list[str], queue: str | None = None,
                     **kwargs) -> Iterator[EventConsumer]:
    """A consumer on its own queue (a unique name by default, so tests do not steal each other's
    messages); the queue is deleted afterwards unless a name was given."""
    stop = GracefulStop()
    name = queue or f"test.{pipeline.consumer}.{uuid.uuid4().hex[:8]}"
    kwargs.setdefault("retry_delays", [0.2, 0.5])
    consumer = EventConsumer(pipeline, amqp_url, name, bindings, stop=stop, **kwargs)
    thread = threading.Thread(target=consumer.run, name="test-consumer", daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.request()
        thread.join(timeout=15)
        if queue is None:
            delete_queues(amqp_url, [name] + [f"{name}.retry.{int(d * 1000)}ms" for d in consumer.retry_delays])


def delete_queues(amqp_url: str, names: list[str]) -> None:
    connection = connect(amqp_url)
    try:
        channel = connection.channel()
        for name in names:
            channel.queue_delete(queue=name)
    finally:
        connection.close()


def wait_for(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Poll until `condition()` is truthy and return its value; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}")
        time.sleep(interval)
