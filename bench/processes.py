"""The benchmark's processes: start the platform's real commands (gunicorn APIs, relays, consumers,
the scheduler) as subprocesses with their own environment, stop them by process group, and sample
every process's resident memory (VmRSS, VmHWM) while they run.

Only processes this module started are ever signalled, each by its own process group.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, role: str):
        self.name = name
        self.role = role  # "api" (a gunicorn master and its workers) or "worker" (one process)
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> int | None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass
        if not self._log.closed:
            self._log.close()
        return self.popen.returncode


class Platform:
    """A set of processes sharing a base environment; stopped together, newest first."""

    def __init__(self, log_dir: Path, base_env: dict[str, str]):
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.base_env = {**os.environ, **base_env, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
                         "PYTHONUNBUFFERED": "1"}
        self.processes: list[Process] = []
        self.memory = MemorySampler(self)

    def start(self, name: str, argv: list[str], role: str = "worker", **env: str) -> Process:
        process = Process(name, argv, {**self.base_env, **env}, self.log_dir, role)
        self.processes.append(process)
        return process

    def api(self, name: str, app: str, port: int, ready_path: str = "/readyz", **env: str) -> str:
        """gunicorn with the project's settings (deploy/gunicorn.conf.py) serving `app`."""
        process = self.start(name, [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                    "-b", f"127.0.0.1:{port}", app], role="api", PORT=str(port), **env)
        url = f"http://127.0.0.1:{port}"
        wait_http(url + ready_path, process=process, timeout=60)
        return url

    def worker(self, name: str, module: str, **env: str) -> Process:
        return self.start(name, [sys.executable, "-m", module], role="worker", **env)

    def stop(self, process: Process) -> None:
        self.memory.sample()  # the last look at its peak before it goes
        process.stop()

    def stop_all(self) -> None:
        self.memory.sample()
        for process in reversed(self.processes):
            process.stop()

    def check_alive(self) -> None:
        dead = [p for p in self.processes if p.popen.returncode is None and not p.alive()]
        if dead:
            raise RuntimeError("; ".join(f"{p.name} exited with {p.popen.returncode}:\n{p.tail()}" for p in dead))


def wait_http(url: str, timeout: float = 30, process: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{process.name} exited early:\n{process.tail()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready in {timeout}s")


# --- memory ---------------------------------------------------------------------------------------

def _status_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in kB, or None if it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        return None
    return rss, hwm


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the ppid follows the last ')'.
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process, its live descendants, and the children it
    has already waited for (gunicorn's recycled workers), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    pids = [pid] + _descendants(pid, _children_map())
    for n, p in enumerate(pids):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        # After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
        total += int(fields[11]) + int(fields[12])
        if n == 0:
            total += int(fields[13]) + int(fields[14])
    return total / ticks


class MemorySampler:
    """Peak resident memory of every process of the platform and of its children (gunicorn workers,
    which come and go with max_requests): VmHWM read from /proc every `interval` seconds, kept per pid."""

    def __init__(self, platform: Platform, interval: float = 0.5):
        self.platform = platform
        self.interval = interval
        # (process name, "master" | "worker" | "process", pid) -> peak kB
        self.peaks: dict[tuple[str, str, int], int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        with self._lock:
            children = _children_map()
            for process in list(self.platform.processes):
                if not process.alive():
                    continue
                root = process.pid
                members = [(root, "master" if process.role == "api" else "process")]
                members += [(pid, "worker" if process.role == "api" else "child")
                            for pid in _descendants(root, children)]
                for pid, kind in members:
                    status = _status_kb(pid)
                    if status is None:
                        continue
                    key = (process.name, kind, pid)
                    self.peaks[key] = max(self.peaks.get(key, 0), status[1], status[0])

    def summary(self) -> dict[str, dict]:
        """Per process name: the peak of its master/process and the highest peak among its workers."""
        out: dict[str, dict] = {}
        for (name, kind, _pid), kb in sorted(self.peaks.items()):
            entry = out.setdefault(name, {"pids_seen": 0})
            entry["pids_seen"] += 1
            field = f"{kind}_peak_mb"
            entry[field] = max(entry.get(field, 0.0), round(kb / 1024, 1))
        return out
