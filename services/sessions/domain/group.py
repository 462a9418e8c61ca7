"""The sessions service's copy of a roster group: what scheduling and access checks need.

Fed by `roster.group.created/updated/closed`. It keeps no name and no kind: sessions never shows
them, and a copy that does not exist cannot leak. Events may arrive twice or out of order (a retry
can overtake a later event), so each change carries the time roster made it and an older state
never overwrites a newer one.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from .schedule import WeeklySchedule


class Group:
    def __init__(
        self,
        id: uuid.UUID,
        facilitator_ids: list[str],
        schedule: dict[str, Any],
        modality: str,
        location: str | None,
        timezone: str,
        starts_on: date,
        ends_on: date | None,
        roster_changed_at: datetime,
        closed_at: datetime | None = None,
    ) -> None:
        self.id = id
        self.facilitator_ids = facilitator_ids  # lead first, as roster orders them
        self.schedule = schedule  # roster's dict: weekdays, start_time, duration_minutes, timezone
        self.modality = modality
        self.location = location
        self.timezone = timezone
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.roster_changed_at = roster_changed_at
        self.closed_at = closed_at

    def __repr__(self) -> str:
        return f"<Group {self.id}>"

    @classmethod
    def from_roster(cls, data: dict[str, Any], changed_at: datetime) -> Group:
        """Build from a `roster.group.*` payload already loaded through its schema."""
        group = cls(uuid.UUID(str(data["group_id"])), [], {}, "", None, "", data["starts_on"], None, changed_at)
        group._copy(data)
        return group

    def apply_roster_change(self, data: dict[str, Any], changed_at: datetime) -> bool:
        """Take roster's newer state; False (and no change) when this event is older than what we hold."""
        if changed_at < self.roster_changed_at:
            return False
        self._copy(data)
        self.roster_changed_at = changed_at
        return True

    def _copy(self, data: dict[str, Any]) -> None:
        schedule = dict(data["schedule"])
        self.facilitator_ids = [str(f) for f in data["facilitator_ids"]]
        self.schedule = schedule
        self.modality = data["modality"]
        self.location = data.get("location")
        self.timezone = schedule["timezone"]
        self.starts_on = data["starts_on"]
        self.ends_on = data.get("ends_on")

    def close(self, at: datetime) -> None:
        """A redelivered or repeated close keeps the first time: the group stays closed either way."""
        if self.closed_at is None:
            self.closed_at = at

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def facilitated_by(self, facilitator_id: str) -> bool:
        return facilitator_id in self.facilitator_ids

    def weekly_schedule(self) -> WeeklySchedule:
        return WeeklySchedule.from_roster(self.schedule)

    @property
    def session_minutes(self) -> int:
        return int(self.schedule["duration_minutes"])
