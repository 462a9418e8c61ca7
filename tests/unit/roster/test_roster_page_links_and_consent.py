"""A participant's page link generation and SMS consent record, as plain domain rules."""
from datetime import UTC, datetime, timedelta

from services.roster.domain.people import Participant
from shared.sms_consent import SMS_CONSENT_WORDING

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def a_participant(**extra) -> Participant:
    participant, _ = Participant.register(preferred_name="Kim", email="kim@example.org", phone="+13125550101",
                                          timezone="America/Chicago", now=NOW, **extra)
    return participant


def test_revoking_bumps_the_generation_and_announces_it():
    participant = a_participant()
    assert participant.page_link_generation == 1
    [event] = participant.revoke_page_links(NOW)
    assert participant.page_link_generation == 2
    assert event.type == "roster.participant.updated" and event.data()["page_link_generation"] == 2


def test_a_link_request_names_only_the_participant_and_none_for_an_inactive_one():
    participant = a_participant()
    [event] = participant.request_page_link()
    assert event.data() == {"participant_id": participant.id}
    participant.update({"status": "inactive"}, NOW)
    assert participant.request_page_link() == []


def test_consent_records_the_time_and_the_words_and_opting_out_forgets_them():
    participant = a_participant()
    assert participant.sms_consent_at is None
    later = NOW + timedelta(hours=1)
    participant.update({"sms_consent": True, "channels": ["email", "sms"]}, later)
    assert participant.sms_consent_at == later and participant.sms_consent_wording == SMS_CONSENT_WORDING
    participant.update({"quiet_hours": {"start": "22:00", "end": "07:00"}}, later + timedelta(hours=1))
    assert participant.sms_consent_at == later  # unchanged by other edits
    participant.update({"sms_consent": False}, later + timedelta(hours=2))
    assert participant.sms_consent_at is None and participant.sms_consent_wording is None


def test_consent_given_at_registration_is_recorded():
    participant = a_participant(sms_consent=True, channels=["sms"])
    assert participant.sms_consent_at == NOW
