"""Personal page links: the signed URL that opens a participant's own page (they have no password).

Shared because two services make or check them: notifications writes a fresh one into every message
a participant gets, the web app checks it and then calls the APIs as that participant. Both sign
with JOIN_LINK_SECRET (default: the JWT secret), under a salt of their own, so neither a join token
nor a feed token can be replayed as a page link.

A link names one participant and carries their link *generation*: roster keeps the number, bumps it
when a facilitator or an admin revokes the participant's links, and announces it in
roster.participant.* events. A link whose generation is older than roster's is revoked (the web app
asks roster), one older than PAGE_LINK_DAYS is expired (the signature's timestamp says so).
The path is `/p/<token>`: short enough for a text message, and it names nothing.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

PAGE_SALT = "iop.web.personal-page"
PAGE_LINK_DAYS = 30
PAGE_PATH = "/p/"


@dataclass(frozen=True)
class PageLink:
    participant_id: uuid.UUID
    generation: int


class PageLinkInvalid(Exception):
    """A forged, garbled or truncated link."""


class PageLinkExpired(Exception):
    """Older than its validity; `participant_id` is still known, so a fresh one can be offered."""


def _pack(participant_id: uuid.UUID, generation: int) -> str:
    raw = participant_id.bytes + generation.to_bytes(4, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unpack(text: str) -> PageLink | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 20:
        return None
    return PageLink(uuid.UUID(bytes=raw[:16]), int.from_bytes(raw[16:], "big"))


class PageLinkSigner:
    def __init__(self, secret: str, web_base_url: str, valid_for: timedelta = timedelta(days=PAGE_LINK_DAYS)):
        self._signer = TimestampSigner(secret, salt=PAGE_SALT)
        self.base_url = web_base_url.rstrip("/")
        self.valid_for = valid_for

    def token(self, participant_id: str | uuid.UUID, generation: int) -> str:
        if generation < 1:
            raise ValueError("a link generation starts at 1")
        return self._signer.sign(_pack(uuid.UUID(str(participant_id)), generation)).decode()

    def url(self, participant_id: str | uuid.UUID, generation: int) -> str:
        return f"{self.base_url}{PAGE_PATH}{self.token(participant_id, generation)}"

    def read(self, token: str) -> PageLink:
        """The link's participant and generation; PageLinkInvalid or PageLinkExpired otherwise."""
        try:
            value = self._signer.unsign(token, max_age=int(self.valid_for.total_seconds())).decode()
        except SignatureExpired as exc:
            raise PageLinkExpired() from exc
        except (BadSignature, UnicodeError) as exc:
            raise PageLinkInvalid() from exc
        link = _unpack(value)
        if link is None:
            raise PageLinkInvalid()
        return link


def web_public_url(settings) -> str:
    """Where participants reach the web app (WEB_PUBLIC_URL, default http://localhost:8000)."""
    return settings.get("WEB_PUBLIC_URL", "http://localhost:8000").rstrip("/")
