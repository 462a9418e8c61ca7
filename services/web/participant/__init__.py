"""The participants' pages (SPEC section 7): the personal page opened from the signed link in every
message, and the page to ask for a fresh link. Participants have no password: the link is the
credential, checked on every request (signature, 30 days, roster's link generation), and the
pages then call the APIs as that participant with a short-lived token.

URLs name nothing: `/p/<token>` and `/link`; titles say "Your page".
"""
from __future__ import annotations

from flask import Blueprint, Flask

participant = Blueprint("participant", __name__, static_folder="static", static_url_path="/assets/p")


def init_participant_pages(app: Flask) -> None:
    """Register the blueprint with its settings (the page link signer, the fresh-link limiter)."""
    from services.web.participant.settings import ParticipantPageSettings
    app.extensions["iop_participant_pages"] = ParticipantPageSettings.from_env(app.config["IOP_WEB"])
    app.register_blueprint(participant)


from services.web.participant import views_link_request, views_page  # noqa: E402,F401  (routes register on import)
