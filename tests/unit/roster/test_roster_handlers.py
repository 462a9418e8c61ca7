"""The roster's use cases through its handlers, on SQLite: no PostgreSQL, no broker, no HTTP.

Each test reads as what the clinic sees: a refusal, the rows the handler left and the events it
put in the outbox (in the same transaction)."""
from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.roster.bootstrap import build_context, read_connection, unit_of_work
from services.roster.service_layer import handlers
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.principal import Principal
from tests.support.databases import outbox_event_types

ADMIN = Principal("admin", str(uuid.uuid4()))
SCHEDULE = {"weekdays": ["mon", "wed"], "start_time": "18:00", "duration_minutes": 180, "timezone": "America/New_York"}


class Roster:
    def __init__(self, settings):
        self.context = build_context(settings)

    def uow(self):
        return unit_of_work(self.context)

    def facilitator(self) -> Principal:
        made = handlers.register_facilitator(self.uow(), ADMIN, {"name": "F", "email": f"{uuid.uuid4().hex}@example.org"})
        return Principal("facilitator", made.id)

    def participant(self, by: Principal = ADMIN) -> str:
        return handlers.register_participant(self.uow(), by, {"preferred_name": "P", "email": f"{uuid.uuid4().hex}@example.org", "timezone": "America/New_York",
                                                              "channels": ["email"]}).id

    def group(self, lead: Principal, capacity: int = 6):
        return handlers.create_group(self.uow(), lead, {
            "name": "Evening", "kind": "process", "modality": "virtual", "capacity": capacity,
            "facilitator_ids": [lead.sub], "starts_on": date(2026, 1, 5), "schedule": SCHEDULE})

    def events(self) -> list[str]:
        return outbox_event_types(self.context)


@pytest.fixture
def roster(sqlite_settings) -> Roster:
    return Roster(sqlite_settings("roster"))


def test_a_second_facilitator_with_the_same_email_is_a_conflict_and_writes_nothing(roster):
    handlers.register_facilitator(roster.uow(), ADMIN, {"name": "A", "email": "same@example.org"})
    with pytest.raises(Conflict):
        handlers.register_facilitator(roster.uow(), ADMIN, {"name": "B", "email": "Same@example.org"})
    assert roster.events() == ["roster.facilitator.registered"]


def test_only_admins_register_facilitators(roster):
    lead = roster.facilitator()
    with pytest.raises(Forbidden):
        handlers.register_facilitator(roster.uow(), lead, {"name": "B", "email": "b@example.org"})


def test_a_full_group_waitlists_and_a_leaver_promotes_the_first_waiting(roster):
    lead = roster.facilitator()
    group = roster.group(lead, capacity=6)
    enrolled = [handlers.enroll(roster.uow(), lead, group.id, roster.participant(lead)) for _ in range(7)]
    assert [e.status for e in enrolled] == ["active"] * 6 + ["waitlisted"]

    ended = handlers.end_enrollment(roster.uow(), lead, group.id, enrolled[0].id, "withdrew")
    assert ended.status == "withdrew"
    shown = handlers.get_group(lambda: read_connection(roster.context), lead, group.id)
    assert (shown["active_count"], shown["waitlist_count"]) == (6, 0)
    assert roster.events()[-2:] == ["roster.enrollment.ended", "roster.enrollment.activated"]


def test_a_group_outside_a_facilitators_caseload_is_not_found(roster):
    group = roster.group(roster.facilitator())
    stranger = roster.facilitator()
    with pytest.raises(NotFound):
        handlers.close_group(roster.uow(), stranger, group.id)
    with pytest.raises(NotFound):
        handlers.get_group(lambda: read_connection(roster.context), stranger, group.id)


def test_an_unknown_participant_is_refused_naming_the_field(roster):
    lead = roster.facilitator()
    group = roster.group(lead)
    with pytest.raises(ValidationFailed) as refused:
        handlers.enroll(roster.uow(), lead, group.id, str(uuid.uuid4()))
    assert refused.value.errors == {"json": {"participant_id": ["no such participant"]}}


def test_closing_twice_is_a_conflict(roster):
    lead = roster.facilitator()
    group = roster.group(lead)
    assert handlers.close_group(roster.uow(), lead, group.id).closed_at is not None
    with pytest.raises(Conflict):
        handlers.close_group(roster.uow(), lead, group.id)
