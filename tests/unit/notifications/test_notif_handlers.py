"""The notifications service's use cases through its event handlers and scheduler, on SQLite: no
PostgreSQL, no broker and no mail server (SMTP points at a closed port, so sends fail and back off)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.errors import GroupNotKnownYet
from tests.integration.notifications.notif_world import World, now


@pytest.fixture
def world(sqlite_settings) -> World:
    return World(lambda service, extra: sqlite_settings(service, **extra), None)


def test_an_enrollment_before_its_group_is_refused_until_the_group_is_known(world):
    member = world.participant()
    group = "3c1d2e4f-0000-4000-8000-000000000009"
    with pytest.raises(GroupNotKnownYet):
        world.enroll(group, member)
    activation = world.events[-1]
    assert world.rows() == []
    world.group([world.facilitator()], group_id=group)
    world.pipeline.handle(activation)  # the consumer's retry
    assert [(r.kind, r.status) for r in world.rows(recipient_id=member)] == [("welcome", "pending")]


def test_the_same_event_twice_plans_one_welcome(world):
    group, member = world.group([world.facilitator()]), world.participant()
    world.enroll(group, member)
    world.pipeline.handle(world.events[-1])  # redelivered
    assert len(world.rows(recipient_id=member)) == 1


def test_a_session_plans_a_reminder_per_offset_and_cancelling_it_suppresses_them(world):
    group = world.group([world.facilitator()])
    members = [world.participant() for _ in range(2)]
    for member in members:
        world.enroll(group, member)
    starts_at = now() + timedelta(days=2)
    session = world.session(group, starts_at)
    assert sorted(r.dedupe_key.rsplit(":", 1)[1] for r in world.rows(session_id=session)) == ["1h", "1h", "24h", "24h"]
    world.cancel(session, group, starts_at)
    reminders = [r for r in world.rows(session_id=session) if r.kind.startswith("reminder")]
    assert {(r.status, r.reason) for r in reminders} == {("suppressed", "session_cancelled")}


def test_a_send_that_fails_is_retried_later_not_lost(world):
    group, member = world.group([world.facilitator()]), world.participant()
    world.enroll(group, member)
    tried_at = now()
    world.scheduler().run_once()
    [welcome] = world.rows(recipient_id=member)
    assert (welcome.status, welcome.attempts) == ("pending", 1) and welcome.next_attempt_at > tried_at
