"""The sessions service's use cases through its handlers, on SQLite: no PostgreSQL, no broker, no HTTP.

The read model is fed through the service's own event pipeline (inbox included), as the consumer feeds it."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.sessions.bootstrap import build_context, build_pipeline, links, options, unit_of_work
from services.sessions.service_layer import handlers
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import new_envelope
from shared.principal import Principal
from tests.support.databases import outbox_event_types
from tests.integration.sessions.sessions_client import group_data

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


class Sessions:
    def __init__(self, settings):
        self.context = build_context(settings)
        self.pipeline = build_pipeline(self.context)

    def roster_event(self, event_type: str, data: dict) -> None:
        self.pipeline.handle(new_envelope(event_type, data, producer="roster", correlation_id=None))

    def group(self, lead: Principal) -> uuid.UUID:
        data = group_data([lead.sub], starts_on=date(2026, 1, 5))
        self.roster_event("roster.group.created", data)
        return uuid.UUID(data["group_id"])

    def schedule(self, lead: Principal, group_id: uuid.UUID, starts_at: datetime = NOW + timedelta(days=3)):
        return handlers.schedule_one(unit_of_work(self.context), lead, group_id, {"starts_at": starts_at},
                                     options(self.context), NOW)

    def events(self) -> list[str]:
        return outbox_event_types(self.context)


@pytest.fixture
def sessions(sqlite_settings) -> Sessions:
    return Sessions(sqlite_settings("sessions"))


@pytest.fixture
def lead() -> Principal:
    return Principal("facilitator", str(uuid.uuid4()))


def test_a_group_not_known_here_yet_is_not_found(sessions, lead):
    with pytest.raises(NotFound):
        sessions.schedule(lead, uuid.uuid4())
    assert sessions.events() == []


def test_the_groups_facilitator_schedules_a_session_with_the_groups_modality_and_length(sessions, lead):
    session = sessions.schedule(lead, sessions.group(lead))
    assert (session.modality, session.ends_at - session.starts_at) == ("virtual", timedelta(minutes=180))
    assert sessions.events() == ["sessions.session.scheduled"]
    shown, _ = handlers.get_session(unit_of_work(sessions.context), lead, session.id, links(sessions.context), NOW)
    assert shown.id == session.id


def test_another_facilitator_does_not_see_the_group_and_a_participant_may_not_schedule(sessions, lead):
    group_id = sessions.group(lead)
    with pytest.raises(NotFound):
        sessions.schedule(Principal("facilitator", str(uuid.uuid4())), group_id)
    with pytest.raises(Forbidden):
        sessions.schedule(Principal("participant", str(uuid.uuid4())), group_id)


def test_generating_a_range_twice_creates_each_slot_once(sessions, lead):
    group_id = sessions.group(lead)
    made, existing = handlers.generate(unit_of_work(sessions.context), lead, group_id, date(2026, 3, 2),
                                       date(2026, 3, 8), options(sessions.context), NOW)
    again, existing_now = handlers.generate(unit_of_work(sessions.context), lead, group_id, date(2026, 3, 2),
                                            date(2026, 3, 8), options(sessions.context), NOW)
    assert (len(made), existing, again, existing_now) == (3, 0, [], 3)  # mon, wed, thu


def test_a_cancelled_session_cannot_be_moved_and_a_closed_group_gets_no_new_sessions(sessions, lead):
    group_id = sessions.group(lead)
    session = sessions.schedule(lead, group_id)
    assert handlers.cancel(unit_of_work(sessions.context), lead, session.id, "unwell", NOW).status_at(NOW) == "cancelled"
    with pytest.raises(Conflict):
        handlers.reschedule(unit_of_work(sessions.context), lead, session.id, NOW + timedelta(days=4), None, NOW)
    sessions.roster_event("roster.group.closed", {"group_id": str(group_id), "closed_at": NOW.isoformat()})
    with pytest.raises(Conflict):
        sessions.schedule(lead, group_id)
