"""Poison messages through the real notifications consumer process: an event that can never be
handled goes to the dead letters after the bounded attempts (a malformed one at once), the events
queued behind it keep flowing meanwhile, and after the cause is fixed a replay with
`python -m shared.dead_letters_cli` handles it exactly once (replaying again, or the broker
redelivering it, changes nothing).

The poison is a realistic one: an enrollment in a group notifications has never heard of (its
`roster.group.created` went missing), so the welcome cannot be planned; the fix is that event.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pika
import pytest

from shared.events import Envelope, new_envelope
from shared.messaging.topology import EXCHANGE
from tests.support.processes import REPO as REPO_ROOT
from tests.support.tokens import TEST_SECRET
from tests.support.workers import wait_for

pytestmark = pytest.mark.reliability
SCHEDULE = {"weekdays": ["tue"], "start_time": "18:00", "duration_minutes": 180, "timezone": "America/Chicago"}
BEHIND = 200
MAX_ATTEMPTS = 4


class Publisher:
    """Publishes events to iop.events as the relays do: persistent, confirmed."""

    def __init__(self, amqp_url: str):
        # No heartbeats: the test leaves this connection idle while it waits for the consumer (a
        # blocking connection answers heartbeats only inside its calls), and the broker would drop it.
        params = pika.URLParameters(amqp_url)
        params.heartbeat = 0
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def event(self, event_type: str, data: dict) -> Envelope:
        envelope = new_envelope(event_type, data, event_type.split(".")[0], uuid.uuid4().hex)
        self.raw(envelope.to_json().encode(), event_type, envelope.id)
        return envelope

    def raw(self, body: bytes, routing_key: str, message_id: str | None = None) -> None:
        self.channel.basic_publish(EXCHANGE, routing_key, body, pika.BasicProperties(
            content_type="application/json", delivery_mode=2, message_id=message_id), mandatory=True)

    def close(self) -> None:
        self.connection.close()


def group_created(group_id: str, facilitator_id: str) -> dict:
    return {"group_id": group_id, "name": "Evening", "kind": "process", "capacity": 10, "modality": "virtual",
            "location": None, "enrollment_policy": "open", "facilitator_ids": [facilitator_id],
            "schedule": SCHEDULE, "starts_on": "2030-01-01", "ends_on": None, "status": "forming"}


def participant(pid: str) -> dict:
    return {"participant_id": pid, "preferred_name": "Sam", "email": f"p-{pid[:8]}@mail.example",
            "phone": None, "timezone": "America/Chicago", "channels": ["email"], "sms_consent": False,
            "quiet_hours": None, "status": "active"}


def dead_letters_cli(database_url: str, *args: str) -> tuple[int, list[dict]]:
    result = subprocess.run([sys.executable, "-m", "shared.dead_letters_cli", "notifications", *args],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "APP_ENV": "test",
                                 "JWT_SECRET": TEST_SECRET, "LOG_LEVEL": "WARNING"})
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.returncode, [line for line in lines if "outcome" in line or "event_type" in line]


def test_a_poison_event_is_parked_the_queue_flows_and_a_replay_after_the_fix_handles_it_once(
        databases, private_rabbit, platform_on, figures):
    url = databases.new("postgresql", "notifications")
    stack, ledger = platform_on({"notifications": url}, private_rabbit.url, apis=(),
                                workers=("notifications-consumer", "notifications-scheduler"),
                                CONSUMER_MAX_ATTEMPTS=str(MAX_ATTEMPTS), CONSUMER_RETRY_DELAYS="1,2,2")
    rows = ledger.rows
    publisher = Publisher(private_rabbit.url)
    try:
        lead, known_group, missing_group, newcomer = (str(uuid.uuid4()) for _ in range(4))
        people = [str(uuid.uuid4()) for _ in range(BEHIND)]
        publisher.event("roster.facilitator.registered", {"facilitator_id": lead, "name": "Lead",
                                                          "email": "lead@clinic.example"})
        publisher.event("roster.group.created", group_created(known_group, lead))
        for pid in [newcomer, *people]:
            publisher.event("roster.participant.registered", participant(pid))
        wait_for(lambda: rows("notifications", "SELECT count(*) AS n FROM inbox")[0].n == BEHIND + 3,
                 timeout=60, message="the set-up events handled")

        published_at = datetime.now(UTC)
        publisher.raw(b"\x00{not json", "roster.enrollment.activated")  # malformed: parked at once
        poison = publisher.event("roster.enrollment.activated", {
            "enrollment_id": str(uuid.uuid4()), "group_id": missing_group, "participant_id": newcomer,
            "from_waitlist": False, "active_from": published_at.isoformat()})
        for position, pid in enumerate(people, start=1):
            publisher.event("roster.enrollment.waitlisted", {"enrollment_id": str(uuid.uuid4()),
                                                             "group_id": known_group, "participant_id": pid,
                                                             "position": position})

        letters = wait_for(lambda: len(found := rows("notifications", "SELECT * FROM dead_letters")) == 2 and found,
                           timeout=60, message="both poison messages parked")
        parked = {letter.event_id: letter for letter in letters}
        behind_before_parked = rows(
            "notifications", "SELECT count(*) AS n FROM inbox i JOIN notifications n ON n.event_id = i.event_id "
                             "WHERE n.kind = 'waitlisted' AND i.processed_at < :parked",
            parked=parked[poison.id].created_at)[0].n
        waitlisted_emails = wait_for(lambda: len(found := [m for m in ledger.emails() if "waiting list" in m.subject])
                                     >= BEHIND and found, timeout=90, message="the events behind delivered")

        code, listed = dead_letters_cli(url, "list")
        assert code == 0 and {entry["event_id"] for entry in listed} == {poison.id, None}
        poison_letter = next(entry["id"] for entry in listed if entry["event_id"] == poison.id)
        malformed_letter = next(entry["id"] for entry in listed if entry["event_id"] is None)

        code, (before_fix,) = dead_letters_cli(url, "replay", poison_letter)
        assert (code, before_fix["outcome"]) == (1, "failed")  # the cause is still there: it stays parked

        fix = publisher.event("roster.group.created", group_created(missing_group, lead))
        wait_for(lambda: rows("notifications", "SELECT 1 FROM inbox WHERE event_id = :e", e=fix.id), timeout=30,
                 message="the missing group known")
        code, (replayed,) = dead_letters_cli(url, "replay", poison_letter)
        assert (code, replayed["outcome"]) == (0, "handled")
        code, (again,) = dead_letters_cli(url, "replay", poison_letter)
        assert again["outcome"] == "already_replayed"
        publisher.raw(poison.to_json().encode(), poison.type, poison.id)  # and the broker redelivers it
        marker = publisher.event("roster.participant.updated", participant(newcomer))
        wait_for(lambda: rows("notifications", "SELECT 1 FROM inbox WHERE event_id = :e", e=marker.id), timeout=30,
                 message="the redelivery consumed")
        welcome = f"p-{newcomer[:8]}@mail.example"
        wait_for(lambda: [m for m in ledger.emails() if m.to == welcome], timeout=30, message="the welcome email")
        time.sleep(2)  # a second welcome would arrive now
        code, still_parked = dead_letters_cli(url, "list")
        code_all, replay_all = dead_letters_cli(url, "replay", "--all")
    finally:
        publisher.close()

    welcomes = [m for m in ledger.emails() if m.to == welcome]
    figures.update(attempts_before_parked=parked[poison.id].attempts, malformed_attempts=parked[None].attempts,
                   behind=BEHIND, behind_handled_before_parked=behind_before_parked,
                   waitlisted_emails=len(waitlisted_emails), replay_before_fix=before_fix["outcome"],
                   replay_after_fix=replayed["outcome"], replay_again=again["outcome"], welcomes=len(welcomes),
                   still_parked=[entry["event_id"] for entry in still_parked],
                   replay_all=[entry["outcome"] for entry in replay_all])
    assert parked[poison.id].attempts == MAX_ATTEMPTS and parked[None].attempts == 1
    # The queue kept flowing: most of what was queued behind the poison was handled while it was retried.
    assert behind_before_parked >= BEHIND // 4
    assert len(waitlisted_emails) == BEHIND
    assert len(welcomes) == 1
    assert [entry["id"] for entry in still_parked] == [malformed_letter]  # replayed ones leave the list
    assert (code_all, [entry["outcome"] for entry in replay_all]) == (1, ["failed"])  # malformed stays malformed
    assert stack.dead_workers() == []

