"""Who belongs to a group when: the sessions service's copy of roster's enrollments.

Fed by `roster.enrollment.activated` / `roster.enrollment.ended`; a membership keeps its period rather
than a yes/no flag, so "who was expected at this session" has an answer for any date. With rolling
admission, someone who joins in week 3 is expected from week 3 on, and someone who left is not
expected after leaving.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime


class Membership:
    """One active enrollment period; `id` is roster's enrollment id (a re-enrollment is a new row)."""

    def __init__(
        self,
        id: uuid.UUID,
        group_id: uuid.UUID,
        participant_id: uuid.UUID,
        active_from: datetime,
        active_until: datetime | None = None,
    ) -> None:
        self.id = id
        self.group_id = group_id
        self.participant_id = participant_id
        self.active_from = active_from
        self.active_until = active_until

    def __repr__(self) -> str:
        return f"<Membership {self.id} participant={self.participant_id} group={self.group_id}>"

    def is_active_at(self, moment: datetime) -> bool:
        # Half-open period: someone whose enrollment ended at 18:00 is not expected at the 18:00 session.
        return self.active_from <= moment and (self.active_until is None or moment < self.active_until)

    def activated(self, at: datetime) -> None:
        """Apply `enrollment.activated` to a known period; the earliest start wins, so a duplicate
        changes nothing and an activation arriving after the end (out of order) still opens it."""
        if at < self.active_from:
            self.active_from = at

    def end(self, at: datetime) -> None:
        """Close the period; a redelivered `enrollment.ended` keeps the first end time."""
        if self.active_until is None:
            self.active_until = max(at, self.active_from)


def expected_participants(memberships: Iterable[Membership], session_starts_at: datetime) -> list[uuid.UUID]:
    """The group's active roster at the session's start, in enrollment order, each participant once."""
    expected: dict[uuid.UUID, None] = {}
    for membership in sorted(memberships, key=lambda m: m.active_from):
        if membership.is_active_at(session_starts_at):
            expected.setdefault(membership.participant_id, None)
    return list(expected)


def is_active_member(memberships: Iterable[Membership], participant_id: uuid.UUID, at: datetime) -> bool:
    """Whether this participant is enrolled right now: a join link dies with the enrollment."""
    return any(m.participant_id == participant_id and m.is_active_at(at) for m in memberships)
