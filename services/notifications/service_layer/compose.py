"""What a notification says, worked out when it is sent: the template's variables from the log row
and the facts as they are now (a reminder shows the session's current time and place, in the
recipient's timezone, with that participant's own join link)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.notifications.adapters.join_links import JoinLinks
from services.notifications.domain.messages import MessageKind
from services.notifications.domain.model import Group, Notification, Recipient, Session
from services.notifications.domain.reminders import reminder_kind


class MissingLocation(ValueError):
    """An in-person reminder for a session with no location anywhere: nothing useful to say."""


@dataclass(frozen=True)
class Facts:
    group: Group | None
    session: Session | None
    next_session: Session | None  # the group's next session, for the welcome


def compose(notification: Notification, recipient: Recipient, facts: Facts,
            join_links: JoinLinks) -> tuple[MessageKind, dict[str, Any]]:
    """The kind to render (a reminder follows the session's current modality) and its context."""
    kind = MessageKind(notification.kind)
    group, session, params = facts.group, facts.session, notification.params
    # Facilitators gave no timezone: the group's own clock is the one they work by.
    timezone = recipient.timezone or (group.timezone if group else "UTC")
    context: dict[str, Any] = {"recipient_timezone": timezone}  # never their name: see templates.py
    if recipient.kind == "participant":  # every message to a participant carries a fresh page link
        context["page_url"] = join_links.page_url(recipient.id, recipient.page_link_generation)
    if kind in (MessageKind.WELCOME, MessageKind.PROMOTED):
        if group is not None:
            context["schedule"] = group.schedule
            context["location"] = group.location if group.modality != "virtual" else None
        if facts.next_session is not None:
            context["first_session_starts_at"] = facts.next_session.starts_at
    elif kind is MessageKind.WAITLISTED:
        context["waitlist_position"] = params["waitlist_position"]
    elif kind is MessageKind.SESSION_RESCHEDULED:
        context.update(previous_starts_at=params["previous_starts_at"], starts_at=params["starts_at"])
    elif kind is MessageKind.SESSION_CANCELLED:
        context["starts_at"] = params["starts_at"]
    elif kind is MessageKind.PAGE_LINK:
        pass  # the page link is the message
    elif kind is MessageKind.SESSION_RELOCATED:
        # The session as it is now (a later change may have overtaken the one that planned this).
        online = session.modality != "in_person"
        context.update(starts_at=session.starts_at, online=online,
                       location=session.location if session.modality != "virtual" else None)
        if online and recipient.kind == "participant":
            context["join_url"] = join_links.url(session.id, recipient.id)
    elif kind is MessageKind.ABSENCE_ALERT:
        context.update(participant_id=params["participant_id"], missed_count=params.get("missed_count"),
                       last_session_starts_at=params.get("last_session_starts_at"))
    elif kind is MessageKind.NOTE_UNSIGNED:
        if session is not None:
            context["session_starts_at"] = session.starts_at
    else:
        kind = reminder_kind(session.modality)
        location = session.location or (group.location if group else None)
        context["starts_at"] = session.starts_at
        if kind is MessageKind.REMINDER_VIRTUAL:
            context["join_url"] = join_links.url(session.id, recipient.id)
            context["location"] = location if session.modality == "hybrid" else None
        elif location:
            context["location"] = location
        else:
            raise MissingLocation(f"session {session.id} has no location")
    return kind, context
