"""Wiring for the roster service: settings, database, mappers and unit of work.

Nothing here connects at import time; `build_context` runs in each process after any fork.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy.engine import Connection

from services.roster.adapters import orm
from services.roster.service_layer.unit_of_work import RosterUnitOfWork
from shared.config import Settings
from shared.web.context import ServiceContext

SERVICE = "roster"


def build_context(settings: Settings | None = None) -> ServiceContext:
    orm.start_mappers()
    return ServiceContext.build(settings or Settings.from_env(SERVICE), orm.messaging, audit=orm.audit)


def unit_of_work(context: ServiceContext | None = None) -> RosterUnitOfWork:
    context = context or current_app.extensions["iop"]
    return RosterUnitOfWork(context.session_factory, context.tables, producer=SERVICE)


def read_connection(context: ServiceContext | None = None) -> Connection:
    """A pooled connection for a read that needs no unit of work (use it in a `with`)."""
    context = context or current_app.extensions["iop"]
    return context.engine.connect()
