"""Scheduling through the sessions API, on SQLite and PostgreSQL: one session, generation from the
weekly schedule (idempotent, right local times across DST), reschedule, cancel, snow days, status."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.integration.sessions.sessions_client import ADMIN, NY, SessionsClient, minutes, now


@pytest.fixture
def clinic(settings_for) -> SessionsClient:
    return SessionsClient(settings_for("sessions"))


def local(starts_at: str) -> datetime:
    return datetime.fromisoformat(starts_at).astimezone(ZoneInfo(NY))


def test_one_session_takes_the_groups_defaults_and_is_announced(clinic):
    group = clinic.group(modality="virtual")
    starts = now() + timedelta(days=2)

    session = clinic.schedule(group["group_id"], starts, topic="Coping skills")

    assert (session["modality"], session["duration_minutes"], session["status"]) == ("virtual", 180, "scheduled")
    assert session["video_room_url"] == f"https://meet.jit.si/room-{session['id']}"
    assert datetime.fromisoformat(session["ends_at"]) == starts + timedelta(hours=3)
    [event] = clinic.events("sessions.session.scheduled")
    assert event["data"]["session_id"] == session["id"] and event["producer"] == "sessions"
    assert clinic.http.get(f"/v1/sessions/{session['id']}", headers=ADMIN).json == session


def test_a_past_session_can_be_recorded_after_the_fact(clinic):
    group = clinic.group(modality="in_person")
    session = clinic.schedule(group["group_id"], now() - timedelta(days=1), duration_minutes=90)
    assert (session["status"], session["location"], session["video_room_url"]) == ("completed", "Room 2", None)


def test_an_unknown_group_is_404_and_says_roster_groups_arrive_within_a_moment(clinic):
    r = clinic.http.post(f"/v1/groups/{uuid.uuid4()}/sessions", json={"starts_at": now().isoformat()},
                         headers=ADMIN)
    assert r.status_code == 404 and "within a moment" in r.json["message"]


def test_a_closed_group_gets_no_new_sessions(clinic):
    group = clinic.group()
    clinic.roster_event("roster.group.closed", {"group_id": group["group_id"], "closed_at": now().isoformat()})
    clinic.schedule(group["group_id"], now() + timedelta(days=1), expect=409)
    r = clinic.http.post(f"/v1/groups/{group['group_id']}/sessions/generate",
                         json={"from": "2026-12-01", "to": "2026-12-31"}, headers=ADMIN)
    assert r.status_code == 409


def test_generation_is_idempotent_and_keeps_18_00_local_across_both_dst_changes(clinic):
    group = clinic.group(weekdays=("mon", "wed", "thu"), start="18:00")
    gid = group["group_id"]

    spring = clinic.generate(gid, "2026-03-01", "2026-03-14")
    assert (spring["created_count"], spring["existing_count"]) == (6, 0)
    starts = [s["starts_at"] for s in spring["items"]]
    assert [local(s).strftime("%a %d %H:%M") for s in starts] == [
        "Mon 02 18:00", "Wed 04 18:00", "Thu 05 18:00", "Mon 09 18:00", "Wed 11 18:00", "Thu 12 18:00"]
    assert [datetime.fromisoformat(s).hour for s in starts] == [23, 23, 23, 22, 22, 22]  # EST, then EDT

    again = clinic.generate(gid, "2026-03-01", "2026-03-14")
    assert (again["created_count"], again["existing_count"], again["items"]) == (0, 6, [])
    overlapping = clinic.generate(gid, "2026-03-09", "2026-03-20")
    assert (overlapping["created_count"], overlapping["existing_count"]) == (3, 3)

    autumn = clinic.generate(gid, "2026-10-26", "2026-11-08")
    assert [datetime.fromisoformat(s["starts_at"]).hour for s in autumn["items"]] == [22, 22, 22, 23, 23, 23]
    assert {local(s["starts_at"]).strftime("%H:%M") for s in autumn["items"]} == {"18:00"}
    assert len(clinic.events("sessions.session.scheduled")) == 6 + 3 + 6


def test_a_moved_or_cancelled_slot_is_not_generated_again(clinic):
    gid = clinic.group(weekdays=("mon",))["group_id"]
    first, second = clinic.generate(gid, "2027-01-04", "2027-01-11")["items"]

    moved = clinic.http.post(f"/v1/sessions/{first['id']}/reschedule",
                             json={"starts_at": "2027-01-05T23:00:00+00:00"}, headers=ADMIN)
    cancelled = clinic.http.post(f"/v1/sessions/{second['id']}/cancel", json={"reason": "Holiday"}, headers=ADMIN)

    assert moved.status_code == 200 and moved.json["starts_at"] == "2027-01-05T23:00:00+00:00"
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert clinic.generate(gid, "2027-01-04", "2027-01-11")["created_count"] == 0
    [rescheduled] = clinic.events("sessions.session.rescheduled")
    assert rescheduled["data"]["previous_starts_at"] == first["starts_at"]
    [cancel] = clinic.events("sessions.session.cancelled")
    assert cancel["data"] == {"session_id": second["id"], "group_id": gid, "starts_at": second["starts_at"],
                              "reason": "Holiday"}
    again = clinic.http.post(f"/v1/sessions/{second['id']}/cancel", json={"reason": "Again"}, headers=ADMIN)
    assert again.status_code == 409


def test_a_snow_day_turns_one_in_person_session_virtual_and_is_announced(clinic):
    gid = clinic.group(modality="in_person", location="Room 4")["group_id"]
    session = clinic.schedule(gid, now() + timedelta(days=1))

    r = clinic.http.patch(f"/v1/sessions/{session['id']}", json={"modality": "virtual"}, headers=ADMIN)

    assert r.status_code == 200
    assert (r.json["modality"], r.json["location"]) == ("virtual", None)
    assert r.json["video_room_url"] == f"https://meet.jit.si/room-{session['id']}"
    [event] = clinic.events("sessions.session.relocated")
    assert event["data"]["modality"] == "virtual" and event["data"]["starts_at"] == session["starts_at"]
    assert (event["data"]["previous_modality"], event["data"]["previous_location"]) == ("in_person", "Room 4")
    assert clinic.events("sessions.session.rescheduled") == []  # the time did not change
    topic = clinic.http.patch(f"/v1/sessions/{session['id']}", json={"topic": "Relapse prevention"}, headers=ADMIN)
    assert topic.json["topic"] == "Relapse prevention"
    assert len(clinic.events("sessions.session.relocated")) == 1  # the topic is not announced


def test_status_follows_the_clock_and_lists_page_by_start(clinic):
    gid = clinic.group()["group_id"]
    t = now()
    past = clinic.schedule(gid, t - timedelta(days=1))
    running = clinic.schedule(gid, t - minutes(30))
    future = clinic.schedule(gid, t + timedelta(days=1))
    cancelled = clinic.schedule(gid, t + timedelta(days=2))
    clinic.http.post(f"/v1/sessions/{cancelled['id']}/cancel", json={"reason": "Staff illness"}, headers=ADMIN)

    def ids(query):
        r = clinic.http.get(f"/v1/sessions?group_id={gid}&{query}", headers=ADMIN)
        assert r.status_code == 200, r.json
        return [s["id"] for s in r.json["items"]]

    assert ids("status=completed") == [past["id"]]
    assert ids("status=in_progress") == [running["id"]]
    assert ids("status=scheduled") == [future["id"]]
    assert ids("status=cancelled") == [cancelled["id"]]
    first = clinic.http.get(f"/v1/sessions?group_id={gid}&limit=3", headers=ADMIN).json
    rest = clinic.http.get(f"/v1/sessions?group_id={gid}&limit=3&cursor={first['next_cursor']}", headers=ADMIN).json
    assert [s["id"] for s in first["items"] + rest["items"]] == [past["id"], running["id"], future["id"],
                                                                 cancelled["id"]]
    assert rest["next_cursor"] is None
    after_running = (t + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"from={after_running}") == [future["id"], cancelled["id"]]
    assert ids(f"to={after_running}") == [past["id"], running["id"]]


def test_bad_input_is_a_clear_422_never_a_500(clinic):
    gid = clinic.group()["group_id"]
    cases = [
        ("post", f"/v1/groups/{gid}/sessions", {"starts_at": "2027-01-04T18:00:00"}, "starts_at"),
        ("post", f"/v1/groups/{gid}/sessions", {"starts_at": "2027-01-04T18:00:00Z", "modality": "zoom"}, "modality"),
        ("post", f"/v1/groups/{gid}/sessions", {"starts_at": "2027-01-04T18:00:00Z", "duration_minutes": 10},
         "duration_minutes"),
        ("post", f"/v1/groups/{gid}/sessions/generate", {"from": "2027-02-01", "to": "2027-01-01"}, "to"),
        ("post", "/v1/groups/not-a-uuid/sessions", {"starts_at": "2027-01-04T18:00:00Z"}, "group_id"),
    ]
    for method, path, body, field in cases:
        r = getattr(clinic.http, method)(path, json=body, headers=ADMIN)
        assert r.status_code == 422, (path, body, r.json)
        assert field in str(r.json["errors"]), r.json
    assert clinic.http.get("/v1/sessions?from=yesterday", headers=ADMIN).status_code == 422
    assert clinic.http.get("/v1/sessions?cursor=garbage", headers=ADMIN).status_code == 422
