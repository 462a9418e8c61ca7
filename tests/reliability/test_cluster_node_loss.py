"""A three-node RabbitMQ cluster loses the node that leads the notifications queue (kill -9) while
1,000 enrollments and session changes stream in, and gets it back later: the quorum queues keep
every message on the two nodes left, the relays and consumers connect to another node of AMQP_URL
by themselves, and every participant gets exactly one welcome (every notification exactly once).

The cluster is private (tests/support/rabbit_cluster.py): the shared broker is never touched.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.reliability.clinic import Api, Clinic, Ledger, assert_each_notification_sent_once
from tests.reliability.stack import Stack
from tests.support.workers import wait_for

pytestmark = pytest.mark.reliability
# What each broker-facing worker logs when it has (again) a working connection.
CONNECTED = {"roster-relay": "relay connected", "sessions-relay": "relay connected",
             "sessions-consumer": '"msg": "consuming"', "notifications-consumer": '"msg": "consuming"'}


def connections(stack: Stack) -> dict[str, int]:
    return {name: stack.workers[name].log().count(line) for name, line in CONNECTED.items()}


def welcomes(ledger: Ledger) -> tuple[int, int, int]:
    """(welcomes called for, participants welcomed once, welcome emails beyond the first)."""
    expected = {key for key in ledger.expected(ledger.events()) if key[1] == "welcome"}
    kind_of = {row.id: (row.recipient_id, row.kind, row.event_id) for row in ledger.log()}
    received = Counter(kind_of.get(email.notification_id) for email in ledger.emails())
    once = sum(1 for key in expected if received[key] == 1)
    extra = sum(count - 1 for key, count in received.items() if key in expected and count > 1)
    return len(expected), once, extra


def test_losing_the_queue_leader_node_loses_and_duplicates_no_welcome(
        shared_postgres_urls, rabbit_cluster, platform_on, figures):
    started = time.monotonic()
    stack, ledger = platform_on(shared_postgres_urls, rabbit_cluster.url, RELAY_CONFIRM_TIMEOUT_SECONDS="10")
    clinic = Clinic(Api(stack.urls))
    clinic.prepare()
    assert ledger.wait_settled(), f"the starting point did not settle: {ledger.state()}"
    leader = rabbit_cluster.leader_of("notifications")
    # Every worker connects to the first node of AMQP_URL that answers, and a quorum queue's leader
    # is placed on the node of the connection that declared it: killing it moves every worker.
    assert leader is rabbit_cluster.nodes[0], "the notifications queue is led by a node no worker uses"
    fault: dict = {}

    def kill_the_leader(progress):
        progress.wait_until(0.3)
        before = connections(stack)
        fault["in_flight_at_kill"] = ledger.in_flight()
        leader.kill()
        killed_at = time.monotonic()
        wait_for(lambda: all(n > before[name] for name, n in connections(stack).items()), timeout=120,
                 interval=0.1, message="every relay and consumer connected to another node")
        fault["reconnect_s"] = round(time.monotonic() - killed_at, 1)
        fault["new_leader_is_another_node"] = rabbit_cluster.leader_of("notifications") is not leader
        progress.wait_until(0.7)
        fault["backlog_at_restart"] = ledger.in_flight()
        leader.start()
        fault["node_down_s"] = round(time.monotonic() - killed_at, 1)
        wait_for(lambda: len(rabbit_cluster.running_nodes()) == 3, timeout=120, message="the node rejoined")
        fault["rejoined_s"] = round(time.monotonic() - killed_at, 1)

    progress = clinic.stream(kill_the_leader)
    stream_done = time.monotonic()
    settled = ledger.wait_settled()
    delivery = ledger.delivery()
    welcome_expected, welcomed_once, welcome_extra = welcomes(ledger)
    figures.update(fault, operations=progress.total, stream_s=round(progress.stream_seconds, 1),
                   answers=dict(clinic.stream_answers), recovery_s=round(time.monotonic() - stream_done, 1),
                   settled=settled, welcomes_expected=welcome_expected, welcomed_once=welcomed_once,
                   welcomes_duplicated=welcome_extra, welcomes_lost=welcome_expected - welcomed_once - welcome_extra,
                   **delivery.as_dict(), test_s=round(time.monotonic() - started, 1))
    assert progress.total >= 1000
    assert fault["new_leader_is_another_node"]
    assert welcome_expected >= 100 and welcomed_once == welcome_expected and welcome_extra == 0
    assert_each_notification_sent_once(delivery, settled, ledger)
    assert stack.dead_workers() == []
