"""Joining a group that already has sessions: the welcome and every upcoming session's reminders,
planned once, in a number of statements that does not grow with the sessions."""
import contextlib
from datetime import timedelta

from sqlalchemy import event

from services.notifications.bootstrap import unit_of_work
from services.notifications.domain.local_time import format_when
from tests.integration.notifications.notif_world import World, now


@contextlib.contextmanager
def statements(world: World):
    """Counts the SQL statements sent to the database while the block runs."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)
    event.listen(world.context.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(world.context.engine, "before_cursor_execute", count)


def reminders_of(world: World, participant: str) -> set[tuple[str, str, str]]:
    return {(r.session_id, r.dedupe_key.rsplit(":", 1)[1], r.channel)
            for r in world.rows(recipient_id=participant) if r.kind.startswith("reminder")}


def test_joining_plans_one_reminder_set_per_upcoming_session_and_a_redelivery_adds_none(settings_for, sink):
    world = World(settings_for, sink)
    group = world.group([world.facilitator()])
    ahead = [world.session(group, now() + timedelta(days=d)) for d in (2, 3, 5)]
    cancelled = world.session(group, now() + timedelta(days=4))
    world.cancel(cancelled, group, now() + timedelta(days=4))
    world.session(group, now() - timedelta(days=1))  # already past
    member = world.participant(channels=("email", "in_app"))
    world.enroll(group, member)
    activation = world.events[-1]

    expected = {(s, slot, channel) for s in ahead for slot in ("24h", "1h") for channel in ("email", "in_app")}
    assert reminders_of(world, member) == expected
    assert len(world.rows(recipient_id=member, kind="welcome")) == 2
    planned = len(world.rows())

    world.pipeline.handle(activation)  # redelivered by the broker: the inbox knows it
    with unit_of_work(world.context) as uow:  # and even past the inbox, the log's key adds nothing
        world.pipeline.handlers[activation.type](activation, uow)
        uow.commit()
    assert len(world.rows()) == planned and reminders_of(world, member) == expected


def test_joining_costs_the_same_statements_with_one_upcoming_session_or_many(settings_for, sink):
    world = World(settings_for, sink)
    quiet, busy = world.group([world.facilitator()]), world.group([world.facilitator()])
    world.session(quiet, now() + timedelta(days=2))
    for day in range(1, 9):
        world.session(busy, now() + timedelta(days=day))
    first, second = world.participant(), world.participant()
    with statements(world) as one:
        world.enroll(quiet, first)
    with statements(world) as eight:
        world.enroll(busy, second)
    assert len(one) == len(eight)
    assert sum(s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS") for s in eight) == 1


def test_welcomes_for_several_groups_in_one_batch_each_name_their_groups_first_session(settings_for, sink):
    world = World(settings_for, sink)
    firsts = {}
    for days in (2, 4, 6):
        group = world.group([world.facilitator()])
        firsts[group] = now() + timedelta(days=days)
        world.session(group, firsts[group] + timedelta(days=1))
        world.session(group, firsts[group])
        early = world.session(group, firsts[group] - timedelta(hours=6))
        world.cancel(early, group, firsts[group] - timedelta(hours=6))  # not the first any more
        world.enroll(group, world.participant(channels=("in_app",)))
    world.scheduler().run_once()  # one batch: the welcomes and the facilitators' cancellation notices

    for welcome in world.rows(kind="welcome"):
        first = format_when(firsts[welcome.group_id], "America/New_York")
        assert welcome.status == "sent" and f"Your first session: {first}." in welcome.body


def test_a_batch_of_welcomes_costs_the_same_statements_for_one_group_or_many(settings_for, sink):
    world = World(settings_for, sink)
    scheduler = world.scheduler()

    def send_welcomes(groups: int) -> int:
        for _ in range(groups):
            group = world.group([world.facilitator()])
            world.session(group, now() + timedelta(days=2))
            world.enroll(group, world.participant(channels=("in_app",)))
        with statements(world) as sent:
            assert scheduler.run_once() == groups
        return len(sent)
    assert send_welcomes(1) == send_welcomes(4)
