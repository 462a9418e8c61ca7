"""Relays and consumers killed with SIGKILL mid-batch while enrollments and session changes stream
in, then started again: every notification the events call for is delivered exactly once.

A SIGKILL gives the process no chance to finish: a relay dies with batches published but not yet
confirmed (they are published again: consumers deduplicate), a consumer with up to its prefetch of
unacknowledged messages and maybe a transaction open (the broker redelivers them; the inbox makes
the second delivery a no-op). To make sure the kill lands mid-batch, each bulk worker is killed
once, left down while a backlog builds, started, and killed again as soon as it has worked through
part of the backlog: it is then holding the rest.
"""
from __future__ import annotations

import time

import pytest

from tests.reliability.clinic import (NOTIFICATIONS_HANDLES, SESSIONS_HANDLES, Api, Clinic, Ledger,
                                      assert_each_notification_sent_once)
from tests.reliability.stack import Stack

pytestmark = pytest.mark.reliability


def count(ledger: Ledger, service: str, sql: str) -> int:
    return ledger.rows(service, sql)[0].n


def relay_progress(service):
    return lambda ledger: count(ledger, service, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NOT NULL")


def relay_backlog(service):
    return lambda ledger: count(ledger, service, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")


def consumer_progress(service):
    return lambda ledger: count(ledger, service, "SELECT count(*) AS n FROM inbox")


def consumer_backlog(service):
    wanted = NOTIFICATIONS_HANDLES if service == "notifications" else SESSIONS_HANDLES
    types = ", ".join(f"'{t}'" for t in wanted)

    def backlog(ledger):
        emitted = sum(count(ledger, producer, f"SELECT count(*) AS n FROM outbox WHERE event_type IN ({types})")
                      for producer in ("roster", "sessions"))
        return emitted - consumer_progress(service)(ledger)
    return backlog


WORKERS = {
    "notifications-consumer": (consumer_progress("notifications"), consumer_backlog("notifications")),
    "sessions-consumer": (consumer_progress("sessions"), consumer_backlog("sessions")),
    "roster-relay": (relay_progress("roster"), relay_backlog("roster")),
    "sessions-relay": (relay_progress("sessions"), relay_backlog("sessions")),
}


def kill_mid_batch(stack: Stack, ledger: Ledger, name: str, build_backlog: int, partway: int) -> list[dict]:
    progress_of, backlog_of = WORKERS[name]
    stack.kill_worker(name)  # figures read right after: the dead worker's part of them is frozen
    kills = [{"worker": name, "kill": 1, "backlog": backlog_of(ledger), **ledger.in_flight()}]
    deadline = time.monotonic() + 15
    while backlog_of(ledger) < build_backlog and time.monotonic() < deadline:
        time.sleep(0.1)
    start_progress = progress_of(ledger)
    backlog_at_start = backlog_of(ledger)
    stack.start_worker(name)
    if partway:
        deadline = time.monotonic() + 60
        while progress_of(ledger) - start_progress < partway and time.monotonic() < deadline:
            time.sleep(0.005)
        stack.kill_worker(name)  # part of the backlog done, the rest in its hands
        kills.append({"worker": name, "kill": 2, "backlog_at_restart": backlog_at_start,
                      "done_since_restart": progress_of(ledger) - start_progress,
                      "backlog": backlog_of(ledger), **ledger.in_flight()})
        stack.start_worker(name)
    return kills


def test_relays_and_consumers_killed_mid_batch_lose_and_duplicate_nothing(
        shared_postgres_urls, private_rabbit, platform_on, figures):
    started = time.monotonic()
    # Small relay batches, so a backlog is several batches and a kill lands between their confirms.
    stack, ledger = platform_on(shared_postgres_urls, private_rabbit.url, RELAY_BATCH_SIZE="50")
    api = Api(stack.urls)
    clinic = Clinic(api)
    clinic.prepare()
    assert ledger.wait_settled(), f"the starting point did not settle: {ledger.state()}"

    kills: list[dict] = []

    def kill_workers(progress):
        progress.wait_until(0.1)
        kills.extend(kill_mid_batch(stack, ledger, "notifications-consumer", build_backlog=150, partway=10))
        progress.wait_until(0.35)
        kills.extend(kill_mid_batch(stack, ledger, "roster-relay", build_backlog=150, partway=1))
        progress.wait_until(0.55)
        kills.extend(kill_mid_batch(stack, ledger, "sessions-consumer", build_backlog=20, partway=0))
        progress.wait_until(0.7)
        kills.extend(kill_mid_batch(stack, ledger, "sessions-relay", build_backlog=3, partway=0))

    progress = clinic.stream(kill_workers)
    stream_done = time.monotonic()
    settled = ledger.wait_settled()
    delivery = ledger.delivery()

    figures.update(kills=kills, operations=progress.total, stream_s=round(progress.stream_seconds, 1),
                   answers=dict(clinic.stream_answers), recovery_s=round(time.monotonic() - stream_done, 1),
                   settled=settled, **delivery.as_dict(), test_s=round(time.monotonic() - started, 1))
    second_kills = {k["worker"]: k for k in kills if k["kill"] == 2}
    # Killed while holding work: the consumer with handled and unhandled messages of its prefetch,
    # the relay with some batches confirmed and later ones still out.
    assert second_kills["notifications-consumer"]["done_since_restart"] >= 10
    assert second_kills["notifications-consumer"]["backlog"] > 0
    assert second_kills["roster-relay"]["done_since_restart"] >= 1
    assert second_kills["roster-relay"]["backlog"] > 0
    assert api.outage_answers == {}
    assert_each_notification_sent_once(delivery, settled, ledger)
    assert stack.dead_workers() == []
    _sessions_read_model_matches_roster(ledger)


def _sessions_read_model_matches_roster(ledger: Ledger) -> None:
    """The sessions consumer, killed too, applied every membership change: its members are roster's."""
    roster = {r.id for r in ledger.rows("roster", "SELECT id FROM enrollments WHERE status = 'active'")}
    sessions = {str(r.id) for r in ledger.rows("sessions", "SELECT id FROM memberships WHERE active_until IS NULL")}
    assert sessions == roster
