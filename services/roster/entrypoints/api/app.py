"""The roster API's application factory."""
from __future__ import annotations

from flask import Flask

from services.roster.bootstrap import build_context
from services.roster.entrypoints.api import views_groups, views_people
from shared.config import Settings
from shared.logging import configure_logging
from shared.rate_limit import PageLinkRequestLimits
from shared.web.app import create_base_app

DESCRIPTION = """Facilitators, participants, groups, enrollments and waitlists.

Every change is published as a `roster.*` event (transactional outbox) that the sessions and
notifications services consume; they learn of a new group or participant within a moment."""


def create_app(settings: Settings | None = None) -> Flask:
    context = build_context(settings)
    configure_logging("roster", context.settings.log_level)
    app, api = create_base_app(context, "Roster API", DESCRIPTION)
    app.extensions["iop_page_link_limits"] = PageLinkRequestLimits.from_settings(context.settings)
    api.register_blueprint(views_people.blp)
    api.register_blueprint(views_groups.blp)
    return app
