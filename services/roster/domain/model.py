"""Groups and the enrollments that join participants to them: capacity, waitlist, promotion.

Plain classes, mapped imperatively by the ORM adapter; attribute names are the column names.
A method that changes state takes `now` (aware, UTC; the domain never reads the clock) and returns
the events describing the change, for the handler to write to the outbox in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.roster.domain import errors as check
from services.roster.domain.common import new_id, show_id, utc
from services.roster.domain.errors import Conflict, NotFound, ValidationFailed
from services.roster.domain.events import (
    EnrollmentActivated, EnrollmentEnded, EnrollmentWaitlisted, DomainEvent, GroupClosed, GroupCreated, GroupUpdated)
from services.roster.domain.schedule import WeeklySchedule

from shared.vocabulary import END_REASONS, MAX_CAPACITY, MIN_CAPACITY, MODALITIES  # noqa: F401 - importable here
from shared.vocabulary import ENROLLMENT_POLICIES as POLICIES
from shared.vocabulary import GROUP_KINDS as KINDS

# Process groups work on the "here and now" between members and stay small; teaching scales up.
DEFAULT_CAPACITY = {"process": 10, "psychoeducation": 15}


@dataclass(eq=False, repr=False, kw_only=True)
class Enrollment:
    """One participant's membership of one group, from joining (or queueing) to leaving.

    `status` is 'active', 'waitlisted', or once ended the end reason itself; ended rows are kept
    as the membership history that attendance and court reports rely on.
    """

    id: str
    group_id: str
    participant_id: str
    status: str
    waitlist_position: int | None = None
    enrolled_at: datetime
    activated_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    __repr__ = show_id

    @property
    def is_current(self) -> bool:
        return self.status in ("active", "waitlisted")

    def _activate(self, now: datetime) -> None:
        self.status, self.waitlist_position, self.activated_at = "active", None, now

    def _end(self, reason: str, now: datetime) -> EnrollmentEnded:
        previous = self.status
        self.status, self.end_reason, self.ended_at = reason, reason, now
        self.waitlist_position = None
        return EnrollmentEnded.of(self, previous_status=previous)


def _day(name: str, value: Any) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(name, "must be a date such as '2025-03-03'") from None
    # datetime is a date subclass; a time of day here would be silently meaningless.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed(name, "must be a date such as '2025-03-03'")
    return value


def _schedule(value: Any) -> WeeklySchedule:
    if isinstance(value, WeeklySchedule):
        return value
    try:
        return WeeklySchedule.from_dict(value)
    except ValidationFailed as error:
        name = error.field if error.field == "schedule" else f"schedule.{error.field}"
        raise ValidationFailed(name, error.message) from None


def _facilitator_ids(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise ValidationFailed("facilitator_ids", "must list at least the lead facilitator")
    ids = [check.uuid_string("facilitator_ids", item) for item in value]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("facilitator_ids", "must not name a facilitator twice")
    return ids


def _group_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a group's whole set-up at once, because some rules span fields."""
    settings = {
        "name": check.text("name", raw["name"]),
        "kind": check.choice("kind", raw["kind"], KINDS),
        "capacity": check.whole_number("capacity", raw["capacity"], MIN_CAPACITY, MAX_CAPACITY),
        "modality": check.choice("modality", raw["modality"], MODALITIES),
        "location": check.optional_text("location", raw["location"], max_length=300),
        "enrollment_policy": check.choice("enrollment_policy", raw["enrollment_policy"], POLICIES),
        "facilitator_ids": _facilitator_ids(raw["facilitator_ids"]),
        "schedule": _schedule(raw["schedule"]),
        "starts_on": _day("starts_on", raw["starts_on"]),
        "ends_on": None if raw["ends_on"] is None else _day("ends_on", raw["ends_on"]),
    }
    # A virtual group may keep its address, so switching back to in person loses nothing.
    if settings["modality"] != "virtual" and settings["location"] is None:
        raise ValidationFailed("location", "is required for in-person and hybrid groups")
    if settings["ends_on"] is not None and settings["ends_on"] < settings["starts_on"]:
        raise ValidationFailed("ends_on", "must not be before starts_on")
    return settings


