"""Bearer headers for the three roles, signed with the secret the test apps use."""
from __future__ import annotations

from datetime import timedelta

from shared.auth import mint_token

TEST_SECRET = "test-secret-" + "x" * 32


def bearer(role: str, sub: str, ttl: timedelta = timedelta(hours=1), secret: str = TEST_SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(secret, role, sub, ttl)}"}
