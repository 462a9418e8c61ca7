"""Roster to sessions through the real RabbitMQ, on SQLite and PostgreSQL: roster's API, outbox and
relay on one side, the sessions consumer and read model on the other, and no call between them.
Redelivered roster events change nothing; malformed ones are dead-lettered without blocking the queue."""
from __future__ import annotations

import json
import uuid

import pika
from sqlalchemy import select

from services.sessions.bootstrap import BINDINGS, build_pipeline
from shared.events import new_envelope
from shared.messaging.topology import EXCHANGE
from tests.integration.roster.roster_client import ADMIN as ROSTER_ADMIN
from tests.integration.roster.roster_client import RosterClient
from tests.integration.sessions.sessions_client import SessionsClient, as_facilitator, read_model
from tests.support.workers import running_consumer, running_relay, wait_for


def consuming(amqp_url: str, queue: str) -> bool:
    """True once a consumer is attached, i.e. the queue and its bindings are declared."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.consumer_count > 0
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()


def publish(amqp_url: str, *bodies: bytes | str, queue: str | None = None, routing_key: str = "") -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    for body in bodies:
        channel.basic_publish("" if queue else EXCHANGE, queue or routing_key,
                              body.encode() if isinstance(body, str) else body, pika.BasicProperties(delivery_mode=2))
    connection.close()


def roster_story(roster: RosterClient):
    lead = roster.facilitator()
    group = roster.group([lead["id"]], modality="virtual", location=None)
    enrolled = [roster.enroll(group["id"], roster.participant()["id"]).json for _ in range(3)]
    leaver = enrolled[2]
    r = roster.http.post(f"/v1/groups/{group['id']}/enrollments/{leaver['id']}/end", json={"reason": "withdrew"},
                         headers=ROSTER_ADMIN)
    assert r.status_code == 200, r.json
    return lead, group, enrolled


def test_a_group_populated_in_roster_becomes_usable_in_sessions_with_no_call_between_them(settings_for, amqp_url):
    roster = RosterClient(settings_for("roster"))
    sessions = SessionsClient(settings_for("sessions"))
    lead, group, enrolled = roster_story(roster)
    staff = as_facilitator(lead["id"])

    with running_consumer(build_pipeline(sessions.context), amqp_url, BINDINGS) as consumer:
        wait_for(lambda: consuming(amqp_url, consumer.queue), message="the sessions consumer")
        with running_relay(roster.context):
            def generated():
                r = sessions.http.post(f"/v1/groups/{group['id']}/sessions/generate",
                                       json={"from": "2030-01-07", "to": "2030-01-13"}, headers=staff)
                return r.status_code == 200 and r.json
            first_week = wait_for(generated, timeout=60, message="the group in the sessions read model")
            monday = first_week["items"][0]["id"]
            stayed = {e["participant_id"] for e in enrolled[:2]}
            wait_for(lambda: {p for p, row in sessions.sheet(monday, staff).items() if row["expected"]} == stayed,
                     timeout=60, message="the two members still enrolled, not the one who left")

        before = read_model(sessions)
        with roster.context.session_factory() as db:
            bodies = list(db.scalars(select(roster.context.tables.outbox.c.body)
                                     .order_by(roster.context.tables.outbox.c.seq)))
        marker = _activation(group["id"])
        publish(amqp_url, *bodies, marker.to_json(), queue=consumer.queue)  # every roster event, again
        wait_for(lambda: read_model(sessions)[2] == before[2] + 1, timeout=60, message="the marker event")

    after = read_model(sessions)
    assert after[0] == before[0]  # the group is unchanged
    assert [m for m in after[1] if str(m[0]) != marker.data["enrollment_id"]] == before[1]
    assert first_week["created_count"] == 3


def _activation(group_id: str):
    return new_envelope("roster.enrollment.activated", {
        "enrollment_id": str(uuid.uuid4()), "group_id": group_id, "participant_id": str(uuid.uuid4()),
        "from_waitlist": False, "active_from": "2029-12-01T00:00:00+00:00"}, producer="roster", correlation_id=None)


def test_a_malformed_event_is_dead_lettered_and_does_not_block_the_one_behind_it(settings_for, amqp_url):
    sessions = SessionsClient(settings_for("sessions"))
    good = _activation(str(uuid.uuid4()))
    malformed = json.loads(_activation(str(uuid.uuid4())).to_json())
    malformed["data"]["active_from"] = "next tuesday"

    with running_consumer(build_pipeline(sessions.context), amqp_url, BINDINGS) as consumer:
        wait_for(lambda: consuming(amqp_url, consumer.queue), message="the sessions consumer")
        publish(amqp_url, b"{not json", json.dumps(malformed), good.to_json(), queue=consumer.queue)
        wait_for(lambda: len(read_model(sessions)[1]) == 1, timeout=60, message="the valid event behind the bad")
        dead = sessions.context.tables.dead_letters
        letters = wait_for(lambda: _rows(sessions, dead) if len(_rows(sessions, dead)) == 2 else None,
                           message="two dead letters")

    assert {row.consumer for row in letters} == {"sessions"}
    assert any("active_from" in row.error for row in letters)
    assert str(read_model(sessions)[1][0][0]) == good.data["enrollment_id"]


def _rows(sessions, table):
    with sessions.context.session_factory() as db:
        return list(db.execute(select(table)))
