"""Claiming due notifications: one claimer per row, a crashed claim taken over after its lease."""
from datetime import timedelta

from services.notifications.adapters import claims
from services.notifications.adapters.claims import Outcome
from tests.integration.notifications.notif_world import World, now
from tests.support.workers import wait_for


def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(settings_for, sink):
    world = World(settings_for, sink)
    world.enroll(world.group([world.facilitator()]), world.participant(channels=("email", "in_app")))
    factory = world.context.session_factory

    token, first = claims.claim(factory, 10, now(), timedelta(seconds=60))
    assert len(first) == 2 and {r.status for r in world.rows()} == {"sending"}
    assert claims.claim(factory, 10, now(), timedelta(seconds=60))[1] == []
    later = now() + timedelta(seconds=61)  # the first claimer died: its lease has run out
    retoken, again = claims.claim(factory, 10, later, timedelta(seconds=60))
    assert {n.id for n in again} == {n.id for n in first}

    # The first claimer wakes up and records: it no longer holds the rows, so nothing is written.
    stale = [Outcome(n.id, n.kind, "sent", now(), 1, sent_at=now()) for n in first]
    claims.record(factory, token, stale, now())
    assert {(r.status, r.claim_token) for r in world.rows()} == {("sending", retoken)}


def test_the_scheduler_takes_over_a_crashed_claim(settings_for, sink):
    world = World(settings_for, sink, SCHEDULER_LEASE_SECONDS="0.3")
    world.enroll(world.group([world.facilitator()]), world.participant())
    # and then crashes; its lease is long enough that the first look below always falls inside it
    claims.claim(world.context.session_factory, 10, now(), timedelta(seconds=3))
    scheduler = world.scheduler()
    assert scheduler.run_once() == 0
    wait_for(lambda: scheduler.run_once(), timeout=20)
    assert len(sink.messages()) == 1 and world.rows()[0].status == "sent"
