"""The bodies of the processes every service runs, so each service's entrypoint is a few lines:
apply migrations, relay the outbox, consume events."""
from __future__ import annotations

import logging

from shared.config import Settings
from shared.logging import configure_logging
from shared.messaging.consumer import EventConsumer
from shared.messaging.pipeline import EventPipeline
from shared.messaging.relay import OutboxRelay
from shared.metrics import WorkerMetrics, serve_worker_metrics
from shared.migrations import upgrade
from shared.web.context import ServiceContext
from shared.worker import GracefulStop, Heartbeat

log = logging.getLogger(__name__)


def migrate(service: str) -> None:
    settings = Settings.from_env(service)
    configure_logging(service, settings.log_level)
    upgrade(service, settings.database_url)
    log.info("database schema is up to date")


def relay(context: ServiceContext) -> None:
    settings = context.settings
    configure_logging(f"{settings.service}-relay", settings.log_level)
    serve_worker_metrics()
    OutboxRelay(context.session_factory, context.tables, settings.amqp_url,
                batch_size=settings.relay_batch_size,
                idle_poll_seconds=float(settings.get("RELAY_IDLE_POLL_SECONDS", "0.02")),
                stop=GracefulStop().install(), heartbeat=Heartbeat(settings.heartbeat_file),
                metrics=WorkerMetrics(settings.service)).run()


def consume(context: ServiceContext, pipeline: EventPipeline, queue: str, bindings: list[str]) -> None:
    settings = context.settings
    configure_logging(f"{settings.service}-consumer", settings.log_level)
    serve_worker_metrics()
    delays = [float(d) for d in settings.get("CONSUMER_RETRY_DELAYS", "1,5,30,120").split(",")]
    EventConsumer(pipeline, settings.amqp_url, queue, bindings, prefetch=settings.consumer_prefetch,
                  max_attempts=settings.consumer_max_attempts, retry_delays=delays,
                  stop=GracefulStop().install(), heartbeat=Heartbeat(settings.heartbeat_file),
                  metrics=WorkerMetrics(settings.service)).run()
