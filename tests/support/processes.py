"""Start the platform's real processes (gunicorn APIs, relays, consumers, schedulers) for end-to-end
tests, each with its own environment, and stop them with SIGTERM at the end."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.ports import free_port  # noqa: F401 - importable from here too

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


class Process:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._log.close()
        return self.popen.returncode


class Platform:
    """A set of processes sharing a base environment; stopped together."""

    def __init__(self, log_dir: Path, base_env: dict[str, str]):
        self.log_dir = log_dir
        self.base_env = {**os.environ, **base_env, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
                         "PYTHONUNBUFFERED": "1"}
        self.processes: list[Process] = []

    def start(self, name: str, argv: list[str], **env: str) -> Process:
        process = Process(name, argv, {**self.base_env, **env}, self.log_dir)
        self.processes.append(process)
        return process

    def api(self, name: str, service: str, port: int, **env: str) -> str:
        self.start(name, [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                          f"services.{service}.entrypoints.wsgi:app"], PORT=str(port), **env)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/readyz", process=self.processes[-1])
        return url

    def worker(self, name: str, module: str, **env: str) -> Process:
        return self.start(name, [sys.executable, "-m", module], **env)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()}" for p in self.processes)


def wait_http(url: str, timeout: float = 30, process: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited early:\n{process.log()[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready in {timeout}s")
