"""A private RabbitMQ node for tests that kill the broker: it runs as user `rabbitmq` on its own
ports and data folder, and only it is ever killed (by its process group), never the shared one."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pika


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRabbit:
    def __init__(self, home: str = "/var/lib/rabbitmq") -> None:
        self.port = _free_port()
        self.dist_port = _free_port()
        self.name = f"iop-test-{uuid.uuid4().hex[:8]}@localhost"
        self.base = Path(tempfile.mkdtemp(prefix="iop-rabbit-"))
        self.home = home  # where the Erlang cookie is: nodes of one cluster share it
        self.process: subprocess.Popen | None = None
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        (self.base / "enabled_plugins").write_text("[].\n")
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        for child in self.base.iterdir():
            shutil.chown(child, "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F?heartbeat=5&connection_attempts=1&socket_timeout=2"

    def start(self, timeout: float = 60.0) -> None:
        env = {**os.environ, "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_PORT": str(self.port),
               "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
               "RABBITMQ_LOG_BASE": str(self.base / "log"), "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"), "HOME": self.home}
        self.process = subprocess.Popen(
            ["runuser", "-u", "rabbitmq", "-m", "--", "rabbitmq-server"], env=env, cwd=str(self.base),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private RabbitMQ exited with {self.process.returncode}; logs in {self.base}")
            try:
                pika.BlockingConnection(pika.URLParameters(self.url)).close()
                return
            except Exception:  # noqa: BLE001 - still booting
                time.sleep(0.5)
        raise RuntimeError(f"private RabbitMQ did not start within {timeout}s; logs in {self.base}")

    def kill(self) -> None:
        """kill -9 the node (its whole process group), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._wait_port_closed()

    def _wait_port_closed(self) -> None:
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.1)
            except OSError:
                return

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.base, ignore_errors=True)
