"""Signed personal URLs: join links (`/join/<token>`) and calendar feed URLs (`?token=`).

Shared because two services make them: sessions checks them (and lists them), notifications puts
them in reminders. Both sign with JOIN_LINK_SECRET (default: the JWT secret).

The link is the credential, so it is signed (itsdangerous, HMAC) with JOIN_LINK_SECRET; each kind
has its own salt, so a feed token can never be replayed as a join token. A join token names one
session and one participant and nothing else: whether it still opens the room is decided when it
is used (the session's times, the enrollment, a cancellation), so a changed session needs no new
link. Ids are packed as raw bytes to keep the URL short enough for a text message.
"""
from __future__ import annotations

import base64
import binascii
import uuid

from itsdangerous import BadSignature, Signer

JOIN_SALT = "iop.sessions.join-link"
FEED_SALT = "iop.sessions.calendar-feed"


def _pack(*ids: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(b"".join(i.bytes for i in ids)).decode().rstrip("=")


def _unpack(text: str, count: int) -> list[uuid.UUID] | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 * count:
        return None
    return [uuid.UUID(bytes=raw[i * 16:(i + 1) * 16]) for i in range(count)]


class LinkSigner:
    def __init__(self, secret: str, public_base_url: str):
        self._join = Signer(secret, salt=JOIN_SALT)
        self._feed = Signer(secret, salt=FEED_SALT)
        self.base_url = public_base_url.rstrip("/")

    def join_token(self, session_id: uuid.UUID, participant_id: uuid.UUID) -> str:
        return self._join.sign(_pack(session_id, participant_id)).decode()

    def read_join_token(self, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
        """(session id, participant id), or None for a forged, garbled or truncated token."""
        try:
            value = self._join.unsign(token).decode()
        except (BadSignature, UnicodeError):
            return None
        ids = _unpack(value, 2)
        return None if ids is None else (ids[0], ids[1])

    def join_url(self, session_id: uuid.UUID, participant_id: uuid.UUID) -> str:
        return f"{self.base_url}/join/{self.join_token(session_id, participant_id)}"

    def feed_token(self, participant_id: uuid.UUID) -> str:
        return self._feed.sign(_pack(participant_id)).decode()

    def feed_token_names(self, token: str, participant_id: uuid.UUID) -> bool:
        try:
            value = self._feed.unsign(token).decode()
        except (BadSignature, UnicodeError):
            return False
        return _unpack(value, 1) == [participant_id]

    def feed_url(self, participant_id: uuid.UUID) -> str:
        return f"{self.base_url}/v1/participants/{participant_id}/calendar.ics?token={self.feed_token(participant_id)}"


def join_link_secret(settings) -> str:
    return settings.get("JOIN_LINK_SECRET", settings.jwt_secret)


def join_url(base_url: str, secret: str, session_id: str | uuid.UUID, participant_id: str | uuid.UUID) -> str:
    """The participant's personal link to one session, as sessions will accept it."""
    return LinkSigner(secret, base_url).join_url(uuid.UUID(str(session_id)), uuid.UUID(str(participant_id)))
