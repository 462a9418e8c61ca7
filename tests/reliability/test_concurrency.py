"""Races on PostgreSQL, through the real processes: simultaneous enrollments into one group and
simultaneous leavings that promote from its waitlist (the roster API under gunicorn with several
workers and threads), and two reminder schedulers sending from one notifications database.

Capacity is never exceeded, no waitlist position is held twice (nor skipped), nobody is promoted
twice, and no notification (welcome or reminder slot) reaches a person twice.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from services.notifications.bootstrap import build_context, build_pipeline
from shared.events import new_envelope
from tests.conftest import make_settings
from tests.reliability.clinic import ADMIN
from tests.support.databases import AMQP_URL
from tests.support.workers import wait_for

pytestmark = pytest.mark.reliability
SCHEDULE = {"weekdays": ["tue"], "start_time": "18:00", "duration_minutes": 180, "timezone": "America/Chicago"}


@pytest.fixture
def roster(databases, platform_on):
    url = databases.new("postgresql", "roster")
    stack, ledger = platform_on({"roster": url}, AMQP_URL, apis=("roster",), workers=(),
                                WEB_CONCURRENCY="4", GUNICORN_THREADS="8")
    return stack.urls["roster"], ledger


def at_once(calls: list, workers: int | None = None) -> list[requests.Response]:
    """Run every call in its own thread, all released by one barrier at the same moment."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()
    with ThreadPoolExecutor(workers or len(calls)) as pool:
        return list(pool.map(run, calls))


def post(url: str, path: str, body: dict):
    return lambda: requests.post(f"{url}{path}", json=body, headers=ADMIN, timeout=60)


def created(url: str, path: str, body: dict) -> dict:
    response = post(url, path, body)()
    assert response.status_code == 201, response.text
    return response.json()


def new_group(url: str) -> str:
    lead = created(url, "/v1/facilitators", {"name": "Lead", "email": f"{uuid.uuid4().hex[:8]}@clinic.example"})
    return created(url, "/v1/groups", {"name": "Evening", "kind": "psychoeducation", "capacity": 15,
                                       "modality": "virtual", "facilitator_ids": [lead["id"]],
                                       "schedule": SCHEDULE, "starts_on": "2030-01-01"})["id"]


def new_people(url: str, count: int) -> list[str]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda i: created(url, "/v1/participants", {
            "preferred_name": f"P{i}", "email": f"{uuid.uuid4().hex[:10]}@mail.example",
            "timezone": "America/Chicago"})["id"], range(count)))


def enrollments(ledger, group_id: str) -> list:
    return ledger.rows("roster", "SELECT id, participant_id, status, waitlist_position FROM enrollments "
                                  "WHERE group_id = :g", g=group_id)


def enrollment_events(ledger, group_id: str) -> list[dict]:
    events = [json.loads(r.body) for r in ledger.rows("roster", "SELECT body FROM outbox ORDER BY seq")]
    return [e for e in events if e["type"].startswith("roster.enrollment.") and e["data"]["group_id"] == group_id]


def assert_group_consistent(url: str, ledger, group_id: str) -> tuple[int, list[int]]:
    rows = enrollments(ledger, group_id)
    active = sum(r.status == "active" for r in rows)
    positions = sorted(r.waitlist_position for r in rows if r.status == "waitlisted")
    assert active <= 15, f"capacity exceeded: {active} active"
    assert positions == list(range(1, len(positions) + 1)), f"waitlist positions {positions}"
    assert not positions or active == 15, "a free place while people wait"
    shown = requests.get(f"{url}/v1/groups/{group_id}", headers=ADMIN, timeout=10).json()
    assert (shown["active_count"], shown["waitlist_count"]) == (active, len(positions))
    return active, positions


