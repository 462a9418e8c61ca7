"""Bearer-token authentication (HS256 JWT) and the scoping rules of the three roles.

Every `/v1/` endpoint requires a valid token unless its view is marked `@public` (join links and
signed calendar feeds carry their own credential). Roles: admin sees everything; a facilitator
their own groups and the participants they registered or facilitate; a participant only themself.
An address that keeps failing (401) is paused on every `/v1/` path with 429 and Retry-After
(RATE_LIMIT_AUTH_FAILURES_PER_MINUTE, shared.rate_limit).
"""
from __future__ import annotations

import functools
import time
from datetime import datetime, timedelta, timezone

import jwt
from flask import Flask, Response, current_app, g, request
from flask_smorest import abort

from shared.principal import ROLES, Principal, require
from shared.rate_limit import RateLimiter, client_address


class AuthError(Exception):
    pass


def mint_token(secret: str, role: str, sub: str, ttl: timedelta = timedelta(hours=8)) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    now = datetime.now(timezone.utc)
    return jwt.encode({"sub": sub, "role": role, "iat": now, "exp": now + ttl}, secret, algorithm="HS256")


def decode_token(token: str, secret: str) -> Principal:
    principal, expires_at = _verified(token, secret)
    if time.time() >= expires_at:
        raise AuthError("token expired")
    return principal


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[Principal, float]:
    """Signature and claims of a token, checked once: a client sends the same token with every
    request, and verifying it costs more than the rest of a simple read. Only a token that verified
    is cached, keyed by its exact text (signature included); its expiry is checked on every use."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "role"]})
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError("invalid token") from exc
    if claims.get("role") not in ROLES or not isinstance(claims.get("sub"), str):
        raise AuthError("invalid token claims")
    return Principal(role=claims["role"], sub=claims["sub"]), float(claims["exp"])


def public(view):
    """Mark a view as reachable without a bearer token."""
    view.iop_public = True
    return view


def principal_from_header(secret: str, missing: str = "a bearer token is required") -> Principal:
    """The caller of this request from its `Authorization: Bearer` header; 401 when absent or bad.
    Kept as `g.principal` too, so a public view that checks a bearer itself is audited by its caller."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        abort(401, message=missing)
    try:
        g.principal = decode_token(token.strip(), secret)
        return g.principal
    except AuthError as exc:
        abort(401, message=str(exc))
        raise  # unreachable: abort raises


def init_auth(app: Flask, secret: str, failures: RateLimiter | None = None) -> None:
    """Check bearer tokens on `/v1/`; with `failures`, pause an address after too many 401s."""
    app.extensions["iop_jwt_secret"] = secret

    @app.before_request
    def _authenticate():
        g.principal = None
        if not request.path.startswith("/v1/"):
            return None
        if failures is not None:
            # Checked before the token, so a paused guesser learns nothing, not even from a good one.
            wait = failures.wait_seconds(client_address())
            if wait:
                abort(429, message="too many failed authentications from this address; try again later",
                      headers={"Retry-After": str(wait)})
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "iop_public", False):
            return None
        g.principal = principal_from_header(secret)
        return None

    if failures is not None:
        @app.after_request
        def _count_failure(response: Response):
            # Every 401 counts, whoever raised it (the shared check or a public view's own, like the
            # calendar feed's bearer fallback).
            if response.status_code == 401 and request.path.startswith("/v1/"):
                failures.acquire(client_address())
            return response


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        abort(401, message="a bearer token is required")
    return principal


def require_role(*roles: str) -> Principal:
    """The caller, if their role is one of `roles` (shared.principal.require: 403 otherwise)."""
    return require(current_principal(), *roles)


def jwt_secret() -> str:
    return current_app.extensions["iop_jwt_secret"]
