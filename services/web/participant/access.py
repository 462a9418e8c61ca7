"""Opening a personal page link: who it names, and whether it still works.

Forged or garbled: 404; older than 30 days: 410; revoked (an older generation than roster's): 403.
Each answer is a clear page offering a fresh link. A good link gives an `Api` acting as that
participant, and their profile (read once: it is the revocation check and the page's settings).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template

from services.web.api_client import Api, ApiError
from services.web.participant.settings import page_settings
from shared.page_links import PageLinkExpired, PageLinkInvalid


class LinkRefused(Exception):
    def __init__(self, status: int, title: str, message: str):
        super().__init__(title)
        self.status, self.title, self.message = status, title, message

    def page(self):
        return render_template("participant/link_refused.html", refused=self), self.status


INVALID = LinkRefused(404, "Link not recognised", "This link is not valid. Please check that you copied all of it.")
EXPIRED = LinkRefused(410, "This link has expired", "Links to your page work for 30 days.")
REVOKED = LinkRefused(403, "This link no longer works", "A newer link to your page has replaced it.")


@dataclass(frozen=True)
class PageAccess:
    token: str
    participant_id: str
    api: Api
    profile: dict


def open_link(token: str) -> PageAccess:
    try:
        link = page_settings().links.read(token)
    except PageLinkExpired:
        raise EXPIRED from None
    except PageLinkInvalid:
        raise INVALID from None
    participant_id = str(link.participant_id)
    api = Api("participant", participant_id)
    try:
        profile = api.get("roster", f"/v1/participants/{participant_id}")
    except ApiError as refused:
        if refused.status in (401, 403, 404):
            raise INVALID from None
        raise
    if link.generation < profile.get("page_link_generation", 1) or profile.get("status") != "active":
        raise REVOKED
    return PageAccess(token, participant_id, api, profile)
