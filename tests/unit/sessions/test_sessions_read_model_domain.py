"""The read-model classes on their own: a group copy that ignores older states, memberships whose
periods come out right whatever order roster's events arrive in, and the disclosure log entry."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.sessions.domain.disclosure import REDISCLOSURE_NOTICE, record_disclosure
from services.sessions.domain.errors import ValidationFailed
from services.sessions.domain.group import Group
from services.sessions.domain.membership import Membership

T = datetime(2026, 10, 1, 12, tzinfo=timezone.utc)
SCHEDULE = {"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 180, "timezone": "America/New_York"}


def group_data(**changes):
    return {"group_id": str(uuid.uuid4()), "facilitator_ids": [str(uuid.uuid4())], "schedule": SCHEDULE,
            "modality": "in_person", "location": "Room 2", "starts_on": date(2026, 10, 5), "ends_on": None,
            **changes}


def test_a_group_copy_takes_newer_states_and_ignores_older_ones():
    data = group_data()
    group = Group.from_roster(data, T)
    assert (group.timezone, group.session_minutes, group.weekly_schedule().weekdays) == (
        "America/New_York", 180, frozenset({0}))

    assert group.apply_roster_change({**data, "modality": "virtual", "location": None}, T + timedelta(seconds=1))
    assert not group.apply_roster_change({**data, "modality": "hybrid"}, T)  # older: ignored
    assert group.modality == "virtual"


def test_a_group_closes_once():
    group = Group.from_roster(group_data(), T)
    group.close(T + timedelta(days=1))
    group.close(T + timedelta(days=2))
    assert group.is_closed and group.closed_at == T + timedelta(days=1)


def test_a_membership_keeps_the_earliest_start_and_the_first_end():
    ended_first = Membership(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), T + timedelta(days=9), T + timedelta(days=9))
    ended_first.activated(T)  # the activation arrives after the end
    ended_first.end(T + timedelta(days=20))  # a repeated end
    assert (ended_first.active_from, ended_first.active_until) == (T, T + timedelta(days=9))
    assert ended_first.is_active_at(T + timedelta(days=3)) and not ended_first.is_active_at(T + timedelta(days=9))


def test_a_disclosure_needs_a_purpose_and_a_recipient_and_a_sane_period():
    who = ("facilitator", str(uuid.uuid4()))
    period = (date(2026, 10, 1), date(2026, 10, 31))
    disclosure = record_disclosure(uuid.uuid4(), who, " Court proof ", "Probation office", period, 4, T)
    assert (disclosure.purpose, disclosure.notice, disclosure.sessions_disclosed) == (
        "Court proof", REDISCLOSURE_NOTICE, 4)
    for purpose, recipient, dates, field in [("", "Court", period, "purpose"), ("Proof", " ", period, "recipient"),
                                             ("Proof", "Court", (period[1], period[0]), "to"),
                                             ("Proof", "Court", (date(2025, 1, 1), date(2026, 12, 31)), "to")]:
        with pytest.raises(ValidationFailed) as refused:
            record_disclosure(uuid.uuid4(), who, purpose, recipient, dates, 0, T)
        assert refused.value.field == field
