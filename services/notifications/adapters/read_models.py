"""The read models: other services' facts as events report them, written so late events lose.

Every write is an upsert guarded by `version_at` (the event's occurred_at): whichever order the
events arrive in, the newest fact wins, and a fact about something not seen yet is simply stored.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import group_facilitators, groups, memberships, recipients, sessions
from services.notifications.domain.model import Group, Recipient
from services.notifications.domain.model import Session as SessionFacts


def dialect_insert(session: Session, table: Table):
    """INSERT that knows ON CONFLICT: both backends spell it the same, through their own dialect."""
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def upsert(session: Session, table: Table, values: dict[str, Any], key: str, newer_only: bool = True,
           columns: tuple[str, ...] | None = None) -> bool:
    """Insert or update `values`; True if the row now holds them (False: a newer fact was kept)."""
    stmt = dialect_insert(session, table).values(**values)
    changed = {name: stmt.excluded[name] for name in (columns or values) if name != key}
    where = table.c.version_at <= stmt.excluded.version_at if newer_only else None
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_=changed, where=where).returning(table.c[key])
    return session.execute(stmt).first() is not None


def to_recipient(row) -> Recipient:
    return Recipient(id=row.id, kind=row.kind, name=row.name, email=row.email, phone=row.phone,
                     timezone=row.timezone, channels=tuple(row.channels), sms_consent=row.sms_consent,
                     quiet_start=row.quiet_start, quiet_end=row.quiet_end, status=row.status,
                     page_link_generation=row.page_link_generation)


def to_group(row) -> Group:
    return Group(id=row.id, modality=row.modality, location=row.location, schedule=row.schedule,
                 facilitator_ids=tuple(row.facilitator_ids))


def to_session(row) -> SessionFacts:
    return SessionFacts(id=row.id, group_id=row.group_id, starts_at=row.starts_at, ends_at=row.ends_at,
                        modality=row.modality, location=row.location, status=row.status)


def member_condition(at: datetime | None = None):
    """An enrollment that has started and not ended (at `at`, or now if None)."""
    started = memberships.c.active_from.is_not(None)
    if at is not None:
        started = and_(started, memberships.c.active_from <= at)
    return and_(started, memberships.c.ended_at.is_(None))


class ReadModels:
    def __init__(self, session: Session):
        self.session = session

    # --- writes -------------------------------------------------------------------------------
    def save_recipient(self, values: dict[str, Any]) -> None:
        upsert(self.session, recipients, values, "id")

    def save_group(self, values: dict[str, Any]) -> None:
        if upsert(self.session, groups, values, "id"):
            self.session.execute(delete(group_facilitators).where(group_facilitators.c.group_id == values["id"]))
            if values["facilitator_ids"]:
                self.session.execute(insert(group_facilitators), [
                    {"group_id": values["id"], "facilitator_id": fid} for fid in values["facilitator_ids"]])

    def close_group(self, group_id: str, closed_at: datetime) -> None:
        self.session.execute(update(groups).where(groups.c.id == group_id).values(closed_at=closed_at))

    def start_membership(self, enrollment_id: str, group_id: str, participant_id: str, active_from: datetime):
        upsert(self.session, memberships, {"enrollment_id": enrollment_id, "group_id": group_id,
                                           "participant_id": participant_id, "active_from": active_from},
               "enrollment_id", newer_only=False)

    def end_membership(self, enrollment_id: str, group_id: str, participant_id: str, ended_at: datetime):
        upsert(self.session, memberships, {"enrollment_id": enrollment_id, "group_id": group_id,
                                           "participant_id": participant_id, "ended_at": ended_at},
               "enrollment_id", newer_only=False)

    def save_session(self, values: dict[str, Any]) -> bool:
        return upsert(self.session, sessions, values, "id")

    def cancel_session(self, values: dict[str, Any]) -> None:
        """A cancellation is final: it wins over any other fact about the session, whatever its age."""
        upsert(self.session, sessions, values, "id", newer_only=False, columns=("status", "version_at"))

    # --- reads --------------------------------------------------------------------------------
    def recipient(self, recipient_id: str) -> Recipient | None:
        row = self.session.execute(select(recipients).where(recipients.c.id == recipient_id)).first()
        return to_recipient(row) if row else None

    def recipients(self, ids: set[str]) -> dict[str, Recipient]:
        if not ids:
            return {}
        rows = self.session.execute(select(recipients).where(recipients.c.id.in_(ids)))
        return {row.id: to_recipient(row) for row in rows}

    def group(self, group_id: str) -> Group | None:
        row = self.session.execute(select(groups).where(groups.c.id == group_id)).first()
        return to_group(row) if row else None

    def session_facts(self, session_id: str) -> SessionFacts | None:
        row = self.session.execute(select(sessions).where(sessions.c.id == session_id)).first()
        return to_session(row) if row else None

    def active_members(self, group_id: str) -> list[str]:
        query = (select(memberships.c.participant_id).distinct()
                 .where(memberships.c.group_id == group_id, member_condition()))
        return sorted(self.session.scalars(query))

    def upcoming_sessions(self, group_id: str, after: datetime) -> list[SessionFacts]:
        query = (select(sessions).where(sessions.c.group_id == group_id, sessions.c.status == "scheduled",
                                        sessions.c.starts_at > after).order_by(sessions.c.starts_at))
        return [to_session(row) for row in self.session.execute(query)]

    # --- what the scheduler needs for a batch, in a few queries ---------------------------------------
    def sessions(self, ids: set[str]) -> dict[str, SessionFacts]:
        if not ids:
            return {}
        rows = self.session.execute(select(sessions).where(sessions.c.id.in_(ids)))
        return {row.id: to_session(row) for row in rows}

    def groups(self, ids: set[str]) -> dict[str, Group]:
        if not ids:
            return {}
        rows = self.session.execute(select(groups).where(groups.c.id.in_(ids)))
        return {row.id: to_group(row) for row in rows}

    def current_memberships(self, participant_ids: set[str]) -> set[tuple[str, str]]:
        """(group_id, participant_id) of the enrollments of these participants that are active now."""
        if not participant_ids:
            return set()
        query = select(memberships.c.group_id, memberships.c.participant_id).where(
            memberships.c.participant_id.in_(participant_ids), member_condition())
        return {(row.group_id, row.participant_id) for row in self.session.execute(query)}

    def next_sessions(self, group_ids: set[str], after: datetime) -> dict[str, SessionFacts]:
        """The next scheduled session of each of these groups (absent: nothing scheduled ahead)."""
        if not group_ids:
            return {}
        order = func.row_number().over(partition_by=sessions.c.group_id,
                                       order_by=(sessions.c.starts_at, sessions.c.id)).label("order_in_group")
        ahead = (select(sessions, order).where(sessions.c.group_id.in_(group_ids), sessions.c.status == "scheduled",
                                               sessions.c.starts_at > after).subquery())
        rows = self.session.execute(select(ahead).where(ahead.c.order_in_group == 1))
        return {row.group_id: to_session(row) for row in rows}

    def facilitates(self, facilitator_id: str, group_id: str) -> bool:
        query = select(group_facilitators.c.group_id).where(
            group_facilitators.c.group_id == group_id, group_facilitators.c.facilitator_id == facilitator_id)
        return self.session.execute(query).first() is not None
