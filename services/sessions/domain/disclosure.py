"""Attendance exports as disclosures: proof of attendance for a court, probation officer or payer.

Records of substance-use treatment fall under 42 CFR Part 2: every disclosure is logged (who asked,
for whom, why, when, which period) so it can be accounted for to the participant, and what leaves the
program carries the notice that forbids passing it on.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from .errors import ValidationFailed

# The notice of 42 CFR § 2.32 that must accompany a disclosure made with the patient's consent.
REDISCLOSURE_NOTICE = (
    "This information has been disclosed to you from records protected by federal confidentiality "
    "rules (42 CFR part 2). The federal rules prohibit you from making any further disclosure of "
    "information in this record that identifies a patient as having or having had a substance use "
    "disorder either directly, by reference to publicly available information, or through verification "
    "of such identification by another person unless further disclosure is expressly permitted by the "
    "written consent of the individual whose information is being disclosed or as otherwise permitted "
    "by 42 CFR part 2. A general authorization for the release of medical or other information is NOT "
    "sufficient for this purpose (see § 2.31). The federal rules restrict any use of the information to "
    "investigate or prosecute with regard to a crime any patient with a substance use disorder, except "
    "as provided at §§ 2.12(c)(5) and 2.65."
)
MAX_TEXT = 200
# A court asks about a case, not a lifetime: one export covers at most a year and a day.
MAX_PERIOD_DAYS = 366


class Disclosure:
    def __init__(
        self,
        id: uuid.UUID,
        participant_id: uuid.UUID,
        requested_by_role: str,
        requested_by_sub: str,
        purpose: str,
        recipient: str,
        period_from: date,
        period_to: date,
        sessions_disclosed: int,
        notice: str,
        created_at: datetime,
        contents: str = "attendance",
        consent_given_on: date | None = None,
        consent_expires_on: date | None = None,
    ) -> None:
        self.id = id
        self.participant_id = participant_id
        self.requested_by_role = requested_by_role
        self.requested_by_sub = requested_by_sub
        self.purpose = purpose
        self.recipient = recipient
        self.period_from = period_from
        self.period_to = period_to
        self.sessions_disclosed = sessions_disclosed
        self.notice = notice
        self.created_at = created_at
        self.contents = contents  # 'attendance', or 'notes' (with the attendance of the same period)
        self.consent_given_on = consent_given_on
        self.consent_expires_on = consent_expires_on

    def __repr__(self) -> str:
        return f"<Disclosure {self.id} participant={self.participant_id}>"


def check_period(period_from: date, period_to: date) -> None:
    if period_to < period_from:
        raise ValidationFailed("to", "must be on or after 'from'")
    if (period_to - period_from).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailed("to", f"an export covers at most {MAX_PERIOD_DAYS} days")


def check_consent(given_on: date | None, expires_on: date | None, today: date) -> None:
    """The participant's written consent (42 CFR 2.31) must exist, be dated, and not have expired."""
    if given_on is None:
        raise ValidationFailed("consent.given_on", "the date of the participant's written consent is required")
    if given_on > today:
        raise ValidationFailed("consent.given_on", "cannot be in the future")
    if expires_on is not None and expires_on < today:
        raise ValidationFailed("consent.expires_on", "the consent has expired: a new one is needed")
    if expires_on is not None and expires_on < given_on:
        raise ValidationFailed("consent.expires_on", "must be on or after the date it was given")


def record_disclosure(
    participant_id: uuid.UUID,
    requested_by: tuple[str, str],
    purpose: str,
    recipient: str,
    period: tuple[date, date],
    sessions_disclosed: int,
    now: datetime,
) -> Disclosure:
    """The log entry for one export; `requested_by` is the caller's (role, id)."""
    check_period(*period)
    return Disclosure(
        uuid.uuid4(), participant_id, requested_by[0], requested_by[1], _text("purpose", purpose),
        _text("recipient", recipient), period[0], period[1], sessions_disclosed, REDISCLOSURE_NOTICE, now,
    )


def _text(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(field, "is required: say why and for whom the record is disclosed")
    if len(value) > MAX_TEXT:
        raise ValidationFailed(field, f"at most {MAX_TEXT} characters")
    return value
