"""The signature reminder of session notes, through the real broker: the sessions API writes notes,
its relay publishes the note events, the notifications consumer plans one reminder per author and
session, the scheduler emails it once; a note signed in time cancels its reminder."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from services.notifications.bootstrap import BINDINGS
from shared.worker import GracefulStop
from tests.integration.notifications.notif_world import World, now
from tests.integration.sessions.notes_world import SECRET, NotesWorld
from tests.support.workers import running_consumer, running_relay, wait_for


def _all_published(notes: NotesWorld) -> bool:
    outbox = notes.context.tables.outbox
    with notes.context.session_factory() as db:
        return db.scalar(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))) == 0


def _handled(world: World, event_ids: set[str]) -> bool:
    inbox = world.context.tables.inbox
    with world.context.session_factory() as db:
        return event_ids <= set(db.scalars(select(inbox.c.event_id)))


def test_an_unsigned_note_reminds_its_author_once_and_a_signed_one_not_at_all(settings_for, amqp_url, sink):
    overdue = NotesWorld(settings_for("sessions"), ended_hours_ago=30)
    world = World(settings_for, sink, NOTE_REMINDER_GRACE="20s")  # a note begun late is chased 20 s on
    co = overdue.co
    world.publish("roster.facilitator.registered", {"facilitator_id": co, "name": "Dr. Okafor",
                                                    "email": "co-facilitator@example.org"})
    world.publish("roster.facilitator.registered", {"facilitator_id": overdue.lead, "name": "Dr. Lind",
                                                    "email": "lead-facilitator@example.org"})
    stop = GracefulStop()
    scheduler = threading.Thread(target=world.scheduler(stop=stop).run, daemon=True)
    scheduler.start()
    try:
        with (running_relay(overdue.context, amqp_url), running_consumer(world.pipeline, amqp_url, BINDINGS)):
            # Two notes left unsigned by the co-facilitator a day after the session: one reminder.
            overdue.start(participant_id=overdue.present, progress=SECRET)
            overdue.start(participant_id=overdue.late, progress=SECRET)
            # The lead signs their group note at once (within the grace): nothing to remind them of.
            group_note = overdue.start(who=overdue.lead, topic=SECRET).json
            overdue.sign(group_note, 1, who=overdue.lead)
            wait_for(lambda: [m for m in sink.messages() if m["To"] == "co-facilitator@example.org"],
                     timeout=90, message="the co-facilitator's reminder")
            # Everything published and handled, nothing left to send: what arrived is all there will be.
            wait_for(lambda: _all_published(overdue), timeout=20, message="the outbox drained")
            note_events = {e["id"] for e in overdue.client.events() if e["type"].startswith("sessions.note.")}
            wait_for(lambda: _handled(world, note_events), timeout=30, message="every note event handled")
            wait_for(lambda: not world.rows(status="pending") and not world.rows(status="sending"), timeout=20,
                     message="no notification still to send")
    finally:
        stop.request()
        scheduler.join(timeout=10)

    reminders = [m for m in sink.messages() if m["To"] in ("co-facilitator@example.org",
                                                           "lead-facilitator@example.org")]
    assert [(m["To"], m["Subject"]) for m in reminders] == [
        ("co-facilitator@example.org", "You have a session note waiting for your signature")]
    assert "Zephyrine" not in str(reminders[0]) and "relapse" not in str(reminders[0]).lower()
    rows = world.rows(recipient_id=co, kind="note_unsigned")
    assert [(r.status, r.dedupe_key) for r in rows] == [("sent", f"notes-unsigned:{overdue.session}")]


def test_signing_before_the_reminder_is_due_cancels_it(settings_for):
    recent = NotesWorld(settings_for("sessions"), ended_hours_ago=2)
    world = World(settings_for, None)
    world.publish("roster.facilitator.registered", {"facilitator_id": recent.co, "name": "Dr. Okafor",
                                                    "email": "co@example.org"})
    relayed: set[str] = set()

    def relay_note_events(times: int = 1) -> None:
        """What the relay and consumer do, by hand: each new note event to notifications (`times` over)."""
        for event in recent.client.events():
            if event["type"].startswith("sessions.note.") and event["id"] not in relayed:
                relayed.add(event["id"])
                for _ in range(times):
                    world.publish(event["type"], event["data"])

    first = recent.start(participant_id=recent.present).json
    second = recent.start(participant_id=recent.late).json
    relay_note_events(times=2)
    [row] = world.rows(recipient_id=recent.co, kind="note_unsigned")
    assert row.status == "pending" and row.due_at > now() + timedelta(hours=21)  # a day after the session

    recent.sign(first, 1)
    relay_note_events()
    assert world.rows(recipient_id=recent.co, kind="note_unsigned")[0].status == "pending"  # one still unsigned
    recent.sign(second, 1)
    relay_note_events()
    [row] = world.rows(recipient_id=recent.co, kind="note_unsigned")
    assert (row.status, row.reason) == ("suppressed", "note_signed")


def test_a_signature_that_overtakes_its_draft_event_plans_nothing_and_admins_get_no_reminder(settings_for):
    world = World(settings_for, None)
    author, session, group = world.facilitator(), "5b0c6a57-8d3e-4a8f-9e61-0c2b7d4e9f10", world.group([])
    ids = {"session_id": session, "group_id": group, "author_role": "facilitator", "author_id": author}
    ended = (now() - timedelta(hours=30)).isoformat()
    world.publish("sessions.note.signed", {"note_id": "0f6e2b1a-3c4d-4e5f-8a9b-1c2d3e4f5a6b", **ids,
                                           "status": "signed"})
    world.publish("sessions.note.drafted", {"note_id": "0f6e2b1a-3c4d-4e5f-8a9b-1c2d3e4f5a6b", **ids,
                                            "status": "draft", "session_ends_at": ended})
    world.publish("sessions.note.drafted", {"note_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", **ids,
                                            "author_role": "admin", "author_id": "an-admin", "status": "draft",
                                            "session_ends_at": ended})
    assert world.rows(kind="note_unsigned") == []
