"""Request and response schemas of the roster API (the OpenAPI document is generated from them).

Shape and type checks live here; the domain still enforces every rule (and names the field).
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from shared.vocabulary import (CHANNELS, END_REASONS, ENROLLMENT_POLICIES, GROUP_KINDS, MAX_CAPACITY,
                               MAX_DURATION_MINUTES, MIN_CAPACITY, MIN_DURATION_MINUTES, MODALITIES, WEEKDAYS)
from shared.fields import Flag, Id, Text, TimeZone
from shared.pagination import PageArgs
from shared.web.schemas import page_of

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, 24-hour.")
# What the domain dials: 7 to 15 digits with an optional leading +, once the separators people type
# (spaces, brackets, dots, dashes) are dropped; blank clears the number.
PHONE = validate.Regexp(r"^\s*$|^[\s().-]*(\+[\s().-]*)?([0-9][\s().-]*){7,15}$",
                        error="Not a phone number (7 to 15 digits, optional leading +).")


class FacilitatorIn(Schema):
    name = Text(max_length=200, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    credentials = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class FacilitatorOut(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()
    credentials = fields.String(allow_none=True)
    created_at = fields.DateTime()



def _distinct(values: list) -> bool:
    if len(set(values)) != len(values):
        raise ValidationError("Each channel may be named once.")
    return True


class QuietHours(Schema):
    start = fields.String(required=True, validate=HHMM)
    end = fields.String(required=True, validate=HHMM)


class QuietHoursOut(Schema):
    start = fields.Time(format="%H:%M")
    end = fields.Time(format="%H:%M")


class ParticipantPatch(Schema):
    preferred_name = Text(max_length=100)
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=[validate.Length(max=32), PHONE])
    timezone = TimeZone()
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)),
                           validate=[validate.Length(min=1, max=len(CHANNELS)), _distinct],
                           metadata={"uniqueItems": True})
    sms_consent = Flag()
    quiet_hours = fields.Nested(QuietHours, allow_none=True)
    status = fields.String(validate=validate.OneOf(("active", "inactive")))


class ParticipantIn(ParticipantPatch):
    # SMS needs a number to send to (OPENAPI_EXTRA says so in the document).
    OPENAPI_EXTRA = {"anyOf": [
        {"properties": {"channels": {"items": {"enum": ["email", "in_app"]}}}},
        {"required": ["phone"], "properties": {"phone": {"type": "string", "pattern": r"[0-9]"}}}]}
    preferred_name = Text(max_length=100, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    timezone = TimeZone(required=True)
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
    sms_consent_at = fields.DateTime(allow_none=True)
    sms_consent_wording = fields.String(allow_none=True)
    page_link_generation = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PageLinkRequestIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class Schedule(Schema):
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                           validate=validate.Length(min=1, max=7))
    start_time = fields.String(required=True, validate=HHMM)
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=MIN_DURATION_MINUTES,
                                                                                max=MAX_DURATION_MINUTES))
    timezone = TimeZone(required=True)


class GroupPatch(Schema):
    name = Text(max_length=200)
    kind = fields.String(validate=validate.OneOf(GROUP_KINDS))
    capacity = fields.Integer(strict=True, validate=validate.Range(min=MIN_CAPACITY, max=MAX_CAPACITY))
    modality = fields.String(validate=validate.OneOf(MODALITIES))
    location = fields.String(allow_none=True, validate=validate.Length(max=300))
    enrollment_policy = fields.String(validate=validate.OneOf(ENROLLMENT_POLICIES))
    facilitator_ids = fields.List(Id(), validate=validate.Length(min=1, max=4))
    schedule = fields.Nested(Schedule)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class GroupIn(GroupPatch):
    # Held in person or hybrid, a group needs a place (OPENAPI_EXTRA says so in the document).
    OPENAPI_EXTRA = {"anyOf": [
        {"properties": {"modality": {"enum": ["virtual"]}}},
        {"required": ["location"], "properties": {"location": {"type": "string", "pattern": r"^\s*\S"}}}]}
    name = Text(max_length=200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(GROUP_KINDS))
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
    kind = fields.String(validate=validate.OneOf(GROUP_KINDS))
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
