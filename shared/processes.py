"""The bodies of the processes every service runs, so each service's entrypoint is a few lines:
apply migrations, relay the outbox, consume events."""
from __future__ import annotations

import contextlib
import logging

from shared.config import Settings
from shared.logging import configure_logging
from shared.messaging.consumer import EventConsumer
from shared.messaging.pipeline import EventPipeline
from shared.messaging.provision import provision_consumer_queue
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import QueueDeclarationRefused
from shared.metrics import WorkerMetrics, serve_worker_metrics
from shared.migrations import upgrade
from shared.web.context import ServiceContext
from shared.worker import GracefulStop, Heartbeat

log = logging.getLogger(__name__)


def migrate(service: str, queue: str | None = None, bindings: list[str] | None = None) -> None:
    """The one-shot before a service starts: its database schema, and for a consuming service its
    queue on the broker (CONSUMER_QUEUE overrides the name), so no event is published before it exists."""
    settings = Settings.from_env(service)
    configure_logging(service, settings.log_level)
    upgrade(service, settings.database_url)
    log.info("database schema is up to date")
    if queue is not None:
        with refused_queue_exits():
            provision_consumer_queue(settings.amqp_url, settings.get("CONSUMER_QUEUE", queue), bindings or [],
                                     retry_delays(settings), float(settings.get("BROKER_WAIT_SECONDS", "60")),
                                     settings.queue_type)


def retry_delays(settings: Settings) -> list[float]:
    return [float(d) for d in settings.get("CONSUMER_RETRY_DELAYS", "1,5,30,120").split(",")]


def relay(context: ServiceContext) -> None:
    settings = context.settings
    configure_logging(f"{settings.service}-relay", settings.log_level)
    serve_worker_metrics()
    OutboxRelay(context.session_factory, context.tables, settings.amqp_url,
                batch_size=settings.relay_batch_size,
                idle_poll_seconds=float(settings.get("RELAY_IDLE_POLL_SECONDS", "0.02")),
                confirm_timeout=float(settings.get("RELAY_CONFIRM_TIMEOUT_SECONDS", "30")),
                stop=GracefulStop().install(), heartbeat=Heartbeat(settings.heartbeat_file),
                metrics=WorkerMetrics(settings.service)).run()


def consume(context: ServiceContext, pipeline: EventPipeline, queue: str, bindings: list[str]) -> None:
    settings = context.settings
    configure_logging(f"{settings.service}-consumer", settings.log_level)
    serve_worker_metrics()
    with refused_queue_exits():
        EventConsumer(pipeline, settings.amqp_url, queue, bindings, prefetch=settings.consumer_prefetch,
                      max_attempts=settings.consumer_max_attempts, retry_delays=retry_delays(settings),
                      stop=GracefulStop().install(), heartbeat=Heartbeat(settings.heartbeat_file),
                      metrics=WorkerMetrics(settings.service), queue_type=settings.queue_type).run()


@contextlib.contextmanager
def refused_queue_exits():
    """A queue the broker holds with another type stops the process with the reason as its last
    words (retrying cannot help: an operator must move the queue or set RABBITMQ_QUEUE_TYPE)."""
    try:
        yield
    except QueueDeclarationRefused as exc:
        log.error("queue declaration refused: %s", exc)
        raise SystemExit(f"error: {exc}") from None
