"""Personal join links in reminders, built exactly as the sessions service checks them.

Sessions owns join tokens; no event carries one (a token is a credential, and events are stored
and replayed). Both services sign with the same secret through shared.join_links, so the link in
a reminder is the link sessions serves at `GET /join/<token>`.
"""
from __future__ import annotations

from shared.join_links import join_url


class JoinLinks:
    def __init__(self, sessions_public_url: str, secret: str):
        self.base_url = sessions_public_url
        self.secret = secret

    def url(self, session_id: str, participant_id: str) -> str:
        return join_url(self.base_url, self.secret, session_id, participant_id)
