"""Schemas of the participant-facing endpoints: weekly hours, attendance exports, join links."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.fields import TimeZone
from shared.pagination import PageArgs
from shared.web.schemas import page_of


class JoinLinkOut(Schema):
    participant_id = fields.UUID()
    url = fields.String()
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()


class JoinLinksOut(Schema):
    items = fields.List(fields.Nested(JoinLinkOut), required=True)


class PeriodArgs(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "First day (default: four weeks ago)."})
    to = fields.Date(metadata={"description": "Last day, included (default: today)."})
    timezone = TimeZone(metadata={
        "description": "Where weeks are cut (Monday to Sunday); default: the participant's latest group's."})


class WeekOut(Schema):
    week_start = fields.Date()
    minutes = fields.Integer()
    hours = fields.Float()
    sessions_attended = fields.Integer()
    below_minimum = fields.Boolean()


class AttendanceSummaryOut(Schema):
    participant_id = fields.UUID()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    timezone = fields.String()
    minimum_hours = fields.Float()
    weeks = fields.List(fields.Nested(WeekOut))
    total_hours = fields.Float()
    weeks_below_minimum = fields.Integer()


class ExportIn(PeriodArgs):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata={"description": "Why, e.g. 'court-ordered proof of attendance'."})
    recipient = fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"description": "Who receives it, e.g. 'County probation office'."})


class RequestedBy(Schema):
    role = fields.String()
    sub = fields.String()


class DisclosureOut(Schema):
    id = fields.UUID()
    participant_id = fields.UUID()
    requested_by = fields.Nested(RequestedBy)
    purpose = fields.String()
    recipient = fields.String()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    sessions_disclosed = fields.Integer()
    created_at = fields.DateTime()
    contents = fields.String(metadata={"description": "'attendance', or 'notes' (with the attendance)."})


class ExportedSession(Schema):
    session_id = fields.UUID()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()
    minutes = fields.Integer()
    walk_in = fields.Boolean()


class ExportOut(AttendanceSummaryOut):
    disclosure = fields.Nested(DisclosureOut)
    sessions = fields.List(fields.Nested(ExportedSession))
    redisclosure_notice = fields.String()


DisclosurePage = page_of(DisclosureOut, "DisclosurePage")
DisclosureListArgs = PageArgs
