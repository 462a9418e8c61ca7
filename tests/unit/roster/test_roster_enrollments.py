"""Joining and leaving a group: places, the waitlist, promotion and the closed-cohort rule."""
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.roster.domain.errors import Conflict, NotFound, ValidationFailed
from services.roster.domain.events import EnrollmentActivated, EnrollmentEnded, EnrollmentWaitlisted
from services.roster.domain.model import Group

NOW = datetime(2025, 1, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


def new_group(**overrides) -> Group:
    settings = {
        "name": "Evening process", "kind": "process", "modality": "virtual",
        "facilitator_ids": [str(uuid.uuid4())], "starts_on": date(2025, 1, 6),
        "schedule": {"weekdays": ["mon", "wed"], "start_time": "18:00", "duration_minutes": 180,
                     "timezone": "America/New_York"},
    } | overrides
    return Group.create(**settings, now=NOW)[0]


def fill(group: Group, count: int) -> list:
    return [group.enroll(str(uuid.uuid4()), NOW) for _ in range(count)]


def positions(group: Group) -> list[int | None]:
    return [e.waitlist_position for e in group.waitlist]


def test_sixteen_into_ten_places_gives_ten_active_and_six_waiting_in_order():
    group = new_group(capacity=10)
    results = fill(group, 16)
    announced = [events[0] for _, events in results]
    assert all(isinstance(e, EnrollmentActivated) and not e.from_waitlist for e in announced[:10])
    assert [e.position for e in announced[10:]] == [1, 2, 3, 4, 5, 6]
    enrollments = [enrollment for enrollment, _ in results]
    assert [e.status for e in enrollments] == ["active"] * 10 + ["waitlisted"] * 6
    assert all(e.activated_at == NOW and e.waitlist_position is None for e in enrollments[:10])
    assert all(e.activated_at is None for e in enrollments[10:])
    assert (group.active_count, group.waitlist_count, group.status) == (10, 6, "full")
    assert positions(group) == [1, 2, 3, 4, 5, 6]


def test_ending_an_active_membership_promotes_the_head_of_the_waitlist():
    group = new_group(capacity=6)
    fill(group, 9)
    leaving, head = group.enrollments[2], group.waitlist[0]
    events = group.end_enrollment(leaving.id, "discharged", LATER)
    assert [type(e) for e in events] == [EnrollmentEnded, EnrollmentActivated]
    assert events[0].data() | {"enrollment_id": None} == {
        "enrollment_id": None, "group_id": group.id, "participant_id": leaving.participant_id,
        "reason": "discharged", "ended_at": LATER.isoformat(), "previous_status": "active"}
    assert (events[1].enrollment_id, events[1].from_waitlist, events[1].active_from) == (
        head.id, True, LATER.isoformat())
    assert (leaving.status, leaving.end_reason, leaving.ended_at) == ("discharged", "discharged", LATER)
    assert (head.status, head.waitlist_position, head.activated_at) == ("active", None, LATER)
    assert positions(group) == [1, 2]
    assert (group.active_count, group.waitlist_count) == (6, 2)


def test_ending_a_waitlisted_place_closes_the_gap_without_promoting_anyone():
    group = new_group(capacity=6)
    fill(group, 10)
    second = group.waitlist[1]
    events = group.end_enrollment(second.id, "withdrew", LATER)
    assert [type(e) for e in events] == [EnrollmentEnded]
    assert events[0].previous_status == "waitlisted"
    assert second.waitlist_position is None
    assert positions(group) == [1, 2, 3]
    assert (group.active_count, group.waitlist_count) == (6, 3)


def test_ending_an_active_membership_with_nobody_waiting_frees_the_place():
    group = new_group()
    fill(group, 6)
    assert group.end_enrollment(group.enrollments[0].id, "completed", LATER)[0].reason == "completed"
    assert (group.active_count, group.status) == (5, "forming")


def test_ended_memberships_stay_in_the_history():
    group = new_group()
    enrollment, _ = group.enroll(str(uuid.uuid4()), NOW)
    group.end_enrollment(enrollment.id, "stepped_up", LATER)
    assert group.enrollments == [enrollment]
    assert not enrollment.is_current


def test_a_participant_has_one_current_enrollment_per_group():
    group = new_group(capacity=6)
    fill(group, 6)
    participant = str(uuid.uuid4())
    waiting, _ = group.enroll(participant, NOW)
    with pytest.raises(Conflict):
        group.enroll(participant, NOW)
    group.end_enrollment(waiting.id, "withdrew", LATER)
    again, _ = group.enroll(participant, LATER)
    assert again.is_current and again.id != waiting.id


def test_ending_twice_is_a_conflict_and_unknown_ids_are_not_found():
    group = new_group()
    enrollment, _ = group.enroll(str(uuid.uuid4()), NOW)
    group.end_enrollment(enrollment.id, "completed", LATER)
    with pytest.raises(Conflict):
        group.end_enrollment(enrollment.id, "completed", LATER)
    with pytest.raises(NotFound):
        group.end_enrollment(str(uuid.uuid4()), "completed", LATER)


@pytest.mark.parametrize("reason", ["graduated", "active", "waitlisted", None])
def test_an_unknown_end_reason_names_the_field(reason):
    group = new_group()
    enrollment, _ = group.enroll(str(uuid.uuid4()), NOW)
    with pytest.raises(ValidationFailed) as caught:
        group.end_enrollment(enrollment.id, reason, LATER)
    assert caught.value.field == "reason"
    assert enrollment.status == "active"


def test_participant_id_must_be_a_uuid():
    with pytest.raises(ValidationFailed) as caught:
        new_group().enroll("bob", NOW)
    assert caught.value.field == "participant_id"


def test_new_members_queue_behind_the_waitlist_after_an_ending():
    group = new_group(capacity=6)
    fill(group, 8)
    group.end_enrollment(group.waitlist[0].id, "withdrew", LATER)
    newcomer, events = group.enroll(str(uuid.uuid4()), LATER)
    assert isinstance(events[0], EnrollmentWaitlisted)
    assert newcomer.waitlist_position == 2 and positions(group) == [1, 2]


def cohort_starting_on_dst_day() -> Group:
    # Sunday 2024-03-10 is the day New York moves to EDT: 18:00 local is 22:00 UTC, not 23:00.
    return new_group(enrollment_policy="closed", starts_on=date(2024, 3, 10),
                     schedule={"weekdays": ["sun"], "start_time": "18:00",
                               "duration_minutes": 90, "timezone": "America/New_York"})


def test_a_closed_cohort_admits_until_its_first_session_starts():
    group = cohort_starting_on_dst_day()
    assert group.first_session_at == datetime(2024, 3, 10, 22, tzinfo=UTC)
    enrollment, _ = group.enroll(str(uuid.uuid4()), datetime(2024, 3, 10, 21, 59, tzinfo=UTC))
    assert enrollment.status == "active"


@pytest.mark.parametrize("now", [datetime(2024, 3, 10, 22, tzinfo=UTC),
                                 datetime(2024, 3, 10, 22, 30, tzinfo=UTC),
                                 datetime(2024, 4, 1, tzinfo=UTC)])
def test_a_closed_cohort_refuses_newcomers_from_its_first_session_on(now):
    with pytest.raises(Conflict):
        cohort_starting_on_dst_day().enroll(str(uuid.uuid4()), now)


def test_an_open_group_keeps_admitting_after_it_started():
    group = new_group(starts_on=date(2024, 3, 10))
    assert group.enroll(str(uuid.uuid4()), datetime(2024, 6, 1, tzinfo=UTC))[0].status == "active"


def test_a_group_past_its_end_date_admits_nobody():
    group = new_group(ends_on=date(2025, 2, 28))
    # 2025-03-01 03:00 UTC is still 2025-02-28 in New York: the last day still counts.
    group.enroll(str(uuid.uuid4()), datetime(2025, 3, 1, 3, tzinfo=UTC))
    with pytest.raises(Conflict):
        group.enroll(str(uuid.uuid4()), datetime(2025, 3, 1, 6, tzinfo=UTC))
