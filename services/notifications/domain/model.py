"""What the notifications service knows of the world: plain copies of other services' facts, and
the notification waiting to go out. No database, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from services.notifications.domain.messages import Channel, MessageKind

ALL_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.IN_APP)
# Facilitators are reached by email: they have no inbox here and gave no phone number.
FACILITATOR_CHANNELS = (Channel.EMAIL,)
REMINDER_KINDS = frozenset({MessageKind.REMINDER_VIRTUAL, MessageKind.REMINDER_IN_PERSON})
# Sent only while the participant is still a member of the group they are about.
MEMBER_ONLY_KINDS = REMINDER_KINDS | {MessageKind.WELCOME, MessageKind.PROMOTED}


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a scheduler; shown as pending by the API
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class Reason(StrEnum):
    """Why a notification was suppressed or failed (the log's `reason`)."""

    CHANNEL_NOT_CHOSEN = "channel_not_chosen"
    NO_SMS_CONSENT = "no_sms_consent"
    NO_SMS_PROVIDER = "no_sms_provider"
    NO_ADDRESS = "no_address"
    RECIPIENT_INACTIVE = "recipient_inactive"
    RECIPIENT_UNKNOWN = "recipient_unknown"
    NOT_A_MEMBER = "not_a_member"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_STARTED = "session_started"
    SLOT_PASSED = "slot_passed"
    NO_LOCATION = "no_location"
    DELIVERY_FAILED = "delivery_failed"
    MESSAGE_TOO_LONG = "message_too_long"
    RENDER_FAILED = "render_failed"
    NOTE_SIGNED = "note_signed"  # the notes a signature reminder was about were signed before it was due


@dataclass(frozen=True)
class Recipient:
    id: str
    kind: str  # participant | facilitator
    name: str | None
    email: str | None
    phone: str | None
    timezone: str | None
    channels: tuple[str, ...]
    sms_consent: bool
    quiet_start: time | None
    quiet_end: time | None
    status: str = "active"
    page_link_generation: int = 1


@dataclass(frozen=True)
class Session:
    id: str
    group_id: str
    starts_at: datetime
    ends_at: datetime
    modality: str
    location: str | None
    status: str = "scheduled"

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class Group:
    id: str
    modality: str
    location: str | None
    schedule: dict[str, Any]
    facilitator_ids: tuple[str, ...]

    @property
    def timezone(self) -> str:
        return self.schedule.get("timezone") or "UTC"


@dataclass(frozen=True)
class Notification:
    """A row of the log as the scheduler claimed it."""

    id: str
    recipient_id: str
    recipient_kind: str
    channel: str
    kind: str
    group_id: str | None
    session_id: str | None
    urgent: bool
    attempts: int
    due_at: datetime
    params: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None  # of the request that caused it: its send is logged under it

    @property
    def is_reminder(self) -> bool:
        return self.kind in REMINDER_KINDS
