"""Exporting a participant's individualized notes for a period, with their attendance, as a disclosure.

The same rules as the attendance export (domain/disclosure.py): a recipient, a purpose, the period,
the redisclosure notice and an entry in the disclosure log written in the same transaction; notes
also need the participant's written consent. Only signed (locked) notes leave, and a facilitator
exports only the notes of their own groups. A note that cannot be decrypted stops the export with a
409 naming it, and nothing is logged as disclosed.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.sessions.domain.disclosure import Disclosure, check_consent, record_disclosure
from services.sessions.domain.notes import Note
from services.sessions.domain.schedule import local_start_utc
from services.sessions.service_layer.access import ensure_sees_participant, facilitator_scope, require
from services.sessions.service_layer.attendance import Summary, period_summary
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.principal import Principal


def export_notes(uow: SessionsUnitOfWork, principal: Principal, participant_id: uuid.UUID, data: dict[str, Any],
                 minimum_hours: float, now: datetime) -> tuple[Disclosure, Summary, list[tuple[Note, datetime]]]:
    require(principal, "admin", "facilitator")  # participants never read notes through the API
    consent = data.get("consent") or {}
    check_consent(consent.get("given_on"), consent.get("expires_on"), now.date())
    with uow:
        ensure_sees_participant(uow, principal, participant_id)
        period = (data["from_"], data["to"])
        summary = period_summary(uow, participant_id, *period, data.get("timezone"), minimum_hours, now)
        notes = uow.notes.locked_for_participant(participant_id, *_local_days(period, summary.timezone),
                                                 facilitator_scope(principal))
        for note, _ in notes:
            note.require_readable()
        disclosure = record_disclosure(participant_id, (principal.role, principal.sub[:64]), data["purpose"],
                                       data["recipient"], period, len(summary.sessions), now)
        disclosure.contents = "notes"
        disclosure.consent_given_on, disclosure.consent_expires_on = consent["given_on"], consent.get("expires_on")
        uow.disclosures.add(disclosure)
        uow.commit()
        return disclosure, summary, notes


def _local_days(period: tuple[date, date], timezone: str) -> tuple[datetime, datetime]:
    """[first day's midnight, the midnight after the last day) where the participant's weeks are cut."""
    zone = ZoneInfo(timezone)
    return local_start_utc(period[0], time(0), zone), local_start_utc(period[1] + timedelta(days=1), time(0), zone)
