"""Enrollment messages through the real databases, the real SMTP server and a real SMS webhook."""
import pytest

from services.notifications.domain.model import Reason
from services.notifications.service_layer.planning import GroupNotKnownYet
from tests.integration.notifications.notif_world import World

PHONE = "+15555550123"


def test_enrolling_gives_exactly_one_welcome_email_with_the_schedule(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    participant = world.participant()
    world.enroll(group, participant)
    world.send_due()
    world.send_due()  # nothing left to send a second time

    [message] = sink.messages()
    assert message["Subject"] == "Welcome: your session schedule"
    assert message["To"] == f"p-{participant[:8]}@example.org"
    assert "Mondays, Wednesdays and Thursdays at 6:00 PM" in message.get_body(("plain",)).get_content()
    [row] = world.rows(recipient_id=participant)
    assert (row.kind, row.channel, row.status, row.attempts) == ("welcome", "email", "sent", 1)


def test_sms_goes_only_to_participants_who_consented(settings_for, sink, sms_provider):
    world = World(settings_for, sink, sms_provider)
    group = world.group([world.facilitator()])
    consented = world.participant(channels=("email", "sms"), sms_consent=True, phone=PHONE)
    declined = world.participant(channels=("email", "sms"), sms_consent=False, phone="+15555550199")
    for participant in (consented, declined):
        world.enroll(group, participant)
    world.send_due()

    assert len(sink.messages()) == 2
    [posted] = sms_provider.received
    assert posted["to"] == PHONE and "Welcome" in posted["text"]
    [refused] = world.rows(recipient_id=declined, channel="sms")
    assert (refused.status, refused.reason) == ("suppressed", Reason.NO_SMS_CONSENT)


def test_without_an_sms_provider_sms_is_suppressed_not_lost_silently(settings_for, sink):
    world = World(settings_for, sink)
    participant = world.participant(channels=("sms",), sms_consent=True, phone=PHONE)
    world.enroll(world.group([world.facilitator()]), participant)
    world.send_due()
    [row] = world.rows(recipient_id=participant)
    assert (row.status, row.reason) == ("suppressed", Reason.NO_SMS_PROVIDER)


def test_waitlisted_and_promoted_in_app_and_by_email(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    participant = world.participant(channels=("email", "in_app"))
    world.publish("roster.enrollment.waitlisted", {
        "enrollment_id": "9b7e1c2a-0000-4000-8000-000000000001", "group_id": group,
        "participant_id": participant, "position": 3})
    world.enroll(group, participant, from_waitlist=True)
    world.send_due()

    assert sorted(m["Subject"] for m in sink.messages()) == ["A place has opened up for you",
                                                            "You are on the waiting list"]
    in_app = world.rows(recipient_id=participant, channel="in_app")
    assert [(r.kind, r.status) for r in in_app] == [("waitlisted", "sent"), ("promoted", "sent")]
    assert "number 3" in in_app[0].body and in_app[1].title


def test_a_redelivered_event_sends_nothing_twice(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    world.enroll(group, world.participant(channels=("email", "in_app")))
    for envelope in list(world.events):
        world.pipeline.handle(envelope)  # the broker redelivers everything
    world.send_due()
    assert len(sink.messages()) == 1 and len(world.rows()) == 2


def test_an_enrollment_before_its_group_is_known_waits_for_it(settings_for, sink):
    world = World(settings_for, sink)
    participant = world.participant()
    group = "3c1d2e4f-0000-4000-8000-000000000009"
    with pytest.raises(GroupNotKnownYet):  # the consumer retries it with back-off, then dead-letters
        world.enroll(group, participant)
    activation = world.events[-1]
    assert world.rows() == []

    world.group([world.facilitator()], group_id=group)
    world.pipeline.handle(activation)  # the retry
    world.send_due()
    [message] = sink.messages()
    assert "Mondays, Wednesdays and Thursdays" in message.get_body(("plain",)).get_content()
