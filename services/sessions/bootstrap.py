"""Wiring for the sessions service: settings, database, mappers, options, unit of work, pipeline.

Nothing here connects at import time; `build_context` runs in each process after any fork.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as DbSession

from services.sessions.adapters import orm
from services.sessions.adapters.note_cipher import NoteCipher
from shared.join_links import LinkSigner
from services.sessions.service_layer.options import SessionsOptions
from services.sessions.service_layer.read_model import HANDLERS
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.config import Settings
from shared.messaging.pipeline import EventPipeline
from shared.web.context import ServiceContext

SERVICE = "sessions"
QUEUE = "sessions"
BINDINGS = ["roster.group.*", "roster.enrollment.*"]


def build_context(settings: Settings | None = None) -> ServiceContext:
    orm.start_mappers()
    context = ServiceContext.build(settings or Settings.from_env(SERVICE), orm.messaging, audit=orm.audit)
    options = SessionsOptions.from_settings(context.settings)
    context.extras["options"] = options
    context.extras["links"] = LinkSigner(options.join_link_secret, options.public_base_url)
    # NOTES_KEY is checked here, in every sessions process: a missing or malformed key stops it at start.
    context.extras["notes_cipher"] = NoteCipher.from_settings(context.settings)
    return context


def consumer_queue(context: ServiceContext) -> str:
    """The durable queue the consumer reads: "sessions", unless CONSUMER_QUEUE names another (one
    broker shared by several deployments, or end-to-end test runs, each with a queue of its own)."""
    return context.settings.get("CONSUMER_QUEUE", QUEUE)


def _context(context: ServiceContext | None) -> ServiceContext:
    return context or current_app.extensions["iop"]


def unit_of_work(context: ServiceContext | None = None, db: DbSession | None = None) -> SessionsUnitOfWork:
    context = _context(context)
    return SessionsUnitOfWork(context.session_factory, context.tables, producer=SERVICE, session=db,
                              cipher=context.extras["notes_cipher"])


def read_connection(context: ServiceContext | None = None) -> Connection:
    """A pooled connection for a read that needs no unit of work (use it in a `with`)."""
    return _context(context).engine.connect()


def options(context: ServiceContext | None = None) -> SessionsOptions:
    return _context(context).extras["options"]


def links(context: ServiceContext | None = None) -> LinkSigner:
    return _context(context).extras["links"]


def now() -> datetime:
    """The clock every request reads once, so one request sees one time."""
    return datetime.now(UTC)


def build_pipeline(context: ServiceContext) -> EventPipeline:
    """The roster events this service applies to its read model, each exactly once (inbox)."""
    return EventPipeline(SERVICE, HANDLERS, context.session_factory, context.tables,
                         uow_factory=lambda db: unit_of_work(context, db))
