"""Group set-up: defaults, validation, derived status, updates and closing."""
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.roster.domain.errors import Conflict, ValidationFailed
from services.roster.domain.events import (
    EnrollmentActivated, EnrollmentEnded, GroupClosed, GroupCreated, GroupUpdated)
from services.roster.domain.model import Group
from services.roster.domain.schedule import WeeklySchedule

NOW = datetime(2025, 1, 1, 12, tzinfo=UTC)
LEAD, CO_LEAD = str(uuid.uuid4()), str(uuid.uuid4())


def new_group(**overrides) -> Group:
    settings = {
        "name": "Monday-Wednesday evening", "kind": "process", "modality": "in_person",
        "location": "Room 2, 12 Elm St", "facilitator_ids": [LEAD, CO_LEAD],
        "schedule": {"weekdays": ["mon", "wed"], "start_time": "18:00", "duration_minutes": 180,
                     "timezone": "America/New_York"},
        "starts_on": date(2025, 1, 6),
    } | overrides
    group, _ = Group.create(**settings, now=NOW)
    return group


def with_members(group: Group, count: int) -> Group:
    for _ in range(count):
        group.enroll(str(uuid.uuid4()), NOW)
    return group


@pytest.mark.parametrize("kind, capacity", [("process", 10), ("psychoeducation", 15)])
def test_capacity_defaults_by_kind(kind, capacity):
    group = new_group(kind=kind)
    assert group.capacity == capacity
    assert group.enrollment_policy == "open"
    assert group.schedule == WeeklySchedule(("mon", "wed"), time(18), 180, "America/New_York")


def test_create_announces_the_group():
    group, events = Group.create(name="Tuesday", kind="process", modality="virtual",
                                 facilitator_ids=[LEAD], schedule=new_group().schedule,
                                 starts_on="2025-01-07", now=NOW)
    assert [type(e) for e in events] == [GroupCreated]
    assert events[0].data()["group_id"] == group.id
    assert (group.status, group.active_count, group.waitlist_count, group.closed_at) == ("forming", 0, 0, None)
    assert group.created_at == group.updated_at == NOW


@pytest.mark.parametrize("capacity", [5, 16, 0, "10", True])
def test_capacity_outside_6_to_15_is_refused(capacity):
    with pytest.raises(ValidationFailed) as caught:
        new_group(capacity=capacity)
    assert caught.value.field == "capacity"


@pytest.mark.parametrize("capacity", [6, 15])
def test_capacity_bounds_are_inclusive(capacity):
    assert new_group(capacity=capacity).capacity == capacity


@pytest.mark.parametrize("overrides, field", [
    ({"name": "  "}, "name"),
    ({"kind": "support"}, "kind"),
    ({"modality": "phone"}, "modality"),
    ({"modality": "in_person", "location": None}, "location"),
    ({"modality": "hybrid", "location": ""}, "location"),
    ({"enrollment_policy": "invite"}, "enrollment_policy"),
    ({"facilitator_ids": []}, "facilitator_ids"),
    ({"facilitator_ids": [LEAD, LEAD]}, "facilitator_ids"),
    ({"facilitator_ids": ["not-a-uuid"]}, "facilitator_ids"),
    ({"schedule": {"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 600,
                   "timezone": "America/New_York"}}, "schedule.duration_minutes"),
    ({"schedule": "mondays"}, "schedule"),
    ({"starts_on": datetime(2025, 1, 6)}, "starts_on"),
    ({"ends_on": date(2025, 1, 5)}, "ends_on"),
])
def test_invalid_settings_name_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        new_group(**overrides)
    assert caught.value.field == field


def test_a_virtual_group_needs_no_location():
    assert new_group(modality="virtual", location=None).location is None


@pytest.mark.parametrize("members, status", [(0, "forming"), (5, "forming"), (6, "active"),
                                             (9, "active"), (10, "full")])
def test_status_follows_active_membership(members, status):
    assert with_members(new_group(), members).status == status


def test_a_closed_group_reads_closed_whatever_its_membership():
    group = with_members(new_group(), 7)
    group.close(NOW)
    assert group.status == "closed"


def test_update_changes_fields_and_announces_them():
    group = new_group()
    later = NOW + timedelta(hours=1)
    events = group.update({"name": "Evening group", "modality": "virtual"}, later)
    assert (group.name, group.modality, group.updated_at) == ("Evening group", "virtual", later)
    assert [type(e) for e in events] == [GroupUpdated]
    assert events[0].data()["name"] == "Evening group"


def test_an_update_that_changes_nothing_announces_nothing():
    group = new_group()
    assert group.update({"name": group.name, "schedule": group.schedule.to_dict()}, NOW) == []


def test_changing_kind_keeps_the_capacity():
    group = new_group(kind="process")
    group.update({"kind": "psychoeducation"}, NOW)
    assert group.capacity == 10


@pytest.mark.parametrize("changes, field", [
    ({"capacity": 16}, "capacity"), ({"capacity": None}, "capacity"),
    ({"modality": "hybrid", "location": None}, "location"), ({"id": "x"}, "id"),
    ({"active_count": 0}, "active_count"), ({"closed_at": NOW}, "closed_at"),
])
def test_invalid_updates_name_the_field_and_leave_the_group_alone(changes, field):
    group = new_group()
    with pytest.raises(ValidationFailed) as caught:
        group.update(changes, NOW)
    assert caught.value.field == field
    assert (group.capacity, group.location) == (10, "Room 2, 12 Elm St")


def test_capacity_cannot_drop_below_the_active_members():
    group = with_members(new_group(), 8)
    with pytest.raises(Conflict):
        group.update({"capacity": 7}, NOW)
    assert group.capacity == 10
    group.update({"capacity": 8}, NOW)
    assert (group.capacity, group.status) == (8, "full")


def test_raising_capacity_moves_waitlisted_members_into_the_new_places():
    group = with_members(new_group(), 13)
    waiting = group.waitlist
    events = group.update({"capacity": 12}, NOW + timedelta(days=1))
    assert [type(e) for e in events] == [GroupUpdated, EnrollmentActivated, EnrollmentActivated]
    assert events[0].data()["status"] == "full"
    promoted = [e.data() for e in events[1:]]
    assert [p["enrollment_id"] for p in promoted] == [waiting[0].id, waiting[1].id]
    assert all(p["from_waitlist"] for p in promoted)
    assert (group.active_count, group.waitlist_count) == (12, 1)
    assert waiting[2].waitlist_position == 1


def test_closing_ends_every_current_membership():
    group = with_members(new_group(), 11)
    active, waiting = group.enrollments[0], group.waitlist[0]
    events = group.close(NOW + timedelta(days=60))
    assert isinstance(events[0], GroupClosed)
    assert events[0].data() == {"group_id": group.id, "closed_at": "2025-03-02T12:00:00+00:00"}
    ended = [e for e in events if isinstance(e, EnrollmentEnded)]
    assert len(ended) == 11
    assert (active.status, waiting.status, waiting.waitlist_position) == ("completed", "transferred", None)
    assert (group.active_count, group.waitlist_count) == (0, 0)


def test_a_closed_group_cannot_be_closed_changed_or_joined_again():
    group = new_group()
    group.close(NOW)
    for attempt in (lambda: group.close(NOW), lambda: group.update({"name": "again"}, NOW),
                    lambda: group.enroll(str(uuid.uuid4()), NOW)):
        with pytest.raises(Conflict):
            attempt()


def test_now_must_carry_a_time_zone():
    with pytest.raises(ValueError):
        new_group().close(datetime(2025, 1, 1))
