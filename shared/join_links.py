"""Personal join links: a signed token naming one session and one participant.

The sessions service checks them at `GET /join/<token>`; the notifications service builds the
same links for reminders. Both sign with JOIN_LINK_SECRET (default: the JWT secret). The token
grants nothing by itself: sessions also checks the join window, the session and the enrollment.
"""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "join-link"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def join_link_secret(settings) -> str:
    return settings.get("JOIN_LINK_SECRET", settings.jwt_secret)


def make_join_token(secret: str, session_id: str, participant_id: str) -> str:
    return _serializer(secret).dumps([session_id, participant_id])


def read_join_token(secret: str, token: str) -> tuple[str, str] | None:
    """(session_id, participant_id), or None for a forged or garbled token."""
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and all(isinstance(p, str) for p in payload)):
        return None
    return payload[0], payload[1]


def join_url(base_url: str, secret: str, session_id: str, participant_id: str) -> str:
    return f"{base_url.rstrip('/')}/join/{make_join_token(secret, session_id, participant_id)}"
