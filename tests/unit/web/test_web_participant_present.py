"""The personal page's view of sessions and messages: local times, Join buttons inside the window."""
from datetime import UTC, datetime, timedelta

from services.web.participant.present import message_rows, session_rows, webcal, zone

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
CHICAGO = zone("America/Chicago")


def item(starts_in: timedelta, modality="virtual", **extra) -> dict:
    starts = NOW + starts_in
    body = {"id": "s1", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "modality": modality, "location": "Room 4", "status": "scheduled", "topic": "Coping skills"}
    if modality != "in_person":
        body.update(join_url="https://sessions.example.org/join/abc",
                    join_valid_from=(starts - timedelta(minutes=15)).isoformat(),
                    join_valid_until=(starts + timedelta(hours=3)).isoformat())
    return body | extra


def test_times_are_in_the_participants_zone_and_join_works_only_inside_the_window():
    [later] = session_rows([item(timedelta(hours=2))], CHICAGO, NOW)
    assert later.when == "Wednesday, December 2 at 11:00 AM CST"
    assert not later.join_open and later.join_opens == "Wednesday, December 2 at 10:45 AM CST"
    [soon] = session_rows([item(timedelta(minutes=10))], CHICAGO, NOW)
    assert soon.join_open and soon.join_opens is None
    [running] = session_rows([item(-timedelta(minutes=30))], CHICAGO, NOW)
    assert running.join_open and running.in_progress


def test_in_person_sessions_show_the_place_online_ones_do_not_and_cancelled_ones_are_left_out():
    rows = session_rows([item(timedelta(days=1), "in_person"), item(timedelta(days=2)),
                         item(timedelta(days=3), status="cancelled")], CHICAGO, NOW)
    assert [(r.how, r.location, r.join_url) for r in rows] == [
        ("In person", "Room 4", None), ("Online", None, "https://sessions.example.org/join/abc")]
    assert not any("Coping" in str(r) for r in rows)  # the topic is the facilitators' plan, never shown


def test_messages_newest_first_with_the_unread_ones_marked_new():
    rows = message_rows([{"id": "a", "title": "Welcome", "text": "Hello", "sent_at": NOW.isoformat(), "read_at": None},
                         {"id": "b", "title": "Reminder", "text": "Soon", "sent_at": NOW.isoformat(),
                          "read_at": NOW.isoformat()}], CHICAGO)
    assert [(r.id, r.new) for r in rows] == [("b", False), ("a", True)]


def test_the_calendar_subscription_is_the_webcal_form_of_the_feed():
    assert webcal("https://sessions.example.org/v1/participants/x/calendar.ics?token=t") == \
        "webcal://sessions.example.org/v1/participants/x/calendar.ics?token=t"
