"""Quiet hours, retries while the SMTP server is down, and no duplicates with two schedulers."""
import threading
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from services.notifications.domain.quiet_hours import deliver_at
from shared.mailsink import MailSink
from shared.worker import GracefulStop
from tests.integration.notifications.notif_world import World, now
from tests.support.workers import wait_for

ZONE = "America/New_York"


def quiet_now() -> dict:
    """Quiet hours around the present moment on the participant's clock."""
    local = now().astimezone(ZoneInfo(ZONE))
    return {"start": (local - timedelta(hours=1)).strftime("%H:%M"),
            "end": (local + timedelta(hours=2)).strftime("%H:%M")}


def test_quiet_hours_defer_a_reminder_but_not_an_urgent_change(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    quiet = quiet_now()
    member = world.participant(quiet_hours=quiet)
    world.enroll(group, member)
    starts = now() + timedelta(minutes=30)
    session = world.session(group, starts)  # its 1 h reminder is due now, inside quiet hours
    world.send_due()

    assert sink.messages() == []  # neither the welcome nor the reminder
    [reminder] = world.rows(session_id=session)
    expected = deliver_at(now(), time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"]), ZONE,
                          urgent=False)
    assert reminder.status == "pending" and abs(reminder.next_attempt_at - expected) < timedelta(minutes=1)

    world.cancel(session, group, starts)  # less than 24 h away: urgent
    world.send_due()
    [message] = [m for m in sink.messages() if m["To"] == f"p-{member[:8]}@example.org"]
    assert message["Subject"].startswith("Session cancelled")
    [reminder] = world.rows(session_id=session, kind="reminder_virtual")
    assert (reminder.status, reminder.reason) == ("suppressed", "session_cancelled")


def test_smtp_down_retries_and_sends_once_it_is_back(settings_for, tmp_path):
    sink = MailSink("127.0.0.1", 0, tmp_path / "mail")
    sink.start()
    port = sink.port
    sink.stop()  # the server is down
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    members = [world.participant() for _ in range(3)]
    for member in members:
        world.enroll(group, member)
    scheduler = world.scheduler()
    tried_at = now()
    scheduler.run_once()
    rows = world.rows()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)} and all(r.last_error for r in rows)
    # Backing off: the next attempt is later than this one (compared with the attempt's time, not with the
    # clock after it: the back-off is 0.2 s here, which a busy machine can spend before the rows are read).
    assert all(r.next_attempt_at > tried_at for r in rows)

    back = MailSink("127.0.0.1", port, tmp_path / "mail")
    back.start()
    try:
        wait_for(lambda: scheduler.run_once() or {r.status for r in world.rows()} == {"sent"}, timeout=30)
        assert sorted(m["To"] for m in back.messages()) == sorted(f"p-{m[:8]}@example.org" for m in members)
        assert {r.attempts for r in world.rows()} == {2}
    finally:
        back.stop()


def test_failed_for_good_after_the_last_attempt(settings_for, tmp_path):
    world = World(settings_for, None, NOTIFY_MAX_ATTEMPTS="2", NOTIFY_RETRY_BASE_SECONDS="0",
                  NOTIFY_RETRY_MAX_SECONDS="0")
    world.enroll(world.group([world.facilitator()]), world.participant())
    world.send_due()
    [row] = world.rows()
    assert (row.status, row.reason, row.attempts) == ("failed", "delivery_failed", 2)
    assert "unreachable" in row.last_error and "@" not in row.last_error


def test_redelivered_events_and_two_schedulers_send_no_duplicates(settings_for, sink):
    world = World(settings_for, sink, SCHEDULER_BATCH_SIZE="7")
    group = world.group([world.facilitator()])
    members = [world.participant(channels=("email", "in_app")) for _ in range(20)]
    for member in members:
        world.enroll(group, member)
    starts = now() + timedelta(minutes=30)
    session = world.session(group, starts)
    world.cancel(session, group, starts)
    for envelope in list(world.events):
        world.pipeline.handle(envelope)  # every event a second time

    stop = GracefulStop()
    schedulers = [world.scheduler(stop=stop) for _ in range(2)]
    threads = [threading.Thread(target=s.run, daemon=True) for s in schedulers]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: not [r for r in world.rows() if r.status in ("pending", "sending")], timeout=20)
    finally:
        stop.request()
        for thread in threads:
            thread.join(timeout=10)
    subjects = sorted((m["To"], m["Subject"].split(":")[0]) for m in sink.messages())
    assert len(subjects) == len(set(subjects)) == 20 * 2 + 1  # welcome + cancellation; facilitator's cancellation
    assert {r.attempts for r in world.rows() if r.status == "sent"} == {1}
