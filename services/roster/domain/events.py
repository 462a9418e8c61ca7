"""Facts the roster publishes (roster.*), as the `data` payload of the event envelope.

Each class's fields are exactly its payload, already JSON-friendly (dates and datetimes as ISO 8601
strings, datetimes in UTC with their offset). Contact data — names, emails, phones — travels only
in facilitator and participant events; group and enrollment events carry ids, so a consumer that
only needs membership never holds anyone's identity.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from services.roster.domain.schedule import clock_text
from shared.events.domain import DomainEvent, utc_text

if TYPE_CHECKING:
    from services.roster.domain.model import Enrollment, Group
    from services.roster.domain.people import Facilitator, Participant


def date_text(day: date | None) -> str | None:
    return None if day is None else day.isoformat()




@dataclass(frozen=True)
class FacilitatorRegistered(DomainEvent):
    type: ClassVar[str] = "roster.facilitator.registered"
    facilitator_id: str
    name: str
    email: str
    credentials: str | None

    @classmethod
    def of(cls, facilitator: Facilitator) -> FacilitatorRegistered:
        return cls(facilitator.id, facilitator.name, facilitator.email, facilitator.credentials)


@dataclass(frozen=True)
class _ParticipantFacts(DomainEvent):
    participant_id: str
    preferred_name: str
    email: str
    phone: str | None
    timezone: str
    channels: list[str]
    sms_consent: bool
    quiet_hours: dict[str, str] | None
    status: str
    page_link_generation: int

    @classmethod
    def of(cls, participant: Participant) -> Any:
        p = participant
        quiet = None
        if p.quiet_hours_start is not None and p.quiet_hours_end is not None:
            quiet = {"start": clock_text(p.quiet_hours_start), "end": clock_text(p.quiet_hours_end)}
        return cls(p.id, p.preferred_name, p.email, p.phone, p.timezone, list(p.channels),
                   p.sms_consent, quiet, p.status, p.page_link_generation)


@dataclass(frozen=True)
class ParticipantRegistered(_ParticipantFacts):
    type: ClassVar[str] = "roster.participant.registered"


@dataclass(frozen=True)
class ParticipantUpdated(_ParticipantFacts):
    type: ClassVar[str] = "roster.participant.updated"


@dataclass(frozen=True)
class PageLinkRequested(DomainEvent):
    """A fresh personal page link was asked for this participant (the address is not repeated)."""
    type: ClassVar[str] = "roster.participant.page_link_requested"
    participant_id: str


@dataclass(frozen=True)
class _GroupFacts(DomainEvent):
    group_id: str
    name: str
    kind: str
    capacity: int
    modality: str
    location: str | None
    enrollment_policy: str
    facilitator_ids: list[str]
    schedule: dict[str, Any]
    starts_on: str
    ends_on: str | None
    status: str

    @classmethod
    def of(cls, group: Group) -> Any:
        g = group
        return cls(g.id, g.name, g.kind, g.capacity, g.modality, g.location, g.enrollment_policy,
                   list(g.facilitator_ids), g.schedule.to_dict(), g.starts_on.isoformat(),
                   date_text(g.ends_on), g.status)


@dataclass(frozen=True)
class GroupCreated(_GroupFacts):
    type: ClassVar[str] = "roster.group.created"


@dataclass(frozen=True)
class GroupUpdated(_GroupFacts):
    type: ClassVar[str] = "roster.group.updated"


@dataclass(frozen=True)
class GroupClosed(DomainEvent):
    type: ClassVar[str] = "roster.group.closed"
    group_id: str
    closed_at: str

    @classmethod
    def of(cls, group: Group) -> GroupClosed:
        assert group.closed_at is not None, "only a closed group has a GroupClosed event"
        return cls(group.id, utc_text(group.closed_at))


@dataclass(frozen=True)
class EnrollmentActivated(DomainEvent):
    type: ClassVar[str] = "roster.enrollment.activated"
    enrollment_id: str
    group_id: str
    participant_id: str
    from_waitlist: bool
    active_from: str

    @classmethod
    def of(cls, enrollment: Enrollment, *, from_waitlist: bool) -> EnrollmentActivated:
        e = enrollment
        assert e.activated_at is not None, "only an activated enrollment is announced as active"
        return cls(e.id, e.group_id, e.participant_id, from_waitlist, utc_text(e.activated_at))


@dataclass(frozen=True)
class EnrollmentWaitlisted(DomainEvent):
    type: ClassVar[str] = "roster.enrollment.waitlisted"
    enrollment_id: str
    group_id: str
    participant_id: str
    position: int

    @classmethod
    def of(cls, enrollment: Enrollment) -> EnrollmentWaitlisted:
        e = enrollment
        assert e.waitlist_position is not None, "a waitlisted enrollment has a position"
        return cls(e.id, e.group_id, e.participant_id, e.waitlist_position)


@dataclass(frozen=True)
class EnrollmentEnded(DomainEvent):
    type: ClassVar[str] = "roster.enrollment.ended"
    enrollment_id: str
    group_id: str
    participant_id: str
    reason: str
    ended_at: str
    previous_status: str

    @classmethod
    def of(cls, enrollment: Enrollment, *, previous_status: str) -> EnrollmentEnded:
        e = enrollment
        assert e.end_reason is not None and e.ended_at is not None, "only an ended enrollment"
        return cls(e.id, e.group_id, e.participant_id, e.end_reason, utc_text(e.ended_at),
                   previous_status)


# Every roster event by its routing key, for the outbox, schemas and tests.
EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.type: cls
    for cls in (FacilitatorRegistered, ParticipantRegistered, ParticipantUpdated, PageLinkRequested, GroupCreated,
                GroupUpdated, GroupClosed, EnrollmentActivated, EnrollmentWaitlisted,
                EnrollmentEnded)
}
