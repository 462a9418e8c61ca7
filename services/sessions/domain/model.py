"""The session: one meeting of a group, with its time, place or video room, and its lifecycle.

`Session` is a plain class because the ORM maps it imperatively; its attribute names are the columns.
Every change takes `now` from the caller (the domain never reads the clock) and returns the event to
write to the outbox in the same transaction.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from .errors import Conflict, ValidationFailed
from shared.events.domain import utc_text

from .events import SessionCancelled, SessionRelocated, SessionRescheduled, SessionScheduled
from .rules import require_utc, valid_duration, valid_place

DEFAULT_VIDEO_ROOM_TEMPLATE = "https://meet.jit.si/room-{session_id}"  # neutral: a room name must not hint at the program
MAX_REASON_LENGTH = 500
MAX_TOPIC_LENGTH = 200
# Namespace for generated sessions' ids: one weekly slot of one group always gets the same id, so two
# concurrent generations of the same range collide on the primary key instead of duplicating a session.
_OCCURRENCE_NAMESPACE = uuid.UUID("6f1d7c8e-2b1a-4f43-9a55-3c1e0d6b9a10")


def video_room_url(template: str, session_id: uuid.UUID, group_id: uuid.UUID) -> str:
    """The room for a virtual or hybrid session, from a provider template with {session_id}/{group_id}."""
    try:
        return template.format(session_id=session_id, group_id=group_id)
    except (KeyError, IndexError, ValueError) as error:
        raise ValidationFailed(
            "video_room_template", f"only {{session_id}} and {{group_id}} may appear: {error}"
        ) from None


def occurrence_session_id(group_id: uuid.UUID, occurrence_starts_at: datetime) -> uuid.UUID:
    return uuid.uuid5(_OCCURRENCE_NAMESPACE, f"{group_id}/{utc_text(occurrence_starts_at)}")


def valid_topic(topic: str | None) -> str | None:
    topic = (topic or "").strip() or None
    if topic is not None and len(topic) > MAX_TOPIC_LENGTH:
        raise ValidationFailed("topic", f"at most {MAX_TOPIC_LENGTH} characters")
    return topic


def has_join_links(modality: str) -> bool:
    """Virtual and hybrid sessions are joined through personal links."""
    return modality in ("virtual", "hybrid")


def session_status(cancelled_at: datetime | None, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """What the clock says of a session: scheduled, in_progress, completed, or cancelled."""
    if cancelled_at is not None:
        return "cancelled"
    if now < starts_at:
        return "scheduled"
    if now < ends_at:
        return "in_progress"
    return "completed"


class Session:
    def __init__(
        self,
        id: uuid.UUID,
        group_id: uuid.UUID,
        starts_at: datetime,
        duration_minutes: int,
        modality: str,
        location: str | None,
        video_room_url: str | None,
        topic: str | None,
        created_at: datetime,
        updated_at: datetime,
        generated: bool = False,
        occurrence_starts_at: datetime | None = None,
        cancelled_at: datetime | None = None,
        cancel_reason: str | None = None,
    ) -> None:
        self.id = id
        self.group_id = group_id
        self.starts_at = starts_at
        self.duration_minutes = duration_minutes
        self.modality = modality
        self.location = location
        self.video_room_url = video_room_url
        self.topic = topic
        self.created_at = created_at
        self.updated_at = updated_at
        self.generated = generated
        # The weekly slot a generated session came from; unchanged by reschedule (see missing_occurrences).
        self.occurrence_starts_at = occurrence_starts_at
        self.cancelled_at = cancelled_at
        self.cancel_reason = cancel_reason

    def __repr__(self) -> str:
        return f"<Session {self.id} group={self.group_id} starts_at={self.starts_at.isoformat()}>"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def has_join_links(self) -> bool:
        return has_join_links(self.modality)

    def status_at(self, now: datetime) -> str:
        return session_status(self.cancelled_at, self.starts_at, self.ends_at, now)

    def reschedule(
        self, new_starts_at: datetime, now: datetime, duration_minutes: int | None = None
    ) -> SessionRescheduled | None:
        """Move the session; None when it already is at that time (a retried request alerts nobody twice)."""
        self._refuse_if_over(now, "rescheduled")
        starts_at = require_utc("starts_at", new_starts_at)
        duration = self.duration_minutes if duration_minutes is None else valid_duration(duration_minutes)
        if (starts_at, duration) == (self.starts_at, self.duration_minutes):
            return None
        previous = self.starts_at
        self.starts_at, self.duration_minutes, self.updated_at = starts_at, duration, now
        return self._rescheduled(previous)

    def cancel(self, reason: str, now: datetime) -> SessionCancelled:
        reason = (reason or "").strip()
        if not reason:
            raise ValidationFailed("reason", "a reason is required to cancel a session")
        if len(reason) > MAX_REASON_LENGTH:
            raise ValidationFailed("reason", f"at most {MAX_REASON_LENGTH} characters")
        self._refuse_if_over(now, "cancelled")
        self.cancelled_at = now
        self.cancel_reason = reason
        self.updated_at = now
        return SessionCancelled(str(self.id), str(self.group_id), utc_text(self.starts_at), reason)

    def change_modality(
        self, modality: str, location: str | None, video_room_url: str | None, now: datetime
    ) -> SessionRelocated | None:
        """Hold this one session differently (a snow day turns it virtual); the time stays.

        Going virtual or hybrid needs a room: pass `video_room_url(template, ...)` unless the session
        already has one. Returns None when nothing changed.
        """
        self._refuse_if_over(now, "changed")
        place = valid_place(modality, location, video_room_url or self.video_room_url)
        if place == (self.modality, self.location, self.video_room_url):
            return None
        previous_modality, previous_location = self.modality, self.location
        self.modality, self.location, self.video_room_url = place
        self.updated_at = now
        return SessionRelocated(
            str(self.id), str(self.group_id), utc_text(self.starts_at), utc_text(self.ends_at),
            previous_modality, self.modality, previous_location, self.location, self.video_room_url,
        )

    def change_topic(self, topic: str | None, now: datetime) -> bool:
        """Set or clear the topic; True when it changed.

        No event: the topic is the facilitators' plan, not something participants are notified
        about, and keeping it off the bus keeps clinical content out of other services.
        """
        self._refuse_if_over(now, "changed")
        topic = valid_topic(topic)
        if topic == self.topic:
            return False
        self.topic, self.updated_at = topic, now
        return True

    def _refuse_if_over(self, now: datetime, verb: str) -> None:
        status = self.status_at(now)
        if status in ("cancelled", "completed"):
            raise Conflict(f"a {status} session cannot be {verb}")

    def _rescheduled(self, previous_starts_at: datetime) -> SessionRescheduled:
        return SessionRescheduled(
            str(self.id), str(self.group_id), utc_text(previous_starts_at), utc_text(self.starts_at),
            utc_text(self.ends_at), self.modality, self.location, self.video_room_url,
        )


def schedule_session(
    group_id: uuid.UUID,
    starts_at: datetime,
    duration_minutes: int,
    modality: str,
    location: str | None,
    topic: str | None,
    now: datetime,
    video_room_template: str = DEFAULT_VIDEO_ROOM_TEMPLATE,
    occurrence_starts_at: datetime | None = None,
) -> tuple[Session, SessionScheduled]:
    """Create one session. A start in the past is allowed: facilitators record sessions after the fact.

    Pass `occurrence_starts_at` (the UTC start from the weekly schedule) for generated sessions: it
    marks the session `generated` and gives it a deterministic id.
    """
    starts_at = require_utc("starts_at", starts_at)
    if occurrence_starts_at is not None:
        session_id = occurrence_session_id(group_id, occurrence_starts_at)
    else:
        session_id = uuid.uuid4()
    room = video_room_url(video_room_template, session_id, group_id)
    modality, location, room = valid_place(modality, location, room)
    topic = valid_topic(topic)
    session = Session(
        id=session_id, group_id=group_id, starts_at=starts_at,
        duration_minutes=valid_duration(duration_minutes), modality=modality, location=location,
        video_room_url=room, topic=topic, created_at=now, updated_at=now,
        generated=occurrence_starts_at is not None,
        occurrence_starts_at=require_utc("starts_at", occurrence_starts_at) if occurrence_starts_at else None,
    )
    event = SessionScheduled(
        str(session.id), str(group_id), utc_text(session.starts_at), utc_text(session.ends_at),
        session.duration_minutes, session.modality, session.location, session.video_room_url, session.topic,
    )
    return session, event
