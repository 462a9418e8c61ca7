"""The staff session: who is signed in, the idle timeout, and the `staff_required` decorator.

The session cookie (signed, HttpOnly, SameSite=Lax, Secure outside development) holds the role,
the id the API tokens carry and the time of the last request; it ends after SESSION_IDLE_MINUTES
without a request. A request after that goes through sign-in again and comes back to its page.
"""
from __future__ import annotations

import functools
import time
from urllib.parse import urlparse

from flask import abort, current_app, g, redirect, request, session, url_for

from services.web.api_client import Api


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def where_am_i() -> str:
    """The page to come back to: this one for a GET, the page the form was on for a POST."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlparse(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def load_staff() -> None:
    """Before every request: the signed-in person, unless their session went idle."""
    g.staff = None
    staff = session.get("staff")
    if not staff:
        return
    idle = current_app.config["IOP_WEB"].session_idle_minutes * 60
    if time.time() - session.get("seen", 0) > idle:
        session.pop("staff", None)
        session.pop("id_token", None)
        g.session_expired = True
        return
    session["seen"] = int(time.time())
    g.staff = staff
    g.api = Api(staff["role"], staff["sub"])


def staff_required(view=None, *, admin: bool = False):
    if view is None:
        return functools.partial(staff_required, admin=admin)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("staff") is None:
            session["next"] = where_am_i()
            return redirect(url_for("auth.login", expired=1 if g.get("session_expired") else None))
        if admin and g.staff["role"] != "admin":
            abort(404)  # as the APIs answer: whether the page exists is not for a facilitator to learn
        return view(*args, **kwargs)
    return wrapper
