"""The roster's events: routing keys, JSON-ready payloads, and no contact data where none belongs."""
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from services.roster.domain.events import (
    EVENT_TYPES, EnrollmentActivated, EnrollmentWaitlisted, DomainEvent, GroupCreated, utc_text)
from services.roster.domain.model import Group
from services.roster.domain.people import Facilitator, Participant
from shared.events.catalogue import CATALOGUE

NOW = datetime(2025, 1, 1, 12, tzinfo=UTC)


def a_full_story() -> tuple[list[DomainEvent], Participant, Facilitator]:
    """Every kind of roster event, in the order a busy week would produce them."""
    facilitator, events = Facilitator.register(name="Ana Ruiz", email="ana@clinic.example", now=NOW)
    participant, registered = Participant.register(
        preferred_name="Sam Lee", email="sam@example.org", phone="+13125550100",
        timezone="America/Chicago", channels=["email", "sms"], sms_consent=True,
        quiet_hours={"start": "22:00", "end": "07:00"}, now=NOW)
    events += registered + participant.update({"preferred_name": "Sammy"}, NOW)
    events += participant.revoke_page_links(NOW) + participant.request_page_link()
    group, created = Group.create(
        name="Evening", kind="process", modality="in_person", location="Room 2", capacity=6,
        facilitator_ids=[facilitator.id], starts_on=date(2025, 1, 6),
        schedule={"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 180,
                  "timezone": "America/Chicago"}, now=NOW)
    events += created
    mine, enrolled = group.enroll(participant.id, NOW)
    events += enrolled
    for _ in range(6):
        events += group.enroll(str(uuid.uuid4()), NOW)[1]
    events += group.end_enrollment(mine.id, "withdrew", NOW)
    events += group.update({"capacity": 7}, NOW)
    events += group.close(NOW + timedelta(days=50))
    return events, participant, facilitator


def test_the_story_covers_every_event_type_and_each_type_is_routable():
    events, _, _ = a_full_story()
    assert {e.type for e in events} == set(EVENT_TYPES)
    assert all(EVENT_TYPES[e.type] is type(e) for e in events)
    assert all(t.startswith("roster.") for t in EVENT_TYPES)


def test_payloads_are_plain_json():
    events, _, _ = a_full_story()
    for event in events:
        assert json.loads(json.dumps(event.data())) == event.data()


def test_contact_data_travels_only_in_participant_and_facilitator_events():
    events, _, _ = a_full_story()
    secrets = ["Sam Lee", "Sammy", "sam@example.org", "+13125550100", "Ana Ruiz", "ana@clinic.example"]
    for event in events:
        if event.type in ("roster.participant.registered", "roster.participant.updated",
                          "roster.facilitator.registered"):
            continue
        text = json.dumps(event.data())
        assert not any(secret in text for secret in secrets), event.type


def test_participant_events_carry_the_whole_contact_profile():
    events, _, _ = a_full_story()
    updated = next(e for e in events if e.type == "roster.participant.updated")
    assert set(updated.data()) == {"participant_id", "preferred_name", "email", "phone", "timezone",
                                   "channels", "sms_consent", "quiet_hours", "status", "page_link_generation"}
    assert updated.data()["quiet_hours"] == {"start": "22:00", "end": "07:00"}


def test_group_events_carry_the_schedule_in_its_api_shape():
    events, _, _ = a_full_story()
    created = next(e for e in events if isinstance(e, GroupCreated)).data()
    assert created["schedule"] == {"weekdays": ["mon"], "start_time": "18:00",
                                   "duration_minutes": 180, "timezone": "America/Chicago"}
    assert (created["starts_on"], created["ends_on"], created["status"]) == ("2025-01-06", None, "forming")


def test_enrollment_events_name_ids_and_positions():
    events, _, _ = a_full_story()
    waitlisted = next(e for e in events if isinstance(e, EnrollmentWaitlisted))
    assert waitlisted.position == 1
    promoted = [e for e in events if isinstance(e, EnrollmentActivated) and e.from_waitlist]
    assert len(promoted) == 1


def test_times_are_written_in_utc_with_their_offset():
    new_york_evening = datetime(2025, 1, 6, 18, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_text(new_york_evening) == "2025-01-06T23:00:00+00:00"
    # SQLite hands back our UTC values without their offset.
    assert utc_text(datetime(2025, 1, 6, 23)) == "2025-01-06T23:00:00+00:00"


def test_every_payload_passes_the_shared_catalogue_schema():
    events, _, _ = a_full_story()
    for event in events:
        entry = CATALOGUE[event.type]
        assert (entry.version, entry.schema.validate(event.data())) == (event.version, {}), event.type
