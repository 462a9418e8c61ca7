"""The small HTML pages a participant sees when a join link does not open the room.

Self-contained (inline style, no external assets: the app's CSP forbids them), readable on a phone,
and neutral: they never name the program, the group or its kind. The pre-join page alone loads one
script, from this service (prejoin.js: the countdown that opens the room by itself).
"""
from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, url_for

from services.sessions.domain.errors import DomainError, Expired, Revoked, TooEarly

STYLE = ("body{font-family:system-ui,sans-serif;margin:0;background:#f5f5f4;color:#1c1917}"
         "main{max-width:32rem;margin:15vh auto;padding:2rem;background:#fff;border-radius:.75rem}"
         "h1{font-size:1.4rem;margin-top:0}p{line-height:1.5}")
ASK = "If you think this is a mistake, please contact your facilitator."


PREJOIN_STYLE = (".join{display:inline-block;padding:.75rem 1.5rem;background:#1d4ed8;color:#fff;"
                 "border-radius:.5rem;text-decoration:none;font-weight:600}.join:focus{outline:3px solid #f59e0b}"
                 "#countdown{font-size:1.25rem;font-weight:600}ul{line-height:1.7;padding-left:1.25rem}")
# The page's own script from this origin, and nothing else.
PREJOIN_CSP = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
               "base-uri 'none'; form-action 'none'")
CHECKLIST = ("A private place where no one can overhear you.",
             "Headphones, so others in the group stay private too.",
             "Your first name only on screen.")


def page(status: int, title: str, *paragraphs: str, extra_html: str = "", extra_style: str = "",
         script: str | None = None) -> Response:
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    tag = f'<script src="{escape(script)}" defer></script>' if script else ""
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}{extra_style}</style>{tag}</head>"
            f"<body><main><h1>{escape(title)}</h1>{body}{extra_html}</main></body></html>")
    response = Response(html, status=status, mimetype="text/html")
    if script:
        response.headers["Content-Security-Policy"] = PREJOIN_CSP
    return response


def prejoin_page(early: TooEarly, token: str, now: datetime) -> Response:
    """Before the window opens: when, a countdown that opens the room by itself, a Join button that
    works from then on without JavaScript, and what to get ready. 403: the room is not open yet."""
    opens = local_time(early.valid_from, early.timezone)
    href = f"/join/{token}"
    seconds = max(0, int((early.valid_from - now).total_seconds()) + 1)
    checklist = "".join(f"<li>{escape(item)}</li>" for item in CHECKLIST)
    extra = (f'<p id="countdown" role="timer" data-seconds-left="{seconds}" '
             f'data-join-href="{escape(href)}">The room opens at {escape(opens)}.</p>'
             f'<p><a class="join" href="{escape(href)}">Join</a></p>'
             f"<h2>Before you join</h2><ul>{checklist}</ul>")
    return page(early.http_status, "Not open yet",
                f"The room opens 15 minutes before the session, at {opens}.",
                "Keep this page open: it opens the room by itself. Or press Join from then on.",
                extra_html=extra, extra_style=PREJOIN_STYLE, script=url_for("join.prejoin_script"))


def local_time(moment: datetime, timezone: str | None) -> str:
    """'5:45 PM EST on Monday, March 9' where the group meets (UTC when unknown)."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{local:%I:%M %p}".lstrip("0") + f" {local:%Z} on {local:%A, %B} {local.day}"


def refusal_page(refused: DomainError) -> Response:
    if isinstance(refused, Expired):
        return page(refused.http_status, "This session has ended",
                    "This link worked until the end of the session.", ASK)
    if isinstance(refused, Revoked):
        return page(refused.http_status, "This link no longer works", refused.message, ASK)
    return page(refused.http_status, "Link not recognised", refused.message,
                "Your facilitator can send you a new link.")
