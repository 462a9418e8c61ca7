"""Who knocks: the five real callers of the authorization matrix and five broken credentials.

The broken ones are built from real tokens: one past its `exp`, one signed with another key, a
participant's token whose payload was edited to say `admin` (signature kept), and an unsigned
(`alg: none`) admin token.
"""
from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt

from shared.auth import mint_token
from tests.support.tokens import TEST_SECRET, bearer

ROLES = ("admin", "own_facilitator", "other_facilitator", "self", "other_participant")
BAD_CREDENTIALS = ("no_token", "expired", "other_key", "tampered_role", "alg_none")
CALLERS = ROLES + BAD_CREDENTIALS


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tampered(token: str, **claims) -> str:
    """The same token with its payload edited and its original signature kept."""
    header, payload, signature = token.split(".")
    edited = {**json.loads(_unb64(payload)), **claims}
    return ".".join((header, _b64(json.dumps(edited).encode()), signature))


def unsigned(role: str, sub: str) -> str:
    return jwt.encode({"sub": sub, "role": role, "exp": 4102444800}, key=None, algorithm="none")


def headers_for(own_facilitator: str, other_facilitator: str, participant: str, other_participant: str
                ) -> dict[str, dict[str, str]]:
    """Request headers per caller, for a group led by `own_facilitator` with `participant` in it."""
    admin = str(uuid.uuid4())
    mine = mint_token(TEST_SECRET, "participant", participant)
    return {
        "admin": bearer("admin", admin),
        "own_facilitator": bearer("facilitator", own_facilitator),
        "other_facilitator": bearer("facilitator", other_facilitator),
        "self": {"Authorization": f"Bearer {mine}"},
        "other_participant": bearer("participant", other_participant),
        "no_token": {},
        "expired": bearer("admin", admin, ttl=-timedelta(minutes=1)),
        "other_key": bearer("admin", admin, secret="another-secret-" + "y" * 32),
        "tampered_role": {"Authorization": f"Bearer {tampered(mine, role='admin')}"},
        "alg_none": {"Authorization": f"Bearer {unsigned('admin', admin)}"},
    }
