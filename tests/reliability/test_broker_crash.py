"""RabbitMQ killed with SIGKILL in the middle of a stream of enrollments and session changes, then
started again: the APIs keep answering, and afterwards every notification the events call for is
in the log and in the SMTP server's mailbox exactly once.

The broker is a private node (tests/support/private_rabbit.py): the shared one is never touched.
The databases are fresh ones on the shared PostgreSQL, which this test does not disturb.
"""
from __future__ import annotations

import time

import pytest

from tests.reliability.clinic import Api, Clinic, assert_each_notification_sent_once

pytestmark = pytest.mark.reliability


def test_a_broker_crash_mid_stream_loses_no_notification_and_sends_none_twice(
        shared_postgres_urls, private_rabbit, platform_on, figures):
    started = time.monotonic()
    stack, ledger = platform_on(shared_postgres_urls, private_rabbit.url)
    api = Api(stack.urls)
    clinic = Clinic(api)
    clinic.prepare()
    assert ledger.wait_settled(), f"the starting point did not settle: {ledger.state()}"

    fault: dict = {}

    def crash_the_broker(progress):
        progress.wait_until(0.25)
        fault["in_flight_at_kill"] = ledger.in_flight()
        answered_before = progress.done
        private_rabbit.kill()
        down_since = time.monotonic()
        progress.wait_until(0.6)  # the APIs go on serving: events wait in the outboxes
        fault["operations_done_while_down"] = progress.done - answered_before
        fault["backlog_at_restart"] = ledger.in_flight()
        private_rabbit.start()
        fault["broker_down_s"] = round(time.monotonic() - down_since, 1)

    progress = clinic.stream(crash_the_broker)
    stream_done = time.monotonic()
    settled = ledger.wait_settled()
    delivery = ledger.delivery()

    figures.update(fault, operations=progress.total, stream_s=round(progress.stream_seconds, 1),
                   answers=dict(clinic.stream_answers), failed_requests=dict(api.outage_answers),
                   recovery_s=round(time.monotonic() - stream_done, 1), settled=settled, **delivery.as_dict(),
                   test_s=round(time.monotonic() - started, 1))
    assert progress.total >= 1000
    assert api.outage_answers == {}, "an API failed a request while the broker was down"
    assert fault["operations_done_while_down"] > 100
    assert fault["backlog_at_restart"]["outbox_unpublished"] > 0, "nothing waited in the outbox"
    assert_each_notification_sent_once(delivery, settled, ledger)
    assert stack.dead_workers() == []
