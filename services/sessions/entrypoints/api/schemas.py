"""Request and response schemas of the sessions API (the OpenAPI document is generated from them).

Shape and type checks live here; the domain still enforces every rule (and names the field).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from marshmallow import Schema, ValidationError, fields, validate

from services.sessions.domain.attendance import STATUSES
from shared.vocabulary import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, MODALITIES
from shared.fields import Id
from shared.pagination import PageArgs
from shared.web.schemas import page_of

SESSION_STATUSES = ("scheduled", "in_progress", "completed", "cancelled")


class Moment(fields.Field):
    """A date-time with a UTC offset (RFC 3339), or a bare date meaning midnight UTC; with `end=True`
    a bare date means the midnight after it, so `to=2026-03-31` includes that whole day."""

    DOCUMENTED = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}

    def __init__(self, *, end: bool = False, **kwargs):
        kwargs["metadata"] = {**self.DOCUMENTED, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.end = end

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid date or date-time.")
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                if self.end and day == date.max:
                    return datetime.max.replace(tzinfo=timezone.utc)
                return datetime.combine(day + timedelta(days=1 if self.end else 0), time(0), tzinfo=timezone.utc)
            moment = datetime.fromisoformat(_LEAP_SECOND.sub(r"\g<1>59", value.upper()))
        except (ValueError, OverflowError):
            raise ValidationError("Not a valid date or date-time.") from None
        if moment.utcoffset() is None:
            raise ValidationError("A date-time needs a UTC offset, e.g. 2026-03-09T18:00:00-04:00.")
        try:
            return moment.astimezone(timezone.utc)
        except OverflowError:  # within a day of year 1 or 9999: the bound is the end of time
            return datetime.min.replace(tzinfo=timezone.utc) if moment.year == 1 else datetime.max.replace(
                tzinfo=timezone.utc)


# RFC 3339 allows a leap second (:60), which Python's datetime cannot hold: it counts as :59.
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60")


class SessionIn(Schema):
    starts_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=MIN_DURATION_MINUTES, max=MAX_DURATION_MINUTES))
    modality = fields.String(allow_none=True, validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, validate=validate.Length(max=300))
    topic = fields.String(allow_none=True, validate=validate.Length(max=200))


class GenerateIn(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)


class RescheduleIn(Schema):
    starts_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=MIN_DURATION_MINUTES, max=MAX_DURATION_MINUTES))


class CancelIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class SessionPatch(Schema):
    modality = fields.String(validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, validate=validate.Length(max=300))
    topic = fields.String(allow_none=True, validate=validate.Length(max=200))


class SessionOut(Schema):
    id = fields.UUID()
    group_id = fields.UUID()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    duration_minutes = fields.Integer()
    modality = fields.String()
    location = fields.String(allow_none=True)
    video_room_url = fields.String(allow_none=True, metadata={
        "description": "Staff only; a participant joins through their personal `join_url`."})
    topic = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(SESSION_STATUSES)})
    generated = fields.Boolean()
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    join_url = fields.String(metadata={"description": "Participants only: their personal join link."})
    join_valid_from = fields.DateTime()
    join_valid_until = fields.DateTime()


class SessionListArgs(PageArgs):
    group_id = Id()
    from_ = Moment(data_key="from")
    to = Moment(end=True)
    status = fields.String(validate=validate.OneOf(SESSION_STATUSES))


class GeneratedOut(Schema):
    items = fields.List(fields.Nested(SessionOut), required=True)
    created_count = fields.Integer(required=True)
    existing_count = fields.Integer(required=True)


class ParticipantSessionArgs(PageArgs):
    from_ = Moment(data_key="from")
    to = Moment(end=True)


class ParticipantSessionsOut(page_of(SessionOut, "SessionPageBase")):
    calendar_url = fields.String(required=True, metadata={
        "description": "A signed iCalendar feed URL for calendar apps; treat it like a password."})


class AttendanceIn(Schema):
    participant_id = Id(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    minutes = fields.Integer(strict=True, allow_none=True, load_default=None)


class SheetRowOut(Schema):
    participant_id = fields.UUID()
    expected = fields.Boolean()
    status = fields.String()
    minutes = fields.Integer(allow_none=True)
    walk_in = fields.Boolean()
    joined_at = fields.DateTime(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)
    recorded_by = fields.String(allow_none=True)


SessionPage = page_of(SessionOut, "SessionPage")
SheetOut = page_of(SheetRowOut, "AttendanceSheet")
