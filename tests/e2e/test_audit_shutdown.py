"""Audit rows of reads are queued in each gunicorn worker and written in the background; a worker
stopped with SIGTERM under load must still write every one it queued (SPEC 9: nothing dropped).

The flush interval is set far beyond the test's length, so at the moment of each SIGTERM the rows are
provably still in the workers' memory (the table is checked), and only the exit flush can save them.
First one worker is stopped (gunicorn starts another), then the whole server, both mid-load. The
proof: every read a client got an answer for has its audit row, found by the correlation id the
client sent; and every row written belongs to a request that was answered or in flight.
"""
from __future__ import annotations

import os
import signal
import threading
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.integration.roster.roster_client import RosterClient
from tests.support.processes import Platform, free_port
from tests.support.tokens import TEST_SECRET, bearer
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e
LOADERS = 6


class Load:
    """Threads reading one participant's record until told to stop; each request has its own
    correlation id, and the ids of the answered ones are kept."""

    def __init__(self, url: str, participant_id: str):
        self.url, self.path = url, f"/v1/participants/{participant_id}"
        self.answered: list[str] = []
        self.sent: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(LOADERS)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        http = requests.Session()
        headers = bearer("admin", str(uuid.uuid4()))
        while not self.stop.is_set():
            correlation = uuid.uuid4().hex
            with self.lock:
                self.sent.append(correlation)
            try:
                response = http.get(self.url + self.path, headers={**headers, "X-Correlation-ID": correlation},
                                    timeout=10)
            except requests.RequestException:
                continue  # the server is going away: a refused connection was never a request
            if response.status_code == 200:
                with self.lock:
                    self.answered.append(correlation)

    def count(self) -> int:
        with self.lock:
            return len(self.answered)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _recorded(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.text("SELECT correlation_id FROM audit_log WHERE action = 'participant.read'")))


def test_sigterm_under_load_loses_no_buffered_audit_row(settings_for, backend, tmp_path):
    settings = settings_for("roster")
    database_url = settings.database_url
    participant = RosterClient(settings).participant()["id"]
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    platform = Platform(tmp_path, {"APP_ENV": "test", "JWT_SECRET": TEST_SECRET, "DATABASE_URL": database_url,
                                   "WEB_CONCURRENCY": "2", "AUDIT_FLUSH_SECONDS": "600",
                                   "AUDIT_FLUSH_ROWS": "1000000", "GUNICORN_MAX_REQUESTS": "0",
                                   "IOP_VAR_DIR": str(tmp_path)})
    url = platform.api("roster", "roster", free_port())
    master = platform.processes[-1]
    load = Load(url, participant)
    try:
        wait_for(lambda: load.count() >= 150, timeout=60, message="150 answered reads")
        assert _recorded(engine) == [], "rows were written before any SIGTERM: the test proves nothing"
        worker = _children(master.popen.pid)[0]
        os.kill(worker, signal.SIGTERM)
        wait_for(lambda: len(_recorded(engine)) > 0, timeout=30, message="the stopped worker's exit flush")
        at_first_stop = load.count()
        wait_for(lambda: len(_children(master.popen.pid)) == 2 and load.count() >= at_first_stop + 150,
                 timeout=60, message="a new worker and 150 more answered reads")
        os.kill(master.popen.pid, signal.SIGTERM)  # compose's stop: the master stops its workers
        assert master.popen.wait(timeout=40) == 0, master.log()[-3000:]
    finally:
        load.finish()
        platform.stop_all()
    recorded = _recorded(engine)
    engine.dispose()
    answered, sent = set(load.answered), set(load.sent)
    missing = answered - set(recorded)
    assert not missing, f"{len(missing)} of {len(answered)} answered reads have no audit row"
    assert len(recorded) == len(set(recorded)), "a read was recorded twice"
    assert set(recorded) <= sent, "an audit row for a request no client sent"
    print(f"audit under SIGTERM ({backend}): {len(answered)} answered reads, {len(recorded)} rows, 0 lost")

