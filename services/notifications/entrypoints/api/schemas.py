"""Request and response schemas of the notifications API (the OpenAPI document is generated from them)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.notifications.domain.messages import Channel, MessageKind
from shared.fields import Id
from shared.pagination import PageArgs
from shared.web.schemas import page_of

API_STATUSES = ("pending", "sent", "failed", "suppressed")


class NotificationListArgs(PageArgs):
    recipient_id = Id()
    status = fields.String(validate=validate.OneOf(API_STATUSES))
    type = fields.String(validate=validate.OneOf([kind.value for kind in MessageKind]))
    session_id = Id()


class NotificationOut(Schema):
    """A log entry: who, which channel, what kind, and what became of it (never the text)."""

    id = fields.String()
    recipient_id = fields.String()
    recipient_kind = fields.String()
    channel = fields.String(metadata={"enum": [c.value for c in Channel]})
    type = fields.String(attribute="kind")
    group_id = fields.String(allow_none=True)
    session_id = fields.String(allow_none=True)
    # "sending" (claimed by a scheduler right now) is still pending to the outside world.
    status = fields.Function(lambda row: "pending" if row.status == "sending" else row.status,
                             metadata={"enum": list(API_STATUSES)})
    reason = fields.String(allow_none=True, metadata={"description": "why it was suppressed or failed"})
    urgent = fields.Boolean()
    attempts = fields.Integer()
    due_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    correlation_id = fields.String(allow_none=True, metadata={
        "description": "of the request that caused it; the scheduler logs the send under it"})


class InboxItemOut(Schema):
    """An in-app notification as its recipient reads it."""

    id = fields.String()
    type = fields.String(attribute="kind")
    title = fields.String()
    text = fields.String(attribute="body")
    session_id = fields.String(allow_none=True)
    sent_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxArgs(PageArgs):
    since = fields.AwareDateTime(metadata={"description": "only those sent from this time on"})


class MarkReadIn(Schema):
    ids = fields.List(fields.String(validate=validate.Length(equal=36)), required=True,
                      validate=validate.Length(min=1, max=200))


class MarkReadOut(Schema):
    marked = fields.Integer()


class DeadLetterArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    include_replayed = fields.Boolean(load_default=False)


class DeadLetterOut(Schema):
    """An event the consumer gave up on (its body is not shown: it may carry contact data)."""

    id = fields.String()
    consumer = fields.String()
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    error = fields.String()
    attempts = fields.Integer()
    created_at = fields.DateTime()
    replayed_at = fields.DateTime(allow_none=True)


class ReplayOut(Schema):
    outcome = fields.String(metadata={"enum": ["handled", "duplicate", "ignored", "already_replayed", "failed"]})
    error = fields.String(allow_none=True)


NotificationPage = page_of(NotificationOut, "NotificationPage")
InboxPage = page_of(InboxItemOut, "InboxPage")
DeadLetterPage = page_of(DeadLetterOut, "DeadLetterPage")
