"""Prometheus metrics shared by the APIs and workers.

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR so every worker's samples are
aggregated at scrape time. Gauges that describe the database (outbox backlog and age) are read at
scrape time by a collector, so they are right whichever worker answers.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest,
                               start_http_server)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

REQUEST_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency by endpoint",
                            ["service", "method", "endpoint", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
EVENTS_RELAYED = Counter("outbox_events_relayed_total", "Outbox events confirmed or refused by the broker",
                         ["service", "outcome"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Events taken from a queue, by outcome",
                          ["queue", "event_type", "outcome"])
EVENT_HANDLING = Histogram("event_handling_seconds", "Time to handle one event", ["queue", "event_type"])
QUEUE_DEPTH = Gauge("consumer_queue_depth", "Messages waiting in a consumer's queue (its lag)", ["queue"])
NOTIFICATIONS = Counter("notifications_total", "Notifications by channel and final status",
                        ["channel", "status"])


class WorkerMetrics:
    """The counters a relay or consumer updates; the process serves them on METRICS_PORT if set."""

    def __init__(self, service: str):
        self.service = service

    def observe_relayed(self, acked: int, nacked: int) -> None:
        if acked:
            EVENTS_RELAYED.labels(self.service, "confirmed").inc(acked)
        if nacked:
            EVENTS_RELAYED.labels(self.service, "refused").inc(nacked)

    def observe_queue_depth(self, queue: str, depth: int) -> None:
        QUEUE_DEPTH.labels(queue).set(depth)

    def observe_consumed(self, queue: str, event_type: str, outcome: str, seconds: float | None) -> None:
        EVENTS_CONSUMED.labels(queue, event_type, outcome).inc()
        if seconds is not None:
            EVENT_HANDLING.labels(queue, event_type).observe(seconds)


def serve_worker_metrics() -> None:
    port = os.environ.get("METRICS_PORT")
    if port:
        start_http_server(int(port))


class OutboxCollector:
    """Outbox backlog (unsent rows) and the age of the oldest, read when scraped."""

    def __init__(self, service: str, session_factory, outbox_table):
        self.service = service
        self.session_factory = session_factory
        self.outbox = outbox_table

    def collect(self):
        backlog = GaugeMetricFamily("outbox_backlog", "Events not yet confirmed by the broker", labels=["service"])
        age = GaugeMetricFamily("outbox_oldest_age_seconds", "Age of the oldest unsent event", labels=["service"])
        try:
            count, oldest = outbox_backlog(self.session_factory, self.outbox)
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            return []
        backlog.add_metric([self.service], count)
        age.add_metric([self.service], (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0.0)
        return [backlog, age]


def outbox_backlog(session_factory, outbox) -> tuple[int, datetime | None]:
    with session_factory() as session:
        count, oldest = session.execute(select(func.count(), func.min(outbox.c.created_at))
                                        .where(outbox.c.sent_at.is_(None))).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    return count, oldest


def render_metrics(extra_collectors=()) -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY
        registry = REGISTRY
    output = generate_latest(registry)
    if extra_collectors:
        extra = CollectorRegistry(auto_describe=False)
        for collector in extra_collectors:
            extra.register(collector)
        output += generate_latest(extra)
    return output, CONTENT_TYPE_LATEST
