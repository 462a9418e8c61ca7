"""Facilitators and participants: registration, contact preferences and partial updates."""
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from services.roster.domain.errors import Conflict, ValidationFailed
from services.roster.domain.events import FacilitatorRegistered, ParticipantRegistered, ParticipantUpdated
from services.roster.domain.people import Facilitator, Participant

NOW = datetime(2025, 1, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def new_participant(**overrides) -> Participant:
    details = {"preferred_name": "Sam", "email": "sam@example.org", "timezone": "America/Chicago"}
    return Participant.register(**(details | overrides), now=NOW)[0]


def test_registering_a_facilitator():
    facilitator, events = Facilitator.register(name=" Dr. Ana Ruiz ", email="ana@clinic.example",
                                               credentials="LCSW", now=NOW)
    assert (facilitator.name, facilitator.credentials, facilitator.created_at) == ("Dr. Ana Ruiz", "LCSW", NOW)
    uuid.UUID(facilitator.id)
    assert [type(e) for e in events] == [FacilitatorRegistered]
    assert events[0].data() == {"facilitator_id": facilitator.id, "name": "Dr. Ana Ruiz",
                                "email": "ana@clinic.example", "credentials": "LCSW"}


@pytest.mark.parametrize("overrides, field", [({"name": ""}, "name"), ({"email": "ana"}, "email")])
def test_facilitator_details_are_checked(overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        Facilitator.register(**({"name": "Ana", "email": "ana@clinic.example"} | overrides), now=NOW)
    assert caught.value.field == field


def test_a_participant_is_reached_by_email_by_default():
    participant, events = Participant.register(preferred_name="Sam", email="sam@example.org",
                                               timezone="America/Chicago", registered_by="f-1", now=NOW)
    assert (participant.channels, participant.sms_consent, participant.status) == (["email"], False, "active")
    assert (participant.quiet_hours, participant.registered_by) == (None, "f-1")
    assert [type(e) for e in events] == [ParticipantRegistered]


def test_quiet_hours_are_stored_as_local_times():
    participant = new_participant(quiet_hours={"start": "22:00", "end": "07:00"})
    assert (participant.quiet_hours_start, participant.quiet_hours_end) == (time(22), time(7))
    assert ParticipantRegistered.of(participant).quiet_hours == {"start": "22:00", "end": "07:00"}


@pytest.mark.parametrize("overrides, field", [
    ({"preferred_name": " "}, "preferred_name"),
    ({"email": "sam at example"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"timezone": "Central"}, "timezone"),
    ({"channels": []}, "channels"),
    ({"channels": ["pager"]}, "channels"),
    ({"channels": ["email", "email"]}, "channels"),
    ({"channels": ["sms"]}, "phone"),
    ({"sms_consent": "yes"}, "sms_consent"),
    ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
    ({"quiet_hours": {"start": "22:00", "end": "late"}}, "quiet_hours.end"),
    ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
])
def test_participant_details_name_the_bad_field(overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        new_participant(**overrides)
    assert caught.value.field == field


def test_sms_is_a_preference_that_only_consent_makes_deliverable():
    participant = new_participant(phone="+1 (312) 555-0100", channels=["sms", "email"])
    assert participant.channels == ["email", "sms"]
    assert participant.deliverable_channels == ["email"]
    participant.update({"sms_consent": True}, LATER)
    assert participant.deliverable_channels == ["email", "sms"]


def test_a_partial_update_changes_only_what_it_names():
    participant = new_participant(quiet_hours={"start": "22:00", "end": "07:00"})
    events = participant.update({"preferred_name": "Sammy", "channels": ["in_app"]}, LATER)
    assert (participant.preferred_name, participant.channels) == ("Sammy", ["in_app"])
    assert (participant.email, participant.quiet_hours_start, participant.updated_at) == (
        "sam@example.org", time(22), LATER)
    assert [type(e) for e in events] == [ParticipantUpdated]
    assert events[0].data()["preferred_name"] == "Sammy"


def test_quiet_hours_can_be_cleared():
    participant = new_participant(quiet_hours={"start": "22:00", "end": "07:00"})
    participant.update({"quiet_hours": None}, LATER)
    assert participant.quiet_hours is None and participant.quiet_hours_end is None


def test_an_update_that_changes_nothing_announces_nothing():
    participant = new_participant()
    assert participant.update({"email": "sam@example.org"}, LATER) == []
    assert participant.updated_at == NOW


@pytest.mark.parametrize("changes, field", [
    ({"phone": None, "channels": ["sms"]}, "phone"),
    ({"status": "deleted"}, "status"),
    ({"registered_by": "someone"}, "registered_by"),
    ({"id": "x"}, "id"),
])
def test_a_rejected_update_leaves_the_profile_alone(changes, field):
    participant = new_participant()
    with pytest.raises(ValidationFailed) as caught:
        participant.update(changes, LATER)
    assert caught.value.field == field
    assert (participant.channels, participant.status, participant.updated_at) == (["email"], "active", NOW)


def test_removing_the_phone_while_sms_is_chosen_is_refused():
    participant = new_participant(phone="+13125550100", channels=["sms"])
    with pytest.raises(ValidationFailed) as caught:
        participant.update({"phone": None}, LATER)
    assert caught.value.field == "phone"


def test_an_inactive_participant_cannot_be_enrolled():
    participant = new_participant()
    participant.ensure_enrollable()
    participant.update({"status": "inactive"}, LATER)
    with pytest.raises(Conflict):
        participant.ensure_enrollable()


def test_reprs_show_ids_not_contact_details():
    participant = new_participant()
    assert "Sam" not in repr(participant) and "example.org" not in repr(participant)
    assert participant.id in repr(participant)
