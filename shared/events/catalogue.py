"""The catalogue: one marshmallow schema per event type, shared by publishers and consumers.

Contact data (names, emails, phones) appears only in roster.participant.* and roster.facilitator.*;
every other event carries ids.
"""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from shared.fields import Id
from shared.vocabulary import ATTENDANCE, END_REASONS, MODALITIES, WEEKDAYS  # noqa: F401 - importable here too


class _Strict(Schema):
    class Meta:
        ordered = True


class FacilitatorRegistered(_Strict):
    facilitator_id = Id(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    credentials = fields.String(allow_none=True, load_default=None)


class QuietHours(_Strict):
    start = fields.String(required=True)
    end = fields.String(required=True)


class ParticipantChanged(_Strict):
    participant_id = Id(required=True)
    preferred_name = fields.String(required=True)
    email = fields.Email(required=True)
    phone = fields.String(allow_none=True, load_default=None)
    timezone = fields.String(required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(("email", "sms", "in_app"))), required=True)
    sms_consent = fields.Boolean(required=True)
    quiet_hours = fields.Nested(QuietHours, allow_none=True, load_default=None)
    status = fields.String(required=True)
    # Personal page links older than this generation are revoked (shared.page_links).
    page_link_generation = fields.Integer(load_default=1, validate=validate.Range(min=1))


class PageLinkRequested(_Strict):
    """Someone asked for a fresh page link for an address that is a participant's (ids only)."""
    participant_id = Id(required=True)


class Schedule(_Strict):
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True)
    start_time = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    timezone = fields.String(required=True)


class GroupChanged(_Strict):
    group_id = Id(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("psychoeducation", "process")))
    capacity = fields.Integer(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, load_default=None)
    enrollment_policy = fields.String(required=True, validate=validate.OneOf(("open", "closed")))
    facilitator_ids = fields.List(Id(), required=True)
    schedule = fields.Nested(Schedule, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    status = fields.String(required=True)


class GroupClosed(_Strict):
    group_id = Id(required=True)
    closed_at = fields.AwareDateTime(required=True)


class EnrollmentActivated(_Strict):
    enrollment_id = Id(required=True)
    group_id = Id(required=True)
    participant_id = Id(required=True)
    from_waitlist = fields.Boolean(required=True)
    active_from = fields.AwareDateTime(required=True)


class EnrollmentWaitlisted(_Strict):
    enrollment_id = Id(required=True)
    group_id = Id(required=True)
    participant_id = Id(required=True)
    position = fields.Integer(required=True, validate=validate.Range(min=1))


class EnrollmentEnded(_Strict):
    enrollment_id = Id(required=True)
    group_id = Id(required=True)
    participant_id = Id(required=True)
    reason = fields.String(required=True)
    ended_at = fields.AwareDateTime(required=True)
    previous_status = fields.String(required=True, validate=validate.OneOf(("active", "waitlisted")))


class SessionScheduled(_Strict):
    session_id = Id(required=True)
    group_id = Id(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, load_default=None)
    video_room_url = fields.String(allow_none=True, load_default=None)
    topic = fields.String(allow_none=True, load_default=None)


class SessionRescheduled(_Strict):
    session_id = Id(required=True)
    group_id = Id(required=True)
    previous_starts_at = fields.AwareDateTime(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, load_default=None)
    video_room_url = fields.String(allow_none=True, load_default=None)


class SessionRelocated(_Strict):
    """The session keeps its time but changes modality or place (a snow day turns it virtual)."""
    session_id = Id(required=True)
    group_id = Id(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    previous_modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    previous_location = fields.String(allow_none=True, load_default=None)
    location = fields.String(allow_none=True, load_default=None)
    video_room_url = fields.String(allow_none=True, load_default=None)


class SessionCancelled(_Strict):
    session_id = Id(required=True)
    group_id = Id(required=True)
    starts_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)


class AttendanceRecorded(_Strict):
    session_id = Id(required=True)
    group_id = Id(required=True)
    participant_id = Id(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))
    minutes = fields.Integer(allow_none=True, load_default=None)
    walk_in = fields.Boolean(required=True)


class AbsenceStreak(_Strict):
    group_id = Id(required=True)
    participant_id = Id(required=True)
    session_ids = fields.List(Id(), required=True)
    count = fields.Integer(required=True)


NOTE_STATUSES = ("draft", "awaiting_cosignature", "signed", "cosigned")


class NoteDrafted(_Strict):
    """Ids and state only: a note's text never travels (SPEC 8)."""
    note_id = Id(required=True)
    session_id = Id(required=True)
    group_id = Id(required=True)
    author_role = fields.String(required=True, validate=validate.OneOf(("admin", "facilitator")))
    author_id = fields.String(required=True, validate=validate.Length(max=64))
    status = fields.String(required=True, validate=validate.OneOf(NOTE_STATUSES))
    session_ends_at = fields.AwareDateTime(required=True)


class NoteSigned(_Strict):
    note_id = Id(required=True)
    session_id = Id(required=True)
    group_id = Id(required=True)
    author_role = fields.String(required=True, validate=validate.OneOf(("admin", "facilitator")))
    author_id = fields.String(required=True, validate=validate.Length(max=64))
    status = fields.String(required=True, validate=validate.OneOf(NOTE_STATUSES))


class NoteAddendumAdded(_Strict):
    note_id = Id(required=True)
    session_id = Id(required=True)
    group_id = Id(required=True)
    addendum_id = Id(required=True)
    author_id = fields.String(required=True, validate=validate.Length(max=64))


@dataclass(frozen=True)
class CatalogueEntry:
    version: int
    schema: Schema


CATALOGUE: dict[str, CatalogueEntry] = {
    "roster.facilitator.registered": CatalogueEntry(1, FacilitatorRegistered()),
    "roster.participant.registered": CatalogueEntry(1, ParticipantChanged()),
    "roster.participant.updated": CatalogueEntry(1, ParticipantChanged()),
    "roster.participant.page_link_requested": CatalogueEntry(1, PageLinkRequested()),
    "roster.group.created": CatalogueEntry(1, GroupChanged()),
    "roster.group.updated": CatalogueEntry(1, GroupChanged()),
    "roster.group.closed": CatalogueEntry(1, GroupClosed()),
    "roster.enrollment.activated": CatalogueEntry(1, EnrollmentActivated()),
    "roster.enrollment.waitlisted": CatalogueEntry(1, EnrollmentWaitlisted()),
    "roster.enrollment.ended": CatalogueEntry(1, EnrollmentEnded()),
    "sessions.session.scheduled": CatalogueEntry(1, SessionScheduled()),
    "sessions.session.rescheduled": CatalogueEntry(1, SessionRescheduled()),
    "sessions.session.relocated": CatalogueEntry(1, SessionRelocated()),
    "sessions.session.cancelled": CatalogueEntry(1, SessionCancelled()),
    "sessions.attendance.recorded": CatalogueEntry(1, AttendanceRecorded()),
    "sessions.absence.streak": CatalogueEntry(1, AbsenceStreak()),
    "sessions.note.drafted": CatalogueEntry(1, NoteDrafted()),
    "sessions.note.signed": CatalogueEntry(1, NoteSigned()),
    "sessions.note.addendum_added": CatalogueEntry(1, NoteAddendumAdded()),
}

# Only these event families may carry names, emails and phone numbers.
CONTACT_EVENT_PREFIXES = ("roster.participant.", "roster.facilitator.")
