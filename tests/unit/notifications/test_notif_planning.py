"""Planning rows in plain Python: a welcome and reminders for many sessions from one recipient lookup."""
from datetime import datetime, timedelta, timezone

from services.notifications.domain.messages import MessageKind
from services.notifications.domain.model import Recipient, Session
from services.notifications.service_layer.planning import message_rows, reminder_rows

NOW = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
OFFSETS = [timedelta(hours=24), timedelta(hours=1)]
JORDAN = Recipient(id="p1", kind="participant", name="Jordan", email="j@example.org", phone=None,
                   timezone="America/New_York", channels=("email", "in_app"), sms_consent=False,
                   quiet_start=None, quiet_end=None, status="active")


def session(session_id: str, starts_in: timedelta, modality="virtual", status="scheduled") -> Session:
    starts_at = NOW + starts_in
    return Session(id=session_id, group_id="g1", starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
                   modality=modality, location="Room 4", status=status)


def test_each_session_gets_its_slots_on_each_of_the_members_channels():
    sessions = [session("s1", timedelta(days=2)), session("s2", timedelta(hours=3), modality="in_person"),
                session("s3", timedelta(days=3), status="cancelled")]
    rows = reminder_rows(sessions, {"p1": JORDAN}, ["p1"], OFFSETS, NOW)
    planned = {(r["session_id"], r["dedupe_key"], r["channel"], r["kind"], r["due_at"]) for r in rows}
    assert planned == {
        ("s1", "reminder:s1:24h", channel, MessageKind.REMINDER_VIRTUAL, NOW + timedelta(days=1)) for channel in
        ("email", "in_app")} | {
        ("s1", "reminder:s1:1h", channel, MessageKind.REMINDER_VIRTUAL, NOW + timedelta(hours=47)) for channel in
        ("email", "in_app")} | {
        ("s2", "reminder:s2:1h", channel, MessageKind.REMINDER_IN_PERSON, NOW + timedelta(hours=2)) for channel in
        ("email", "in_app")}  # 3 h ahead: the 24 h slot has passed; the cancelled session gets none
    assert len(rows) == len(planned) and {r["status"] for r in rows} == {"pending"}


def test_a_member_not_known_yet_is_planned_on_every_channel_and_decided_at_send_time():
    rows = reminder_rows([session("s1", timedelta(days=2))], {}, ["p2", "p2"], OFFSETS, NOW)
    assert sorted({r["channel"] for r in rows}) == ["email", "in_app", "sms"] and len(rows) == 6


def test_one_message_per_recipient_and_channel_keyed_by_its_event():
    rows = message_rows({"p1": JORDAN}, ["p1", "p1"], "participant", MessageKind.WELCOME, "e1", NOW, group_id="g1")
    assert sorted((r["channel"], r["dedupe_key"], r["due_at"]) for r in rows) == [
        ("email", "event:e1", NOW), ("in_app", "event:e1", NOW)]
