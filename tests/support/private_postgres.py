"""A private PostgreSQL server for tests that stop or crash the database: initdb'd into a temp
folder, run as user `postgres` on a free port, and only it is ever stopped or killed (by its own
PID and process group), never the shared server on 5432.

    pg = PrivatePostgres(); pg.start()
    url = pg.create_database("roster")      # postgresql+psycopg://postgres@127.0.0.1:<port>/roster
    pg.stop_immediate() / pg.kill()          # a crash: no checkpoint, recovery from WAL on start
    pg.start()                               # same data folder, same port
    pg.cleanup()
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.ports import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(*argv: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv]


class PrivatePostgres:
    def __init__(self, max_connections: int = 300) -> None:
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="iop-postgres-"))
        self.data = self.base / "data"
        self.socket_dir = self.base / "socket"
        self.log_path = self.base / "postgres.log"
        self.process: subprocess.Popen | None = None
        self._log = None
        shutil.chown(self.base, "postgres", "postgres")
        self.socket_dir.mkdir()
        shutil.chown(self.socket_dir, "postgres", "postgres")
        subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                                    "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"),
                       check=True, capture_output=True, cwd=str(self.base))
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.socket_dir}'\nmax_connections = {max_connections}\n"
                       "shared_buffers = 64MB\nlog_min_messages = warning\n")

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def pid(self) -> int | None:
        """The postmaster's PID while it runs (from its own pid file)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None

    def start(self, timeout: float = 30.0) -> None:
        """Start the server (after a crash this runs recovery) and wait until it takes connections."""
        self._log = open(self.log_path, "ab")
        # postgres itself in the foreground, in a session of its own: its process group is the
        # server and every backend, so kill() can take them all down at once like a crash would.
        self.process = subprocess.Popen(_as_postgres(str(PG_BIN / "postgres"), "-D", str(self.data)),
                                        cwd=str(self.base), stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private PostgreSQL exited with {self.process.returncode}:\n{self.log()[-2000:]}")
            try:
                psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                                connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError(f"private PostgreSQL did not start within {timeout}s:\n{self.log()[-2000:]}")

    def stop_immediate(self) -> None:
        """pg_ctl stop -m immediate: every backend quits at once, no checkpoint (recovery on start)."""
        subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate",
                                    "-w", "-t", "30"), check=True, capture_output=True, cwd=str(self.base))
        self._reap()

    def kill(self) -> None:
        """kill -9 the postmaster and every backend (its process group), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Backends left behind would keep the old shared memory attached and refuse a restart.
        for _ in range(100):
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def create_database(self, name: str) -> str:
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.base, ignore_errors=True)
