"""The OpenID Connect client (Authlib): discovery, JWKS, PKCE (S256), state and nonce.

Authlib keeps the state, the nonce and the PKCE verifier in the signed session cookie between the
redirect and the callback; the callback refuses a state it did not issue, a nonce that differs, an
issuer or audience that is not ours, a bad signature and an expired id token (no leeway beyond a
few seconds of clock skew).
"""
from __future__ import annotations

from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from flask import current_app

CLOCK_SKEW_SECONDS = 5


def init_oidc(app, settings) -> None:
    # One client registry per app (Authlib caches a registered client by name in its registry).
    oauth = app.extensions["iop_oidc"] = OAuth(app)
    oauth.register(
        "staff",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                       "timeout": 10},
    )


def provider():
    return current_app.extensions["iop_oidc"].staff


def end_session_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's sign-out address when it advertises one (RP-initiated logout)."""
    try:
        endpoint = provider().load_server_metadata().get("end_session_endpoint")
    except Exception:  # noqa: BLE001 - the provider being down must not keep anyone signed in here
        return None
    if not endpoint:
        return None
    query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": provider().client_id}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"
