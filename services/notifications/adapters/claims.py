"""Claiming due notifications for one scheduler, and recording what became of them.

A claim is a short transaction: the due rows are marked `sending` with this batch's token and a
lease (next_attempt_at moves to the lease's end). The sending happens outside any transaction; a
second short one records the outcomes, only for rows still holding the token. Several schedulers
may run: on PostgreSQL FOR UPDATE SKIP LOCKED hands each a different batch without waiting; SQLite
serializes the claims (every transaction begins IMMEDIATE), so they never overlap there either.
A scheduler that dies mid-batch leaves its rows `sending`; once the lease ends another takes them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.notifications.adapters.orm import STILL_TO_SEND, notifications
from services.notifications.domain.model import Notification, Status
from shared.db import is_sqlite


@dataclass
class Outcome:
    """What to write back for one claimed notification."""

    id: str
    kind: str
    status: str
    next_attempt_at: datetime
    attempts: int
    reason: str | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    title: str | None = None
    body: str | None = None


def to_notification(row) -> Notification:
    return Notification(id=row.id, recipient_id=row.recipient_id, recipient_kind=row.recipient_kind,
                        channel=row.channel, kind=row.kind, group_id=row.group_id, session_id=row.session_id,
                        urgent=row.urgent, attempts=row.attempts, due_at=row.due_at, params=row.params or {},
                        correlation_id=row.correlation_id)


def claim(session_factory: sessionmaker[Session], limit: int, now: datetime,
          lease: timedelta, token: str | None = None) -> tuple[str, list[Notification]]:
    """Take up to `limit` due notifications; returns (claim token, notifications), oldest due first.

    The caller may choose the token, so it can still release the claim when the commit's outcome
    is unknown (the connection broke while committing)."""
    token = token or str(uuid.uuid4())
    with session_factory() as session:
        due = (select(notifications.c.id)
               .where(STILL_TO_SEND, notifications.c.next_attempt_at <= now)
               .order_by(notifications.c.next_attempt_at).limit(limit))
        if not is_sqlite(session.get_bind()):
            due = due.with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if not ids:
            session.rollback()
            return token, []
        rows = session.execute(
            update(notifications).where(notifications.c.id.in_(ids))
            .values(status=Status.SENDING.value, claim_token=token, next_attempt_at=now + lease, updated_at=now)
            .returning(*notifications.c)).all()
        session.commit()
    return token, sorted((to_notification(row) for row in rows), key=lambda n: n.due_at)


def release(session_factory: sessionmaker[Session], token: str, now: datetime) -> int:
    """Hand back a claim whose batch was abandoned before anything was sent: its rows are due again
    at once instead of after the lease. Returns how many rows it held (none if the claim never committed)."""
    with session_factory() as session:
        released = session.execute(
            update(notifications).where(notifications.c.claim_token == token)
            .values(status=Status.PENDING.value, claim_token=None, next_attempt_at=now, updated_at=now)).rowcount
        session.commit()
    return released


_RECORD = (update(notifications)
           .where(notifications.c.id == bindparam("b_id"), notifications.c.claim_token == bindparam("b_token"))
           .values(status=bindparam("b_status"), reason=bindparam("b_reason"),
                   next_attempt_at=bindparam("b_next"), attempts=bindparam("b_attempts"),
                   sent_at=bindparam("b_sent_at"), last_error=bindparam("b_error"), kind=bindparam("b_kind"),
                   title=bindparam("b_title"), body=bindparam("b_body"), updated_at=bindparam("b_now"),
                   claim_token=None))


def record(session_factory: sessionmaker[Session], token: str, outcomes: list[Outcome], now: datetime) -> None:
    """Write the outcomes of a batch in one transaction (one executemany)."""
    if not outcomes:
        return
    params = [{"b_id": o.id, "b_token": token, "b_status": o.status, "b_reason": o.reason,
               "b_next": o.next_attempt_at, "b_attempts": o.attempts, "b_sent_at": o.sent_at,
               "b_error": o.last_error, "b_kind": o.kind, "b_title": o.title,
               "b_body": o.body, "b_now": now} for o in outcomes]
    with session_factory() as session:
        session.connection().execute(_RECORD, params)
        session.commit()
