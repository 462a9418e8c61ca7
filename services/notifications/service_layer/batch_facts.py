"""The facts a batch of due notifications is decided and rendered on, read in a few queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notifications.adapters.read_models import ReadModels
from services.notifications.domain.messages import MessageKind
from services.notifications.domain.model import Group, Notification, Recipient, Session
from services.notifications.service_layer.compose import Facts

_WELCOMES = (MessageKind.WELCOME, MessageKind.PROMOTED)


@dataclass(frozen=True)
class BatchFacts:
    recipients: dict[str, Recipient]
    sessions: dict[str, Session]
    groups: dict[str, Group]
    members: set[tuple[str, str]]  # (group_id, participant_id) active now
    next_sessions: dict[str, Session]  # group_id -> its next session, for the welcomed groups

    @classmethod
    def load(cls, session_factory, batch: list[Notification], now: datetime) -> "BatchFacts":
        with session_factory() as db:
            read = ReadModels(db)
            sessions = read.sessions({n.session_id for n in batch if n.session_id})
            group_ids = {n.group_id for n in batch if n.group_id} | {s.group_id for s in sessions.values()}
            welcomed = {n.group_id for n in batch if n.kind in _WELCOMES and n.group_id}
            return cls(
                recipients=read.recipients({n.recipient_id for n in batch}),
                sessions=sessions,
                groups=read.groups(group_ids),
                members=read.current_memberships({n.recipient_id for n in batch
                                                  if n.recipient_kind == "participant"}),
                next_sessions=read.next_sessions(welcomed, now),
            )

    def session(self, notification: Notification) -> Session | None:
        return self.sessions.get(notification.session_id) if notification.session_id else None

    def is_member(self, notification: Notification) -> bool:
        group_id = notification.group_id
        session = self.session(notification)
        if session is not None:
            group_id = session.group_id
        return (group_id, notification.recipient_id) in self.members

    def for_notification(self, notification: Notification) -> Facts:
        session = self.session(notification)
        group_id = session.group_id if session is not None else notification.group_id
        return Facts(group=self.groups.get(group_id), session=session,
                     next_session=self.next_sessions.get(group_id))