def test_fifty_simultaneous_enrollments_fill_the_group_exactly_and_queue_the_rest(roster, figures):
    url, ledger = roster
    group_id = new_group(url)
    people = new_people(url, 50)
    responses = at_once([post(url, f"/v1/groups/{group_id}/enrollments", {"participant_id": pid}) for pid in people])

    statuses = Counter(r.status_code for r in responses)
    answered = [r.json() for r in responses if r.status_code == 201]
    figures.update(answers=dict(statuses), active=sum(e["status"] == "active" for e in answered),
                   waitlist_positions=sorted(e["waitlist_position"] for e in answered if e["status"] == "waitlisted"))
    assert statuses == {201: 50}
    assert figures["active"] == 15
    assert figures["waitlist_positions"] == list(range(1, 36))
    assert assert_group_consistent(url, ledger, group_id) == (15, list(range(1, 36)))
    events = enrollment_events(ledger, group_id)
    assert Counter(e["type"] for e in events) == {"roster.enrollment.activated": 15, "roster.enrollment.waitlisted": 35}
    assert sorted(e["data"]["position"] for e in events if e["type"].endswith("waitlisted")) == list(range(1, 36))

    # One person, ten simultaneous clicks: one enrollment.
    person = new_people(url, 1)[0]
    twice = at_once([post(url, f"/v1/groups/{group_id}/enrollments", {"participant_id": person}) for _ in range(10)])
    figures["same_person_ten_clicks"] = dict(Counter(r.status_code for r in twice))
    assert Counter(r.status_code for r in twice) == {201: 1, 409: 9}


def test_simultaneous_leavings_promote_the_head_of_the_waitlist_once_each(roster, figures):
    url, ledger = roster
    group_id = new_group(url)
    people = new_people(url, 45)
    for pid in people[:40]:  # in order: positions are known
        created(url, f"/v1/groups/{group_id}/enrollments", {"participant_id": pid})
    rows = {r.participant_id: r for r in enrollments(ledger, group_id)}
    active = [rows[pid].id for pid in people[:15]]
    waitlist = [rows[pid].id for pid in people[15:40]]  # positions 1..25
    leaving_active = active[:10]
    leaving_waitlist = waitlist[17:20]  # positions 18-20: behind everyone promoted now
    end = lambda eid: post(url, f"/v1/groups/{group_id}/enrollments/{eid}/end", {"reason": "completed"})
    calls = ([end(eid) for eid in leaving_active] * 2  # every leaving sent twice (a double click)
             + [end(eid) for eid in leaving_waitlist]
             + [post(url, f"/v1/groups/{group_id}/enrollments", {"participant_id": pid}) for pid in people[40:]])
    responses = at_once(calls)

    by_kind = Counter((("end-active", "end-waitlisted", "enroll")[0 if i < 20 else 1 if i < 23 else 2], r.status_code)
                      for i, r in enumerate(responses))
    now_active, positions = assert_group_consistent(url, ledger, group_id)
    after = {r.id: r for r in enrollments(ledger, group_id)}
    promoted = [e for e in enrollment_events(ledger, group_id)
                if e["type"] == "roster.enrollment.activated" and e["data"]["from_waitlist"]]
    activations = Counter(e["data"]["enrollment_id"] for e in enrollment_events(ledger, group_id)
                          if e["type"] == "roster.enrollment.activated")
    figures.update(answers={f"{k} {s}": n for (k, s), n in by_kind.items()}, active=now_active,
                   promoted=len(promoted), waitlist_positions=positions)
    assert by_kind == {("end-active", 200): 10, ("end-active", 409): 10, ("end-waitlisted", 200): 3,
                       ("enroll", 201): 5}
    assert now_active == 15
    assert sorted(e["data"]["enrollment_id"] for e in promoted) == sorted(waitlist[:10])  # the head, in order
    assert max(activations.values()) == 1, "someone was activated twice"
    assert all(after[eid].status == "active" for eid in waitlist[:10])
    assert positions == list(range(1, 25 - 10 - 3 + 5 + 1))  # 12 left behind plus 5 newcomers, no gaps


