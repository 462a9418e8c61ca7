"""Queues are declared as quorum queues (or classic ones when RABBITMQ_QUEUE_TYPE says so), a queue
the broker already holds with the other type stops the process with a reason an operator can act on,
and AMQP_URL may name several nodes: workers connect to the first one that answers."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pika
import pytest

from services.roster.bootstrap import build_context, unit_of_work
from services.roster.service_layer import handlers
from shared.config import REPO_ROOT
from shared.messaging.provision import provision_consumer_queue
from shared.messaging.topology import QueueDeclarationRefused, retry_queue_name
from tests.integration.shared.test_consumer_inbox import Harness, publish, record_effect, waitlisted_event
from tests.integration.shared.test_outbox_relay import ADMIN, BoundQueue, outbox_rows, participant_data
from tests.support.processes import free_port
from tests.support.workers import delete_queues, running_consumer, running_relay, wait_for


def declared_as(amqp_url: str, name: str, queue_type: str) -> bool:
    """Whether the broker accepts a redeclaration of `name` as `queue_type` (it refuses another type)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        connection.channel().queue_declare(name, durable=True, arguments={"x-queue-type": queue_type})
        return True
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 406, exc
        return False
    finally:
        if connection.is_open:
            connection.close()


def test_a_consumers_queue_and_its_retry_queues_are_quorum_queues(amqp_url):
    queue = f"test.quorum.{uuid.uuid4().hex[:8]}"
    names = [queue, retry_queue_name(queue, 0.5)]
    try:
        provision_consumer_queue(amqp_url, queue, ["test.nothing"], [0.5])
        assert [declared_as(amqp_url, n, "classic") for n in names] == [False, False]
        assert declared_as(amqp_url, queue, "quorum")  # (a retry queue also differs in its TTL)
    finally:
        delete_queues(amqp_url, names)


def test_classic_queues_when_the_setting_asks_for_them(amqp_url):
    queue = f"test.classic.{uuid.uuid4().hex[:8]}"
    try:
        provision_consumer_queue(amqp_url, queue, ["test.nothing"], [0.5], queue_type="classic")
        assert declared_as(amqp_url, queue, "quorum") is False
    finally:
        delete_queues(amqp_url, [queue, retry_queue_name(queue, 0.5)])


def test_an_existing_classic_queue_stops_migrate_with_the_way_out(amqp_url, tmp_path):
    queue = f"test.sessions.{uuid.uuid4().hex[:8]}"
    provision_consumer_queue(amqp_url, queue, ["test.nothing"], [1], queue_type="classic")  # as before
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "AMQP_URL": amqp_url,
           "CONSUMER_QUEUE": queue, "CONSUMER_RETRY_DELAYS": "1", "APP_ENV": "development"}
    try:
        with pytest.raises(QueueDeclarationRefused, match="RABBITMQ_QUEUE_TYPE=classic"):
            provision_consumer_queue(amqp_url, queue, ["test.nothing"], [1])
        done = subprocess.run([sys.executable, "-m", "services.sessions.entrypoints.migrate"], env=env,
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert f"refused to declare queue '{queue}' as a quorum queue" in done.stderr
        assert "Moving to quorum queues" in done.stderr and "Traceback" not in done.stderr
        again = subprocess.run([sys.executable, "-m", "services.sessions.entrypoints.migrate"],
                               env={**env, "RABBITMQ_QUEUE_TYPE": "classic"}, cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr[-2000:]
    finally:
        delete_queues(amqp_url, [queue, retry_queue_name(queue, 1)])


def test_a_consumer_skips_a_node_that_does_not_answer(settings_for, amqp_url):
    dead_node = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F?connection_attempts=1&socket_timeout=1"
    harness = Harness(settings_for("roster"), record_effect)
    event = waitlisted_event()
    with running_consumer(harness.pipeline, f"{dead_node},{amqp_url}", ["test.nothing"]) as consumer:
        wait_for(lambda: declared_as(amqp_url, consumer.queue, "quorum"), message="the queue on the live node")
        publish(amqp_url, consumer.queue, event.to_json())
        wait_for(lambda: harness.effects() == [event.id], message="the event handled")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_relay_skips_a_node_that_does_not_answer(settings_for, amqp_url):
    dead_node = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F?connection_attempts=1&socket_timeout=1"
    context = build_context(settings_for("roster"))
    queue = BoundQueue(amqp_url)
    try:
        handlers.register_participant(unit_of_work(context), ADMIN, participant_data(1))
        with running_relay(context, amqp_url=f"{dead_node},{amqp_url}"):
            wait_for(lambda: all(r.sent_at for r in outbox_rows(context)), message="the event confirmed")
        wait_for(lambda: queue.drain(), message="the event on the bound queue")
    finally:
        queue.close()
