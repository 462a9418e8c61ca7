"""The whole platform as ops run it, for fault tests: the three APIs under gunicorn, both outbox
relays, both consumers, the reminder scheduler and a mail sink, each a real process with its own
environment, so any one of them can be killed with SIGKILL and started again.

The databases and the broker are given (private instances when a test crashes them); the stack
never starts, stops or touches them itself.

The consumers start first: on a fresh broker, an event published before its consumer's queue is
declared and bound is routed nowhere and dropped, although the relay sees it confirmed and marks
it sent. (A deployment has the same window on a broker that lost its definitions; the relays do not
publish as `mandatory`.)
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

from shared.migrations import upgrade
from tests.support.private_postgres import PrivatePostgres
from tests.support.processes import VENV_BIN, Platform, Process, free_port, wait_http
from tests.support.tokens import TEST_SECRET

SERVICES = ("roster", "sessions", "notifications")
# worker name -> (the service whose database it uses, its module)
WORKERS = {
    "roster-relay": ("roster", "services.roster.entrypoints.relay"),
    "sessions-relay": ("sessions", "services.sessions.entrypoints.relay"),
    "sessions-consumer": ("sessions", "services.sessions.entrypoints.consumer"),
    "notifications-consumer": ("notifications", "services.notifications.entrypoints.consumer"),
    "notifications-scheduler": ("notifications", "services.notifications.entrypoints.scheduler"),
}


class Stack:
    def __init__(self, log_dir: Path, database_urls: dict[str, str], amqp_url: str, mail_dir: Path,
                 web_concurrency: int = 2, **extra_env: str):
        self.database_urls = database_urls
        self.mail_dir = mail_dir
        self.smtp_port = free_port()
        self.ports = {service: free_port() for service in SERVICES}
        self.platform = Platform(log_dir, {
            "APP_ENV": "test", "JWT_SECRET": TEST_SECRET, "AMQP_URL": amqp_url, "LOG_LEVEL": "INFO",
            "WEB_CONCURRENCY": str(web_concurrency), "SMTP_PORT": str(self.smtp_port), "SMTP_TIMEOUT": "5",
            "SESSIONS_PUBLIC_URL": f"http://127.0.0.1:{self.ports['sessions']}",
            # Faults are short here: retry soon, and allow enough attempts to outlast a restart.
            "CONSUMER_RETRY_DELAYS": "0.5,1,2,4", "CONSUMER_MAX_ATTEMPTS": "12",
            "NOTIFY_RETRY_BASE_SECONDS": "0.5", "NOTIFY_RETRY_MAX_SECONDS": "2",
            "IOP_VAR_DIR": str(log_dir / "var"), **extra_env})
        self.urls: dict[str, str] = {}
        self.workers: dict[str, Process] = {}
        self._generation: dict[str, int] = {}

    def start(self, apis: tuple[str, ...] = SERVICES, workers: tuple[str, ...] = tuple(WORKERS)) -> Stack:
        """The mail sink, the consumers (each consuming), the other workers, then the APIs (each
        ready); all of the platform by default."""
        self.platform.start("mailsink", [sys.executable, "-m", "shared.mailsink", "--host", "127.0.0.1",
                                         "--port", str(self.smtp_port), "--dir", str(self.mail_dir)])
        wait_smtp(self.smtp_port)
        # Consumers first, and each one's queue declared before any relay publishes: the broker drops
        # an event that no queue is bound for yet (see the module docstring).
        consumers = [name for name in workers if name.endswith("-consumer")]
        for name in consumers:
            self.start_worker(name)
        for name in consumers:
            self.wait_consuming(name)
        for name in workers:
            if name not in consumers:
                self.start_worker(name)
        apis_started = [(service, self._start_api(service)) for service in apis]
        for service, process in apis_started:  # booting side by side, then each checked ready
            self.urls[service] = f"http://127.0.0.1:{self.ports[service]}"
            wait_http(f"{self.urls[service]}/readyz", timeout=90, process=process)
        return self

    def _start_api(self, service: str, name: str | None = None, port: int | None = None) -> Process:
        port = port or self.ports[service]
        return self.platform.start(name or service, [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                                     "-b", f"127.0.0.1:{port}", f"services.{service}.entrypoints.wsgi:app"],
                                   PORT=str(port), DATABASE_URL=self.database_urls[service])

    def start_api_replica(self, service: str, name: str) -> str:
        """Another gunicorn of `service` on a port of its own, as a second pod would be; its URL once ready."""
        port = free_port()
        process = self._start_api(service, name, port)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/readyz", timeout=90, process=process)
        return url

    def wait_consuming(self, name: str, timeout: float = 60) -> None:
        process = self.workers[name]
        deadline = time.monotonic() + timeout
        while '"msg": "consuming"' not in process.log():
            if process.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} is not consuming:\n{process.log()[-3000:]}")
            time.sleep(0.1)

    def start_worker(self, name: str, kind: str | None = None, **env: str) -> Process:
        """Start worker `name` (of `kind`, a key of WORKERS, when the name is not one itself)."""
        service, module = WORKERS[kind or name]
        generation = self._generation.get(name, 0) + 1
        self._generation[name] = generation
        self.workers[name] = self.platform.worker(f"{name}.{generation}", module,
                                                  DATABASE_URL=self.database_urls[service], **env)
        return self.workers[name]

    def kill_worker(self, name: str) -> None:
        """SIGKILL: no chance to finish the batch in hand, ack, or close anything."""
        self.workers[name].stop(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM to every process at once, then wait for each (SIGKILL after 30 s)."""
        processes = [p for p in self.platform.processes if p.popen.poll() is None]
        for process in processes:
            try:
                os.killpg(process.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in reversed(self.platform.processes):
            process.stop()

    def logs(self) -> str:
        return self.platform.logs()

    def dead_workers(self) -> list[str]:
        """Workers that exited on their own (a worker must ride out broker and database outages)."""
        return [name for name, process in self.workers.items() if process.popen.poll() is not None]


def databases_on(server: PrivatePostgres) -> dict[str, str]:
    """A database per service on a private PostgreSQL, migrated as the one-shot migrate step does."""
    urls = {}
    for service in SERVICES:
        urls[service] = server.create_database(f"iop_{service}")
        upgrade(service, urls[service])
    return urls


def wait_smtp(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the mail sink did not listen on {port} within {timeout}s")
