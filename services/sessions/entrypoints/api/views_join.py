"""`GET /join/<token>`: a participant's personal link into a virtual or hybrid session.

No bearer token: the signed link is the credential. A valid link records the join and redirects
(302) to the video room; anything else gets a small human-readable page with 403, 404 or 410.
One address may open links at most RATE_LIMIT_JOIN_PER_MINUTE times a minute (429 past that), so
links cannot be guessed in bulk.
"""
from __future__ import annotations

import logging

from pathlib import Path

from flask import Response, redirect, request
from flask_smorest import Blueprint

from services.sessions import bootstrap
from services.sessions.bootstrap import links, options, unit_of_work
from services.sessions.domain.errors import DomainError
from services.sessions.domain.errors import TooEarly
from services.sessions.entrypoints.api.pages import ASK, page, prejoin_page, refusal_page
from services.sessions.service_layer.join import follow_join_link
from shared.audit import audited, note_participants
from shared.auth import public
from shared.rate_limit import abuse_limits, client_address

log = logging.getLogger(__name__)
blp = Blueprint("join", __name__, description="Personal join links (no bearer token: the link is the credential)")


def _html_page(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


@blp.route("/join/<token>")
@blp.doc(security=[], responses={
    "302": {"description": "Join recorded (present or late); redirect to the video room"},
    "403": _html_page("Too early, or revoked (enrollment ended, session cancelled, now in person)"),
    "404": _html_page("Forged, garbled or unknown link"),
    "410": _html_page("The session has ended"),
    "429": _html_page("Too many links opened from this address; see Retry-After")})
@public
@audited("join_link.follow", change=True, credential="join_link")
def join(token: str):
    """Open the room from 15 minutes before the start until the end, recording the join."""
    wait = abuse_limits().join.acquire(client_address())
    if wait:
        return too_many_page(wait)
    note_participants(*(links().read_join_token(token) or (None, None))[1:])
    # HEAD is what link previewers send; it must not mark anyone present.
    record = request.method != "HEAD"
    now = bootstrap.now()
    try:
        session, outcome = follow_join_link(unit_of_work(), links(), token, options().join_grace_minutes,
                                            now, record=record)
    except TooEarly as early:
        return prejoin_page(early, token, now)
    except DomainError as refused:
        return refusal_page(refused)
    except Exception:  # noqa: BLE001 - a person is reading this: a page, never a stack trace
        log.exception("join link failed", extra={"path": "/join"})
        return page(500, "Something went wrong", "Please try the link again in a minute.")
    log.info("participant joined", extra={"session_id": str(session.id), "status": outcome})
    return redirect(session.video_room_url, code=302)


PREJOIN_SCRIPT = (Path(__file__).parent / "assets" / "prejoin.js").read_bytes()


@blp.route("/join/prejoin.js")
@blp.doc(security=[], responses={"200": {
    "description": "The pre-join page's countdown script",
    "content": {"text/javascript": {"schema": {"type": "string"}}}}})
@public
def prejoin_script():
    """The pre-join page's countdown (static)."""
    return Response(PREJOIN_SCRIPT, mimetype="text/javascript")


def too_many_page(retry_after: int):
    response = page(429, "Too many attempts", "Please wait a minute, then open your link again.", ASK)
    response.headers["Retry-After"] = str(retry_after)
    return response
