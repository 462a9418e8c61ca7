"""The envelope and the catalogue: what publishers may write and consumers accept."""
from __future__ import annotations

import json
import uuid

import pytest

from shared.events import InvalidEvent, new_envelope, parse_envelope
from shared.events.catalogue import CATALOGUE, CONTACT_EVENT_PREFIXES

IDS = {k: str(uuid.uuid4()) for k in ("enrollment_id", "group_id", "participant_id")}


def test_an_event_carries_the_full_envelope():
    envelope = new_envelope("roster.enrollment.waitlisted", {**IDS, "position": 2}, "roster", "corr-1")
    body = json.loads(envelope.to_json())
    assert set(body) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "data"}
    uuid.UUID(body["id"])
    assert body["occurred_at"].endswith("+00:00") and body["version"] == 1
    assert parse_envelope(envelope.to_json()) == envelope


@pytest.mark.parametrize("data", [{**IDS}, {**IDS, "position": 0}, {**IDS, "position": 1, "group_id": "x"}])
def test_publishers_cannot_write_an_event_that_breaks_its_schema(data):
    with pytest.raises(InvalidEvent):
        new_envelope("roster.enrollment.waitlisted", data, "roster", None)


def test_unknown_types_and_garbage_are_invalid():
    with pytest.raises(InvalidEvent):
        new_envelope("roster.group.exploded", {}, "roster", None)
    for body in (b"", b"[]", b"\xff\xfe", b'{"id": "1"}'):
        with pytest.raises(InvalidEvent):
            parse_envelope(body)


def test_consumers_ignore_fields_a_newer_producer_added():
    envelope = new_envelope("roster.enrollment.waitlisted", {**IDS, "position": 2}, "roster", None)
    raw = json.loads(envelope.to_json())
    raw["data"]["new_field"] = "x"
    raw["trace"] = "y"
    assert parse_envelope(json.dumps(raw)).typed_data()["position"] == 2


def test_only_participant_and_facilitator_events_may_carry_contact_data():
    contact_fields = {"email", "phone", "preferred_name"}
    carriers = [t for t, entry in CATALOGUE.items() if contact_fields & set(entry.schema.fields)]
    assert carriers and all(t.startswith(CONTACT_EVENT_PREFIXES) for t in carriers)
