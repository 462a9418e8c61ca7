"""`python -m shared.wait_ready`, the init container of every API and worker pod: it waits while the
schema is behind this code's head or a consumer's queue is missing, and lets the pod start once the
migrate one-shot has done its work."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

from shared.config import REPO_ROOT
from shared.migrations import upgrade
from shared.messaging.provision import provision_consumer_queue
from tests.support.workers import delete_queues


def wait_ready(database_url: str, amqp_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "AMQP_URL": amqp_url}
    return subprocess.run([sys.executable, "-m", "shared.wait_ready", "--timeout", "1", "--interval", "0.2", *args],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)


def test_a_pod_waits_until_its_schema_is_at_head(tmp_path, amqp_url):
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    behind = wait_ready(url, amqp_url, "--schema", "roster")
    assert behind.returncode == 1
    assert "the roster schema is not at head yet" in behind.stderr
    upgrade("roster", url)  # what the migrate Job does
    assert wait_ready(url, amqp_url, "--schema", "roster").returncode == 0


def test_a_relay_waits_until_the_consumers_queue_is_declared(tmp_path, amqp_url):
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    upgrade("roster", url)
    queue = f"test.wait.{uuid.uuid4().hex[:8]}"
    missing = wait_ready(url, amqp_url, "--schema", "roster", "--queue", queue)
    assert missing.returncode == 1 and f"queue {queue!r} is not declared yet" in missing.stderr
    try:
        provision_consumer_queue(amqp_url, queue, [], [1])
        assert wait_ready(url, amqp_url, "--schema", "roster", "--queue", queue).returncode == 0
    finally:
        delete_queues(amqp_url, [queue, f"{queue}.retry.1000ms"])
