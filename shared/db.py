"""SQLAlchemy engine and sessions that behave the same on PostgreSQL and SQLite.

- Timestamps are stored in UTC and always come back timezone-aware (SQLite forgets the offset).
- On SQLite every transaction starts with BEGIN IMMEDIATE, so read-check-write sequences such as
  "count active members, then enroll" are serialized exactly as a row lock serializes them on PostgreSQL.
- SQL parameters are hidden from error messages: they may hold names, emails or phone numbers.
- Engines are created lazily per process and re-initialised in a forked child (gunicorn), so a
  connection is never shared between processes.
"""
from __future__ import annotations

import os
import weakref
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def service_metadata() -> MetaData:
    """A service's MetaData with stable constraint names, so migrations name them the same on
    SQLite and PostgreSQL."""
    return MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    })


def is_sqlite(url_or_engine) -> bool:
    url = str(getattr(url_or_engine, "url", url_or_engine))
    return url.startswith("sqlite")



def one_of(column, ids, bind):
    """`column IN (ids)` for a list, with `ids` a subquery; on PostgreSQL `IN (SELECT unnest(ARRAY(ids)))`.

    PostgreSQL then computes the ids first and, taking them for a handful, looks each one up by
    index (or hashes them against a small table). With a plain IN it plans a join from its
    statistics, which are averages: overestimate someone's ids and it scans the whole table.
    A lookup of one row keeps the plain IN: PostgreSQL pushes that row's id into the subquery.
    """
    if is_sqlite(bind):  # no arrays
        return column.in_(ids)
    return column.in_(select(func.unnest(func.array(ids.scalar_subquery()))))


def make_engine(database_url: str, pool_size: int = 5) -> Engine:
    if is_sqlite(database_url):
        engine = create_engine(database_url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)
        _configure_sqlite(engine)
    else:
        engine = create_engine(database_url, pool_size=pool_size, max_overflow=10,
                               pool_pre_ping=True, pool_recycle=1800,
                               hide_parameters=True)
    _engines.add(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the sqlite3 module so BEGIN IMMEDIATE is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _dispose_after_fork() -> None:
    # The child must not reuse the parent's pooled sockets; close=False leaves the parent's intact.
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_after_fork)
