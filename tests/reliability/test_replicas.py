"""Two of everything at once, as a Kubernetes Deployment with two replicas runs them: two gunicorns
per API (each with its own workers) behind a round-robin client, two outbox relays per producing
service, two consumers per consuming service and two reminder schedulers, all on PostgreSQL, while
the clinic's stream of 1,000 enrollments, 100 leavings and 60 session changes goes through.

Nothing is done twice and nothing is lost: no group over capacity, no waitlist position held twice
or skipped, nobody enrolled twice in a group, every event handled once by each consumer, and every
notification the events call for sent exactly once. Both replicas of each kind did part of the work.
The broker and the database are private to the test (nobody else's load, nobody else's queues).
"""
from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.reliability.clinic import Api, Clinic, assert_each_notification_sent_once
from tests.reliability.stack import SERVICES, WORKERS, databases_on

pytestmark = pytest.mark.reliability


def roster_is_consistent(ledger) -> dict:
    rows = ledger.rows("roster", "SELECT e.group_id, e.participant_id, e.status, e.waitlist_position, g.capacity "
                                 "FROM enrollments e JOIN groups g ON g.id = e.group_id")
    active, waiting, current = Counter(), {}, Counter()
    capacity = {}
    for row in rows:
        capacity[row.group_id] = row.capacity
        if row.status == "active":
            active[row.group_id] += 1
        if row.status == "waitlisted":
            waiting.setdefault(row.group_id, []).append(row.waitlist_position)
        if row.status in ("active", "waitlisted"):
            current[(row.group_id, row.participant_id)] += 1
    return {"over_capacity": sum(1 for g, n in active.items() if n > capacity[g]),
            "waitlists_with_gaps_or_doubles": sum(1 for p in waiting.values() if sorted(p) != list(range(1, len(p) + 1))),
            "enrolled_twice": sum(1 for n in current.values() if n > 1)}


def handled_by(stack, name: str) -> int:
    return stack.workers[name].log().count('"msg": "event handled"')


def requests_served(stack, name: str) -> int:
    process = next(p for p in stack.platform.processes if p.name == name)
    return process.log().count('"logger": "gunicorn.access"')


def test_two_replicas_of_every_process_double_no_effect_and_lose_nothing(
        private_postgres, private_rabbit, platform_on, figures):
    # A PostgreSQL of its own: twice the processes hold twice the connections (about 130), more than
    # the shared server leaves free while others run their tests.
    started = time.monotonic()
    stack, ledger = platform_on(databases_on(private_postgres), private_rabbit.url)
    for kind in WORKERS:  # the second replica of every worker kind
        stack.start_worker(f"{kind}-b", kind=kind)
    for kind in WORKERS:
        if kind.endswith("-consumer"):
            stack.wait_consuming(f"{kind}-b")
    urls = {service: [stack.urls[service], stack.start_api_replica(service, f"{service}-b")] for service in SERVICES}
    # A client retries a request whose kept-alive connection the server had just closed (as a real
    # client does); a retried write answers 409 when its first try had committed, and counts here.
    api = Api(urls, ride_out_outages=True)
    clinic = Clinic(api)
    clinic.prepare()
    assert ledger.wait_settled(), f"the starting point did not settle: {ledger.state()}"

    progress = clinic.stream()
    stream_done = time.monotonic()
    settled = ledger.wait_settled()
    delivery = ledger.delivery()
    roster = roster_is_consistent(ledger)
    shares = {f"{kind} handled": [handled_by(stack, kind), handled_by(stack, f"{kind}-b")]
              for kind in WORKERS if kind.endswith("-consumer")}
    shares.update({f"{service} requests": [requests_served(stack, service), requests_served(stack, f"{service}-b")]
                   for service in SERVICES})
    figures.update(replicas={"apis": 2, **{kind: 2 for kind in WORKERS}}, operations=progress.total,
                   stream_s=round(progress.stream_seconds, 1), answers=dict(clinic.stream_answers),
                   settle_s=round(time.monotonic() - stream_done, 1), settled=settled, shares=shares, **roster,
                   client_retries=dict(api.outage_answers),
                   **delivery.as_dict(), test_s=round(time.monotonic() - started, 1))
    assert progress.total >= 1000
    assert set(api.outage_answers) <= {"connection"}, "an API answered 5xx"
    assert roster == {"over_capacity": 0, "waitlists_with_gaps_or_doubles": 0, "enrolled_twice": 0}
    assert_each_notification_sent_once(delivery, settled, ledger)
    for what, (first, second) in shares.items():
        assert first > 0 and second > 0, f"{what}: one replica did nothing ({first}, {second})"
    assert stack.dead_workers() == []
