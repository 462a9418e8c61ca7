"""The small HTML pages a participant sees when a join link does not open the room.

Self-contained (inline style, no scripts, no external assets: the app's CSP forbids them anyway),
readable on a phone, and neutral: they never name the program, the group or its kind.
"""
from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response

from services.sessions.domain.errors import DomainError, Expired, Revoked, TooEarly

STYLE = ("body{font-family:system-ui,sans-serif;margin:0;background:#f5f5f4;color:#1c1917}"
         "main{max-width:32rem;margin:15vh auto;padding:2rem;background:#fff;border-radius:.75rem}"
         "h1{font-size:1.4rem;margin-top:0}p{line-height:1.5}")
ASK = "If you think this is a mistake, please contact your facilitator."


def page(status: int, title: str, *paragraphs: str) -> Response:
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>")
    return Response(html, status=status, mimetype="text/html")


def local_time(moment: datetime, timezone: str | None) -> str:
    """'5:45 PM EST on Monday, March 9' where the group meets (UTC when unknown)."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{local:%I:%M %p}".lstrip("0") + f" {local:%Z} on {local:%A, %B} {local.day}"


def refusal_page(refused: DomainError) -> Response:
    if isinstance(refused, TooEarly):
        opens = local_time(refused.valid_from, refused.timezone)
        return page(refused.http_status, "Not open yet",
                    f"The room opens 15 minutes before the session, at {opens}.",
                    "Please use the same link again then.")
    if isinstance(refused, Expired):
        return page(refused.http_status, "This session has ended",
                    "This link worked until the end of the session.", ASK)
    if isinstance(refused, Revoked):
        return page(refused.http_status, "This link no longer works", refused.message, ASK)
    return page(refused.http_status, "Link not recognised", refused.message,
                "Your facilitator can send you a new link.")
