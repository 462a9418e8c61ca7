"""Personal join links, on SQLite and PostgreSQL: a valid link records the join and redirects to the
room; early, expired, revoked and forged links get their own small page and status, and record nothing."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from shared.join_links import LinkSigner
from tests.integration.sessions.sessions_client import (ADMIN, NY, SessionsClient, as_participant, midnight, minutes,
                                                        monday, now)


@pytest.fixture
def clinic(settings_for) -> SessionsClient:
    return SessionsClient(settings_for("sessions"))


def virtual_session(clinic, starts_in: timedelta, **group):
    gid = clinic.group(modality="virtual", **group)["group_id"]
    enrollment = clinic.enroll(gid, midnight(monday(5)))
    session = clinic.schedule(gid, now() + starts_in)
    return session, enrollment, clinic.join_link(session["id"], enrollment["participant_id"])


def follow(clinic, url: str, method: str = "get"):
    return getattr(clinic.http, method)(urlparse(url).path)


def assert_page(response, status: int, *phrases: str, script: str | None = None) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert text.startswith("<!doctype html>") and "Traceback" not in text
    scripts = [part.split('"', 1)[0] for part in text.split('<script src="')[1:]]
    assert scripts == ([script] if script else []) and text.count("<script") == len(scripts)
    assert "Evening group" not in text and "process" not in text  # never the group's name or kind
    for phrase in phrases:
        assert phrase in text, text


def recorded_nothing(clinic, session, enrollment) -> bool:
    row = clinic.sheet(session["id"])[enrollment["participant_id"]]
    return row["status"] == "not_recorded" and clinic.events("sessions.attendance.recorded") == []


def test_a_valid_link_redirects_to_the_room_and_marks_present_once(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(10))
    assert url.startswith("http://localhost:8002/join/")

    r = follow(clinic, url)

    assert r.status_code == 302 and r.headers["Location"] == session["video_room_url"]
    row = clinic.sheet(session["id"])[enrollment["participant_id"]]
    assert (row["status"], row["minutes"], row["recorded_by"]) == ("present", 180, "join_link")
    assert row["joined_at"] is not None
    assert follow(clinic, url).status_code == 302  # a reconnect changes nothing
    [event] = clinic.events("sessions.attendance.recorded")
    assert event["data"]["status"] == "present"


def test_a_join_after_the_start_plus_the_grace_period_is_late(clinic):
    session, enrollment, url = virtual_session(clinic, -minutes(15))
    assert follow(clinic, url).status_code == 302
    row = clinic.sheet(session["id"])[enrollment["participant_id"]]
    assert row["status"] == "late" and 160 <= row["minutes"] <= 165


def test_the_grace_period_comes_from_the_environment(settings_for):
    clinic = SessionsClient(settings_for("sessions", extra={"JOIN_GRACE_MINUTES": "30"}))
    session, enrollment, url = virtual_session(clinic, -minutes(15))
    assert follow(clinic, url).status_code == 302
    assert clinic.sheet(session["id"])[enrollment["participant_id"]]["status"] == "present"


def test_too_early_is_403_and_says_when_the_room_opens(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(30))
    # The page tells the time where the group meets (America/New_York), not UTC.
    opens = (datetime.fromisoformat(session["starts_at"]) - minutes(15)).astimezone(ZoneInfo(NY))
    clock = f"{opens:%I:%M %p}".lstrip("0") + f" {opens:%Z}"
    token = urlparse(url).path.rsplit("/", 1)[1]
    assert_page(follow(clinic, url), 403, "Not open yet", "opens 15 minutes before", clock,
                f'<a class="join" href="/join/{token}">Join</a>', "A private place", "Headphones",
                "first name only", script="/join/prejoin.js")
    assert recorded_nothing(clinic, session, enrollment)


def test_the_pre_join_page_counts_down_to_the_window_and_its_script_is_served(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(20))
    r = follow(clinic, url)
    seconds = int(r.get_data(as_text=True).split('data-seconds-left="')[1].split('"')[0])
    assert 4 * 60 <= seconds <= 5 * 60 + 1  # the window opens 15 minutes before the start
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self';")
    script = clinic.http.get("/join/prejoin.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert b"window.location.replace" in script.data


def test_an_ended_session_is_410(clinic):
    session, enrollment, url = virtual_session(clinic, -timedelta(hours=4))
    assert_page(follow(clinic, url), 410, "This session has ended")
    assert recorded_nothing(clinic, session, enrollment)


def test_an_ended_enrollment_revokes_the_link(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(5))
    clinic.end(enrollment, now() - minutes(1), reason="discharged")

    assert_page(follow(clinic, url), 403, "your enrollment has ended")
    assert clinic.http.get(f"/v1/sessions/{session['id']}/join-links", headers=ADMIN).json["items"] == []
    assert clinic.events("sessions.attendance.recorded") == []


def test_a_member_who_left_during_a_session_still_sees_it_listed_but_without_a_link(clinic):
    session, enrollment, _ = virtual_session(clinic, -minutes(10))  # in progress: expected at its start
    stays = clinic.enroll(session["group_id"], midnight(monday(5)))
    clinic.end(enrollment, now() - minutes(1), reason="discharged")

    for pid, linked in ((enrollment["participant_id"], False), (stays["participant_id"], True)):
        for path in (f"/v1/participants/{pid}/sessions", "/v1/sessions"):
            listed = clinic.http.get(path, headers=as_participant(pid)).json["items"]
            assert [s["id"] for s in listed] == [session["id"]], path
            assert ("join_url" in listed[0]) is linked, (path, linked)


def test_a_cancelled_session_revokes_the_link(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(5))
    clinic.http.post(f"/v1/sessions/{session['id']}/cancel", json={"reason": "Facilitator ill"}, headers=ADMIN)
    assert_page(follow(clinic, url), 403, "cancelled")
    assert recorded_nothing(clinic, session, enrollment)


def test_a_session_moved_in_person_has_no_room(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(5))
    clinic.http.patch(f"/v1/sessions/{session['id']}", json={"modality": "in_person", "location": "Room 1"},
                      headers=ADMIN)
    assert_page(follow(clinic, url), 403, "in person")
    assert recorded_nothing(clinic, session, enrollment)


def test_tampered_garbled_or_foreign_links_are_404(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(5))
    token = urlparse(url).path.rsplit("/", 1)[1]
    value, signature = token.rsplit(".", 1)
    other_participant = LinkSigner("test-secret-" + "x" * 32, "http://x").join_token(uuid.UUID(session["id"]),
                                                                                      uuid.uuid4())
    for bad in (value[:-2] + "AA." + signature,  # another person's ids under the old signature
                value + "." + signature[::-1], "not-a-token", "%F0%9F%99%82",
                LinkSigner("another-secret", "http://x").join_token(uuid.uuid4(), uuid.uuid4()),
                LinkSigner("test-secret-" + "x" * 32, "http://x").join_token(uuid.uuid4(), uuid.uuid4())):
        assert_page(clinic.http.get(f"/join/{bad}"), 404, "not valid")
    # Correctly signed for a stranger: the session exists but they are not enrolled in its group.
    assert_page(clinic.http.get(f"/join/{other_participant}"), 403)
    assert recorded_nothing(clinic, session, enrollment)


def test_a_link_previewer_asking_head_records_nothing(clinic):
    session, enrollment, url = virtual_session(clinic, minutes(5))
    assert follow(clinic, url, "head").status_code == 302
    assert recorded_nothing(clinic, session, enrollment)


def test_join_links_are_listed_for_staff_with_their_window(clinic):
    session, enrollment, url = virtual_session(clinic, timedelta(days=1))
    [link] = clinic.http.get(f"/v1/sessions/{session['id']}/join-links", headers=ADMIN).json["items"]
    starts = datetime.fromisoformat(session["starts_at"])
    assert (link["participant_id"], link["url"]) == (enrollment["participant_id"], url)
    assert datetime.fromisoformat(link["valid_from"]) == starts - minutes(15)
    assert datetime.fromisoformat(link["valid_until"]) == datetime.fromisoformat(session["ends_at"])


def test_a_member_enrolled_while_the_session_is_under_way_joins_it_as_a_walk_in(clinic):
    gid = clinic.group(modality="virtual")["group_id"]
    session = clinic.schedule(gid, now() - minutes(30))
    newcomer = clinic.enroll(gid, now() - minutes(5))["participant_id"]
    mine = clinic.http.get(f"/v1/participants/{newcomer}/sessions", headers=as_participant(newcomer))
    [listed] = [s for s in mine.json["items"] if s["id"] == session["id"]]
    assert listed["join_url"]

    assert follow(clinic, listed["join_url"]).status_code == 302

    row = clinic.sheet(session["id"])[newcomer]
    assert (row["status"], row["walk_in"], row["recorded_by"]) == ("late", True, "join_link")
    [event] = clinic.events("sessions.attendance.recorded")
    assert event["data"]["walk_in"] is True


def test_a_member_expected_at_the_start_is_not_a_walk_in(clinic):
    session, enrollment, url = virtual_session(clinic, -minutes(5))
    assert follow(clinic, url).status_code == 302
    assert clinic.sheet(session["id"])[enrollment["participant_id"]]["walk_in"] is False
