"""The sessions API's application factory."""
from __future__ import annotations

from flask import Flask

from services.sessions.bootstrap import build_context
from services.sessions.entrypoints.api import (views_attendance, views_join, views_notes, views_participants,
                                               views_sessions)
from shared.config import Settings
from shared.logging import configure_logging
from shared.web.app import create_base_app

DESCRIPTION = """Sessions, attendance, session notes and personal join links of IOP groups.

Session notes (the group note and each attending member's note) are for the group's facilitators and
admins only; their text is encrypted at rest and never appears in an event, a log or an error.

Groups and memberships come from roster's events (a read model): a group created in roster is known
here a moment later, and until then its sessions endpoints answer 404. Every change is published as a
`sessions.*` event through the transactional outbox. `GET /join/<token>` and the signed calendar feed
URL need no bearer token: the signed link is the credential."""


def create_app(settings: Settings | None = None) -> Flask:
    context = build_context(settings)
    configure_logging("sessions", context.settings.log_level)
    app, api = create_base_app(context, "Sessions API", DESCRIPTION)
    for module in (views_sessions, views_attendance, views_notes, views_participants, views_join):
        api.register_blueprint(module.blp)
    return app
