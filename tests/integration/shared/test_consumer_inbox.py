"""The consumer base against the real RabbitMQ and both databases: duplicates have no second
effect, poison messages are dead-lettered without blocking the queue, failures are retried and
replayed once fixed."""
from __future__ import annotations

import uuid

import pika
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from services.roster.bootstrap import build_context
from shared.events import new_envelope
from shared.messaging.dead_letters import list_dead_letters, replay_dead_letter
from shared.messaging.pipeline import EventPipeline
from tests.support.workers import running_consumer, wait_for

effects_metadata = MetaData()
effects = Table("test_effects", effects_metadata, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36)), Column("participant_id", String(36)))


class Harness:
    def __init__(self, settings, handler):
        self.context = build_context(settings)
        effects_metadata.create_all(self.context.engine)
        self.pipeline = EventPipeline("test-consumer", {"roster.enrollment.waitlisted": handler},
                                      self.context.session_factory, self.context.tables, uow_factory=lambda s: _Bare(s))

    def effects(self) -> list[str]:
        with self.context.session_factory() as session:
            return list(session.scalars(select(effects.c.event_id).order_by(effects.c.n)))

    def dead_letters(self):
        with self.context.session_factory() as session:
            return list_dead_letters(session, self.context.tables)


class _Bare:
    """The smallest unit of work a handler needs: the transaction's session."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def record_effect(envelope, uow):
    uow.session.execute(insert(effects).values(event_id=envelope.id, participant_id=envelope.data["participant_id"]))


def waitlisted_event(position=1):
    return new_envelope("roster.enrollment.waitlisted", {
        "enrollment_id": str(uuid.uuid4()), "group_id": str(uuid.uuid4()),
        "participant_id": str(uuid.uuid4()), "position": position}, producer="test", correlation_id="c")


def publish(amqp_url, queue, *bodies: bytes | str):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    for body in bodies:
        channel.basic_publish("", queue, body.encode() if isinstance(body, str) else body,
                              pika.BasicProperties(delivery_mode=2))
    connection.close()


def test_a_redelivered_event_has_no_second_effect(settings_for, amqp_url):
    harness = Harness(settings_for("roster"), record_effect)
    event = waitlisted_event()
    with running_consumer(harness.pipeline, amqp_url, ["test.nothing"]) as consumer:
        wait_for(lambda: _queue_exists(amqp_url, consumer.queue))
        publish(amqp_url, consumer.queue, event.to_json(), event.to_json(), event.to_json())
        wait_for(lambda: harness.effects(), message="the first delivery handled")
        other = waitlisted_event()
        publish(amqp_url, consumer.queue, other.to_json())  # a marker: once it is handled, the copies were too
        wait_for(lambda: other.id in harness.effects(), message="the marker event")
    assert harness.effects() == [event.id, other.id]


def test_a_malformed_message_is_dead_lettered_and_does_not_block_the_queue(settings_for, amqp_url):
    harness = Harness(settings_for("roster"), record_effect)
    good = waitlisted_event()
    bad_schema = new_envelope("roster.enrollment.waitlisted", {
        "enrollment_id": str(uuid.uuid4()), "group_id": str(uuid.uuid4()),
        "participant_id": str(uuid.uuid4()), "position": 1}, producer="t", correlation_id=None).to_json()
    bad_schema = bad_schema.replace('"position":1', '"position":"first"')
    with running_consumer(harness.pipeline, amqp_url, ["test.nothing"]) as consumer:
        wait_for(lambda: _queue_exists(amqp_url, consumer.queue))
        publish(amqp_url, consumer.queue, b"\x00not json", bad_schema, good.to_json())
        wait_for(lambda: harness.effects() == [good.id], message="the valid event behind the poison")
        letters = wait_for(lambda: len(harness.dead_letters()) == 2 and harness.dead_letters())
    assert {l["attempts"] for l in letters} == {1}  # never retried: they can never succeed
    assert any("position" in l["error"] for l in letters)


def test_a_failing_handler_is_retried_then_dead_lettered_and_replayed_once_fixed(settings_for, amqp_url):
    broken = {"on": True}

    def flaky(envelope, uow):
        if broken["on"]:
            raise RuntimeError("downstream rule not deployed yet")
        record_effect(envelope, uow)

    harness = Harness(settings_for("roster"), flaky)
    event = waitlisted_event()
    with running_consumer(harness.pipeline, amqp_url, ["test.nothing"], max_attempts=3,
                          retry_delays=[0.1, 0.2]) as consumer:
        wait_for(lambda: _queue_exists(amqp_url, consumer.queue))
        publish(amqp_url, consumer.queue, event.to_json())
        letters = wait_for(lambda: harness.dead_letters(), timeout=15, message="the dead letter")
    assert letters[0]["attempts"] == 3 and letters[0]["event_id"] == event.id
    assert harness.effects() == []

    broken["on"] = False  # the fix is deployed
    result = replay_dead_letter(harness.pipeline, letters[0]["id"])
    assert result.outcome == "handled"
    assert replay_dead_letter(harness.pipeline, letters[0]["id"]).outcome == "already_replayed"
    assert harness.effects() == [event.id]
    assert harness.dead_letters() == []


def _queue_exists(amqp_url, name) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        connection.channel().queue_declare(name, passive=True)
        return True
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()
