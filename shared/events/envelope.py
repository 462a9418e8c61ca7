"""The event envelope every message on `iop.events` carries, and its validation.

Publishers validate `data` against the catalogue before the event is written to the outbox;
consumers validate again on receipt, so a malformed event is rejected at both ends.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared.events.catalogue import CATALOGUE


class InvalidEvent(ValueError):
    """An event that does not match the envelope or its type's schema; it can never be handled."""


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(sorted(CATALOGUE)))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    producer = fields.String(required=True)
    correlation_id = fields.String(required=True, allow_none=True)
    data = fields.Dict(required=True)


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    version: int
    occurred_at: str
    producer: str
    correlation_id: str | None
    data: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"), sort_keys=True)

    def typed_data(self) -> dict[str, Any]:
        """`data` loaded through its schema: dates and datetimes become Python objects."""
        schema = CATALOGUE[self.type].schema
        return schema.load(self.data, unknown=EXCLUDE)


def new_envelope(event_type: str, data: dict[str, Any], producer: str,
                 correlation_id: str | None, occurred_at: datetime | None = None) -> Envelope:
    entry = CATALOGUE.get(event_type)
    if entry is None:
        raise InvalidEvent(f"unknown event type {event_type!r}")
    errors = entry.schema.validate(data)
    if errors:
        raise InvalidEvent(f"{event_type} data does not match its schema: {errors}")
    occurred = (occurred_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return Envelope(id=str(uuid.uuid4()), type=event_type, version=entry.version,
                    occurred_at=occurred.isoformat(), producer=producer,
                    correlation_id=correlation_id, data=data)


def parse_envelope(body: bytes | str) -> Envelope:
    """Parse and validate a received message body; raises InvalidEvent for anything malformed."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidEvent(f"body is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidEvent("body is not a JSON object")
    try:
        EnvelopeSchema().load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        raise InvalidEvent(f"bad envelope: {exc.messages}") from exc
    envelope = Envelope(**{k: raw[k] for k in Envelope.__dataclass_fields__})
    errors = _validate_lenient(envelope)
    if errors:
        raise InvalidEvent(f"{envelope.type} data does not match its schema: {errors}")
    return envelope


def _validate_lenient(envelope: Envelope) -> dict:
    # Consumers are tolerant readers: fields added by a newer producer are ignored, missing
    # or malformed required ones are not.
    try:
        CATALOGUE[envelope.type].schema.load(envelope.data, unknown=EXCLUDE)
    except ValidationError as exc:
        return exc.messages
    return {}
