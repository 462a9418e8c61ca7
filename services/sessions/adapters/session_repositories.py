"""Repositories of sessions and attendance, with the scoped list queries of the API.

"A participant's sessions" means the sessions they were expected at (a membership of the group was
active at the start: rolling enrollment) plus any they attended as a walk-in.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session as DbSession

from services.sessions.adapters.orm import attendance, memberships, sessions
from services.sessions.adapters.repositories import facilitated_by
from services.sessions.domain.attendance import AttendanceRecord
from services.sessions.domain.model import Session
from shared.db import is_sqlite, one_of


_HELD = sessions.alias("held")  # made once: an alias builds a proxy of every column of the table


def session_ids_of(participant_id: uuid.UUID):
    """Ids of the participant's sessions: those they were a member during (expected at the start, or
    enrolled while one was under way, who may still join it) or walked in to.

    A UNION, so the database starts from the participant's memberships (then the group's sessions
    in each period) and attendance rows: the cost follows their history. An OR of two correlated
    EXISTS made PostgreSQL test every session of the service.
    """
    held = _HELD
    expected = (select(held.c.id).join(memberships, memberships.c.group_id == held.c.group_id)
                .where(memberships.c.participant_id == participant_id, memberships.c.active_from < held.c.ends_at,
                       or_(memberships.c.active_until.is_(None), memberships.c.active_until > held.c.starts_at)))
    # Not correlated: attended_or_expected joins attendance in the outer query as well.
    walked_in = select(attendance.c.session_id).where(attendance.c.participant_id == participant_id).correlate(None)
    return union(expected, walked_in)


def status_condition(status: str, now: datetime):
    """The clock-derived status as SQL, mirroring Session.status_at."""
    live = sessions.c.cancelled_at.is_(None)
    return {
        "cancelled": sessions.c.cancelled_at.is_not(None),
        "scheduled": and_(live, sessions.c.starts_at > now),
        "in_progress": and_(live, sessions.c.starts_at <= now, sessions.c.ends_at > now),
        "completed": and_(live, sessions.c.ends_at <= now),
    }[status]


class SessionRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def add(self, session: Session) -> None:
        self.db.add(session)

    def get(self, session_id: uuid.UUID) -> Session | None:
        return self.db.get(Session, session_id)

    def get_for_update(self, session_id: uuid.UUID) -> Session | None:
        return self.get_scoped(session_id, for_update=True)

    def get_scoped(self, session_id: uuid.UUID, *, facilitator_id: str | None = None,
                   participant_id: uuid.UUID | None = None, for_update: bool = False) -> Session | None:
        """The session, if it is of the facilitator's groups or among the participant's sessions (when
        given): one statement answers both "does it exist" and "may the caller see it".

        `for_update` takes a row lock: two facilitators saving one attendance sheet queue up (SQLite:
        every transaction begins IMMEDIATE).
        """
        query = select(Session).where(sessions.c.id == session_id)
        if facilitator_id is not None:
            query = query.where(facilitated_by(facilitator_id, sessions.c.group_id))
        if participant_id is not None:
            query = query.where(sessions.c.id.in_(session_ids_of(participant_id)))
        if for_update:
            query = query.execution_options(populate_existing=True)
            if not is_sqlite(self.db.get_bind()):
                query = query.with_for_update(of=sessions)
        return self.db.scalars(query).first()

    def generated_slots(self, group_id: uuid.UUID, slots: Iterable[datetime]) -> list[datetime]:
        """Which of these weekly slots already have a session (cancelled or moved ones included)."""
        slots = list(slots)
        if not slots:
            return []
        query = select(sessions.c.occurrence_starts_at).where(
            sessions.c.group_id == group_id, sessions.c.occurrence_starts_at >= min(slots),
            sessions.c.occurrence_starts_at <= max(slots))
        return list(self.db.scalars(query))

    def upcoming_for_participant(self, participant_id: uuid.UUID, now: datetime, limit: int,
                                 facilitator_id: str | None = None) -> list[Session]:
        """Not cancelled and not over yet (one in progress still shows), soonest first."""
        query = select(Session).where(self._of_participant(participant_id), sessions.c.cancelled_at.is_(None),
                                      sessions.c.ends_at > now)
        if facilitator_id:
            query = query.where(facilitated_by(facilitator_id, sessions.c.group_id))
        return list(self.db.scalars(query.order_by(sessions.c.starts_at, sessions.c.id).limit(limit)))

    def attended_or_expected(self, participant_id: uuid.UUID, starts_from: datetime, starts_before: datetime,
                             ) -> list[tuple[Session, AttendanceRecord | None]]:
        """Held (not cancelled) sessions in the period with the participant's record, oldest first."""
        query = (select(Session, AttendanceRecord)
                 .outerjoin(AttendanceRecord, and_(attendance.c.session_id == sessions.c.id,
                                                   attendance.c.participant_id == participant_id))
                 .where(self._of_participant(participant_id), sessions.c.cancelled_at.is_(None),
                        sessions.c.starts_at >= starts_from, sessions.c.starts_at < starts_before)
                 .order_by(sessions.c.starts_at, sessions.c.id))
        return [(row[0], row[1]) for row in self.db.execute(query)]

    def _of_participant(self, participant_id: uuid.UUID):
        return one_of(sessions.c.id, session_ids_of(participant_id), self.db.get_bind())


class AttendanceRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def add(self, record: AttendanceRecord) -> None:
        self.db.add(record)

    def for_session(self, session_id: uuid.UUID) -> dict[uuid.UUID, AttendanceRecord]:
        records = self.db.scalars(select(AttendanceRecord).where(attendance.c.session_id == session_id))
        return {record.participant_id: record for record in records}

    def get(self, session_id: uuid.UUID, participant_id: uuid.UUID) -> AttendanceRecord | None:
        query = select(AttendanceRecord).where(attendance.c.session_id == session_id,
                                               attendance.c.participant_id == participant_id)
        return self.db.scalars(query).first()

    def history_in_group(self, participant_id: uuid.UUID, group_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        """(session id, status) of the participant's records in one group by session start, for streaks."""
        self.db.flush()
        query = (select(attendance.c.session_id, attendance.c.status)
                 .join(sessions, sessions.c.id == attendance.c.session_id)
                 .where(attendance.c.participant_id == participant_id, sessions.c.group_id == group_id,
                        sessions.c.cancelled_at.is_(None))
                 .order_by(sessions.c.starts_at, sessions.c.id))
        return [(row.session_id, row.status) for row in self.db.execute(query)]
