"""Planning notifications: which rows an event or a session puts in the log.

A row per recipient and channel, keyed so that planning the same thing twice adds nothing: the
source event's id for one-off messages, the session and slot for reminders. Channels are the
recipient's as known now (all of them if the recipient is not known yet); whether each row really
goes out is decided when it falls due (domain/dispatch.py).

The rows are built in plain Python from recipients read beforehand (message_rows, reminder_rows), so
a handler plans a welcome and a month of reminders with one lookup and one insert.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.notifications.adapters.notification_log import new_row
from services.notifications.domain.messages import MessageKind
from services.notifications.domain.model import ALL_CHANNELS, FACILITATOR_CHANNELS, Recipient, Session
from services.notifications.domain.reminders import reminder_kind, reminder_slots
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.errors import GroupNotKnownYet


def channels_for(recipient: Recipient | None, recipient_kind: str) -> tuple[str, ...]:
    if recipient_kind == "facilitator":
        return tuple(str(c) for c in FACILITATOR_CHANNELS)
    if recipient is None:
        return tuple(str(c) for c in ALL_CHANNELS)
    return tuple(c for c in recipient.channels if c in ALL_CHANNELS)


def message_rows(recipients: dict[str, Recipient], recipient_ids: list[str], recipient_kind: str,
                 kind: MessageKind, event_id: str, now: datetime, *, group_id: str | None,
                 session_id: str | None = None, urgent: bool = False,
                 params: dict[str, Any] | None = None) -> list[dict]:
    """One message from one event to each recipient, on each of their channels, due now.
    `recipients` holds those known (read once by the caller)."""
    return [new_row(recipient_id=rid, recipient_kind=recipient_kind, channel=channel, kind=kind,
                    dedupe_key=f"event:{event_id}", due_at=now, now=now, group_id=group_id,
                    session_id=session_id, event_id=event_id, urgent=urgent, params=params)
            for rid in dict.fromkeys(recipient_ids) for channel in channels_for(recipients.get(rid), recipient_kind)]


def notify(uow: NotificationsUnitOfWork, recipient_ids: list[str], recipient_kind: str, kind: MessageKind,
           event_id: str, now: datetime, *, group_id: str | None, session_id: str | None = None,
           urgent: bool = False, params: dict[str, Any] | None = None) -> None:
    """message_rows, with the recipients looked up, into the log."""
    known = uow.read_models.recipients(set(recipient_ids))
    uow.log.add(message_rows(known, recipient_ids, recipient_kind, kind, event_id, now, group_id=group_id,
                             session_id=session_id, urgent=urgent, params=params))


def slot_keys(session: Session, offsets: list[timedelta], now: datetime) -> dict[str, datetime]:
    """dedupe key -> due time of each reminder still to send for the session."""
    return {f"reminder:{session.id}:{slot.key.removeprefix('reminder:')}": slot.due_at
            for slot in reminder_slots(session.starts_at, offsets, now)}


def reminder_rows(sessions: list[Session], recipients: dict[str, Recipient], participant_ids: list[str],
                  offsets: list[timedelta], now: datetime) -> list[dict]:
    """Reminder rows for these members of the sessions' groups: per session, slot still ahead and
    channel. `recipients` holds the participants known (read once by the caller)."""
    return [new_row(recipient_id=pid, recipient_kind="participant", channel=channel,
                    kind=reminder_kind(session.modality), dedupe_key=key, due_at=due, now=now,
                    group_id=session.group_id, session_id=session.id)
            for session in sessions if not session.cancelled
            for key, due in slot_keys(session, offsets, now).items()
            for pid in dict.fromkeys(participant_ids)
            for channel in channels_for(recipients.get(pid), "participant")]


def add_reminders(uow: NotificationsUnitOfWork, session: Session, participant_ids: list[str],
                  offsets: list[timedelta], now: datetime) -> None:
    """reminder_rows of one session, with the participants looked up, into the log."""
    if session.cancelled or not participant_ids:
        return
    known = uow.read_models.recipients(set(participant_ids))
    uow.log.add(reminder_rows([session], known, participant_ids, offsets, now))


def move_reminders(uow: NotificationsUnitOfWork, session: Session, offsets: list[timedelta],
                   now: datetime) -> None:
    """After a reschedule: pending reminders take the new times, then missing slots are added."""
    if session.cancelled:
        return
    uow.log.move_reminders(session.id, slot_keys(session, offsets, now), reminder_kind(session.modality), now)
    add_reminders(uow, session, uow.read_models.active_members(session.group_id), offsets, now)


def note_reminder_key(session_id: str) -> str:
    """One signature reminder per author and session, however many of its notes they left unsigned."""
    return f"notes-unsigned:{session_id}"


def note_reminder_rows(author_id: str, group_id: str, session_id: str, due_at: datetime, event_id: str,
                       now: datetime) -> list[dict]:
    """The author's signature reminder, due a day (NOTE_REMINDER_AFTER) after the session ended."""
    # Planned once per (author, session): a second note's event finds the row there and adds nothing.
    return [new_row(recipient_id=author_id, recipient_kind="facilitator", channel=channel,
                    kind=MessageKind.NOTE_UNSIGNED, dedupe_key=note_reminder_key(session_id),
                    due_at=due_at, now=now, group_id=group_id, session_id=session_id, event_id=event_id)
            for channel in channels_for(None, "facilitator")]


def facilitators_of(uow: NotificationsUnitOfWork, group_id: str) -> list[str]:
    group = uow.read_models.group(group_id)
    if group is None:
        raise GroupNotKnownYet(f"group {group_id} is not known yet")
    return list(group.facilitator_ids)
