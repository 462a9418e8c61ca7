"""Fresh, migrated databases for tests, on SQLite and on the real PostgreSQL.

Each service's schema is migrated once per test run into a template (a PostgreSQL template
database, a SQLite file); every test then gets its own copy, which is fast and fully isolated.
"""
from __future__ import annotations

import os
import shutil
import socket
import uuid
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa

from shared.messaging.vhost import with_vhost
from shared.migrations import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The test session's own virtual host (made at session start by `services_up`, deleted at its end), so
# that events queued by `make run`, benchmarks or another test run never reach this run's consumers.
OWN_VHOST = "TEST_AMQP_URL" not in os.environ
AMQP_URL = os.environ.get("TEST_AMQP_URL") or with_vhost("amqp://guest:guest@127.0.0.1:5672/", f"iop-test-{uuid.uuid4().hex[:8]}")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _with_database(url: str, name: str) -> str:
    return str(sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False))


class DatabaseFactory:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self._templates: dict[tuple[str, str], str] = {}
        self._created_pg: list[str] = []
        self._admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def new(self, backend: str, service: str) -> str:
        template = self._template(backend, service)
        if backend == "sqlite":
            path = self.workdir / f"{service}-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        name = f"iop_t_{self.run_id}_{uuid.uuid4().hex[:8]}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created_pg.append(name)
        return _with_database(PG_URL, name)

    def _template(self, backend: str, service: str) -> str:
        key = (backend, service)
        if key not in self._templates:
            if backend == "sqlite":
                path = self.workdir / f"template-{service}.db"
                upgrade(service, f"sqlite:///{path}")
                self._templates[key] = str(path)
            else:
                name = f"iop_tpl_{self.run_id}_{service}"
                with self._admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                self._created_pg.append(name)
                upgrade(service, _with_database(PG_URL, name))
                self._templates[key] = name
        return self._templates[key]

    def drop_all(self) -> None:
        with self._admin.connect() as conn:
            for name in reversed(self._created_pg):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.dispose()


def outbox_event_types(context) -> list[str]:
    """The types of the events a service's outbox holds, in the order they were emitted."""
    outbox = context.tables.outbox
    with context.session_factory() as session:
        return list(session.execute(sa.select(outbox.c.event_type).order_by(outbox.c.seq)).scalars())
