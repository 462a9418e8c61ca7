"""Whether a due notification goes out now, later, or not at all: decided at send time.

Events arrive out of order and people change their preferences, so nothing decided when a
notification was planned is trusted when it falls due: the recipient's current channels, consent
and quiet hours, the session's current state and the membership are checked here, every time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.messages import Channel, MessageKind
from services.notifications.domain.model import MEMBER_ONLY_KINDS, Notification, Reason, Recipient, Session
from services.notifications.domain.quiet_hours import deliver_at


@dataclass(frozen=True)
class Send:
    pass


@dataclass(frozen=True)
class Suppress:
    reason: Reason


@dataclass(frozen=True)
class Defer:
    """Not yet (quiet hours): back to pending until `until`, without counting an attempt."""

    until: datetime


@dataclass(frozen=True)
class Retry:
    """Cannot be decided yet (the recipient's details have not arrived): counts as an attempt."""

    reason: Reason


Decision = Send | Suppress | Defer | Retry

# Quiet hours silence what buzzes; an in-app notice waits quietly in the inbox anyway.
_INTRUSIVE = frozenset({Channel.EMAIL, Channel.SMS})


def decide(notification: Notification, recipient: Recipient | None, session: Session | None,
           is_member: bool, now: datetime, sms_provider: bool) -> Decision:
    if recipient is None:
        return Retry(Reason.RECIPIENT_UNKNOWN)
    if recipient.status != "active":
        return Suppress(Reason.RECIPIENT_INACTIVE)
    channel = Channel(notification.channel)
    # A page link asked for by email goes by email whatever channels they chose: they asked for it.
    if channel not in recipient.channels and notification.kind != MessageKind.PAGE_LINK:
        return Suppress(Reason.CHANNEL_NOT_CHOSEN)
    if channel is Channel.SMS:
        if not (recipient.sms_consent and recipient.phone):
            return Suppress(Reason.NO_SMS_CONSENT)
        if not sms_provider:
            return Suppress(Reason.NO_SMS_PROVIDER)
    if channel is Channel.EMAIL and not recipient.email:
        return Suppress(Reason.NO_ADDRESS)
    if notification.is_reminder:
        if session is None or session.cancelled:
            return Suppress(Reason.SESSION_CANCELLED)
        if session.starts_at <= now:
            return Suppress(Reason.SESSION_STARTED)
    if notification.kind in MEMBER_ONLY_KINDS and not is_member:
        return Suppress(Reason.NOT_A_MEMBER)
    if channel in _INTRUSIVE and recipient.timezone:
        allowed = deliver_at(now, recipient.quiet_start, recipient.quiet_end, recipient.timezone,
                             urgent=notification.urgent)
        if allowed > now:
            return Defer(allowed)
    return Send()
