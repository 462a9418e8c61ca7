"""What a running service holds: its settings, database engine, sessions and messaging tables.

Built in `bootstrap` of each service, after gunicorn has forked, never at import time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings
from shared.db import make_engine, make_session_factory
from shared.messaging.tables import MessagingTables


@dataclass
class ServiceContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    tables: MessagingTables
    audit: Table | None = None  # the access audit (shared.audit), in every service's database
    extras: dict = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, tables: MessagingTables, pool_size: int = 5,
              audit: Table | None = None) -> "ServiceContext":
        engine = make_engine(settings.database_url, pool_size=pool_size)
        return cls(settings=settings, engine=engine, session_factory=make_session_factory(engine), tables=tables,
                   audit=audit)
