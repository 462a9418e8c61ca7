"""The roster as ops run it: gunicorn and the relay as real processes on PostgreSQL and the real
RabbitMQ; every step is checked over HTTP and on the `iop.events` exchange. The module ends with the
privacy scan of every line the processes wrote."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.clinic import Person
from tests.e2e.event_tap import EventTap
from tests.e2e.privacy import People, Scan
from tests.support.processes import Platform, Process, free_port
from tests.support.tokens import TEST_SECRET, bearer
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e
ADMIN = bearer("admin", str(uuid.uuid4()))
PEOPLE = People()  # everyone this module registers
TRANSCRIPTS: dict[str, Process] = {}  # "<test> <process>" -> the process, stopped, for the privacy scan


@pytest.fixture
def roster(databases, amqp_url, tmp_path, request):
    events = EventTap(amqp_url)
    platform = Platform(tmp_path, {"APP_ENV": "test", "JWT_SECRET": TEST_SECRET, "AMQP_URL": amqp_url,
                                   "DATABASE_URL": databases.new("postgresql", "roster"), "WEB_CONCURRENCY": "2"})
    try:
        url = platform.api("roster", "roster", free_port())
        platform.worker("roster-relay", "services.roster.entrypoints.relay")
        yield url, events
    finally:
        platform.stop_all()
        events.close()
        TRANSCRIPTS.update({f"{request.node.name} {process.name}": process for process in platform.processes})


def post(url, path, body):
    return requests.post(f"{url}{path}", json=body, headers=ADMIN, timeout=30)


def new_participant(url):
    name, email, phone = PEOPLE.invent("participant", phone=True)
    texted = len(PEOPLE) % 2 == 0
    body = post(url, "/v1/participants", {"preferred_name": name, "timezone": "America/Chicago", "email": email,
                                          "phone": phone, "channels": ["email", "sms"] if texted else ["email"],
                                          "sms_consent": texted}).json()
    PEOPLE.add(Person(body["id"], email, {}, name, phone))
    return body["id"]


def new_group(url, kind):
    name, email, _ = PEOPLE.invent("facilitator")
    lead = post(url, "/v1/facilitators", {"name": name, "email": email}).json()
    PEOPLE.add(Person(lead["id"], email, {}, name, role="facilitator"))
    return post(url, "/v1/groups", {
        "name": "Evening", "kind": kind, "modality": "virtual", "facilitator_ids": [lead["id"]],
        "schedule": {"weekdays": ["tue"], "start_time": "18:00", "duration_minutes": 180,
                     "timezone": "America/Chicago"}, "starts_on": "2030-01-01"}).json()


def test_waitlist_and_promotion_with_their_events(roster):
    url, events = roster
    group = new_group(url, "process")
    enrollments = [post(url, f"/v1/groups/{group['id']}/enrollments", {"participant_id": new_participant(url)}).json()
                   for _ in range(16)]
    assert [e["status"] for e in enrollments].count("active") == 10
    assert [e["waitlist_position"] for e in enrollments if e["status"] == "waitlisted"] == [1, 2, 3, 4, 5, 6]
    ended = post(url, f"/v1/groups/{group['id']}/enrollments/{enrollments[0]['id']}/end", {"reason": "completed"})
    assert ended.status_code == 200

    gid = group["id"]
    activated = wait_for(lambda: len(events.of_type("roster.enrollment.activated", gid)) == 11
                         and events.of_type("roster.enrollment.activated", gid), timeout=30)
    waitlisted = events.of_type("roster.enrollment.waitlisted", gid)
    assert sorted(e["data"]["position"] for e in waitlisted) == [1, 2, 3, 4, 5, 6]
    promoted = [e for e in activated if e["data"]["from_waitlist"]]
    assert [e["data"]["enrollment_id"] for e in promoted] == [enrollments[10]["id"]]
    ended_events = wait_for(lambda: events.of_type("roster.enrollment.ended", gid))
    assert ended_events[0]["data"]["reason"] == "completed"
    for event in activated + waitlisted:
        assert set(event) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "data"}
        assert event["producer"] == "roster" and event["correlation_id"]
        assert not {"email", "preferred_name", "phone"} & set(event["data"])


def test_forty_concurrent_requests_leave_exactly_fifteen_active(roster):
    url, events = roster
    group = new_group(url, "psychoeducation")
    people = [new_participant(url) for _ in range(40)]
    with ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(
            lambda pid: post(url, f"/v1/groups/{group['id']}/enrollments", {"participant_id": pid}), people))
    assert [r.status_code for r in responses] == [201] * 40
    assert sum(r.json()["status"] == "active" for r in responses) == 15
    shown = requests.get(f"{url}/v1/groups/{group['id']}", headers=ADMIN, timeout=10).json()
    assert (shown["active_count"], shown["waitlist_count"], shown["status"]) == (15, 25, "full")
    wait_for(lambda: len(events.of_type("roster.enrollment.activated", group["id"])) >= 15, timeout=30)
    assert len(events.of_type("roster.enrollment.activated", group["id"])) == 15


def test_contact_details_typed_wrong_or_twice_are_refused_without_being_repeated(roster):
    """The mistakes of a busy front desk: the answers say what is wrong, not what was typed, and the
    privacy scan below reads what the logs made of them."""
    url, _ = roster
    name, email, _ = PEOPLE.invent("facilitator")
    first = post(url, "/v1/facilitators", {"name": name, "email": email})
    PEOPLE.add(Person(first.json()["id"], email, {}, name, role="facilitator"))
    again = post(url, "/v1/facilitators", {"name": name, "email": email})
    assert (first.status_code, again.status_code) == (201, 409)

    name, email, phone = PEOPLE.invent("participant", phone=True)
    PEOPLE.add(Person("(never registered)", email, {}, name, phone))
    typed = {"preferred_name": name, "timezone": "America/Chicago", "email": email, "phone": phone}
    refused = [post(url, "/v1/participants", {**typed, "email": email.replace("@", " at ")}),
               post(url, "/v1/participants", {**typed, "phone": phone + "x"}),
               post(url, "/v1/participants", {**typed, "channels": ["sms"]}),  # SMS without consent is fine ...
               post(url, "/v1/participants", {**typed, "phone": None, "channels": ["sms"]})]  # ... without a number not
    assert [r.status_code for r in refused] == [422, 422, 201, 422]
    PEOPLE.add(Person(refused[2].json()["id"], email, {}, name, phone))
    for answer in refused[:2] + refused[3:]:
        assert not {name.split()[0].lower(), email.split("@")[0], phone.lstrip("+")} & set(
            answer.text.lower().replace('"', " ").replace("+", " ").split()), answer.text


@pytest.mark.privacy_scan  # runs after every other test of this module (tests/e2e/conftest.py)
def test_no_line_the_processes_wrote_names_anyone_or_gives_their_contact_details():
    """SPEC 3: logs carry ids, never names, emails or phone numbers: every line of every process of
    this module's stories (stdout and stderr, access logs included, until it exited) is read for
    those of the people they registered (or tried to)."""
    scan = Scan(PEOPLE.everyone)
    for where, process in TRANSCRIPTS.items():
        scan.log(f"{where}.log", process.log())

    texts = {where: process.log() for where, process in TRANSCRIPTS.items()}
    assert len(texts) == 6, sorted(texts)  # a relay stopped a second after it started may have said nothing
    assert all('"logger": "gunicorn.access"' in text for where, text in texts.items() if where.endswith(" roster"))
    assert len(PEOPLE) == 2 + 16 + 40 + 3
    scan.assert_saw({"log lines": 200})
    scan.assert_clean()
