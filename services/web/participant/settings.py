"""What the participants' pages need beyond the web app's settings, from the environment.

    JOIN_LINK_SECRET (JWT_SECRET): signs personal page links; the same value as notifications', which
        writes them into messages (shared.page_links)
    RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE (5): fresh-link requests per client address
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app

from shared.page_links import PageLinkSigner
from shared.rate_limit import PAGE_LINK_REQUESTS_PER_MINUTE, RateLimiter


@dataclass(frozen=True)
class ParticipantPageSettings:
    links: PageLinkSigner
    link_requests: RateLimiter

    @classmethod
    def from_env(cls, web) -> "ParticipantPageSettings":
        secret = os.environ.get("JOIN_LINK_SECRET") or web.jwt_secret
        per_minute = int(os.environ.get("RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE") or PAGE_LINK_REQUESTS_PER_MINUTE)
        return cls(links=PageLinkSigner(secret, web.public_base_url), link_requests=RateLimiter(per_minute))


def page_settings() -> ParticipantPageSettings:
    return current_app.extensions["iop_participant_pages"]
