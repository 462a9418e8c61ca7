"""Request and response schemas of the roster API (the OpenAPI document is generated from them).

Shape and type checks live here; the domain still enforces every rule (and names the field).
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.catalogue import END_REASONS, MODALITIES, WEEKDAYS
from shared.fields import Id
from shared.pagination import PageArgs
from shared.web.schemas import page_of

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, 24-hour.")


class FacilitatorIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    credentials = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class FacilitatorOut(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()
    credentials = fields.String(allow_none=True)
    created_at = fields.DateTime()


class QuietHours(Schema):
    start = fields.String(required=True, validate=HHMM)
    end = fields.String(required=True, validate=HHMM)


class QuietHoursOut(Schema):
    start = fields.Time(format="%H:%M")
    end = fields.Time(format="%H:%M")


class ParticipantPatch(Schema):
    preferred_name = fields.String(validate=validate.Length(min=1, max=100))
    email = fields.Email()
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    timezone = fields.String(validate=validate.Length(min=1, max=64))
    channels = fields.List(fields.String(validate=validate.OneOf(("email", "sms", "in_app"))),
                           validate=validate.Length(min=1))
    sms_consent = fields.Boolean()
    quiet_hours = fields.Nested(QuietHours, allow_none=True)
    status = fields.String(validate=validate.OneOf(("active", "inactive")))


class ParticipantIn(ParticipantPatch):
    preferred_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True)
    timezone = fields.String(required=True, validate=validate.Length(min=1, max=64))
    status = None  # a new participant is active

    class Meta:
        exclude = ("status",)


class ParticipantOut(Schema):
    id = fields.String()
    preferred_name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)
    timezone = fields.String()
    channels = fields.List(fields.String())
    sms_consent = fields.Boolean()
    quiet_hours = fields.Nested(QuietHoursOut, allow_none=True)
    status = fields.String()
    registered_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class Schedule(Schema):
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                           validate=validate.Length(min=1, max=7))
    start_time = fields.String(required=True, validate=HHMM)
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=15, max=480))
    timezone = fields.String(required=True)


class GroupPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(("psychoeducation", "process")))
    capacity = fields.Integer(strict=True, validate=validate.Range(min=6, max=15))
    modality = fields.String(validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, validate=validate.Length(max=300))
    enrollment_policy = fields.String(validate=validate.OneOf(("open", "closed")))
    facilitator_ids = fields.List(Id(), validate=validate.Length(min=1, max=4))
    schedule = fields.Nested(Schedule)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class GroupIn(GroupPatch):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(("psychoeducation", "process")))
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    facilitator_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=4))
    schedule = fields.Nested(Schedule, required=True)
    starts_on = fields.Date(required=True)


class ScheduleOut(Schema):
    weekdays = fields.List(fields.String())
    start_time = fields.Time(format="%H:%M")
    duration_minutes = fields.Integer()
    timezone = fields.String()


class GroupOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    capacity = fields.Integer()
    modality = fields.String()
    location = fields.String(allow_none=True)
    enrollment_policy = fields.String()
    facilitator_ids = fields.List(fields.String())
    schedule = fields.Nested(ScheduleOut)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    status = fields.String()
    active_count = fields.Integer()
    waitlist_count = fields.Integer()
    closed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class FacilitatorListArgs(PageArgs):
    email = fields.Email()


class ParticipantListArgs(PageArgs):
    group_id = Id(metadata={"description": "Those ever enrolled in this group."})
    id = fields.List(Id(), validate=validate.Length(max=200), metadata={"description": "These participants."})
    q = fields.String(validate=validate.Length(min=2, max=100),
                      metadata={"description": "A preferred name or email containing this text."})


class GroupListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(("psychoeducation", "process")))
    modality = fields.String(validate=validate.OneOf(MODALITIES))
    status = fields.String(validate=validate.OneOf(("forming", "active", "full", "closed")))
    facilitator_id = Id()


class EnrollmentIn(Schema):
    participant_id = Id(required=True)


class EnrollmentEndIn(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))


class EnrollmentOut(Schema):
    id = fields.String()
    group_id = fields.String()
    participant_id = fields.String()
    status = fields.String()
    waitlist_position = fields.Integer(allow_none=True)
    enrolled_at = fields.DateTime()
    activated_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class EnrollmentListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(("active", "waitlisted", *END_REASONS)))


FacilitatorPage = page_of(FacilitatorOut, "FacilitatorPage")
ParticipantPage = page_of(ParticipantOut, "ParticipantPage")
GroupPage = page_of(GroupOut, "GroupPage")
EnrollmentPage = page_of(EnrollmentOut, "EnrollmentPage")
