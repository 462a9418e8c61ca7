"""Attendance: who came to a session, how long they stayed, and who recorded it.

Minutes attended when the facilitator leaves them out:
- present: the whole session; absent, excused, not_recorded: 0 (any other number is refused);
- late: from the join-link time to the end when the participant used their link, otherwise required;
- left_early: always required, because nothing else knows when they left.
Hours feed court, probation and payer proof, so the domain refuses to guess rather than over-report.
"""
from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from .errors import Conflict, ValidationFailed
from .events import AttendanceRecorded
from .model import Session

STATUSES = ("not_recorded", "present", "late", "left_early", "absent", "excused")
ATTENDED = frozenset({"present", "late", "left_early"})
NOT_ATTENDED = frozenset({"not_recorded", "absent", "excused"})
# `recorded_by` of a record written by a participant following their personal link.
JOIN_LINK = "join_link"


class AttendanceRecord:
    def __init__(
        self,
        id: uuid.UUID,
        session_id: uuid.UUID,
        participant_id: uuid.UUID,
        status: str,
        minutes: int | None,
        walk_in: bool,
        joined_at: datetime | None,
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        self.id = id
        self.session_id = session_id
        self.participant_id = participant_id
        self.status = status
        self.minutes = minutes
        self.walk_in = walk_in
        self.joined_at = joined_at
        self.recorded_at = recorded_at
        self.recorded_by = recorded_by

    def __repr__(self) -> str:
        return f"<AttendanceRecord session={self.session_id} participant={self.participant_id} {self.status}>"


def take_attendance(
    session: Session,
    participant_id: uuid.UUID,
    status: str,
    minutes: int | None,
    *,
    expected: Collection[uuid.UUID],
    now: datetime,
    recorded_by: str,
    record: AttendanceRecord | None = None,
) -> tuple[AttendanceRecord, AttendanceRecorded | None]:
    """Record (or correct) one participant's attendance, as a facilitator does during or after a session.

    `expected` is `expected_participants(...)` at the session's start; anyone else is a walk-in.
    `record` is the participant's existing record for this session, updated in place. The event is
    None when nothing changed, so re-sending the same attendance list publishes nothing.
    """
    if session.cancelled_at is not None:
        raise Conflict("attendance cannot be taken for a cancelled session")
    if now < session.starts_at:
        raise Conflict("attendance can be taken once the session has started")
    if status not in STATUSES:
        raise ValidationFailed("status", f"must be one of {', '.join(STATUSES)}")
    joined_at = record.joined_at if record is not None else None
    minutes = minutes_attended(session, status, minutes, joined_at)
    walk_in = participant_id not in expected
    if record is None:
        record = AttendanceRecord(
            uuid.uuid4(), session.id, participant_id, status, minutes, walk_in, None, now, recorded_by
        )
    elif (record.status, record.minutes, record.walk_in) == (status, minutes, walk_in):
        return record, None
    else:
        record.status, record.minutes, record.walk_in = status, minutes, walk_in
        record.recorded_at, record.recorded_by = now, recorded_by
    return record, recorded(session, record)


def record_join(
    session: Session,
    participant_id: uuid.UUID,
    outcome: str,
    now: datetime,
    record: AttendanceRecord | None = None,
    walk_in: bool = False,
) -> tuple[AttendanceRecord, AttendanceRecorded | None]:
    """Record a participant following their join link; `outcome` comes from `check_join`.

    The link proves presence, so it overrides 'absent' and 'not_recorded'; any other status the
    facilitator set stands, and a second click (a reconnect) changes nothing. `walk_in`: they were
    not on the roster at the start (enrolled while the session was under way).
    """
    if outcome not in ("present", "late"):
        raise ValueError(f"a join is 'present' or 'late', not {outcome!r}")
    if record is not None and record.joined_at is not None:
        return record, None
    minutes = minutes_attended(session, outcome, None, now)
    if record is None:
        record = AttendanceRecord(
            uuid.uuid4(), session.id, participant_id, outcome, minutes, walk_in, now, now, JOIN_LINK
        )
        return record, recorded(session, record)
    record.joined_at = now
    if record.status not in ("not_recorded", "absent"):
        return record, None
    record.status, record.minutes, record.recorded_at, record.recorded_by = outcome, minutes, now, JOIN_LINK
    return record, recorded(session, record)


def minutes_attended(session: Session, status: str, minutes: int | None, joined_at: datetime | None) -> int:
    """Check the given minutes against the session, or fill them in as the module docstring says."""
    if minutes is None:
        if status == "present":
            return session.duration_minutes
        if status in NOT_ATTENDED:
            return 0
        if status == "late" and joined_at is not None:
            stayed = (session.ends_at - max(joined_at, session.starts_at)).total_seconds() // 60
            return int(min(max(stayed, 0), session.duration_minutes))
        raise ValidationFailed("minutes", f"required when the status is {status}")
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValidationFailed("minutes", "must be a whole number of minutes")
    if not 0 <= minutes <= session.duration_minutes:
        raise ValidationFailed("minutes", f"must be between 0 and the session's {session.duration_minutes}")
    if status in NOT_ATTENDED and minutes != 0:
        raise ValidationFailed("minutes", f"must be 0 when the status is {status}")
    return minutes


def recorded(session: Session, record: AttendanceRecord) -> AttendanceRecorded:
    return AttendanceRecorded(
        str(session.id), str(session.group_id), str(record.participant_id), record.status, record.minutes,
        record.walk_in,
    )
