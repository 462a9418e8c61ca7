"""The vocabulary of notifications: which kinds exist, on which channels, and what a rendered one is.

Pure: no Jinja, no I/O. The renderer (adapters/templates.py) and the channel adapters share these, so
a new kind is added here first and the template test then insists on its templates.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The From display name on every email. Deliberately says nothing about what the sessions are for:
# an inbox preview or a shared screen must not disclose it.
SENDER_NAME = "Group Sessions"

# One SMS segment is 160 GSM-7 characters; two concatenated segments fit a reminder with its link.
SMS_MAX_CHARS = 320


class MessageKind(StrEnum):
    WELCOME = "welcome"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    SESSION_RESCHEDULED = "session_rescheduled"
    SESSION_RELOCATED = "session_relocated"  # same time, another modality or place
    SESSION_CANCELLED = "session_cancelled"
    REMINDER_VIRTUAL = "reminder_virtual"
    REMINDER_IN_PERSON = "reminder_in_person"
    ABSENCE_ALERT = "absence_alert"
    NOTE_UNSIGNED = "note_unsigned"  # to a facilitator: a session note still unsigned a day after the session
    PAGE_LINK = "page_link"  # a fresh personal page link, asked for on the web page


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready for one channel.

    email: subject + plain text + optional HTML alternative; sms: text only (subject and html None);
    in_app: subject is the inbox title, text the short body.
    """

    subject: str | None
    text: str
    html: str | None = None


class MessageTooLong(ValueError):
    """An SMS of SMS_MAX_CHARS characters or more: recorded as failed rather than cutting a link."""


def participant_ref(participant_id: str) -> str:
    """A short, stable reference to a participant for staff-facing texts (never their name).

    Eight hex characters of the id are enough for a facilitator to find the member in their own
    roster, and say nothing to anyone who glimpses the message.
    """
    compact = str(participant_id).replace("-", "").lower()
    if len(compact) < 8:
        raise ValueError("participant_id is too short to derive a reference")
    return compact[:8]


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count_in_words(count: int) -> str:
    """'two' for 2: reads better in a sentence; larger numbers stay digits."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)
