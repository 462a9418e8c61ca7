"""Rendering: times in the recipient's timezone, the right details per kind, safe contexts only."""
from datetime import datetime, timezone

import pytest

from services.notifications.adapters.templates import render
from services.notifications.domain.local_time import describe_weekly_schedule, format_when
from services.notifications.domain.messages import MessageTooLong

STARTS = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)  # Monday 6:00 PM EDT
JOIN_URL = "https://sessions.example.org/join/tok3n-for-one-member"
NY = {"recipient_timezone": "America/New_York"}
SCHEDULE = {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
            "timezone": "America/New_York"}


def test_time_is_shown_in_the_recipients_timezone():
    assert format_when(STARTS, "America/New_York") == "Monday, March 9 at 6:00 PM EDT"
    assert format_when(STARTS, "Europe/London") == "Monday, March 9 at 10:00 PM GMT"
    assert format_when("2026-03-10T04:30:00+00:00", "America/New_York") == "Tuesday, March 10 at 12:30 AM EDT"
    assert format_when("2026-03-10T16:05:00+00:00", "America/New_York") == "Tuesday, March 10 at 12:05 PM EDT"


@pytest.mark.parametrize("channel", ["email", "sms", "in_app"])
def test_virtual_reminder_carries_the_time_and_the_personal_link(channel):
    message = render("reminder_virtual", channel, {**NY, "starts_at": STARTS, "join_url": JOIN_URL})
    assert "Monday, March 9 at 6:00 PM EDT" in message.text
    assert JOIN_URL in message.text


def test_virtual_reminder_html_links_the_join_url():
    message = render("reminder_virtual", "email", {**NY, "starts_at": STARTS, "join_url": JOIN_URL})
    assert f'href="{JOIN_URL}"' in message.html
    assert message.subject == "Reminder: your session on Monday, March 9 at 6:00 PM EDT"


@pytest.mark.parametrize("channel", ["email", "sms", "in_app"])
def test_in_person_reminder_carries_the_location(channel):
    context = {"recipient_timezone": "Europe/London", "starts_at": STARTS, "location": "Room 4, 12 Mill Lane"}
    message = render("reminder_in_person", channel, context)
    assert "Room 4, 12 Mill Lane" in message.text
    assert "10:00 PM GMT" in message.text


def test_hybrid_reminder_can_add_the_location():
    context = {**NY, "starts_at": STARTS, "join_url": JOIN_URL, "location": "Room 4"}
    assert "in person: Room 4" in render("reminder_virtual", "email", context).text


def test_reschedule_shows_old_and_new_time():
    context = {**NY, "previous_starts_at": STARTS, "starts_at": "2026-03-11T22:00:00+00:00"}
    text = render("session_rescheduled", "sms", context).text
    assert "Monday, March 9 at 6:00 PM EDT" in text and "Wednesday, March 11 at 6:00 PM EDT" in text


def test_cancellation_shows_the_time_and_refuses_a_reason():
    message = render("session_cancelled", "email", {**NY, "starts_at": STARTS})
    assert "cancelled" in message.subject.lower() and "Monday, March 9 at 6:00 PM EDT" in message.text
    with pytest.raises(ValueError, match="reason"):
        render("session_cancelled", "email", {**NY, "starts_at": STARTS, "reason": "staff illness"})


def test_welcome_lists_the_weekly_schedule_and_first_session():
    context = {**NY, "schedule": SCHEDULE, "first_session_starts_at": STARTS}
    message = render("welcome", "email", context)
    assert message.text.startswith("Hello,\n")
    assert "Mondays, Wednesdays and Thursdays at 6:00 PM EDT, for 3 hours" in message.text
    assert "Your first session: Monday, March 9 at 6:00 PM EDT." in message.text


def test_weekly_schedule_moves_to_another_day_in_a_far_timezone():
    text = describe_weekly_schedule(["mon"], "22:00", "America/New_York", "Europe/Berlin", STARTS)
    assert text == "Tuesdays at 3:00 AM CET"


def test_weekly_schedule_in_the_groups_own_timezone_groups_days():
    berlin = "Europe/Berlin"
    text = describe_weekly_schedule(["thu", "mon", "mon"], "09:30", berlin, berlin, STARTS, 90)
    assert text == "Mondays and Thursdays at 9:30 AM CET, for 1 hour 30 minutes"


def test_waitlisted_shows_the_position():
    assert "number 3 on the waiting list" in render("waitlisted", "sms", {**NY, "waitlist_position": 3}).text


def test_absence_alert_shows_a_short_reference_only():
    participant_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    message = render("absence_alert", "email", {**NY, "participant_id": participant_id})
    assert "A member of your group (ref 1a2b3c4d) has missed two sessions in a row" in message.text
    assert participant_id not in message.text and participant_id not in message.html


@pytest.mark.parametrize("extra", [{"group_name": "Tuesday evening"}, {"participant_name": "Sam"},
                                   {"kind": "process"}])
def test_context_outside_the_kinds_list_is_refused(extra):
    with pytest.raises(ValueError, match="not accepted"):
        render("absence_alert", "email", {**NY, "participant_id": "1a2b3c4d-5e6f", **extra})


def test_missing_variable_is_named():
    with pytest.raises(ValueError, match="join_url"):
        render("reminder_virtual", "email", {**NY, "starts_at": STARTS})


def test_unknown_kind_or_channel_is_refused():
    with pytest.raises(ValueError):
        render("newsletter", "email", NY)
    with pytest.raises(ValueError):
        render("welcome", "fax", NY)


def test_html_part_escapes_what_it_is_given():
    context = {**NY, "starts_at": STARTS, "location": "Fish & Co <annex>"}
    message = render("reminder_in_person", "email", context)
    assert "Fish &amp; Co &lt;annex&gt;" in message.html
    assert "Fish & Co <annex>" in message.text  # plain text stays plain


def test_join_url_must_be_a_web_link():
    with pytest.raises(ValueError, match="join_url"):
        render("reminder_virtual", "email", {**NY, "starts_at": STARTS, "join_url": "javascript:alert(1)"})


def test_sms_over_the_limit_is_refused_rather_than_cut():
    with pytest.raises(MessageTooLong):
        render("reminder_virtual", "sms", {**NY, "starts_at": STARTS, "join_url": JOIN_URL + "x" * 300})


def test_email_text_is_tidy_and_subject_is_one_line():
    message = render("welcome", "email", NY)
    assert "\n\n\n" not in message.text
    assert all(line == line.rstrip() for line in message.text.splitlines())
    assert "\n" not in message.subject


def test_sms_and_in_app_have_the_right_shape():
    sms = render("waitlisted", "sms", {**NY, "waitlist_position": 1})
    in_app = render("waitlisted", "in_app", {**NY, "waitlist_position": 1})
    assert sms.subject is None and sms.html is None and "\n" not in sms.text
    assert in_app.subject and in_app.html is None


def test_no_message_greets_by_name():
    """A message may be read on a shared screen or forwarded: it never carries the recipient's name."""
    with pytest.raises(ValueError, match="recipient_name"):
        render("welcome", "email", {**NY, "recipient_name": "Jordan"})
