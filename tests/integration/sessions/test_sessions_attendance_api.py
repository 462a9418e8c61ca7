"""Attendance through the sessions API, on SQLite and PostgreSQL: expected lists under rolling
enrollment, walk-ins, weekly hours against the minimum, the absence-streak alert, and exports."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.integration.sessions.sessions_client import (ADMIN, SessionsClient, as_facilitator, as_participant,
                                                        midnight, monday, now, utc)


@pytest.fixture
def clinic(settings_for) -> SessionsClient:
    return SessionsClient(settings_for("sessions"))


def expected(clinic, session_id) -> list[str]:
    return [pid for pid, row in clinic.sheet(session_id).items() if row["expected"]]


def test_rolling_enrollment_a_week_3_joiner_is_expected_from_week_3_and_a_leaver_not_after_leaving(clinic):
    gid = clinic.group(weekdays=("mon",))["group_id"]
    from_start = clinic.enroll(gid, utc(2026, 10, 1))
    leaver = clinic.enroll(gid, utc(2026, 10, 1))
    clinic.end(leaver, utc(2026, 10, 14), reason="withdrew")
    joiner = clinic.enroll(gid, utc(2026, 10, 15))
    mondays = [s["id"] for s in clinic.generate(gid, "2026-10-05", "2026-10-26")["items"]]

    assert [expected(clinic, s) for s in mondays] == [
        [from_start["participant_id"], leaver["participant_id"]],
        [from_start["participant_id"], leaver["participant_id"]],
        [from_start["participant_id"], joiner["participant_id"]],
        [from_start["participant_id"], joiner["participant_id"]],
    ]
    row = clinic.sheet(mondays[3])[joiner["participant_id"]]
    assert (row["status"], row["minutes"], row["walk_in"]) == ("not_recorded", None, False)


def test_a_walk_in_is_added_to_one_session_only(clinic):
    gid = clinic.group(weekdays=("mon",))["group_id"]
    member = clinic.enroll(gid, midnight(monday(4)))["participant_id"]
    first, second = [s["id"] for s in clinic.generate(gid, monday(3), monday(2))["items"]]
    walk_in = str(uuid.uuid4())

    clinic.take_attendance(first, [{"participant_id": member, "status": "present"},
                                   {"participant_id": walk_in, "status": "present"}])

    row = clinic.sheet(first)[walk_in]
    assert (row["expected"], row["walk_in"], row["minutes"]) == (False, True, 180)
    assert walk_in not in clinic.sheet(second)
    [event] = [e for e in clinic.events("sessions.attendance.recorded") if e["data"]["participant_id"] == walk_in]
    assert event["data"]["walk_in"] is True


def test_attendance_is_taken_once_the_session_has_started(clinic):
    gid = clinic.group()["group_id"]
    pid = clinic.enroll(gid, midnight(monday(5)))["participant_id"]
    soon = clinic.schedule(gid, now() + timedelta(hours=2))
    r = clinic.http.put(f"/v1/sessions/{soon['id']}/attendance", json=[{"participant_id": pid, "status": "present"}],
                        headers=ADMIN)
    assert r.status_code == 409 and "started" in r.json["message"]
    bad = clinic.http.put(f"/v1/sessions/{soon['id']}/attendance",
                          json=[{"participant_id": pid, "status": "asleep"}], headers=ADMIN)
    assert bad.status_code == 422


def _three_weeks_of_mixed_attendance(clinic):
    """Three past weeks of Monday, Wednesday and Thursday sessions of 3 hours, from monday(4) on."""
    gid = clinic.group(weekdays=("mon", "wed", "thu"))["group_id"]
    pid = clinic.enroll(gid, midnight(monday(5)))["participant_id"]
    sessions = [s["id"] for s in clinic.generate(gid, monday(4), monday(2) + timedelta(days=3))["items"]]
    marks = [("present", None), ("late", 150), ("left_early", 120),
             ("present", None), ("present", None), ("present", None),
             ("absent", None), ("present", None), ("absent", None)]
    for session_id, (status, spent) in zip(sessions, marks, strict=True):
        clinic.take_attendance(session_id, [{"participant_id": pid, "status": status, "minutes": spent}])
    return pid


def test_weekly_hours_and_the_below_minimum_flag_with_a_mix_of_statuses(clinic):
    pid = _three_weeks_of_mixed_attendance(clinic)

    r = clinic.http.get(f"/v1/participants/{pid}/attendance?from={monday(4)}&to={monday(1)}", headers=ADMIN)

    assert r.status_code == 200, r.json
    assert [(w["week_start"], w["minutes"], w["hours"], w["sessions_attended"], w["below_minimum"])
            for w in r.json["weeks"]] == [
        (str(monday(4)), 450, 7.5, 3, True),   # present 180 + late 150 + left early 120
        (str(monday(3)), 540, 9.0, 3, False),  # exactly the minimum is enough
        (str(monday(2)), 180, 3.0, 1, True),   # absent, present, absent
    ]
    assert (r.json["total_hours"], r.json["weeks_below_minimum"], r.json["minimum_hours"]) == (19.5, 2, 9.0)
    assert r.json["timezone"] == "America/New_York"


def test_the_weekly_minimum_comes_from_the_environment(settings_for):
    clinic = SessionsClient(settings_for("sessions", extra={"WEEKLY_MINIMUM_HOURS": "7"}))
    pid = _three_weeks_of_mixed_attendance(clinic)
    r = clinic.http.get(f"/v1/participants/{pid}/attendance?from={monday(4)}&to={monday(1)}", headers=ADMIN)
    assert [w["below_minimum"] for w in r.json["weeks"]] == [False, False, True]


def test_two_consecutive_absences_raise_the_streak_event_exactly_once(clinic):
    lead = str(uuid.uuid4())
    gid = clinic.group([lead], weekdays=("mon",))["group_id"]
    pid = clinic.enroll(gid, midnight(monday(5)))["participant_id"]
    s1, s2, s3, s4 = [s["id"] for s in clinic.generate(gid, monday(4), monday(1))["items"]]
    absent = [{"participant_id": pid, "status": "absent"}]

    clinic.take_attendance(s1, absent, headers=as_facilitator(lead))
    assert clinic.events("sessions.absence.streak") == []
    clinic.take_attendance(s2, absent, headers=as_facilitator(lead))
    clinic.take_attendance(s2, absent, headers=as_facilitator(lead))  # the same sheet saved twice
    clinic.take_attendance(s3, absent, headers=as_facilitator(lead))  # the streak goes on: no new alert

    [streak] = clinic.events("sessions.absence.streak")
    assert streak["data"] == {"group_id": gid, "participant_id": pid, "session_ids": [s1, s2], "count": 2}
    assert len(clinic.events("sessions.attendance.recorded")) == 3
    clinic.take_attendance(s4, [{"participant_id": pid, "status": "present"}])
    assert len(clinic.events("sessions.absence.streak")) == 1


def test_an_export_is_recorded_as_a_disclosure_and_carries_the_redisclosure_notice(clinic):
    lead = str(uuid.uuid4())
    gid = clinic.group([lead], weekdays=("mon",))["group_id"]
    pid = clinic.enroll(gid, midnight(monday(4)))["participant_id"]
    s1, s2 = [s["id"] for s in clinic.generate(gid, monday(3), monday(2))["items"]]
    clinic.take_attendance(s1, [{"participant_id": pid, "status": "present"}])
    clinic.take_attendance(s2, [{"participant_id": pid, "status": "late", "minutes": 160}])
    body = {"from": str(monday(4)), "to": str(monday(1)), "purpose": "Court-ordered proof of attendance",
            "recipient": "County probation office"}

    r = clinic.http.post(f"/v1/participants/{pid}/attendance-exports", json=body, headers=as_facilitator(lead))

    assert r.status_code == 201, r.json
    assert "42 CFR part 2" in r.json["redisclosure_notice"]
    assert [(s["session_id"], s["status"], s["minutes"]) for s in r.json["sessions"]] == [
        (s1, "present", 180), (s2, "late", 160)]
    assert r.json["total_hours"] == round(340 / 60, 2)
    disclosure = r.json["disclosure"]
    assert disclosure["requested_by"] == {"role": "facilitator", "sub": lead}
    assert (disclosure["purpose"], disclosure["recipient"], disclosure["sessions_disclosed"]) == (
        body["purpose"], body["recipient"], 2)
    for who in (ADMIN, as_facilitator(lead), as_participant(pid)):  # the participant may see the accounting
        listed = clinic.http.get(f"/v1/participants/{pid}/attendance-exports", headers=who)
        assert [d["id"] for d in listed.json["items"]] == [disclosure["id"]]
    assert clinic.http.get(f"/v1/participants/{pid}/attendance-exports",
                           headers=as_participant(str(uuid.uuid4()))).status_code == 404
    missing = clinic.http.post(f"/v1/participants/{pid}/attendance-exports", json={**body, "purpose": ""},
                               headers=ADMIN)
    assert missing.status_code == 422
