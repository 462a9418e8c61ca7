"""The database goes away between a scheduler's claim and its sending: nothing was sent, so the
claimed notifications must go out as soon as the database is back, not after the claim's lease
(10 minutes by default: a "session cancelled" an hour before it starts would arrive too late)."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from services.notifications.service_layer import scheduler as scheduler_module
from tests.integration.notifications.notif_world import World

pytestmark = pytest.mark.reliability


def test_a_claim_abandoned_before_sending_is_released_not_left_to_its_lease(settings_for, sink, monkeypatch, figures):
    world = World(settings_for, sink)  # lease: the default 600 s
    world.enroll(world.group([world.facilitator()]), world.participant())
    real_load = scheduler_module.BatchFacts.load
    failures = []

    def database_gone_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))
        return real_load(*args, **kwargs)
    monkeypatch.setattr(scheduler_module.BatchFacts, "load", database_gone_once)
    scheduler = world.scheduler()

    with pytest.raises(OperationalError):
        scheduler.run_once()  # claimed, then the database went away: nothing sent
    assert [r.status for r in world.rows()] == ["sending"]
    handled = scheduler.run_once()  # the database is back
    figures.update(handled_on_next_round=handled, emails=len(sink.messages()))
    assert handled == 1
    assert len(sink.messages()) == 1
    assert [r.status for r in world.rows()] == ["sent"]
