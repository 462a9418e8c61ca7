"""Roster repositories: loading and saving aggregates, and the scoped list queries of the API."""
from __future__ import annotations

from sqlalchemy import and_, delete, exists, func, insert, or_, select, union
from sqlalchemy.orm import Session, selectinload

from services.roster.adapters.orm import enrollments, group_facilitators, groups, participants
from services.roster.domain.model import Enrollment, Group
from services.roster.domain.people import Facilitator, Participant
from shared.db import is_sqlite, one_of
from shared.pagination import paginate

MIN_ACTIVE = 6
CURRENT = ("active", "waitlisted")  # the enrollments every capacity and waitlist rule works on


class FacilitatorRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, facilitator: Facilitator) -> None:
        self.session.add(facilitator)

    def get(self, facilitator_id: str) -> Facilitator | None:
        return self.session.get(Facilitator, facilitator_id)

    def email_taken(self, email: str) -> bool:
        return self.session.execute(select(Facilitator.id).where(Facilitator.email == email)).first() is not None

    def missing(self, ids: list[str]) -> list[str]:
        found = set(self.session.scalars(select(Facilitator.id).where(Facilitator.id.in_(ids))))
        return [i for i in ids if i not in found]

    def page(self, limit: int, cursor: str | None, email: str | None = None):
        query = select(Facilitator)
        if email:  # addresses are compared without case: providers differ in how they spell them
            query = query.where(func.lower(Facilitator.email) == email.lower())
        return paginate(self.session, query, Facilitator.created_at, Facilitator.id, limit, cursor)


class ParticipantRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, participant: Participant) -> None:
        self.session.add(participant)

    def get(self, participant_id: str) -> Participant | None:
        return self.session.get(Participant, participant_id)

    def get_visible_to_facilitator(self, facilitator_id: str, participant_id: str) -> Participant | None:
        """The participant if this facilitator may see them, else None: one statement for both."""
        query = select(Participant).where(participants.c.id == participant_id,
                                          participants.c.id.in_(caseload(facilitator_id)))
        return self.session.scalars(query).first()

    def page(self, limit: int, cursor: str | None, visible_to_facilitator: str | None = None, *,
             group_id: str | None = None, ids: list[str] | None = None, search: str | None = None):
        """With `group_id`, those ever enrolled in that group; `ids`, those; `search`, a name or email
        containing the text (the console's "find a participant")."""
        query = select(Participant)
        if visible_to_facilitator is not None:
            query = query.where(self._in_caseload(visible_to_facilitator))
        if group_id is not None:
            query = query.where(participants.c.id.in_(
                select(enrollments.c.participant_id).where(enrollments.c.group_id == group_id)))
        if ids:
            query = query.where(participants.c.id.in_(ids))
        if search:
            pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(func.lower(participants.c.preferred_name).like(pattern, escape="\\"),
                                    func.lower(participants.c.email).like(pattern, escape="\\")))
        return paginate(self.session, query, Participant.created_at, Participant.id, limit, cursor)

    def visible_to_facilitator(self, facilitator_id: str, participant_id: str) -> bool:
        return self.get_visible_to_facilitator(facilitator_id, participant_id) is not None

    def _in_caseload(self, facilitator_id: str):
        return one_of(participants.c.id, caseload(facilitator_id), self.session.get_bind())


def caseload(facilitator_id: str):
    """Ids of the participants a facilitator sees: registered by them, or ever enrolled in one of their groups.

    A UNION, so the database starts from the facilitator's own rows and the cost follows their
    caseload; an OR of the two conditions made PostgreSQL test every participant of the service.
    """
    registered = participants.alias("registered")
    registered_by_them = select(registered.c.id).where(registered.c.registered_by == facilitator_id)
    in_their_groups = (select(enrollments.c.participant_id)
                       .join(group_facilitators, group_facilitators.c.group_id == enrollments.c.group_id)
                       .where(group_facilitators.c.facilitator_id == facilitator_id))
    return union(registered_by_them, in_their_groups)


class GroupRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, group: Group) -> None:
        self.session.add(group)
        self.sync_facilitators(group)

    def get(self, group_id: str) -> Group | None:
        return self.session.get(Group, group_id)


    def get_for_update(self, group_id: str, with_enrollment: str | None = None) -> Group | None:
        """Load a group with a row lock, so concurrent enrollments queue up behind each other.

        `enrollments` holds the current ones only (active and waitlisted, all the rules need), plus
        `with_enrollment` when given, so the cost does not grow with the group's history.
        SQLite has no row locks; there every transaction already begins IMMEDIATE (one writer).
        """
        wanted = Enrollment.status.in_(CURRENT)
        if with_enrollment is not None:
            wanted = or_(wanted, Enrollment.id == with_enrollment)
        query = (select(Group).where(Group.id == group_id)
                 .options(selectinload(Group.enrollments.and_(wanted)))
                 .execution_options(populate_existing=True))
        if not is_sqlite(self.session.get_bind()):
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def sync_facilitators(self, group: Group) -> None:
        self.session.flush()
        self.session.execute(delete(group_facilitators).where(group_facilitators.c.group_id == group.id))
        self.session.execute(insert(group_facilitators), [
            {"group_id": group.id, "facilitator_id": fid, "position": pos}
            for pos, fid in enumerate(group.facilitator_ids)])

    def page(self, limit: int, cursor: str | None, *, kind=None, modality=None, status=None,
             facilitator_id=None, member_id=None):
        query = select(Group)
        if kind:
            query = query.where(groups.c.kind == kind)
        if modality:
            query = query.where(groups.c.modality == modality)
        if status:
            query = query.where(status_condition(status))
        if facilitator_id:
            query = query.where(exists().where(group_facilitators.c.group_id == groups.c.id,
                                               group_facilitators.c.facilitator_id == facilitator_id))
        if member_id:
            query = query.where(exists().where(enrollments.c.group_id == groups.c.id,
                                               enrollments.c.participant_id == member_id))
        return paginate(self.session, query, Group.created_at, Group.id, limit, cursor)


def status_condition(status: str):
    """The derived group status as SQL, mirroring Group.status."""
    open_ = groups.c.closed_at.is_(None)
    return {
        "closed": groups.c.closed_at.is_not(None),
        "full": and_(open_, groups.c.active_count >= groups.c.capacity),
        "forming": and_(open_, groups.c.active_count < groups.c.capacity, groups.c.active_count < MIN_ACTIVE),
        "active": and_(open_, groups.c.active_count < groups.c.capacity, groups.c.active_count >= MIN_ACTIVE),
    }[status]


class EnrollmentRepository:
    def __init__(self, session: Session):
        self.session = session

    def page_for_group(self, group_id: str, limit: int, cursor: str | None, status: str | None = None,
                       facilitated_by: str | None = None):
        """A page of the group's enrollments; with `facilitated_by`, empty unless that facilitator runs it
        (the access check rides along in the one statement)."""
        query = select(Enrollment).where(enrollments.c.group_id == group_id)
        if status:
            query = query.where(enrollments.c.status == status)
        if facilitated_by:
            query = query.where(exists().where(group_facilitators.c.group_id == group_id,
                                               group_facilitators.c.facilitator_id == facilitated_by))
        return paginate(self.session, query, Enrollment.enrolled_at, Enrollment.id, limit, cursor)

    def page_for_participant(self, participant_id: str, limit: int, cursor: str | None,
                             only_groups_of_facilitator: str | None = None):
        query = select(Enrollment).where(enrollments.c.participant_id == participant_id)
        if only_groups_of_facilitator:
            query = query.where(exists().where(
                group_facilitators.c.group_id == enrollments.c.group_id,
                group_facilitators.c.facilitator_id == only_groups_of_facilitator))
        return paginate(self.session, query, Enrollment.enrolled_at, Enrollment.id, limit, cursor)
