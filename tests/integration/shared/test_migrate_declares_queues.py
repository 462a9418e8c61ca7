"""The migrate one-shot of a consuming service declares its queue, so events published before its
consumer ever ran are kept for it (RabbitMQ drops, yet confirms, what no queue is bound to)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pika
import pytest

from shared.config import REPO_ROOT
from shared.messaging.topology import EXCHANGE


@pytest.mark.parametrize("service, routing_key", [("sessions", "roster.group.created"),
                                                  ("notifications", "sessions.session.cancelled")])
def test_an_event_published_after_migrate_waits_in_the_consumers_queue(service, routing_key, amqp_url, tmp_path):
    queue = f"test.{service}.{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "AMQP_URL": amqp_url,
           "CONSUMER_QUEUE": queue, "CONSUMER_RETRY_DELAYS": "1", "APP_ENV": "development"}
    done = subprocess.run([sys.executable, "-m", f"services.{service}.entrypoints.migrate"], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(EXCHANGE, routing_key, b'{"probe": true}',
                              pika.BasicProperties(delivery_mode=2), mandatory=True)
        method, _, body = channel.basic_get(queue, auto_ack=True)
        assert method is not None and body == b'{"probe": true}'
        assert channel.queue_declare(f"{queue}.retry.1000ms", passive=True)  # the retry queue too
    finally:
        for name in (queue, f"{queue}.retry.1000ms"):
            connection.channel().queue_delete(name)
        connection.close()


def test_migrate_fails_when_the_broker_never_answers(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "APP_ENV": "development",
           "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/%2F", "BROKER_WAIT_SECONDS": "1"}
    done = subprocess.run([sys.executable, "-m", "services.sessions.entrypoints.migrate"], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "AMQPConnectionError" in done.stderr
