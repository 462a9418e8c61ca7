"""Outbox relay throughput: rows in the outbox to confirmed on the broker, per second.

    .venv/bin/python -m bench.relay_throughput [--events 20000] [--database-url URL] [--amqp-url URL]

Fills the roster outbox of a fresh PostgreSQL database with valid events, runs the real relay
against the local RabbitMQ (a queue bound to the events keeps them, as a consumer would), and
reports events/s. SPEC budget: at least 5,000 events/s.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pika
import sqlalchemy as sa
from sqlalchemy import func, insert, select

from services.roster.adapters import orm
from shared.config import Settings
from shared.db import make_engine, make_session_factory
from shared.events import new_envelope
from shared.messaging.relay import OutboxRelay
from shared.migrations import upgrade
from shared.worker import GracefulStop

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def fresh_database(admin_url: str) -> tuple[str, callable]:
    name = f"iop_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url, drop


def fill_outbox(session_factory, outbox, count: int) -> None:
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        envelope = new_envelope("roster.enrollment.waitlisted", {
            "enrollment_id": str(uuid.uuid4()), "group_id": str(uuid.uuid4()),
            "participant_id": str(uuid.uuid4()), "position": i % 20 + 1}, "roster", uuid.uuid4().hex)
        rows.append({"event_id": envelope.id, "event_type": envelope.type, "exchange": "iop.events",
                     "routing_key": envelope.type, "body": envelope.to_json(),
                     "correlation_id": envelope.correlation_id, "created_at": now, "attempts": 0})
    with session_factory() as session:
        for start in range(0, count, 5000):
            session.execute(insert(outbox), rows[start:start + 5000])
        session.commit()


def measure(events: int, admin_url: str, batch_size: int, amqp_url: str = AMQP_URL) -> dict:
    url, drop = fresh_database(admin_url)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.exchange_declare("iop.events", "topic", durable=True)
    queue = f"bench.relay.{uuid.uuid4().hex[:6]}"
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, "iop.events", "roster.#")
    try:
        upgrade("roster", url)
        engine = make_engine(url)
        session_factory = make_session_factory(engine)
        outbox = orm.messaging.outbox
        fill_outbox(session_factory, outbox, events)
        stop = GracefulStop()
        relay = OutboxRelay(session_factory, orm.messaging, amqp_url, batch_size=batch_size, stop=stop)
        started = time.perf_counter()
        thread = threading.Thread(target=relay.run, daemon=True)
        thread.start()
        while True:
            with session_factory() as session:
                left = session.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar_one()
            if left == 0:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.request()
        thread.join(timeout=10)
        delivered = channel.queue_declare(queue, passive=True).method.message_count
        engine.dispose()
        return {"events": events, "batch_size": batch_size, "seconds": round(elapsed, 3),
                "events_per_second": round(events / elapsed), "delivered_to_queue": delivered,
                "budget_events_per_second": 5000}
    finally:
        channel.queue_delete(queue)
        connection.close()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=Settings.relay_batch_size)
    parser.add_argument("--database-url", default=ADMIN_URL, help="an admin URL of the PostgreSQL server")
    parser.add_argument("--amqp-url", default=AMQP_URL, help="the RabbitMQ to publish to")
    args = parser.parse_args()
    print(json.dumps(measure(args.events, args.database_url, args.batch_size, args.amqp_url)))


if __name__ == "__main__":
    main()
