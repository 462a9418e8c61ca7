"""The personal links messages carry, built exactly as the services that check them expect.

Join links: sessions owns join tokens; no event carries one (a token is a credential, and events
are stored and replayed). Both services sign with the same secret through shared.join_links, so
the link in a reminder is the link sessions serves at `GET /join/<token>`.

Page links: every message to a participant ends with a fresh link to their personal page (the web
app checks it, shared.page_links), of the generation roster last announced for them.
"""
from __future__ import annotations

from shared.join_links import join_url
from shared.page_links import PageLinkSigner


class JoinLinks:
    def __init__(self, sessions_public_url: str, secret: str, web_public_url: str = "http://localhost:8000"):
        self.base_url = sessions_public_url
        self.secret = secret
        self.pages = PageLinkSigner(secret, web_public_url)

    def url(self, session_id: str, participant_id: str) -> str:
        return join_url(self.base_url, self.secret, session_id, participant_id)

    def page_url(self, participant_id: str, generation: int) -> str:
        return self.pages.url(participant_id, generation)
