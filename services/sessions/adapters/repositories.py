"""Repositories of the read model (groups, memberships) and of disclosures.

Sessions and attendance, with their scoped queries, are in session_repositories.py.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, delete, exists, insert, or_, select
from sqlalchemy.orm import Session as DbSession

from services.sessions.adapters.orm import disclosures, group_facilitators, groups, memberships
from services.sessions.domain.disclosure import Disclosure
from services.sessions.domain.group import Group
from services.sessions.domain.membership import Membership
from shared.db import is_sqlite
from shared.pagination import paginate


class GroupRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def get(self, group_id: uuid.UUID) -> Group | None:
        return self.db.get(Group, group_id)

    def get_for_update(self, group_id: uuid.UUID) -> Group | None:
        """Load with a row lock so two generations for one group run one after the other.

        SQLite has no row locks; there every transaction already begins IMMEDIATE (one writer).
        """
        query = select(Group).where(groups.c.id == group_id).execution_options(populate_existing=True)
        if not is_sqlite(self.db.get_bind()):
            query = query.with_for_update()
        return self.db.scalars(query).first()

    def add(self, group: Group) -> None:
        self.db.add(group)
        self.sync_facilitators(group)

    def sync_facilitators(self, group: Group) -> None:
        self.db.flush()
        self.db.execute(delete(group_facilitators).where(group_facilitators.c.group_id == group.id))
        self.db.execute(insert(group_facilitators), [
            {"group_id": group.id, "facilitator_id": fid} for fid in dict.fromkeys(group.facilitator_ids)])

    def led_by(self, facilitator_id: str) -> list[uuid.UUID]:
        """The groups this facilitator leads (first of roster's facilitator list)."""
        query = select(Group).join(group_facilitators, group_facilitators.c.group_id == groups.c.id).where(
            group_facilitators.c.facilitator_id == facilitator_id)
        return [group.id for group in self.db.scalars(query) if group.facilitator_ids[:1] == [facilitator_id]]

    def facilitates_member(self, facilitator_id: str, participant_id: uuid.UUID) -> bool:
        """Whether the participant has ever been a member of one of this facilitator's groups."""
        return self.db.execute(FACILITATES_MEMBER, {"facilitator_id": facilitator_id,
                                                    "participant_id": participant_id}).first() is not None


def facilitated_by(facilitator_id, group_id_col):
    return exists().where(group_facilitators.c.group_id == group_id_col,
                          group_facilitators.c.facilitator_id == facilitator_id)


# Whether a participant was ever a member of one of a facilitator's groups (bound parameters).
FACILITATES_MEMBER = select(memberships.c.id).where(
    memberships.c.participant_id == bindparam("participant_id", type_=memberships.c.participant_id.type),
    facilitated_by(bindparam("facilitator_id"), memberships.c.group_id)).limit(1)


class MembershipRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def get(self, enrollment_id: uuid.UUID) -> Membership | None:
        return self.db.get(Membership, enrollment_id)

    def add(self, membership: Membership) -> None:
        self.db.add(membership)

    def for_group(self, group_id: uuid.UUID) -> list[Membership]:
        return list(self.db.scalars(select(Membership).where(memberships.c.group_id == group_id)))

    def is_active(self, participant_id: uuid.UUID, group_id: uuid.UUID, at: datetime) -> bool:
        query = select(memberships.c.id).where(
            memberships.c.participant_id == participant_id, memberships.c.group_id == group_id,
            memberships.c.active_from <= at,
            or_(memberships.c.active_until.is_(None), memberships.c.active_until > at))
        return self.db.execute(query.limit(1)).first() is not None

    def active_groups(self, participant_id: uuid.UUID, at: datetime) -> set[uuid.UUID]:
        query = select(memberships.c.group_id).where(
            memberships.c.participant_id == participant_id, memberships.c.active_from <= at,
            or_(memberships.c.active_until.is_(None), memberships.c.active_until > at))
        return set(self.db.scalars(query))

    def latest_timezone(self, participant_id: uuid.UUID) -> str | None:
        """The time zone of the group the participant joined last: where their week is cut."""
        query = (select(groups.c.timezone).join(memberships, memberships.c.group_id == groups.c.id)
                 .where(memberships.c.participant_id == participant_id)
                 .order_by(memberships.c.active_from.desc()).limit(1))
        return self.db.scalars(query).first()


class DisclosureRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def add(self, disclosure: Disclosure) -> None:
        self.db.add(disclosure)

    def page_for_participant(self, participant_id: uuid.UUID, limit: int, cursor: str | None):
        query = select(Disclosure).where(disclosures.c.participant_id == participant_id)
        return paginate(self.db, query, disclosures.c.created_at, disclosures.c.id, limit, cursor)
