"""Who sees what, on SQLite and PostgreSQL: a participant only their own sessions and links, a
facilitator only their groups' sessions; anything outside one's scope is a 404, as in roster."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.integration.sessions.sessions_client import (ADMIN, SessionsClient, as_facilitator, as_participant,
                                                        midnight, monday, now)


@pytest.fixture
def two_groups(settings_for):
    clinic = SessionsClient(settings_for("sessions"))
    people = {}
    for name in ("one", "two"):
        lead = str(uuid.uuid4())
        gid = clinic.group([lead], modality="virtual")["group_id"]
        pid = clinic.enroll(gid, midnight(monday(5)))["participant_id"]
        session = clinic.schedule(gid, now() + timedelta(days=1))
        people[name] = {"lead": as_facilitator(lead), "me": as_participant(pid), "pid": pid, "gid": gid,
                        "session": session["id"]}
    return clinic, people["one"], people["two"]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_lists_are_scoped_to_the_caller(two_groups):
    clinic, one, two = two_groups
    assert ids(clinic.http.get("/v1/sessions", headers=one["lead"])) == [one["session"]]
    assert ids(clinic.http.get("/v1/sessions", headers=one["me"])) == [one["session"]]
    assert sorted(ids(clinic.http.get("/v1/sessions", headers=ADMIN))) == sorted([one["session"], two["session"]])
    assert ids(clinic.http.get(f"/v1/sessions?group_id={two['gid']}", headers=one["lead"])) == []
    assert clinic.http.get("/v1/sessions").status_code == 401


def test_a_participant_sees_their_own_session_with_their_own_link_and_not_the_bare_room(two_groups):
    clinic, one, two = two_groups
    mine = clinic.http.get(f"/v1/sessions/{one['session']}", headers=one["me"])
    staff_view = clinic.http.get(f"/v1/sessions/{one['session']}", headers=one["lead"]).json

    assert mine.status_code == 200 and mine.json["video_room_url"] is None
    assert mine.json["join_url"] == clinic.join_link(one["session"], one["pid"])
    assert staff_view["video_room_url"].startswith("https://meet.jit.si/") and "join_url" not in staff_view
    listed = clinic.http.get(f"/v1/participants/{one['pid']}/sessions", headers=one["me"]).json
    assert [(s["id"], s["join_url"]) for s in listed["items"]] == [(one["session"], mine.json["join_url"])]
    assert listed["calendar_url"].startswith(f"http://localhost:8002/v1/participants/{one['pid']}/calendar.ics?token=")


def test_other_peoples_sessions_links_and_records_are_not_found(two_groups):
    clinic, one, two = two_groups
    theirs = two["session"]
    for headers in (one["me"], one["lead"]):
        assert clinic.http.get(f"/v1/sessions/{theirs}", headers=headers).status_code == 404
        assert clinic.http.get(f"/v1/participants/{two['pid']}/sessions", headers=headers).status_code == 404
        assert clinic.http.get(f"/v1/participants/{two['pid']}/attendance", headers=headers).status_code == 404
    for path in (f"/v1/sessions/{theirs}/join-links", f"/v1/sessions/{theirs}/attendance"):
        assert clinic.http.get(path, headers=one["lead"]).status_code == 404
    changes = [("post", f"/v1/sessions/{theirs}/cancel", {"reason": "Mine now"}),
               ("post", f"/v1/sessions/{theirs}/reschedule", {"starts_at": "2027-01-04T23:00:00Z"}),
               ("patch", f"/v1/sessions/{theirs}", {"topic": "Anything"}),
               ("put", f"/v1/sessions/{theirs}/attendance", [{"participant_id": two["pid"], "status": "absent"}]),
               ("post", f"/v1/groups/{two['gid']}/sessions", {"starts_at": "2027-01-04T23:00:00Z"}),
               ("post", f"/v1/groups/{two['gid']}/sessions/generate", {"from": "2027-01-04", "to": "2027-01-10"})]
    for method, path, body in changes:
        r = getattr(clinic.http, method)(path, json=body, headers=one["lead"])
        assert r.status_code == 404, (path, r.json)
    assert clinic.events("sessions.session.cancelled") == clinic.events("sessions.session.rescheduled") == []


def test_participants_may_look_but_never_change_or_list_others_links(two_groups):
    clinic, one, _ = two_groups
    mine = one["session"]
    forbidden = [("get", f"/v1/sessions/{mine}/join-links", None), ("get", f"/v1/sessions/{mine}/attendance", None),
                 ("put", f"/v1/sessions/{mine}/attendance", [{"participant_id": one["pid"], "status": "present"}]),
                 ("post", f"/v1/sessions/{mine}/cancel", {"reason": "Busy"}),
                 ("post", f"/v1/groups/{one['gid']}/sessions", {"starts_at": "2027-01-04T23:00:00Z"})]
    for method, path, body in forbidden:
        r = getattr(clinic.http, method)(path, json=body, headers=one["me"])
        assert r.status_code == 403, (path, r.json)
    assert clinic.http.get(f"/v1/participants/{one['pid']}/attendance", headers=one["me"]).status_code == 200
