"""Reminders and session changes: planned from events, moved, cancelled, sent with the right details."""
from datetime import timedelta

from services.notifications.domain.model import Reason
from shared.events import new_envelope
from shared.join_links import LinkSigner
from tests.integration.notifications.notif_world import World, now
from tests.support.tokens import TEST_SECRET
from tests.support.workers import wait_for


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_virtual_reminders_with_offsets_in_seconds_carry_each_members_own_link(settings_for, sink):
    world = World(settings_for, sink, REMINDER_OFFSETS="5s,2s")
    group = world.group([world.facilitator()])
    members = [world.participant(), world.participant()]
    for member in members:
        world.enroll(group, member)
    world.send_due()  # the welcomes
    # The first slot must still be ahead when the event is handled (a past one is skipped): 3 s of slack.
    session = world.session(group, now() + timedelta(seconds=8))

    def reminders():
        world.send_due()
        return [m for m in sink.messages() if m["Subject"].startswith("Reminder")]
    got = wait_for(lambda: len(reminders()) == 4 and reminders(), timeout=30, message="two reminders each")

    for member in members:
        mine = [m for m in got if m["To"] == f"p-{member[:8]}@example.org"]
        assert len(mine) == 2
        for message in mine:
            link = next(w for w in plain(message).split() if w.startswith("http://sessions.test/join/"))
            ids = LinkSigner(TEST_SECRET, "http://sessions.test").read_join_token(link.rsplit("/", 1)[1])
            assert tuple(map(str, ids)) == (session, member)
    assert {r.dedupe_key.rsplit(":", 1)[1] for r in world.rows(session_id=session)} == {"5s", "2s"}


def test_an_in_person_reminder_carries_the_location(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()], modality="in_person", location="Room 12, 10 Main Street")
    world.enroll(group, world.participant())
    world.session(group, now() + timedelta(minutes=30), modality="in_person", location="Room 7, 10 Main Street")
    world.send_due()  # 30 minutes ahead: the 1 h reminder is due at once, the 24 h one never was
    [reminder] = [m for m in sink.messages() if m["Subject"].startswith("Reminder")]
    assert "Room 7, 10 Main Street" in plain(reminder) and "/join/" not in plain(reminder)


def test_a_reschedule_moves_pending_reminders_and_tells_members_and_facilitators(settings_for, sink):
    world = World(settings_for, sink)
    facilitator = world.facilitator()
    group = world.group([facilitator])
    member = world.participant()
    world.enroll(group, member)
    starts = now() + timedelta(days=2)
    session = world.session(group, starts)
    before = {r.dedupe_key: r.due_at for r in world.rows(session_id=session)}
    assert sorted(before.values()) == [starts - timedelta(hours=24), starts - timedelta(hours=1)]

    world.reschedule(session, group, starts, starts + timedelta(days=1))
    after = {r.dedupe_key: r for r in world.rows(session_id=session) if r.kind.startswith("reminder")}
    assert {k: r.due_at - before[k] for k, r in after.items()} == {k: timedelta(days=1) for k in before}
    assert {r.status for r in after.values()} == {"pending"}

    world.send_due()
    changed = [m for m in sink.messages() if m["Subject"].startswith("Session time changed")]
    expected = [f"p-{member[:8]}@example.org", f"f-{facilitator[:8]}@example.org"]
    assert sorted(m["To"] for m in changed) == sorted(expected)
    assert not world.rows(session_id=session, kind="session_rescheduled")[0].urgent  # two days' notice


