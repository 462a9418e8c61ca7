"""Outbox rows commit out of sequence order when requests run concurrently: a transaction that took
seq 7 may commit after the one that took seq 8 was already published. The relay must still publish
the late one (a cursor "published up to seq 8" would strand seq 7 until the relay restarts)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.roster.bootstrap import build_context
from shared.events import new_envelope
from shared.messaging.outbox import add_to_outbox
from tests.conftest import make_settings
from tests.support.workers import running_relay, wait_for

pytestmark = pytest.mark.reliability


def registered(i: int):
    return new_envelope("roster.participant.registered", {
        "participant_id": str(uuid.uuid4()), "preferred_name": f"P{i}", "email": f"p{i}@example.org",
        "timezone": "UTC", "channels": ["email"], "sms_consent": False, "quiet_hours": None,
        "status": "active"}, producer="roster", correlation_id=None)


def unsent(context) -> list[int]:
    outbox = context.tables.outbox
    with context.session_factory() as session:
        return list(session.scalars(select(outbox.c.seq).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.seq)))


def test_a_row_committed_after_a_later_seq_was_published_is_still_published(databases, private_rabbit, figures):
    context = build_context(make_settings("roster", databases.new("postgresql", "roster"), amqp_url=private_rabbit.url))
    outbox = context.tables.outbox
    slow = context.session_factory()  # a request that takes its seq first and commits last
    add_to_outbox(slow, outbox, registered(0))
    slow.flush()
    try:
        with running_relay(context):
            with context.session_factory() as fast:
                add_to_outbox(fast, outbox, registered(1))
                fast.commit()
            wait_for(lambda: unsent(context) == [], timeout=10, message="the fast request's event published")
            slow.commit()  # its seq is lower than one already published
            slow.close()
            late = unsent(context)
            try:
                wait_for(lambda: unsent(context) == [], timeout=10, message="the late-committed event published")
            finally:
                figures.update(late_rows=late, stranded=unsent(context))
    finally:
        context.engine.dispose()
