"""Sign-in, the provider's callback, refusal and sign-out pages."""
from __future__ import annotations

import logging
import time

from authlib.integrations.base_client.errors import OAuthError
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError

from services.web.api_client import ApiError, ApiUnavailable, system_api
from services.web.auth.guard import safe_next
from services.web.auth.identity import Refusal, decide, subject_hash
from services.web.auth.oidc import CLOCK_SKEW_SECONDS, end_session_url, provider

log = logging.getLogger(__name__)
auth = Blueprint("auth", __name__)


@auth.get("/login")
def login():
    if g.get("staff"):
        return redirect(safe_next(session.get("next")))
    return render_template("auth/login.html", expired=request.args.get("expired") == "1")


@auth.get("/login/start")
def start():
    settings = current_app.config["IOP_WEB"]
    try:
        return provider().authorize_redirect(f"{settings.public_base_url}/auth/callback")
    except Exception:  # noqa: BLE001 - discovery failed: the provider is down or misconfigured
        log.warning("sign-in provider unreachable", extra={"outcome": "provider_unreachable"})
        return render_template("auth/refused.html", reason="provider_unreachable"), 503


@auth.get("/auth/callback")
def callback():
    settings = current_app.config["IOP_WEB"]
    try:
        token = provider().authorize_access_token(leeway=CLOCK_SKEW_SECONDS)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise OAuthError(error="missing_id_token")
    except (OAuthError, JoseError, ValueError, KeyError) as exc:
        log.warning("staff sign-in refused", extra={"outcome": "invalid_response", "error": type(exc).__name__})
        return render_template("auth/refused.html", reason="invalid_response"), 400
    who = subject_hash(settings.oidc_issuer, claims["sub"])
    try:
        decision = decide(claims, settings.oidc_issuer, settings.admin_emails, settings.oidc_admin_group,
                          lambda email: _find_facilitator(email, settings.admin_emails))
    except (ApiError, ApiUnavailable):
        log.warning("staff sign-in failed: roster unavailable", extra={"subject_hash": who})
        return render_template("auth/refused.html", reason="roster_unavailable"), 503
    if isinstance(decision, Refusal):
        log.warning("staff sign-in refused", extra={"subject_hash": who, "outcome": decision.reason})
        return render_template("auth/refused.html", reason=decision.reason), 403
    back_to = safe_next(session.pop("next", None))
    session.clear()  # a new session for a new sign-in (no fixation of anything set before)
    session.permanent = True
    session["staff"] = {"role": decision.role, "sub": decision.sub, "facilitator_id": decision.facilitator_id,
                        "name": decision.display_name}
    session["id_token"] = token.get("id_token")
    session["seen"] = int(time.time())
    log.info("staff signed in", extra={"role": decision.role, "facilitator_id": decision.facilitator_id,
                                       "subject_hash": who})
    return redirect(back_to)


def _find_facilitator(email: str, admin_emails: frozenset[str]) -> dict | None:
    try:
        items = system_api().get("roster", "/v1/facilitators", email=email, limit=1)["items"]
    except (ApiError, ApiUnavailable):
        if email in admin_emails:
            return None  # an admin signs in even while the roster is down (to see what is wrong)
        raise
    return items[0] if items else None


@auth.post("/logout")
def logout():
    settings = current_app.config["IOP_WEB"]
    staff, id_token = session.get("staff"), session.get("id_token")
    session.clear()
    if staff:
        log.info("staff signed out", extra={"role": staff["role"], "facilitator_id": staff.get("facilitator_id")})
    at_provider = end_session_url(id_token, f"{settings.public_base_url}{url_for('auth.signed_out')}")
    return redirect(at_provider or url_for("auth.signed_out"))


@auth.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html")