def test_a_reschedule_to_within_the_hour_drops_passed_slots_and_is_urgent(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    world.enroll(group, world.participant())
    starts = now() + timedelta(days=2)
    session = world.session(group, starts)
    world.reschedule(session, group, starts, now() + timedelta(minutes=30))
    reminders = {r.dedupe_key.rsplit(":", 1)[1]: r for r in world.rows(session_id=session)
                 if r.kind.startswith("reminder")}
    assert (reminders["24h"].status, reminders["24h"].reason) == ("suppressed", Reason.SLOT_PASSED)
    assert reminders["1h"].status == "pending" and reminders["1h"].due_at <= now()
    assert all(r.urgent for r in world.rows(session_id=session, kind="session_rescheduled"))


def test_reschedules_arriving_out_of_order_keep_the_latest_time_and_announce_it_once(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    world.enroll(group, world.participant())
    starts = now() + timedelta(days=2)
    session = world.session(group, starts)
    first = (starts, starts + timedelta(days=1))
    second = (starts + timedelta(days=1), starts + timedelta(days=2))
    later = new_envelope("sessions.session.rescheduled", {
        "session_id": session, "group_id": group, "previous_starts_at": second[0].isoformat(),
        "starts_at": second[1].isoformat(), "ends_at": (second[1] + timedelta(hours=3)).isoformat(),
        "modality": "virtual"}, "sessions", None, occurred_at=now() + timedelta(seconds=1))
    world.pipeline.handle(later)  # the later reschedule overtook the earlier one
    world.reschedule(session, group, *first)
    due = sorted(r.due_at for r in world.rows(session_id=session) if r.kind.startswith("reminder"))
    assert due == [second[1] - timedelta(hours=24), second[1] - timedelta(hours=1)]
    announced = world.rows(session_id=session, kind="session_rescheduled")  # the member and the facilitator
    assert len(announced) == 2 and {r.event_id for r in announced} == {later.id}


def test_a_cancellation_is_sent_and_cancels_the_reminders(settings_for, sink):
    world = World(settings_for, sink)
    facilitator = world.facilitator()
    group = world.group([facilitator])
    member = world.participant(channels=("email", "in_app"))
    world.enroll(group, member)
    world.send_due()
    starts = now() + timedelta(days=2)
    session = world.session(group, starts)
    world.cancel(session, group, starts)
    world.send_due()

    reminders = [r for r in world.rows(session_id=session) if r.kind.startswith("reminder")]
    assert len(reminders) == 4
    assert {(r.status, r.reason) for r in reminders} == {("suppressed", "session_cancelled")}
    cancelled = [m for m in sink.messages() if "cancel" in m["Subject"].lower()]
    assert len(cancelled) == 2  # the member and the facilitator, once each
    assert [r.status for r in world.rows(session_id=session, kind="session_cancelled")] == ["sent"] * 3


def test_a_member_who_left_gets_no_more_reminders(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    member = world.participant()
    enrollment = world.enroll(group, member)
    session = world.session(group, now() + timedelta(minutes=30))
    world.end(enrollment, group, member)
    world.send_due()
    [reminder] = [r for r in world.rows(session_id=session)]
    assert (reminder.status, reminder.reason) == ("suppressed", Reason.NOT_A_MEMBER)
    assert [m["Subject"] for m in sink.messages()] == []  # not even the welcome, which came too late


def test_events_out_of_order_still_plan_the_reminders(settings_for, sink):
    world = World(settings_for, sink)
    group_id = "0f9e8d7c-0000-4000-8000-000000000001"
    session = world.session(group_id, now() + timedelta(days=2))  # before its group, before any member
    assert world.rows() == []
    world.group([world.facilitator()], group_id=group_id)
    member = world.participant()
    world.enroll(group_id, member)
    assert len([r for r in world.rows(session_id=session) if r.recipient_id == member]) == 2


def test_an_absence_streak_alerts_the_groups_facilitators_without_naming_the_member(settings_for, sink):
    world = World(settings_for, sink)
    facilitators = [world.facilitator(), world.facilitator()]
    group = world.group(facilitators)
    member = world.participant()
    world.enroll(group, member)
    sessions = [world.session(group, now() + timedelta(days=d)) for d in (1, 2)]
    world.publish("sessions.absence.streak", {"group_id": group, "participant_id": member,
                                              "session_ids": sessions, "count": 2})
    world.send_due()
    alerts = [m for m in sink.messages() if m["Subject"].startswith("Attendance alert")]
    assert sorted(m["To"] for m in alerts) == sorted(f"f-{f[:8]}@example.org" for f in facilitators)
    assert member.replace("-", "")[:8] in plain(alerts[0]) and "Jordan" not in plain(alerts[0])
