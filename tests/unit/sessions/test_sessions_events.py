"""Every event the sessions domain produces passes the shared catalogue's schema for its type."""
import uuid
from datetime import datetime, timedelta, timezone

from services.sessions.domain.attendance import take_attendance
from services.sessions.domain.engagement import absence_streak
from services.sessions.domain.model import schedule_session
from services.sessions.domain.notes import Author, start_note
from shared.events.catalogue import CATALOGUE

START = datetime(2026, 3, 9, 22, tzinfo=timezone.utc)
BEFORE, AFTER = START - timedelta(days=1), START + timedelta(hours=4)


def produced_events():
    session, scheduled = schedule_session(uuid.uuid4(), START, 180, "hybrid", "Room 4", None, BEFORE)
    rescheduled = session.reschedule(START + timedelta(hours=1), BEFORE)
    relocated = session.change_modality("in_person", "Room 5", None, BEFORE)
    participant = uuid.uuid4()
    _, recorded = take_attendance(session, participant, "absent", None, expected=[participant], now=AFTER,
                                  recorded_by=str(uuid.uuid4()))
    earlier = uuid.uuid4()
    streak = absence_streak([(earlier, "absent"), (session.id, "absent")], session.id,
                            group_id=session.group_id, participant_id=participant)
    cancelled = schedule_session(uuid.uuid4(), START, 90, "in_person", "Room 4", "Relapse prevention",
                                 BEFORE)[0].cancel("Facilitator ill", BEFORE)
    author = Author("facilitator", str(uuid.uuid4()))
    note, drafted = start_note(session.id, session.group_id, "individual", participant, author, {participant}, {},
                               session.ends_at, AFTER)
    signed = note.sign(author, 1, author.id, False, AFTER)
    _, addendum = note.add_addendum(author, "later", AFTER)
    return [scheduled, rescheduled, relocated, cancelled, recorded, streak, drafted, signed, addendum]


def test_every_event_matches_its_catalogue_schema_and_version():
    events = produced_events()

    assert {e.type for e in events} == {t for t in CATALOGUE if t.startswith("sessions.")}
    for event in events:
        entry = CATALOGUE[event.type]
        assert entry.schema.validate(event.data()) == {}, event.type
        assert entry.version == event.version
