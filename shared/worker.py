"""What every long-running worker process shares: graceful stop on SIGTERM/SIGINT and a heartbeat file.

A worker checks `stop.requested` between messages, so SIGTERM lets it finish and ack the message
in hand before it exits. The heartbeat file's age is the container's health check.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


class GracefulStop:
    def __init__(self) -> None:
        self._event = threading.Event()

    def install(self) -> "GracefulStop":
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        return self

    def _on_signal(self, signum, _frame) -> None:
        log.info("stop requested by signal %s; finishing the message in hand", signum)
        self._event.set()

    def request(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; returns True if a stop was requested meanwhile."""
        return self._event.wait(seconds)


class Heartbeat:
    def __init__(self, path: str | None, every_seconds: float = 5.0) -> None:
        self.path = Path(path) if path else None
        self.every = every_seconds
        self._last = 0.0

    def beat(self) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.path.touch()
            os.utime(self.path)


def backoff_delays(first: float = 0.5, maximum: float = 10.0):
    """0.5, 1, 2, 4 ... capped: how long to wait between reconnect attempts."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, maximum)
