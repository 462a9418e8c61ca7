"""Attendance use cases: the sheet of one session, taking it, weekly hours, and exports (disclosures)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.sessions.domain.attendance import AttendanceRecord, take_attendance
from services.sessions.domain.disclosure import Disclosure, check_period, record_disclosure
from services.sessions.domain.engagement import WeekHours, absence_streak, weekly_hours
from services.sessions.domain.errors import ValidationFailed
from services.sessions.domain.membership import expected_participants
from services.sessions.domain.model import Session
from services.sessions.domain.schedule import local_start_utc
from services.sessions.service_layer.access import ensure_sees_participant, managed_session
from services.sessions.service_layer.unit_of_work import SessionsUnitOfWork
from shared.principal import Principal


def _of_record(name: str, unrecorded: Any = None) -> property:
    return property(lambda row: unrecorded if row.record is None else getattr(row.record, name))


@dataclass(frozen=True)
class SheetRow:
    """One line of a session's attendance sheet: an expected member or a walk-in."""

    participant_id: uuid.UUID
    expected: bool
    record: AttendanceRecord | None

    status = _of_record("status", "not_recorded")
    minutes = _of_record("minutes")
    walk_in = _of_record("walk_in", False)
    joined_at = _of_record("joined_at")
    recorded_at = _of_record("recorded_at")
    recorded_by = _of_record("recorded_by")


@dataclass(frozen=True)
class Summary:
    participant_id: uuid.UUID
    from_: date
    to: date
    timezone: str
    minimum_hours: float
    weeks: list[WeekHours]
    sessions: list[tuple[Session, AttendanceRecord | None]]

    @property
    def total_minutes(self) -> int:
        return sum(week.minutes for week in self.weeks)


def _sheet(uow: SessionsUnitOfWork, session: Session, expected: list[uuid.UUID]) -> list[SheetRow]:
    """Everyone expected at the start (not_recorded until taken), then the walk-ins."""
    records = uow.attendance.for_session(session.id)
    rows = [SheetRow(pid, True, records.get(pid)) for pid in expected]
    return rows + [SheetRow(pid, False, r) for pid, r in records.items() if pid not in set(expected)]


def attendance_sheet(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID):
    with uow:
        session = managed_session(uow, principal, session_id)
        expected = expected_participants(uow.memberships.for_group(session.group_id), session.starts_at)
        return session, _sheet(uow, session, expected)


def save_attendance(uow: SessionsUnitOfWork, principal: Principal, session_id: uuid.UUID,
                    entries: list[dict[str, Any]], now: datetime):
    """Take or correct attendance; only what changed is published, so re-sending a list is harmless."""
    with uow:
        session = managed_session(uow, principal, session_id, for_update=True)
        expected = expected_participants(uow.memberships.for_group(session.group_id), session.starts_at)
        records = uow.attendance.for_session(session.id)
        recorded_by = f"{principal.role}:{principal.sub}"[:64]
        for index, entry in enumerate(entries):
            pid = uuid.UUID(entry["participant_id"])
            if any(uuid.UUID(e["participant_id"]) == pid for e in entries[:index]):
                raise ValidationFailed(f"{index}.participant_id", "is listed twice")
            try:
                record, event = take_attendance(session, pid, entry["status"], entry.get("minutes"),
                                                expected=expected, now=now, recorded_by=recorded_by,
                                                record=records.get(pid))
            except ValidationFailed as refused:
                raise ValidationFailed(f"{index}.{refused.field}", refused.reason) from None
            if pid not in records:
                records[pid] = record
                uow.attendance.add(record)
            if event is not None:
                uow.emit(event)
                if record.status == "absent":
                    _alert_on_streak(uow, session, pid)
        uow.commit()
        return session, _sheet(uow, session, expected)


def _alert_on_streak(uow: SessionsUnitOfWork, session: Session, participant_id: uuid.UUID) -> None:
    history = uow.attendance.history_in_group(participant_id, session.group_id)
    streak = absence_streak(history, session.id, group_id=session.group_id, participant_id=participant_id)
    if streak is not None:
        uow.emit(streak)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        raise ValidationFailed("timezone", "must be an IANA time zone such as 'America/New_York'") from None


def period_summary(uow: SessionsUnitOfWork, participant_id: uuid.UUID, from_: date, to: date, tz: str | None,
             minimum_hours: float, now: datetime) -> Summary:
    """Sessions held so far in [from_, to] (local days) with the participant's records, by week."""
    check_period(from_, to)
    tz = tz or uow.memberships.latest_timezone(participant_id) or "UTC"
    zone = _zone(tz)
    start = local_start_utc(from_, time(0), zone)
    end = min(local_start_utc(to + timedelta(days=1), time(0), zone), now)
    rows = uow.sessions.attended_or_expected(participant_id, start, end) if start < end else []
    entries = [(s.starts_at, r.status if r else "not_recorded", r.minutes if r else None) for s, r in rows]
    return Summary(participant_id, from_, to, tz, minimum_hours, weekly_hours(entries, zone, minimum_hours), rows)


def weekly_attendance(uow: SessionsUnitOfWork, principal: Principal, participant_id: uuid.UUID, from_: date,
                      to: date, tz: str | None, minimum_hours: float, now: datetime) -> Summary:
    with uow:
        ensure_sees_participant(uow, principal, participant_id)
        return period_summary(uow, participant_id, from_, to, tz, minimum_hours, now)


def export_attendance(uow: SessionsUnitOfWork, principal: Principal, participant_id: uuid.UUID,
                      data: dict[str, Any], minimum_hours: float, now: datetime) -> tuple[Disclosure, Summary]:
    """The attendance record for a period, logged as a disclosure in the same transaction."""
    with uow:
        ensure_sees_participant(uow, principal, participant_id)
        period = (data["from_"], data["to"])
        summary = period_summary(uow, participant_id, *period, data.get("timezone"), minimum_hours, now)
        disclosure = record_disclosure(participant_id, (principal.role, principal.sub[:64]), data["purpose"],
                                       data["recipient"], period, len(summary.sessions), now)
        uow.disclosures.add(disclosure)
        uow.commit()
        return disclosure, summary
