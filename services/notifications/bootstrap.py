"""Wiring for the notifications service: settings, database, event pipeline and scheduler.

Nothing here connects at import time; `build_context` runs in each process after any fork.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from flask import current_app

from services.notifications.adapters import orm
from services.notifications.adapters.courier import Courier
from services.notifications.adapters.email_smtp import SmtpEmailSender
from services.notifications.adapters.join_links import JoinLinks
from services.notifications.adapters.sms_webhook import SmsWebhookSender
from services.notifications.config import NotificationSettings
from services.notifications.service_layer.handlers import EventHandlers
from services.notifications.service_layer.scheduler import Scheduler
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.config import Settings
from shared.messaging.pipeline import EventPipeline
from shared.web.context import ServiceContext
from shared.worker import GracefulStop, Heartbeat

SERVICE = "notifications"
QUEUE = "notifications"
BINDINGS = ["roster.#", "sessions.#"]


def build_context(settings: Settings | None = None) -> ServiceContext:
    settings = settings or Settings.from_env(SERVICE)
    context = ServiceContext.build(settings, orm.messaging, audit=orm.audit)
    context.extras["config"] = NotificationSettings.from_settings(settings)
    return context


def consumer_queue(context: ServiceContext) -> str:
    """The durable queue the consumer reads: "notifications", unless CONSUMER_QUEUE names another (one
    broker shared by several deployments, or end-to-end test runs, each with a queue of its own)."""
    return context.settings.get("CONSUMER_QUEUE", QUEUE)


def config(context: ServiceContext) -> NotificationSettings:
    return context.extras["config"]


def unit_of_work(context: ServiceContext | None = None, session=None) -> NotificationsUnitOfWork:
    context = context or current_app.extensions["iop"]
    return NotificationsUnitOfWork(context.session_factory, context.tables, producer=SERVICE, session=session)


def build_pipeline(context: ServiceContext, clock: Callable[[], datetime] | None = None) -> EventPipeline:
    """The consumer's pipeline; dead-letter replay uses the very same one."""
    settings = config(context)
    handlers = EventHandlers(settings.reminder_offsets, clock, settings.note_reminder_after,
                             settings.note_reminder_grace)
    return EventPipeline(SERVICE, handlers.table(), context.session_factory, context.tables,
                         uow_factory=lambda session: unit_of_work(context, session))


def build_scheduler(context: ServiceContext, stop: GracefulStop | None = None,
                    heartbeat: Heartbeat | None = None, **kwargs) -> Scheduler:
    settings = config(context)
    email = SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                            timeout=settings.smtp_timeout)
    sms_factory = (partial(SmsWebhookSender, settings.sms_webhook_url, settings.sms_timeout)
                   if settings.sms_webhook_url else None)
    return Scheduler(context.session_factory, settings, Courier(email, sms_factory, lanes=settings.send_lanes),
                     JoinLinks(settings.sessions_public_url, settings.join_secret, settings.web_public_url),
                     stop=stop, heartbeat=heartbeat, **kwargs)