def test_two_schedulers_at_once_send_every_reminder_exactly_once(databases, platform_on, figures):
    participants, sessions = 100, 10
    url = databases.new("postgresql", "notifications")
    stack, ledger = platform_on({"notifications": url}, AMQP_URL, apis=(), workers=())
    settings = make_settings("notifications", url, extra={"REMINDER_OFFSETS": "2h,1h",
                                                          "SESSIONS_PUBLIC_URL": "http://sessions.test"})
    context = build_context(settings)
    now = datetime.now(UTC)
    # Planned three hours ago: every welcome and both reminder slots of every session are due now.
    pipeline = build_pipeline(context, clock=lambda: now - timedelta(hours=3))
    handle = lambda kind, data: pipeline.handle(new_envelope(kind, data, kind.split(".")[0], None))
    lead, group = str(uuid.uuid4()), str(uuid.uuid4())
    handle("roster.facilitator.registered", {"facilitator_id": lead, "name": "Lead", "email": "l@clinic.example"})
    handle("roster.group.created", {"group_id": group, "name": "Evening", "kind": "process", "capacity": 15,
                                    "modality": "virtual", "location": None, "enrollment_policy": "open",
                                    "facilitator_ids": [lead], "schedule": SCHEDULE, "starts_on": "2030-01-01",
                                    "ends_on": None, "status": "forming"})
    for _ in range(participants):
        pid = str(uuid.uuid4())
        handle("roster.participant.registered", {
            "participant_id": pid, "preferred_name": "Sam", "email": f"p-{pid[:8]}@mail.example", "phone": None,
            "timezone": "America/Chicago", "channels": ["email"], "sms_consent": False, "quiet_hours": None,
            "status": "active"})
        handle("roster.enrollment.activated", {"enrollment_id": str(uuid.uuid4()), "group_id": group,
                                               "participant_id": pid, "from_waitlist": False,
                                               "active_from": (now - timedelta(hours=4)).isoformat()})
    for k in range(sessions):
        starts = now + timedelta(minutes=30 + k)
        handle("sessions.session.scheduled", {
            "session_id": str(uuid.uuid4()), "group_id": group, "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(), "duration_minutes": 180, "modality": "virtual",
            "location": None, "video_room_url": None, "topic": None})
    context.engine.dispose()
    expected = participants + participants * sessions * 2

    # Small batches, so the two take turns many times over the same due rows.
    first = stack.start_worker("scheduler-a", kind="notifications-scheduler", SCHEDULER_BATCH_SIZE="50")
    second = stack.start_worker("scheduler-b", kind="notifications-scheduler", SCHEDULER_BATCH_SIZE="50")
    wait_for(lambda: len(list(ledger.mail_dir.glob("*.eml"))) >= expected, timeout=180, interval=0.5,
             message=f"{expected} emails")
    wait_for(lambda: not ledger.rows("notifications", "SELECT 1 FROM notifications WHERE status IN "
                                                       "('pending', 'sending') LIMIT 1"), timeout=30)
    time.sleep(3)  # a second copy of anything would arrive now

    rows = {r.id: r for r in ledger.log()}
    received = Counter(email.notification_id for email in ledger.emails())
    per_slot = Counter((rows[nid].recipient_id, rows[nid].dedupe_key) for nid in received if nid in rows)
    sent_by = {p.name: sum(int(line.split('"count": ')[1].split("}")[0].split(",")[0])
                           for line in p.log().splitlines() if "notification batch done" in line)
               for p in (first, second)}
    figures.update(expected=expected, emails=sum(received.values()), sent_by=sent_by,
                   duplicated=sum(n - 1 for n in received.values() if n > 1),
                   reminders=sum(1 for nid in received if nid in rows and rows[nid].kind.startswith("reminder")),
                   lost=expected - len(received))
    assert all(sent_by.values()), f"both schedulers must have sent some: {sent_by}"
    assert figures["duplicated"] == 0 and max(per_slot.values()) == 1
    assert len(received) == expected and figures["reminders"] == participants * sessions * 2
    assert {r.status for r in rows.values()} == {"sent"}
