"""JSON log lines with the service name and a correlation id; ids only, never personal data.

The correlation id lives in a context variable: the web layer sets it per request (from the
`X-Correlation-ID` header or a new one), consumers set it from the event envelope, and the
outbox copies it into every event written, so one id follows a request across services.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import uuid
from datetime import datetime, timezone

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_service = "iop"


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def new_correlation_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def correlation(correlation_id: str | None):
    token = _correlation_id.set(correlation_id or new_correlation_id())
    try:
        yield _correlation_id.get()
    finally:
        _correlation_id.reset(token)


def set_correlation_id(correlation_id: str | None) -> contextvars.Token:
    return _correlation_id.set(correlation_id)


def reset_correlation_id(token: contextvars.Token) -> None:
    _correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    # Only these extra attributes are copied: callers pass ids and counts, nothing else.
    EXTRA_KEYS = ("event_id", "event_type", "group_id", "participant_id", "session_id", "enrollment_id",
                  "notification_id", "facilitator_id", "status", "attempts", "count", "path", "method",
                  "duration_ms", "channel", "queue", "error", "consumer", "outbox_backlog", "role", "subject_hash",
                  "outcome")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": _service,
            "logger": record.name,
            "msg": record.getMessage(),
            "correlation_id": _correlation_id.get(),
        }
        for key in self.EXTRA_KEYS:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    global _service
    _service = service
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika is chatty at INFO about every reconnect attempt; its warnings still show.
    logging.getLogger("pika").setLevel(logging.WARNING)
