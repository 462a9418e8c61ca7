"""The notification log: planning rows (never twice per recipient, channel and key), moving and
cancelling pending reminders, and the scoped list queries of the API."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import group_facilitators, notifications
from services.notifications.adapters.read_models import dialect_insert
from services.notifications.domain.messages import Channel
from services.notifications.domain.model import REMINDER_KINDS, Reason, Status
from shared.logging import current_correlation_id
from shared.pagination import paginate

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

    def cancel_reminders(self, session_id: str, now: datetime) -> None:
        self.session.execute(update(notifications).where(
            notifications.c.session_id == session_id, notifications.c.status == Status.PENDING,
            notifications.c.kind.in_([str(k) for k in REMINDER_KINDS]),
        ).values(status=Status.SUPPRESSED, reason=Reason.SESSION_CANCELLED, updated_at=now))

    # --- API ------------------------------------------------------------------------------------
    def page(self, limit: int, cursor: str | None, *, recipient_id=None, status=None, kind=None,
             session_id=None, facilitator_id=None, participant_id=None):
        """The log, filtered; a facilitator sees their groups' notifications and their own."""
        query = select(notifications)
        if recipient_id:
            query = query.where(notifications.c.recipient_id == recipient_id)
        if status:
            query = query.where(notifications.c.status.in_(_OPEN) if status == Status.PENDING
                                else notifications.c.status == status)
        if kind:
            query = query.where(notifications.c.kind == kind)
        if session_id:
            query = query.where(notifications.c.session_id == session_id)
        if participant_id:
            query = query.where(notifications.c.recipient_id == participant_id)
        if facilitator_id:
            their_group = exists().where(group_facilitators.c.group_id == notifications.c.group_id,
                                         group_facilitators.c.facilitator_id == facilitator_id)
            query = query.where(or_(their_group, notifications.c.recipient_id == facilitator_id))
        return paginate(self.session, query, notifications.c.created_at, notifications.c.id, limit, cursor,
                        scalars=False)

    def inbox_page(self, participant_id: str, limit: int, cursor: str | None):
        """Delivered in-app notifications, in the order they arrived."""
        query = select(notifications).where(notifications.c.recipient_id == participant_id,
                                            notifications.c.channel == Channel.IN_APP,
                                            notifications.c.status == Status.SENT)
        return paginate(self.session, query, notifications.c.sent_at, notifications.c.id, limit, cursor,
                        scalars=False)
