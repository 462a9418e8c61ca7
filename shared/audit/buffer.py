"""Reads are recorded without making the request wait: rows are queued in memory and written in
batches by a background thread (every AUDIT_FLUSH_SECONDS, sooner when AUDIT_FLUSH_ROWS are waiting).

Nothing queued is dropped on the way out. A gunicorn worker stopped with SIGTERM (or recycled, or
stopped with SIGINT/SIGQUIT) finishes its requests and exits through the interpreter, and the exit
handler writes what is still queued. A batch the database refuses stays queued and is tried again.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref

from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
_buffers: "weakref.WeakSet[AuditBuffer]" = weakref.WeakSet()


class AuditBuffer:
    def __init__(self, engine: Engine, table: Table, flush_seconds: float = 0.5, flush_rows: int = 500):
        self.engine, self.table = engine, table
        self.flush_seconds, self.flush_rows = flush_seconds, flush_rows
        self._rows: list[dict] = []
        self._lock = threading.Lock()         # guards _rows
        self._writing = threading.Lock()      # one batch at a time, the exit flush included
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        _buffers.add(self)

    def add(self, rows: list[dict]) -> None:
        with self._lock:
            self._rows.extend(rows)
            waiting = len(self._rows)
        if self._thread is None:
            self._start()
        if waiting >= self.flush_rows:
            self._wake.set()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write everything queued now; returns the number of rows written. Raises if the database
        refuses (the rows stay queued)."""
        with self._writing:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                self._write(rows)
            except Exception:
                with self._lock:
                    self._rows[:0] = rows
                raise
            return len(rows)

    def _write(self, rows: list[dict]) -> None:
        # A multi-row INSERT. COPY was tried (cheaper on PostgreSQL) but lost the exit flush of a
        # gunicorn worker stopped with SIGTERM (tests/e2e/test_audit_shutdown.py); not yet understood.
        with self.engine.begin() as connection:
            connection.execute(insert(self.table), rows)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - at exit there is no one to raise to; say how many
            log.exception("audit rows could not be written at exit", extra={"rows": self.pending})

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            # The thread holds the buffer only while it writes: an app that is dropped (tests build
            # hundreds) takes its buffer, engine and pooled connections with it.
            self._thread = threading.Thread(target=_run, args=(weakref.ref(self),), name="audit-flush", daemon=True)
        self._thread.start()


def _run(ref: "weakref.ref[AuditBuffer]") -> None:
    while True:
        buffer = ref()
        if buffer is None or buffer._closed:
            return
        wake, seconds = buffer._wake, buffer.flush_seconds
        del buffer
        wake.wait(seconds)
        wake.clear()
        buffer = ref()
        if buffer is None:
            return
        try:
            buffer.flush()
        except Exception:  # noqa: BLE001 - kept queued; tried again at the next tick
            log.warning("audit rows not written yet; will retry", extra={"rows": buffer.pending})
            wake.wait(min(seconds * 4, 5))
        del buffer


@atexit.register
def close_all() -> None:
    """Write what every buffer of this process holds and stop their threads (at exit; tests call it
    before dropping their databases)."""
    for buffer in list(_buffers):
        buffer.close()


def _forget_parents_buffers() -> None:
    # A forked child must not write rows its parent queued (the parent writes them), nor think its
    # parent's thread is its own.
    for buffer in list(_buffers):
        buffer._rows, buffer._thread = [], None
        buffer._lock, buffer._writing = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_forget_parents_buffers)
