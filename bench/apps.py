"""The two baselines the read endpoints are compared with, served by gunicorn with the very settings
of the services (deploy/gunicorn.conf.py, same WEB_CONCURRENCY and threads, same access log):

    gunicorn -c deploy/gunicorn.conf.py bench.apps:hello   # GET /hello/<id>: a constant JSON
    gunicorn -c deploy/gunicorn.conf.py bench.apps:floor   # GET /floor/<id>: one pooled query, small JSON

The "one-query floor" reads one group by primary key from the roster database (DATABASE_URL) with
the project's own engine settings (shared.db.make_engine: pool of 5, pre-ping), and returns its
counts: the least any read endpoint that touches the database can cost on this machine.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify
from sqlalchemy import text

hello = Flask("bench-hello")


@hello.get("/hello/<item_id>")
def hello_view(item_id: str):
    return jsonify({"hello": "world", "id": item_id})


@hello.get("/readyz")
def hello_ready():
    return jsonify({"status": "ok"})


floor = Flask("bench-floor")
_engine = None
_QUERY = text("SELECT id, capacity, active_count, waitlist_count FROM groups WHERE id = :id")


def _db():
    global _engine
    if _engine is None:  # created in the worker, after gunicorn's fork
        from shared.db import make_engine
        _engine = make_engine(os.environ["DATABASE_URL"])
    return _engine


@floor.get("/floor/<item_id>")
def floor_view(item_id: str):
    with _db().connect() as conn:
        row = conn.execute(_QUERY, {"id": item_id}).first()
    if row is None:
        return jsonify({"code": 404}), 404
    return jsonify({"id": row.id, "capacity": row.capacity, "active_count": row.active_count,
                    "waitlist_count": row.waitlist_count})


@floor.get("/readyz")
def floor_ready():
    with _db().connect() as conn:
        conn.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
