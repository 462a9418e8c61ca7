"""The whole platform as ops run it, for end-to-end tests: the three APIs under gunicorn, the relays,
the consumers and the reminder scheduler as real processes (the set of deploy/Procfile.dev), on
fresh PostgreSQL databases, the real RabbitMQ, a real SMTP server (the mail sink) and a stand-in SMS
provider (the SMS gateway's webhook).

Named `stack`, not `platform`: pytest puts this folder on sys.path, where a platform.py would shadow
the standard library's module of that name.

The broker is shared with whatever else runs on this machine. The e2e stories of a test session get a
virtual host of their own (see `isolated_vhost`), and each Stack its own queue names
(CONSUMER_QUEUE), so no other run's events reach these consumers and none of ours reach theirs.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pika
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.mailsink import MailSink
from shared.messaging.vhost import VhostError, delete_vhost, ensure_vhost, with_vhost
from tests.e2e.privacy import People
from tests.e2e.sms_gateway import SmsGateway
from tests.support.processes import VENV_BIN, Process, free_port
from tests.support.tokens import TEST_SECRET

REMINDER_OFFSETS = "6s,3s"  # reminders 6 and 3 seconds before a session: a story waits seconds, not hours
NOTE_REMINDER_GRACE = "3s"  # a note begun more than a day after its session is chased 3 s later, not 1 h
RETRY_DELAYS = "0.5,1,2"  # a consumer's retries of an event that arrived before what it depends on


@dataclass(frozen=True)
class Role:
    """One process of the platform: which service's settings it runs with, its command, and the log
    line (`msg`) that says it is ready; APIs are ready when /readyz answers 200 instead."""

    service: str
    argv: tuple[str, ...]
    ready_msg: str | None = None

    @property
    def is_api(self) -> bool:
        return self.ready_msg is None


def _api(service: str) -> Role:
    return Role(service, (str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                          f"services.{service}.entrypoints.wsgi:app"))


def _worker(service: str, entrypoint: str, ready_msg: str) -> Role:
    return Role(service, (sys.executable, "-m", f"services.{service}.entrypoints.{entrypoint}"), ready_msg)


ROLES = {
    "roster": _api("roster"),
    "sessions": _api("sessions"),
    "notifications": _api("notifications"),
    "roster-relay": _worker("roster", "relay", "relay connected; publishing with confirms"),
    "sessions-relay": _worker("sessions", "relay", "relay connected; publishing with confirms"),
    "sessions-consumer": _worker("sessions", "consumer", "consuming"),
    "notifications-consumer": _worker("notifications", "consumer", "consuming"),
    "notifications-scheduler": _worker("notifications", "scheduler", "scheduler started"),
}
EVERYTHING = tuple(ROLES)


class Stack:
    """Processes started from `ROLES` with the environment compose would give them, test-sized."""

    def __init__(self, workdir: Path, databases, amqp_url: str):
        self.workdir = workdir
        self.amqp_url = amqp_url
        run = uuid.uuid4().hex[:8]
        self.queues = {"sessions": f"e2e.{run}.sessions", "notifications": f"e2e.{run}.notifications"}
        self.ports = {service: free_port() for service in ("roster", "sessions", "notifications")}
        self.urls = {service: f"http://127.0.0.1:{port}" for service, port in self.ports.items()}
        self.database_urls = {service: databases.new("postgresql", service) for service in self.ports}
        self.mail = MailSink("127.0.0.1", 0, workdir / "mail")
        self.mail_log = LogTap("mailsink")  # the mail sink runs in this process: its lines are kept here
        self.mail.start()
        self.sms = SmsGateway()
        self.sms.start()
        self.people = People()  # everyone the stories register, for the privacy scan
        self.incarnations: dict[str, list[Process]] = {}
        self.metrics_ports: dict[str, int] = {}
        self.extra_env: dict[str, dict[str, str]] = {}  # service -> more variables (set before start)

    # --- starting and stopping --------------------------------------------------------------------
    def env(self, name: str) -> dict[str, str]:
        role = ROLES[name]
        service = role.service
        env = {"APP_ENV": "test", "JWT_SECRET": TEST_SECRET, "AMQP_URL": self.amqp_url, "LOG_LEVEL": "INFO",
               "DATABASE_URL": self.database_urls[service], "CONSUMER_RETRY_DELAYS": RETRY_DELAYS,
               "PUBLIC_BASE_URL": self.urls[service], "PYTHONUNBUFFERED": "1",
               "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               # Nothing else of the developer's shell: a stray SMTP_PORT must not change the run.
               **{key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}}
        if service in self.queues:
            env["CONSUMER_QUEUE"] = self.queues[service]
        if service == "notifications":
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.mail.port),
                       SESSIONS_PUBLIC_URL=self.urls["sessions"], REMINDER_OFFSETS=REMINDER_OFFSETS,
                       NOTE_REMINDER_GRACE=NOTE_REMINDER_GRACE,
                       NOTIFY_RETRY_BASE_SECONDS="0.5", SMS_WEBHOOK_URL=self.sms.url)
        env.update(self.extra_env.get(service, {}))
        if role.is_api:  # as in docker-compose.yml: two workers aggregating their metrics
            metrics_dir = self.workdir / f"prometheus-{name}-{uuid.uuid4().hex[:6]}"
            metrics_dir.mkdir()
            env.update(PORT=str(self.ports[service]), WEB_CONCURRENCY="2",
                       PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
        else:
            self.metrics_ports[name] = free_port()
            env.update(METRICS_PORT=str(self.metrics_ports[name]),
                       HEARTBEAT_FILE=str(self.workdir / f"{name}.heartbeat"))
        return env

    def start(self, *names: str, timeout: float = 40, wait: bool = True) -> None:
        """Start these processes side by side, then (unless `wait` is false) wait until each is ready."""
        started = []
        for name in names:
            role = ROLES[name]
            argv = list(role.argv)
            if role.is_api:
                argv[3:3] = ["-b", f"127.0.0.1:{self.ports[role.service]}"]
            count = len(self.incarnations.setdefault(name, []))
            process = Process(name if count == 0 else f"{name}.{count + 1}", argv, self.env(name), self.workdir)
            self.incarnations[name].append(process)
            started.append((name, process))
        if not wait:
            return
        deadline = time.monotonic() + timeout
        for name, process in started:
            while not self._ready(name, process):
                if process.popen.poll() is not None:
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n"
                                       f"{process.log()[-3000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{process.name} not ready after {timeout}s:\n{process.log()[-3000:]}")
                time.sleep(0.1)

    def _ready(self, name: str, process: Process) -> bool:
        role = ROLES[name]
        if role.is_api:
            try:
                return requests.get(f"{self.urls[role.service]}/readyz", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        return any(line.get("msg") == role.ready_msg for line in log_lines(process))

    def process(self, name: str) -> Process:
        """The running (latest) incarnation of a process."""
        return self.incarnations[name][-1]

    def stop(self, name: str, timeout: float = 30) -> int | None:
        """SIGTERM, as `docker compose stop` sends it; returns the exit status."""
        return self.process(name).stop(timeout=timeout)

    def restart(self, name: str) -> None:
        """Start a stopped process again without waiting for it: it catches up on its own, as a
        container restarted by compose does (`assert_running` then checks it did not die)."""
        self.start(name, wait=False)

    def assert_running(self) -> None:
        for processes in self.incarnations.values():
            latest = processes[-1]
            assert latest.popen.poll() is None, f"{latest.name} exited:\n{latest.log()[-3000:]}"

    def stop_everything(self) -> None:
        """SIGTERM every process side by side, as compose does; stopped ones stay stopped."""
        processes = [process for incarnations in self.incarnations.values() for process in incarnations]
        with ThreadPoolExecutor(max_workers=max(len(processes), 1)) as pool:
            list(pool.map(Process.stop, processes))

    def close(self) -> None:
        self.stop_everything()
        self.mail.stop()
        self.mail_log.close()
        self.sms.stop()
        with contextlib.suppress(pika.exceptions.AMQPError):
            delete_queues(self.amqp_url, self.queues.values(), RETRY_DELAYS)

    # --- what ops look at ---------------------------------------------------------------------------
    def logs(self, name: str) -> list[dict]:
        """The JSON log lines of every incarnation of a process."""
        return [line for process in self.incarnations.get(name, []) for line in log_lines(process)]

    def raw_logs(self) -> str:
        return "\n".join(self.transcripts().values())

    def transcripts(self) -> dict[str, str]:
        """{incarnation: everything it wrote}: each process's stdout and stderr go to one file, so this
        is every line of every process, gunicorn's access and error logs included."""
        return {process.name: process.log() for processes in self.incarnations.values() for process in processes}

    def metrics(self, name: str) -> dict[tuple[str, frozenset], float]:
        """{(sample name, labels): value} scraped from an API's /metrics or a worker's METRICS_PORT."""
        role = ROLES[name]
        url = (f"{self.urls[role.service]}/metrics" if role.is_api
               else f"http://127.0.0.1:{self.metrics_ports[name]}/metrics")
        text = requests.get(url, timeout=5).text
        return {(sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(text) for sample in family.samples}

    def queue_depth(self, service: str) -> int:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        try:
            return connection.channel().queue_declare(self.queues[service], passive=True).method.message_count
        finally:
            connection.close()


class LogTap(logging.Filter):
    """Keeps the lines a logger of the test process writes, for what runs in a thread of it rather
    than as a process of its own (the mail sink). A filter on the logger, not a handler: it sees every
    line, then lets only warnings and errors on to pytest's report, which its INFO lines would fill
    (pytest attaches its handlers to every logger, propagating or not)."""

    def __init__(self, name: str):
        super().__init__()
        self.lines: list[str] = []
        self.logger = logging.getLogger(name)
        self._saved_level = self.logger.level
        self.logger.setLevel(logging.INFO)
        self.logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        self.lines.append(record.getMessage())
        return record.levelno >= logging.WARNING

    def close(self) -> None:
        self.logger.removeFilter(self)
        self.logger.setLevel(self._saved_level)


def log_lines(process: Process) -> list[dict]:
    lines = []
    for text in process.log().splitlines():
        if text.startswith("{"):
            with contextlib.suppress(ValueError):
                lines.append(json.loads(text))
    return lines


def metric(samples: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include these (0 when there are none)."""
    wanted = set(labels.items())
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and wanted <= sample_labels)


def delete_queues(amqp_url: str, queues, retry_delays: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        for queue in queues:
            channel.queue_delete(queue)
            for delay in retry_delays.split(","):
                channel.queue_delete(f"{queue}.retry.{int(float(delay) * 1000)}ms")
    finally:
        connection.close()


@contextlib.contextmanager
def isolated_vhost(amqp_url: str) -> Iterator[str]:
    """The broker URL of a fresh virtual host on the same RabbitMQ, deleted afterwards.

    The integration tests of this session publish roster.* events to `iop.events` of the session's
    vhost; in a virtual host of the e2e stories' own none of them reach the stacks' consumers."""
    url = with_vhost(amqp_url, f"iop-e2e-{uuid.uuid4().hex[:8]}")
    ensure_vhost(url)
    try:
        yield url
    finally:
        with contextlib.suppress(VhostError):
            delete_vhost(url)
