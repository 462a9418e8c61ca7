"""The notification log: planning rows (never twice per recipient, channel and key), moving and
cancelling pending reminders, and the scoped list queries of the API."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, select, union_all, update
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import group_facilitators, notifications
from services.notifications.adapters.read_models import dialect_insert
from services.notifications.domain.messages import Channel
from services.notifications.domain.model import REMINDER_KINDS, Reason, Status
from shared.logging import current_correlation_id
from shared.pagination import after_cursor, paginate

_OPEN = (Status.PENDING, Status.SENDING)


def new_row(*, recipient_id: str, recipient_kind: str, channel: str, kind: str, dedupe_key: str,
            due_at: datetime, now: datetime, group_id: str | None = None, session_id: str | None = None,
            event_id: str | None = None, urgent: bool = False, params: dict[str, Any] | None = None) -> dict:
    """A pending row of the log; it carries the correlation id it was planned under (the consumer
    sets the event's), as the outbox does for events."""
    return {"id": str(uuid.uuid4()), "recipient_id": recipient_id, "recipient_kind": recipient_kind,
            "channel": str(channel), "kind": str(kind), "group_id": group_id, "session_id": session_id,
            "event_id": event_id, "dedupe_key": dedupe_key, "status": Status.PENDING.value, "reason": None,
            "urgent": urgent, "params": params or {}, "attempts": 0, "due_at": due_at,
            "next_attempt_at": due_at, "created_at": now, "updated_at": now,
            "correlation_id": current_correlation_id()}


class NotificationLog:
    def __init__(self, session: Session):
        self.session = session

    def add(self, rows: list[dict]) -> None:
        """Plan notifications; a row whose (recipient, channel, dedupe key) exists is skipped, so a
        redelivered event or a re-planned reminder slot adds nothing."""
        if not rows:
            return
        stmt = dialect_insert(self.session, notifications).on_conflict_do_nothing(
            index_elements=["recipient_id", "channel", "dedupe_key"])
        self.session.execute(stmt, rows)

    def move_reminders(self, session_id: str, due_by_key: dict[str, datetime], kind: str, now: datetime) -> None:
        """Give the session's pending reminders their new due times; slots no longer ahead are dropped."""
        pending = and_(notifications.c.session_id == session_id, notifications.c.status == Status.PENDING,
                       notifications.c.kind.in_([str(k) for k in REMINDER_KINDS]))
        for key, due in due_by_key.items():
            self.session.execute(update(notifications).where(pending, notifications.c.dedupe_key == key)
                                 .values(due_at=due, next_attempt_at=due, kind=kind, updated_at=now))
        self.session.execute(update(notifications)
                             .where(pending, not_(notifications.c.dedupe_key.in_(list(due_by_key))))
                             .values(status=Status.SUPPRESSED, reason=Reason.SLOT_PASSED, updated_at=now))

    def mark_read(self, participant_id: str, ids: list[str], now: datetime) -> int:
        """Mark these in-app notifications of this participant read (once: the first time counts)."""
        if not ids:
            return 0
        result = self.session.execute(update(notifications).where(
            notifications.c.id.in_(ids), notifications.c.recipient_id == participant_id,
            notifications.c.channel == Channel.IN_APP, notifications.c.read_at.is_(None),
        ).values(read_at=now))
        return result.rowcount

    def cancel_reminders(self, session_id: str, now: datetime) -> None:
        self.session.execute(update(notifications).where(
            notifications.c.session_id == session_id, notifications.c.status == Status.PENDING,
            notifications.c.kind.in_([str(k) for k in REMINDER_KINDS]),
        ).values(status=Status.SUPPRESSED, reason=Reason.SESSION_CANCELLED, updated_at=now))

    def suppress_pending(self, recipient_id: str, dedupe_key: str, reason: Reason, now: datetime) -> None:
        """A planned message no longer called for (the notes it was about were signed)."""
        self.session.execute(update(notifications).where(
            notifications.c.recipient_id == recipient_id, notifications.c.dedupe_key == dedupe_key,
            notifications.c.status == Status.PENDING).values(status=Status.SUPPRESSED, reason=reason, updated_at=now))

    # --- API ------------------------------------------------------------------------------------
    def page(self, limit: int, cursor: str | None, *, recipient_id=None, status=None, kind=None,
             session_id=None, facilitator_id=None, participant_id=None):
        """The log, filtered; a facilitator sees their groups' notifications and their own."""
        filters = []
        if recipient_id:
            filters.append(notifications.c.recipient_id == recipient_id)
        if status:
            filters.append(notifications.c.status.in_(_OPEN) if status == Status.PENDING
                           else notifications.c.status == status)
        if kind:
            filters.append(notifications.c.kind == kind)
        if session_id:
            filters.append(notifications.c.session_id == session_id)
        if participant_id:
            filters.append(notifications.c.recipient_id == participant_id)
        if facilitator_id:
            return self._facilitator_page(facilitator_id, filters, limit, cursor)
        return paginate(self.session, select(notifications).where(*filters), notifications.c.created_at,
                        notifications.c.id, limit, cursor, scalars=False)

    def _facilitator_page(self, facilitator_id: str, filters: list, limit: int, cursor: str | None):
        """A page of their own notifications and their groups': one short walk per group (and one for
        their own) along its (group_id or recipient_id, created_at, id) index, each stopping after a page
        and starting after the cursor, then merged. A single OR over the whole log would walk every
        notification of every group in order to find theirs."""
        their_groups = self.session.scalars(select(group_facilitators.c.group_id)
                                            .where(group_facilitators.c.facilitator_id == facilitator_id)).all()
        theirs = [notifications.c.recipient_id == facilitator_id]
        theirs += [and_(notifications.c.group_id == group_id, notifications.c.recipient_id != facilitator_id)
                   for group_id in their_groups]  # their own rows in their groups come with the first walk
        if cursor:
            filters = [*filters, after_cursor(notifications.c.created_at, notifications.c.id, cursor)]
        key = (notifications.c.created_at, notifications.c.id)
        walks = [select(*key).where(scope, *filters).order_by(*key).limit(limit + 1).subquery() for scope in theirs]
        found = union_all(*(select(walk.c.id) for walk in walks)).subquery()
        query = select(notifications).join(found, found.c.id == notifications.c.id)
        return paginate(self.session, query, *key, limit, cursor, scalars=False)

    def inbox_page(self, participant_id: str, limit: int, cursor: str | None, since: datetime | None = None):
        """Delivered in-app notifications, in the order they arrived (those sent from `since` on)."""
        query = select(notifications).where(notifications.c.recipient_id == participant_id,
                                            notifications.c.channel == Channel.IN_APP,
                                            notifications.c.status == Status.SENT)
        if since is not None:
            query = query.where(notifications.c.sent_at >= since)
        return paginate(self.session, query, notifications.c.sent_at, notifications.c.id, limit, cursor,
                        scalars=False)
