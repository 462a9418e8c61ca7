"""The read model of roster's groups and memberships, on SQLite and PostgreSQL, through the real
pipeline (inbox included): duplicates, business-level repeats and out-of-order events change nothing
they should not."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.sessions.service_layer.read_model import GroupNotYetKnown
from shared.events import new_envelope
from shared.messaging.pipeline import Outcome
from tests.integration.sessions.sessions_client import (ADMIN, SessionsClient, as_facilitator, group_data, now,
                                                        read_model, utc)


@pytest.fixture
def clinic(settings_for) -> SessionsClient:
    return SessionsClient(settings_for("sessions"))


def event(event_type, data, occurred_at=None):
    return new_envelope(event_type, data, producer="roster", correlation_id=None, occurred_at=occurred_at)


def test_the_same_event_twice_is_a_duplicate_with_no_effect(clinic):
    group = event("roster.group.created", group_data([str(uuid.uuid4())]))
    assert clinic.pipeline.handle(group) is Outcome.HANDLED
    before = read_model(clinic)
    assert clinic.pipeline.handle(group) is Outcome.DUPLICATE
    assert read_model(clinic) == before


def test_repeated_business_events_under_new_ids_change_nothing(clinic):
    gid = clinic.group()["group_id"]
    enrollment = clinic.enroll(gid, utc(2026, 10, 1))
    clinic.end(enrollment, utc(2026, 10, 20))
    groups_before, memberships_before, _ = read_model(clinic)

    clinic.roster_event("roster.enrollment.activated", {**enrollment, "active_from": "2026-10-01T00:00:00+00:00"})
    clinic.end(enrollment, utc(2026, 10, 25))  # a second "ended" keeps the first end

    groups_after, memberships_after, _ = read_model(clinic)
    assert (groups_after, memberships_after) == (groups_before, memberships_before)


def test_an_older_group_state_arriving_late_does_not_overwrite_a_newer_one(clinic):
    old_lead, new_lead = str(uuid.uuid4()), str(uuid.uuid4())
    created = group_data([old_lead], modality="in_person", location="Room 2")
    updated = {**created, "facilitator_ids": [new_lead], "modality": "virtual", "location": None}
    t = now()
    clinic.pipeline.handle(event("roster.group.updated", updated, occurred_at=t))
    clinic.pipeline.handle(event("roster.group.created", created, occurred_at=t - timedelta(seconds=1)))

    gid = created["group_id"]
    session = clinic.schedule(gid, t + timedelta(days=1), headers=as_facilitator(new_lead))
    assert session["modality"] == "virtual"
    clinic.schedule(gid, t + timedelta(days=1), headers=as_facilitator(old_lead), expect=404)


def test_an_end_that_overtakes_its_activation_still_gives_the_right_period(clinic):
    gid = clinic.group(weekdays=("mon",))["group_id"]
    enrollment = {"enrollment_id": str(uuid.uuid4()), "group_id": gid, "participant_id": str(uuid.uuid4())}
    clinic.end({**enrollment}, utc(2026, 10, 14))
    clinic.roster_event("roster.enrollment.activated", {**enrollment, "from_waitlist": False,
                                                        "active_from": "2026-10-01T00:00:00+00:00"})
    mondays = [s["id"] for s in clinic.generate(gid, "2026-10-05", "2026-10-19")["items"]]
    pid = enrollment["participant_id"]
    assert [pid in clinic.sheet(s) for s in mondays] == [True, True, False]


def test_a_close_before_the_create_is_retried_until_the_group_is_known(clinic):
    data = group_data([str(uuid.uuid4())])
    closed = event("roster.group.closed", {"group_id": data["group_id"], "closed_at": now().isoformat()})
    with pytest.raises(GroupNotYetKnown):
        clinic.pipeline.handle(closed)  # the consumer retries it with back-off
    clinic.pipeline.handle(event("roster.group.created", data))
    assert clinic.pipeline.handle(closed) is Outcome.HANDLED
    clinic.schedule(data["group_id"], now() + timedelta(days=1), expect=409)


def test_waitlist_events_and_other_services_facts_leave_no_membership(clinic):
    gid = clinic.group()["group_id"]
    ids = {"enrollment_id": str(uuid.uuid4()), "group_id": gid, "participant_id": str(uuid.uuid4())}
    clinic.roster_event("roster.enrollment.ended", {**ids, "reason": "withdrew", "ended_at": now().isoformat(),
                                                    "previous_status": "waitlisted"})
    ignored = event("roster.enrollment.waitlisted", {**ids, "position": 1})
    assert clinic.pipeline.handle(ignored) is Outcome.IGNORED
    assert read_model(clinic)[1] == []
    assert clinic.http.get(f"/v1/participants/{ids['participant_id']}/sessions", headers=ADMIN).status_code == 200
