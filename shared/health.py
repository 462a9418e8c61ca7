"""Health endpoints: /healthz (the process is alive) and /readyz (the database answers).

Readiness of an API depends on its database only: the API works without the broker (events wait
in the outbox), so the broker's reachability and the backlog are reported, not required.
"""
from __future__ import annotations

import socket
from urllib.parse import urlparse

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from shared.auth import public
from shared.messaging.broker import node_urls
from shared.metrics import outbox_backlog

health = Blueprint("health", __name__)


def broker_reachable(amqp_url: str, timeout: float = 0.3) -> bool:
    """True when a node AMQP_URL names (one URL, or several comma-separated) accepts a connection."""
    for url in node_urls(amqp_url):
        parsed = urlparse(url)
        try:
            with socket.create_connection((parsed.hostname or "localhost", parsed.port or 5672), timeout=timeout):
                return True
        except OSError:
            continue
    return False


@health.get("/healthz")
@public
def healthz():
    return jsonify(status="ok")


@health.get("/readyz")
@public
def readyz():
    ctx = current_app.extensions["iop"]
    body = {"database": "down", "broker": "unknown", "outbox_backlog": None}
    try:
        with ctx.session_factory() as session:
            session.execute(text("SELECT 1"))
        body["database"] = "ok"
        body["outbox_backlog"], _ = outbox_backlog(ctx.session_factory, ctx.tables.outbox)
    except Exception:  # noqa: BLE001 - any database failure means not ready
        body["database"] = "down"
    body["broker"] = "ok" if broker_reachable(ctx.settings.amqp_url) else "unreachable"
    status = 200 if body["database"] == "ok" else 503
    body["status"] = "ready" if status == 200 else "not ready"
    return jsonify(body), status
