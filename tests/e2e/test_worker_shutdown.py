"""Workers stopped the way compose stops them (SIGTERM) in the middle of a stream of events, then
started again: each finishes and acknowledges what it holds, exits 0, and nothing is lost or done twice.

The stream is 300 participants registered and enrolled, 15 to a group, by concurrent requests, while
the roster relay, the notifications consumer and the sessions consumer are stopped and restarted in
turn. The proof is what people and ops see: every outbox event on the broker exactly once, one welcome
email per member, each group's attendance sheet naming exactly its members. Every participant has a
phone number on file too, and the module ends with the privacy scan of all that the stream made the
processes write.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.e2e.clinic import PROPAGATION, Clinic, Person
from tests.e2e.event_tap import EventTap
from tests.e2e.privacy import scan_what_the_stack_wrote
from tests.e2e.stack import Stack, log_lines, metric
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e
GROUPS, PER_GROUP = 20, 15


@pytest.fixture(scope="module")
def stack(databases, e2e_amqp_url, tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("shutdown"), databases, e2e_amqp_url)
    try:
        stack.start("roster", "sessions", "roster-relay", "sessions-consumer", "notifications-consumer",
                    "notifications-scheduler")
        yield stack
    finally:
        stack.close()


class EnrollmentStream:
    """Registers and enrolls GROUPS x PER_GROUP participants from a pool of threads, in the background."""

    def __init__(self, clinic: Clinic, lead: Person, groups: list[dict]):
        self.pool = ThreadPoolExecutor(max_workers=6)
        self.futures = [self.pool.submit(self._one, clinic, lead, groups[i // PER_GROUP])
                        for i in range(len(groups) * PER_GROUP)]

    @staticmethod
    def _one(clinic: Clinic, lead: Person, group: dict) -> tuple[str, Person]:
        member = clinic.participant(lead, phone=True)  # on file, not for texts: it travels with every event
        assert clinic.enroll(lead, group, member)["status"] == "active"
        return group["id"], member

    @property
    def running(self) -> bool:
        return not all(f.done() for f in self.futures)

    def members(self) -> list[tuple[str, Person]]:
        try:
            return [f.result(timeout=120) for f in self.futures]
        finally:
            self.pool.shutdown()


def handled(stack: Stack, worker: str) -> int:
    """Events the running incarnation of a consumer has handled so far, by its own log."""
    return sum(line.get("msg") == "event handled" for line in log_lines(stack.process(worker)))


def stop_mid_stream(stack: Stack, worker: str, progress, stream: EnrollmentStream, done_msg: str) -> None:
    """SIGTERM the worker once it has made some progress while the stream still runs; it must exit 0."""
    start = progress()
    wait_for(lambda: progress() >= start + 30, timeout=PROPAGATION, message=f"{worker} to make progress")
    assert stream.running, "the stream ended before the worker was stopped; nothing was in flight"
    process = stack.process(worker)
    assert stack.stop(worker) == 0, process.log()[-2000:]
    assert any(line.get("msg") == done_msg for line in log_lines(process))


def welcomes_of(clinic: Clinic, members: list[Person]) -> Counter:
    addresses = {m.email for m in members}
    return Counter(m["To"] for m in clinic.mail.all() if m["To"] in addresses and m["Subject"].startswith("Welcome"))


@pytest.fixture
def tap(stack):
    tap = EventTap(stack.amqp_url)
    yield tap
    tap.close()


@pytest.fixture
def roster_outbox(stack):
    """Event ids the roster wrote to its outbox since the test began (ops would look with psql)."""
    engine = sa.create_engine(stack.database_urls["roster"], poolclass=sa.pool.NullPool)
    with engine.connect() as db:
        before = db.execute(sa.text("SELECT coalesce(max(seq), 0) FROM outbox")).scalar_one()

    def written() -> set[str]:
        with engine.connect() as db:
            return set(db.execute(sa.text("SELECT event_id FROM outbox WHERE seq > :seq"), {"seq": before}).scalars())
    yield written
    engine.dispose()


def test_workers_stopped_mid_stream_lose_nothing_and_do_nothing_twice(clinic, stack, tap, roster_outbox):
    lead = clinic.facilitator()
    groups = [clinic.group(lead, capacity=PER_GROUP) for _ in range(GROUPS)]
    stream = EnrollmentStream(clinic, lead, groups)

    stop_mid_stream(stack, "roster-relay", lambda: len(tap.ids()), stream, "relay stopped")
    wait_for(lambda: metric(stack.metrics("roster"), "outbox_backlog") > 0, timeout=30,
             message="events to wait in the outbox while the relay is down")
    stack.restart("roster-relay")
    for consumer in ("notifications-consumer", "sessions-consumer"):
        stop_mid_stream(stack, consumer, lambda name=consumer: handled(stack, name), stream, "consumer stopped")
        stack.restart(consumer)
    members = stream.members()
    people = [person for _, person in members]

    # relay: every event written is on the broker, once
    wait_for(lambda: metric(stack.metrics("roster"), "outbox_backlog") == 0, timeout=PROPAGATION,
             message="the outbox to drain")
    written = roster_outbox()
    assert len(written) >= 1 + GROUPS + 2 * GROUPS * PER_GROUP  # facilitator, groups, people, enrollments
    wait_for(lambda: set(tap.ids()) >= written, timeout=PROPAGATION, message="every event on the broker")
    published = Counter(tap.ids())
    assert set(published) == written and set(published.values()) == {1}

    # notifications consumer (and the scheduler after it): one welcome email per member
    wait_for(lambda: sum(welcomes_of(clinic, people).values()) >= len(people), timeout=PROPAGATION,
             message="a welcome email for every member")
    welcomes = welcomes_of(clinic, people)
    assert len(welcomes) == GROUPS * PER_GROUP and set(welcomes.values()) == {1}

    # sessions consumer: each group's next session expects exactly its members
    for group in groups:
        session = clinic.schedule(lead, group, datetime.now(UTC) + timedelta(days=30))
        expected = {person.id for gid, person in members if gid == group["id"]}
        wait_for(lambda s=session, e=expected: set(clinic.attendance(lead, s)) == e, timeout=PROPAGATION,
                 message="the group's members on its attendance sheet")

    # What a consumer handled it acknowledged before exiting: nothing came back to the restarted one
    # as a redelivery (the inbox would absorb it, but it would be counted as a duplicate).
    for consumer in ("notifications-consumer", "sessions-consumer"):
        assert metric(stack.metrics(consumer), "events_consumed_total", outcome="duplicate") == 0
    stack.assert_running()


@pytest.mark.privacy_scan  # runs after every other test of this module (tests/e2e/conftest.py)
def test_nothing_the_stream_made_the_processes_write_names_anyone(stack):
    """SPEC 3: no line any process wrote during the stream and the restarts (stdout and stderr, every
    incarnation, until it exited) and no email holds a name, email or phone number of the 301 people
    (the address an email was sent to aside: see privacy.Scan)."""
    scan, transcripts = scan_what_the_stack_wrote(stack)

    # It read what there was: every incarnation of every process, gunicorn's access lines, the emails.
    assert {"roster-relay.2", "notifications-consumer.2", "sessions-consumer.2"} <= set(transcripts)
    assert all(text.strip() for text in transcripts.values())
    assert '"logger": "gunicorn.access"' in transcripts["roster"]
    assert len(stack.people) == 1 + GROUPS * PER_GROUP
    scan.assert_saw({"log lines": 3 * GROUPS * PER_GROUP, "emails": GROUPS * PER_GROUP,
                     "audit rows": 2 * GROUPS * PER_GROUP})
    scan.assert_clean()