@dataclass(eq=False, repr=False, kw_only=True)
class Group:
    """A therapy group, its roster and its waitlist.

    Invariants kept by every method: active members never exceed capacity; waitlist positions are
    1..n with no gaps; a waitlist exists only while the group is full; a participant has at most
    one current enrollment here; active_count and waitlist_count match `enrollments`.
    """

    EDITABLE = ("name", "kind", "capacity", "modality", "location", "enrollment_policy",
                "facilitator_ids", "schedule", "starts_on", "ends_on")

    id: str
    name: str
    kind: str
    capacity: int
    modality: str
    location: str | None = None
    enrollment_policy: str = "open"
    facilitator_ids: list[str]
    schedule: WeeklySchedule
    starts_on: date
    ends_on: date | None = None
    closed_at: datetime | None = None
    active_count: int = 0
    waitlist_count: int = 0
    enrollments: list[Enrollment] = field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    __repr__ = show_id

    @classmethod
    def create(cls, *, name: Any, kind: Any, modality: Any, facilitator_ids: Any, schedule: Any,
               starts_on: Any, capacity: Any = None, location: Any = None,
               enrollment_policy: Any = "open", ends_on: Any = None,
               now: datetime) -> tuple[Group, list[DomainEvent]]:
        """A new, empty group; capacity defaults by kind. `schedule` may be a dict as in the API."""
        if capacity is None:
            capacity = DEFAULT_CAPACITY.get(check.choice("kind", kind, KINDS))
        settings = _group_settings({
            "name": name, "kind": kind, "capacity": capacity, "modality": modality,
            "location": location, "enrollment_policy": enrollment_policy,
            "facilitator_ids": facilitator_ids, "schedule": schedule, "starts_on": starts_on,
            "ends_on": ends_on})
        now = utc(now)
        group = cls(id=new_id(), created_at=now, updated_at=now, **settings)
        return group, [GroupCreated.of(group)]

    @property
    def status(self) -> str:
        return group_status(self.closed_at, self.active_count, self.capacity)

    @property
    def first_session_at(self) -> datetime:
        """When the group first meets (UTC): a closed cohort admits nobody from then on."""
        return self.schedule.first_start_on_or_after(self.starts_on)

    @property
    def waitlist(self) -> list[Enrollment]:
        return sorted((e for e in self.enrollments if e.status == "waitlisted"),
                      key=lambda e: e.waitlist_position or 0)

    def enroll(self, participant_id: str, now: datetime) -> tuple[Enrollment, list[DomainEvent]]:
        """Admit a participant: active while there is a place, else at the end of the waitlist."""
        now = utc(now)
        self._refuse_if_closed()
        participant_id = check.uuid_string("participant_id", participant_id)
        if self.enrollment_policy == "closed" and now >= self.first_session_at:
            raise Conflict("this group is a closed cohort and has already had its first session")
        local_today = now.astimezone(ZoneInfo(self.schedule.timezone)).date()
        if self.ends_on is not None and local_today > self.ends_on:
            raise Conflict("this group has ended")
        if any(e.participant_id == participant_id and e.is_current for e in self.enrollments):
            raise Conflict("the participant is already enrolled in or waitlisted for this group")
        enrollment = Enrollment(id=new_id(), group_id=self.id, participant_id=participant_id,
                                status="waitlisted", enrolled_at=now)
        if self._active_members() < self.capacity:
            enrollment._activate(now)
            event: DomainEvent = EnrollmentActivated.of(enrollment, from_waitlist=False)
        else:
            last = max((e.waitlist_position or 0 for e in self.waitlist), default=0)
            enrollment.waitlist_position = last + 1
            event = EnrollmentWaitlisted.of(enrollment)
        self.enrollments.append(enrollment)
        self._touch(now)
        return enrollment, [event]

    def end_enrollment(self, enrollment_id: str, reason: str, now: datetime) -> list[DomainEvent]:
        """End a membership or take someone off the waitlist; a freed place goes to position 1."""
        now = utc(now)
        enrollment = next((e for e in self.enrollments if e.id == enrollment_id), None)
        if enrollment is None:
            raise NotFound("no such enrollment in this group")
        reason = check.choice("reason", reason, END_REASONS)
        if not enrollment.is_current:
            raise Conflict(f"this enrollment already ended ({enrollment.status})")
        events: list[DomainEvent] = [enrollment._end(reason, now)]
        events += self._fill_places(now)
        self._touch(now)
        return events

    def update(self, changes: dict[str, Any], now: datetime) -> list[DomainEvent]:
        """Apply a partial update (keys from EDITABLE); no event when nothing actually changed.

        Changing `kind` keeps the capacity: the default only applies when a group is created.
        """
        now = utc(now)
        self._refuse_if_closed()
        for key in changes:
            if key not in self.EDITABLE:
                raise ValidationFailed(key, "cannot be changed")
        current = {key: getattr(self, key) for key in self.EDITABLE}
        settings = _group_settings(current | changes)
        active = self._active_members()
        if settings["capacity"] < active:
            raise Conflict(f"capacity cannot go below the {active} active members")
        if all(current[key] == value for key, value in settings.items()):
            return []
        for key, value in settings.items():
            setattr(self, key, value)
        promotions = self._fill_places(now)
        self._touch(now)
        return [GroupUpdated.of(self), *promotions]

    def close(self, now: datetime) -> list[DomainEvent]:
        """Close the group for good, ending every membership that is still current.

        Active members end as 'completed': the group ran its course for them (a facilitator who
        needs another reason, say 'transferred', ends that enrollment before closing). Waitlisted
        people never joined and still need a place, so they end as 'transferred', which tells the
        team to place them elsewhere; 'withdrew' would wrongly record it as their own choice.
        """
        now = utc(now)
        self._refuse_if_closed()
        self.closed_at = now
        events: list[DomainEvent] = [GroupClosed.of(self)]
        for enrollment in [e for e in self.enrollments if e.status == "active"] + self.waitlist:
            reason = "completed" if enrollment.status == "active" else "transferred"
            events.append(enrollment._end(reason, now))
        self._touch(now)
        return events

    def _refuse_if_closed(self) -> None:
        if self.closed_at is not None:
            raise Conflict("this group is closed")

    def _active_members(self) -> int:
        return sum(1 for e in self.enrollments if e.status == "active")

    def _fill_places(self, now: datetime) -> list[DomainEvent]:
        """Move people up from the head of the waitlist while there are free places."""
        waitlist, events = self.waitlist, []
        free = self.capacity - self._active_members()
        for enrollment in waitlist[:max(free, 0)]:
            enrollment._activate(now)
            events.append(EnrollmentActivated.of(enrollment, from_waitlist=True))
        for position, enrollment in enumerate(self.waitlist, start=1):
            enrollment.waitlist_position = position
        return events

    def _touch(self, now: datetime) -> None:
        self.active_count = self._active_members()
        self.waitlist_count = sum(1 for e in self.enrollments if e.status == "waitlisted")
        self.updated_at = now


def group_status(closed_at: datetime | None, active_count: int, capacity: int) -> str:
    """forming (fewer active members than the smallest group), active, full, or closed."""
    if closed_at is not None:
        return "closed"
    if active_count >= capacity:
        return "full"
    return "forming" if active_count < MIN_CAPACITY else "active"
