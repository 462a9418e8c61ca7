"""Enrollment, waitlist and promotion through the roster API, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tests.integration.roster.roster_client import ADMIN, RosterClient


def test_sixteen_into_capacity_ten_gives_ten_active_and_six_waitlisted(settings_for):
    roster = RosterClient(settings_for("roster"))
    lead = roster.facilitator()
    group = roster.group([lead["id"]], kind="process")
    assert group["capacity"] == 10 and group["status"] == "forming"
    results = [roster.enroll(group["id"], roster.participant()["id"]).json for _ in range(16)]
    assert [r["status"] for r in results] == ["active"] * 10 + ["waitlisted"] * 6
    assert [r["waitlist_position"] for r in results[10:]] == [1, 2, 3, 4, 5, 6]
    shown = roster.http.get(f"/v1/groups/{group['id']}", headers=ADMIN).json
    assert (shown["active_count"], shown["waitlist_count"], shown["status"]) == (10, 6, "full")

    ended = roster.http.post(f"/v1/groups/{group['id']}/enrollments/{results[0]['id']}/end",
                             json={"reason": "completed"}, headers=ADMIN)
    assert ended.status_code == 200 and ended.json["status"] == "completed"
    waitlist = roster.http.get(f"/v1/groups/{group['id']}/enrollments?status=waitlisted", headers=ADMIN).json
    active = roster.http.get(f"/v1/groups/{group['id']}/enrollments?status=active", headers=ADMIN).json
    assert results[10]["id"] in [e["id"] for e in active["items"]]  # position 1 was promoted
    assert sorted(e["waitlist_position"] for e in waitlist["items"]) == [1, 2, 3, 4, 5]

    types = roster.outbox_types()
    assert types.count("roster.enrollment.activated") == 11
    assert types.count("roster.enrollment.waitlisted") == 6
    assert types.count("roster.enrollment.ended") == 1
    promoted = _events(roster, "roster.enrollment.activated")[-1]
    assert promoted["data"]["from_waitlist"] is True and promoted["data"]["enrollment_id"] == results[10]["id"]


def _events(roster, event_type):
    outbox = roster.context.tables.outbox
    with roster.context.session_factory() as session:
        bodies = session.scalars(select(outbox.c.body).where(outbox.c.event_type == event_type)
                                 .order_by(outbox.c.seq))
        return [json.loads(b) for b in bodies]


def test_forty_concurrent_enrollments_never_exceed_capacity(settings_for):
    roster = RosterClient(settings_for("roster"))
    group = roster.group([roster.facilitator()["id"]], kind="psychoeducation")
    assert group["capacity"] == 15
    people = [roster.participant()["id"] for _ in range(40)]

    def enroll(pid):
        return roster.app.test_client().post(f"/v1/groups/{group['id']}/enrollments",
                                             json={"participant_id": pid}, headers=ADMIN)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(enroll, people))
    assert [r.status_code for r in responses] == [201] * 40
    statuses = [r.json["status"] for r in responses]
    assert statuses.count("active") == 15 and statuses.count("waitlisted") == 25
    positions = sorted(r.json["waitlist_position"] for r in responses if r.json["status"] == "waitlisted")
    assert positions == list(range(1, 26))
    shown = roster.http.get(f"/v1/groups/{group['id']}", headers=ADMIN).json
    assert (shown["active_count"], shown["waitlist_count"]) == (15, 25)


def test_one_current_enrollment_per_participant_and_group(settings_for):
    roster = RosterClient(settings_for("roster"))
    group = roster.group([roster.facilitator()["id"]])
    pid = roster.participant()["id"]
    assert roster.enroll(group["id"], pid).status_code == 201
    again = roster.enroll(group["id"], pid)
    assert again.status_code == 409 and again.json["code"] == 409


def test_capacity_can_be_lowered_only_to_the_active_count(settings_for):
    roster = RosterClient(settings_for("roster"))
    group = roster.group([roster.facilitator()["id"]], kind="process")
    for _ in range(8):
        roster.enroll(group["id"], roster.participant()["id"])
    too_low = roster.http.patch(f"/v1/groups/{group['id']}", json={"capacity": 7}, headers=ADMIN)
    assert too_low.status_code == 409
    ok = roster.http.patch(f"/v1/groups/{group['id']}", json={"capacity": 8}, headers=ADMIN)
    assert ok.status_code == 200 and ok.json["status"] == "full"
