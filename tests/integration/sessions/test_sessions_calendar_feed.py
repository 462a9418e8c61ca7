"""The participant's iCalendar feed, on SQLite and PostgreSQL: exactly the upcoming, not cancelled
sessions, neutral titles, reachable with a bearer token or a signed feed URL.

The feed is built with the `icalendar` library, so parsing it back with the same library proves
little on its own: every test also reads the raw text with a small line-based reader of RFC 5545.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import pytest
from icalendar import Calendar

from tests.integration.sessions.sessions_client import (ADMIN, SessionsClient, as_facilitator, as_participant,
                                                        midnight, minutes, monday, now)


@pytest.fixture
def clinic(settings_for) -> SessionsClient:
    return SessionsClient(settings_for("sessions"))


def unfolded_lines(raw: bytes) -> list[str]:
    """RFC 5545 §3.1: lines end with CRLF; a line starting with a space or tab continues the previous."""
    text = raw.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def properties(lines: list[str], name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in lines if re.match(rf"^{name}[;:]", line)]


@pytest.fixture
def feed_story(clinic):
    lead = str(uuid.uuid4())
    gid = clinic.group([lead], modality="virtual")["group_id"]
    pid = clinic.enroll(gid, midnight(monday(5)))["participant_id"]
    t = now()
    sessions = {name: clinic.schedule(gid, t + offset) for name, offset in [
        ("past", -timedelta(days=1)), ("running", -minutes(30)), ("tomorrow", timedelta(days=1)),
        ("cancelled", timedelta(days=2)), ("later", timedelta(days=3))]}
    clinic.http.post(f"/v1/sessions/{sessions['cancelled']['id']}/cancel", json={"reason": "Holiday"}, headers=ADMIN)
    other_group = clinic.group(modality="virtual")["group_id"]
    clinic.schedule(other_group, t + timedelta(days=1))  # someone else's session
    return lead, pid, sessions


def test_the_feed_lists_exactly_the_upcoming_not_cancelled_sessions(clinic, feed_story):
    lead, pid, sessions = feed_story
    expected = [sessions[name] for name in ("running", "tomorrow", "later")]

    r = clinic.http.get(f"/v1/participants/{pid}/calendar.ics", headers=as_participant(pid))

    assert r.status_code == 200 and r.mimetype == "text/calendar"
    lines = unfolded_lines(r.data)
    assert (lines[0], lines[-1]) == ("BEGIN:VCALENDAR", "END:VCALENDAR")
    assert properties(lines, "VERSION") == ["2.0"] and len(properties(lines, "PRODID")) == 1
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 3
    assert [uid.split("@")[0] for uid in properties(lines, "UID")] == [s["id"] for s in expected]
    assert properties(lines, "DTSTART") == [
        datetime.fromisoformat(s["starts_at"]).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ") for s in expected]
    assert set(properties(lines, "SUMMARY")) == {"Group session"}
    assert all("/join/" in url for url in properties(lines, "URL"))

    parsed = Calendar.from_ical(r.data)
    events = parsed.walk("VEVENT")
    assert [str(e["UID"]).split("@")[0] for e in events] == [s["id"] for s in expected]
    assert [e.decoded("DTSTART") for e in events] == [datetime.fromisoformat(s["starts_at"]) for s in expected]
    assert [e.decoded("DTEND") for e in events] == [datetime.fromisoformat(s["ends_at"]) for s in expected]


def test_a_calendar_app_subscribes_with_the_signed_feed_url_and_no_bearer_token(clinic, feed_story):
    lead, pid, sessions = feed_story
    listed = clinic.http.get(f"/v1/participants/{pid}/sessions", headers=as_participant(pid)).json
    feed = urlparse(listed["calendar_url"])

    r = clinic.http.get(f"{feed.path}?{feed.query}")

    assert r.status_code == 200
    assert unfolded_lines(r.data).count("BEGIN:VEVENT") == 3
    stranger = str(uuid.uuid4())
    others = urlparse(clinic.http.get(f"/v1/participants/{stranger}/sessions",
                                      headers=as_participant(stranger)).json["calendar_url"])
    assert clinic.http.get(f"{feed.path}?{others.query}").status_code == 404  # a token is for one person
    assert clinic.http.get(f"{feed.path}?token=forged.token").status_code == 404
    assert clinic.http.get(feed.path).status_code == 401


def test_only_the_participant_and_their_groups_staff_read_the_feed(clinic, feed_story):
    lead, pid, sessions = feed_story
    path = f"/v1/participants/{pid}/calendar.ics"
    assert clinic.http.get(path, headers=as_facilitator(lead)).status_code == 200
    assert clinic.http.get(path, headers=ADMIN).status_code == 200
    assert clinic.http.get(path, headers=as_facilitator(str(uuid.uuid4()))).status_code == 404
    assert clinic.http.get(path, headers=as_participant(str(uuid.uuid4()))).status_code == 404
