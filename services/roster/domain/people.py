"""Facilitators and participants: who runs the groups and who attends them.

Plain classes, mapped imperatively by the ORM adapter; attribute names are the column names.
Reprs show ids only, because entities end up in logs and logs never carry names or contacts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from services.roster.domain import errors as check
from services.roster.domain.common import new_id, show_id, utc
from services.roster.domain.errors import Conflict, ValidationFailed
from services.roster.domain.events import (DomainEvent, FacilitatorRegistered, PageLinkRequested,
                                           ParticipantRegistered, ParticipantUpdated)
from services.roster.domain.schedule import clock_time, time_zone
from shared.sms_consent import SMS_CONSENT_WORDING

from shared.vocabulary import CHANNELS
PARTICIPANT_STATUSES = ("active", "inactive")


@dataclass(eq=False, repr=False, kw_only=True)
class Facilitator:
    id: str
    name: str
    email: str
    credentials: str | None = None
    created_at: datetime
    __repr__ = show_id

    @classmethod
    def register(cls, *, name: Any, email: Any, credentials: Any = None,
                 now: datetime) -> tuple[Facilitator, list[DomainEvent]]:
        facilitator = cls(id=new_id(), name=check.text("name", name),
                          email=check.email("email", email),
                          credentials=check.optional_text("credentials", credentials),
                          created_at=utc(now))
        return facilitator, [FacilitatorRegistered.of(facilitator)]


def _quiet_hours(value: Any) -> tuple[time | None, time | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict) or "start" not in value or "end" not in value:
        raise ValidationFailed("quiet_hours", "must be {'start': 'HH:MM', 'end': 'HH:MM'} or null")
    start = clock_time("quiet_hours.start", value["start"])
    end = clock_time("quiet_hours.end", value["end"])
    if start == end:
        raise ValidationFailed("quiet_hours", "start and end must differ")
    return start, end


def _channels(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise ValidationFailed("channels", f"must list at least one of {', '.join(CHANNELS)}")
    if any(c not in CHANNELS for c in value) or len(set(value)) != len(value):
        raise ValidationFailed("channels", f"must be distinct values among {', '.join(CHANNELS)}")
    return [c for c in CHANNELS if c in value]


def _contact_details(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a participant's whole profile at once, because some rules span fields."""
    details = {
        "preferred_name": check.text("preferred_name", raw["preferred_name"], max_length=100),
        "email": check.email("email", raw["email"]),
        "phone": check.phone("phone", raw["phone"]),
        "timezone": time_zone("timezone", raw["timezone"]),
        "channels": _channels(raw["channels"]),
        "status": check.choice("status", raw["status"], PARTICIPANT_STATUSES),
    }
    if not isinstance(raw["sms_consent"], bool):
        raise ValidationFailed("sms_consent", "must be true or false")
    details["sms_consent"] = raw["sms_consent"]
    details["quiet_hours_start"], details["quiet_hours_end"] = _quiet_hours(raw["quiet_hours"])
    if "sms" in details["channels"] and details["phone"] is None:
        raise ValidationFailed("phone", "is required when channels include sms")
    return details


@dataclass(eq=False, repr=False, kw_only=True)
class Participant:
    """A client in the program, with how and when they may be contacted.

    Choosing the 'sms' channel and consenting to SMS are separate on purpose: a preference can be
    recorded at intake before the consent form is signed. Until `sms_consent` is true no SMS is
    sent; `deliverable_channels` is the list a sender should use.
    """

    EDITABLE = ("preferred_name", "email", "phone", "timezone", "channels", "sms_consent",
                "quiet_hours", "status")

    id: str
    preferred_name: str
    email: str
    phone: str | None = None
    timezone: str
    channels: list[str]
    sms_consent: bool = False
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    status: str = "active"
    registered_by: str | None = None
    # When SMS consent was given and the words agreed to (None while there is no consent).
    sms_consent_at: datetime | None = None
    sms_consent_wording: str | None = None
    # Personal page links of an older generation are revoked (shared.page_links).
    page_link_generation: int = 1
    created_at: datetime
    updated_at: datetime
    __repr__ = show_id

    @classmethod
    def register(cls, *, preferred_name: Any, email: Any, timezone: Any, phone: Any = None,
                 channels: Any = ("email",), sms_consent: Any = False, quiet_hours: Any = None,
                 registered_by: str | None = None,
                 now: datetime) -> tuple[Participant, list[DomainEvent]]:
        """`quiet_hours` is {'start': ..., 'end': ...} (times or 'HH:MM') or None, as in the API."""
        details = _contact_details({
            "preferred_name": preferred_name, "email": email, "phone": phone,
            "timezone": timezone, "channels": channels, "sms_consent": sms_consent,
            "quiet_hours": quiet_hours, "status": "active"})
        now = utc(now)
        participant = cls(id=new_id(), registered_by=registered_by, created_at=now,
                          updated_at=now, **details)
        participant._record_consent(False, now)
        return participant, [ParticipantRegistered.of(participant)]

    @property
    def quiet_hours(self) -> dict[str, time] | None:
        if self.quiet_hours_start is None or self.quiet_hours_end is None:
            return None
        return {"start": self.quiet_hours_start, "end": self.quiet_hours_end}

    @property
    def deliverable_channels(self) -> list[str]:
        return [c for c in self.channels if c != "sms" or self.sms_consent]

    def update(self, changes: dict[str, Any], now: datetime) -> list[DomainEvent]:
        """Apply a partial update (keys from EDITABLE); no event when nothing actually changed."""
        for key in changes:
            if key not in self.EDITABLE:
                raise ValidationFailed(key, "cannot be changed")
        current = {key: getattr(self, key) for key in self.EDITABLE}
        details = _contact_details(current | changes)
        if all(getattr(self, key) == value for key, value in details.items()):
            return []
        had_consent = self.sms_consent
        for key, value in details.items():
            setattr(self, key, value)
        self.updated_at = utc(now)
        self._record_consent(had_consent, self.updated_at)
        return [ParticipantUpdated.of(self)]

    def _record_consent(self, had_consent: bool, now: datetime) -> None:
        """Consent given: when, and to which words; withdrawn (opting out): forgotten until given again."""
        if self.sms_consent and not had_consent:
            self.sms_consent_at, self.sms_consent_wording = now, SMS_CONSENT_WORDING
        elif not self.sms_consent:
            self.sms_consent_at = self.sms_consent_wording = None

    def revoke_page_links(self, now: datetime) -> list[DomainEvent]:
        """Every personal page link sent so far stops working; the next message carries a new one."""
        self.page_link_generation += 1
        self.updated_at = utc(now)
        return [ParticipantUpdated.of(self)]

    def request_page_link(self) -> list[DomainEvent]:
        """Someone gave this participant's address on the fresh-link page: email them a link."""
        if self.status != "active":
            return []
        return [PageLinkRequested(self.id)]

    def ensure_enrollable(self) -> None:
        if self.status != "active":
            raise Conflict("an inactive participant cannot be enrolled")

