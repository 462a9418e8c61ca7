"""The notifications API's application factory."""
from __future__ import annotations

from flask import Flask

from services.notifications.bootstrap import build_context, build_pipeline
from services.notifications.entrypoints.api import views
from shared.config import Settings
from shared.logging import configure_logging
from shared.web.app import create_base_app

DESCRIPTION = """The notification log, each participant's in-app inbox, and the consumer's dead letters.

Notifications are planned from roster.* and sessions.* events and sent by the scheduler process;
the log shows each one's status (`pending`, `sent`, `failed`, `suppressed` with the reason) and
attempts, never the message itself. Participants see only their own."""


def create_app(settings: Settings | None = None) -> Flask:
    context = build_context(settings)
    configure_logging("notifications", context.settings.log_level)
    app, api = create_base_app(context, "Notifications API", DESCRIPTION)
    app.extensions["notifications_pipeline"] = build_pipeline(context)
    api.register_blueprint(views.blp)
    return app
