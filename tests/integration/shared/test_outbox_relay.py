"""The outbox and its relay against the real databases and the real RabbitMQ."""
from __future__ import annotations

import json
import uuid

import pika
import pytest
from sqlalchemy import func, select

from services.roster.bootstrap import build_context, unit_of_work
from services.roster.service_layer import handlers
from services.roster.domain.errors import Conflict
from shared.auth import Principal
from shared.messaging.topology import EXCHANGE
from tests.support.private_rabbit import PrivateRabbit
from tests.support.workers import running_relay, wait_for

ADMIN = Principal("admin", str(uuid.uuid4()))


def participant_data(i: int) -> dict:
    return {"preferred_name": f"Person {i}", "email": f"p{i}@example.org", "timezone": "America/New_York"}


def outbox_rows(context):
    with context.session_factory() as session:
        return session.execute(select(context.tables.outbox).order_by(context.tables.outbox.c.seq)).all()


class BoundQueue:
    """A queue of our own bound to iop.events, to see what the relay published."""

    def __init__(self, amqp_url: str, routing_key: str = "roster.#", durable: bool = False):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(EXCHANGE, "topic", durable=True)
        self.name = f"test.bound.{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(self.name, durable=durable, auto_delete=False)
        self.channel.queue_bind(self.name, EXCHANGE, routing_key)

    def drain(self) -> list[tuple[object, object, bytes]]:
        messages = []
        while True:
            method, properties, body = self.channel.basic_get(self.name, auto_ack=True)
            if method is None:
                return messages
            messages.append((method, properties, body))

    def close(self) -> None:
        self.channel.queue_delete(self.name)
        self.connection.close()


def test_the_event_is_written_in_the_same_transaction_as_the_change(settings_for):
    context = build_context(settings_for("roster"))
    with unit_of_work(context) as uow:
        from services.roster.domain.people import Participant
        from datetime import UTC, datetime
        participant, events = Participant.register(**participant_data(1), now=datetime.now(UTC))
        uow.participants.add(participant)
        uow.emit(*events)
        uow.rollback()  # the change is abandoned ...
    assert outbox_rows(context) == []  # ... and so is its event
    with unit_of_work(context) as uow:
        assert uow.participants.get(participant.id) is None

    created = handlers.register_participant(unit_of_work(context), ADMIN, participant_data(2))
    rows = outbox_rows(context)
    assert [r.event_type for r in rows] == ["roster.participant.registered"]
    assert json.loads(rows[0].body)["data"]["participant_id"] == created.id


def test_a_failing_change_leaves_no_event(settings_for):
    context = build_context(settings_for("roster"))
    handlers.register_facilitator(unit_of_work(context), ADMIN, {"name": "A", "email": "a@example.org"})
    with pytest.raises(Conflict):
        handlers.register_facilitator(unit_of_work(context), ADMIN, {"name": "B", "email": "a@example.org"})
    assert [r.event_type for r in outbox_rows(context)] == ["roster.facilitator.registered"]


def test_the_relay_delivers_each_event_with_the_envelope_to_a_bound_queue(settings_for, amqp_url):
    context = build_context(settings_for("roster"))
    queue = BoundQueue(amqp_url)
    try:
        created = [handlers.register_participant(unit_of_work(context), ADMIN, participant_data(i)) for i in range(5)]
        ours = {p.id for p in created}
        with running_relay(context):
            wait_for(lambda: all(r.sent_at for r in outbox_rows(context)), message="outbox rows marked sent")
        received: list = []

        def all_ours_arrived():
            # The broker is shared: keep only this test's events.
            received.extend(m for m in queue.drain() if json.loads(m[2])["data"].get("participant_id") in ours)
            return len(received) >= 5
        wait_for(all_ours_arrived, message="5 messages on the bound queue")
    finally:
        queue.close()
    envelopes = [json.loads(body) for _, _, body in received]
    assert [e["data"]["participant_id"] for e in envelopes] == [p.id for p in created]
    first_method, first_props, _ = received[0]
    assert first_method.routing_key == "roster.participant.registered"
    assert first_props.delivery_mode == 2 and first_props.message_id == envelopes[0]["id"]
    assert set(envelopes[0]) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "data"}
    assert envelopes[0]["producer"] == "roster" and envelopes[0]["version"] == 1


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
def test_the_relay_survives_a_broker_crash_and_loses_nothing(settings_for):
    rabbit = PrivateRabbit()
    rabbit.start()
    try:
        context = build_context(settings_for("roster", amqp_url=rabbit.url))
        queue = BoundQueue(rabbit.url, durable=True)  # durable: it must outlive the crash
        queue_name = queue.name
        queue.connection.close()
        for i in range(300):
            handlers.register_participant(unit_of_work(context), ADMIN, participant_data(i))
        with running_relay(context, batch_size=50):
            wait_for(lambda: _sent_count(context) >= 100, timeout=20, message="some events published")
            rabbit.kill()  # mid-stream: some rows published, some not
            for i in range(300, 400):  # the API keeps working while the broker is down
                handlers.register_participant(unit_of_work(context), ADMIN, participant_data(i))
            rabbit.start()
            wait_for(lambda: _sent_count(context) == 400, timeout=60, message="all 400 events confirmed")
        ids = _drain_ids(rabbit.url, queue_name)
    finally:
        rabbit.cleanup()
    expected = {json.loads(r.body)["id"] for r in outbox_rows(context)}
    assert len(expected) == 400
    assert set(ids) == expected  # nothing lost (a resend after the crash may duplicate; consumers dedupe)


def _sent_count(context) -> int:
    outbox = context.tables.outbox
    with context.session_factory() as session:
        return session.execute(select(func.count()).where(outbox.c.sent_at.is_not(None))).scalar_one()


def _drain_ids(amqp_url: str, queue_name: str) -> list[str]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    ids = []
    while True:
        method, _, body = channel.basic_get(queue_name, auto_ack=True)
        if method is None:
            break
        ids.append(json.loads(body)["id"])
    connection.close()
    return ids
