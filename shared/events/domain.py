"""The base of the events a service's domain records, before they are put in an envelope.

Pure Python: a domain module may import it without pulling in any I/O. A subclass is a frozen
dataclass whose fields are exactly the event's `data`, already JSON-friendly.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class DomainEvent:
    """`type` is the routing key and catalogue entry; `data()` is the envelope's payload."""

    type: ClassVar[str]
    version: ClassVar[int] = 1

    def data(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def utc_text(moment: datetime) -> str:
    """'2026-03-09T22:00:00+00:00': the one spelling of a time on the wire."""
    # Naive values only come back from SQLite, which stores our UTC times without the offset.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
