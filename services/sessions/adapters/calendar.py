"""The participant's iCalendar feed, built with the `icalendar` library.

Privacy by default: a phone's lock screen shows the SUMMARY to anyone nearby, so it says
"Group session" and never the group's name, kind or topic. Times are written in UTC (a calendar app
shows them in the phone's own zone). UIDs are the session ids, stable across reschedules, so a
subscribed calendar moves the event instead of adding a second one.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlparse

from icalendar import Calendar, Event

from services.sessions.domain.model import Session

SUMMARY = "Group session"
# Calendar apps show the producer: it names nothing about what the sessions are.
PRODID = "-//Group Sessions//Calendar//EN"


def session_feed(sessions: list[Session], join_url: Callable[[Session], str | None], base_url: str,
                 now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Sessions")
    host = urlparse(base_url).hostname or "sessions"
    for session in sessions:
        calendar.add_component(_event(session, join_url(session), host, now))
    return calendar.to_ical()


def _event(session: Session, join_url: str | None, host: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"{session.id}@{host}")
    event.add("dtstamp", now)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", SUMMARY)
    event.add("status", "CONFIRMED")
    if session.location:
        event.add("location", session.location)
    if join_url:
        event.add("url", join_url)
        where = "in person or online" if session.location else "online"
        event.add("description", f"This session is held {where}. Join with your personal link: {join_url}")
    return event
