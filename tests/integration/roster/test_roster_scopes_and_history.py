"""Who sees which participants and groups, and what a group's past enrollments change, on SQLite and
PostgreSQL: a facilitator sees exactly those they registered or who were ever in one of their groups,
across pages; ended enrollments neither take places nor block coming back; each read is one statement."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from tests.integration.roster.roster_client import ADMIN, RosterClient
from tests.support.tokens import bearer


@pytest.fixture
def roster(settings_for):
    return RosterClient(settings_for("roster"))


def all_pages(roster: RosterClient, path: str, headers: dict) -> list[str]:
    """Every item of a list, two to a page, following the cursors."""
    ids, cursor = [], None
    while True:
        r = roster.http.get(path, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert r.status_code == 200, r.json
        ids += [item["id"] for item in r.json["items"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            return ids


def end(roster: RosterClient, group_id: str, enrollment_id: str, headers=ADMIN):
    return roster.http.post(f"/v1/groups/{group_id}/enrollments/{enrollment_id}/end", json={"reason": "completed"},
                            headers=headers)


def test_a_facilitator_sees_exactly_their_caseload_across_pages(roster):
    mine, theirs = roster.facilitator("Mine"), roster.facilitator("Theirs")
    me, them = bearer("facilitator", mine["id"]), bearer("facilitator", theirs["id"])
    my_group = roster.group([mine["id"]], headers=me)
    co_led = roster.group([theirs["id"], mine["id"]], headers=them)
    their_group = roster.group([theirs["id"]], headers=them)
    registered = [roster.participant(headers=me)["id"] for _ in range(2)]
    also_in_my_group = roster.participant(headers=me)["id"]  # on both sides of the rule, listed once
    active, left, co_led_member, outsider = (roster.participant(headers=them)["id"] for _ in range(4))
    stranger = roster.participant()["id"]
    for group, pid in [(my_group, also_in_my_group), (my_group, active), (my_group, left), (co_led, co_led_member),
                       (their_group, outsider)]:
        assert roster.enroll(group["id"], pid, headers=them if group is not my_group else me).status_code == 201
    left_enrollment = roster.http.get(f"/v1/participants/{left}/enrollments", headers=ADMIN).json["items"][0]
    assert end(roster, my_group["id"], left_enrollment["id"], headers=me).status_code == 200

    listed = all_pages(roster, "/v1/participants", me)

    caseload = registered + [also_in_my_group, active, left, co_led_member]
    assert sorted(listed) == sorted(caseload) and len(listed) == len(caseload)
    for pid in caseload:
        assert roster.http.get(f"/v1/participants/{pid}", headers=me).status_code == 200
    for pid in (outsider, stranger):
        assert roster.http.get(f"/v1/participants/{pid}", headers=me).status_code == 404
        assert roster.http.patch(f"/v1/participants/{pid}", json={"preferred_name": "X"}, headers=me).status_code == 404
        assert roster.http.get(f"/v1/participants/{pid}/enrollments", headers=me).status_code == 404


def test_a_facilitator_lists_a_participants_enrollments_in_their_own_groups_only(roster):
    mine, theirs = roster.facilitator("Mine"), roster.facilitator("Theirs")
    me, them = bearer("facilitator", mine["id"]), bearer("facilitator", theirs["id"])
    my_group, their_group = roster.group([mine["id"]], headers=me), roster.group([theirs["id"]], headers=them)
    registered_by_me = roster.participant(headers=me)["id"]
    in_both = roster.participant(headers=them)["id"]
    roster.enroll(their_group["id"], registered_by_me, headers=them)
    roster.enroll(their_group["id"], in_both, headers=them)
    mine_enrollment = roster.enroll(my_group["id"], in_both, headers=me).json

    assert all_pages(roster, f"/v1/participants/{registered_by_me}/enrollments", me) == []
    assert all_pages(roster, f"/v1/participants/{in_both}/enrollments", me) == [mine_enrollment["id"]]
    assert len(all_pages(roster, f"/v1/participants/{in_both}/enrollments", ADMIN)) == 2


def test_a_roster_page_is_for_the_groups_staff_and_an_unknown_group_is_not_found(roster):
    lead = roster.facilitator()
    me = bearer("facilitator", lead["id"])
    group = roster.group([lead["id"]], headers=me)
    unknown = str(uuid.uuid4())

    assert all_pages(roster, f"/v1/groups/{group['id']}/enrollments", me) == []
    roster.enroll(group["id"], roster.participant()["id"], headers=me)
    r = roster.http.get(f"/v1/groups/{group['id']}/enrollments?status=waitlisted", headers=me)
    assert r.status_code == 200 and r.json["items"] == []
    for headers in (ADMIN, me):
        assert roster.http.get(f"/v1/groups/{unknown}/enrollments", headers=headers).status_code == 404
    assert roster.http.get(f"/v1/groups/{group['id']}/enrollments",
                           headers=bearer("participant", str(uuid.uuid4()))).status_code == 403


def test_changing_an_unknown_group_is_not_found_rather_than_a_server_error(roster):
    unknown, pid = str(uuid.uuid4()), roster.participant()["id"]

    assert roster.enroll(unknown, pid).status_code == 404
    assert roster.http.patch(f"/v1/groups/{unknown}", json={"name": "x"}, headers=ADMIN).status_code == 404
    assert roster.http.post(f"/v1/groups/{unknown}/close", headers=ADMIN).status_code == 404
    assert end(roster, unknown, str(uuid.uuid4())).status_code == 404


def test_ended_enrollments_take_no_place_and_do_not_block_coming_back(roster):
    group = roster.group([roster.facilitator()["id"]], capacity=6)
    people = [roster.participant()["id"] for _ in range(9)]
    first = [roster.enroll(group["id"], pid).json for pid in people[:6]]
    for enrollment in first[:2]:
        assert end(roster, group["id"], enrollment["id"]).status_code == 200

    later = [roster.enroll(group["id"], pid).json for pid in people[6:9]]
    back = roster.enroll(group["id"], people[0]).json

    assert [e["status"] for e in later] == ["active", "active", "waitlisted"]
    assert (back["status"], back["waitlist_position"]) == ("waitlisted", 2)
    assert end(roster, group["id"], first[0]["id"]).status_code == 409  # already ended, still found
    assert end(roster, group["id"], first[2]["id"]).status_code == 200  # frees a place: position 1 moves up
    waitlist = roster.http.get(f"/v1/groups/{group['id']}/enrollments?status=waitlisted", headers=ADMIN).json
    assert [(e["id"], e["waitlist_position"]) for e in waitlist["items"]] == [(back["id"], 1)]
    shown = roster.http.get(f"/v1/groups/{group['id']}", headers=ADMIN).json
    assert (shown["active_count"], shown["waitlist_count"], shown["status"]) == (6, 1, "full")


def test_a_participant_sees_a_group_they_were_ever_in(roster):
    group = roster.group([roster.facilitator()["id"]])
    former, never = roster.participant()["id"], roster.participant()["id"]
    enrollment = roster.enroll(group["id"], former).json
    end(roster, group["id"], enrollment["id"])

    assert roster.http.get(f"/v1/groups/{group['id']}", headers=bearer("participant", former)).status_code == 200
    assert roster.http.get(f"/v1/groups/{group['id']}", headers=bearer("participant", never)).status_code == 404


def test_a_group_reads_back_exactly_as_its_last_change_answered(roster):
    """GET reads the row without the ORM (adapters/group_reads.py): it must show what the use cases
    that change a group answer, field for field, to everyone allowed to see it."""
    lead, co = roster.facilitator(), roster.facilitator()
    group = roster.group([lead["id"], co["id"]], location=None, modality="virtual", ends_on="2030-06-30")
    member = roster.participant()["id"]
    assert roster.enroll(group["id"], member).status_code == 201
    changed = roster.http.patch(f"/v1/groups/{group['id']}", json={"capacity": 12}, headers=ADMIN)
    closed = roster.http.post(f"/v1/groups/{group['id']}/close", headers=bearer("facilitator", co["id"]))
    assert changed.status_code == 200 and closed.status_code == 200, (changed.json, closed.json)
    for caller in (ADMIN, bearer("facilitator", lead["id"]), bearer("facilitator", co["id"]),
                   bearer("participant", member)):
        shown = roster.http.get(f"/v1/groups/{group['id']}", headers=caller)
        assert shown.status_code == 200 and shown.json == closed.json
    assert closed.json["status"] == "closed" and closed.json["ends_on"] == "2030-06-30"
    assert roster.http.get(f"/v1/groups/{group['id']}", headers=bearer("facilitator", roster.facilitator()["id"])
                           ).status_code == 404


def test_a_roster_page_reads_back_exactly_as_the_enrollments_answered(roster):
    """The roster page reads rows without the ORM (adapters/enrollment_reads.py): every enrollment
    must show what enrolling, promoting and ending answered, field for field, in enrollment order,
    across pages and with each status filter, to everyone allowed to see it."""
    lead, co = roster.facilitator(), roster.facilitator()
    group = roster.group([lead["id"], co["id"]], capacity=6)
    answered = [roster.enroll(group["id"], roster.participant()["id"]).json for _ in range(8)]
    assert [e["status"] for e in answered] == ["active"] * 6 + ["waitlisted"] * 2
    ended = end(roster, group["id"], answered[0]["id"])
    assert ended.status_code == 200
    # What the ORM's reads answer for each (a participant's enrollments), and what ending answered.
    expected = {e["id"]: roster.http.get(f"/v1/participants/{e['participant_id']}/enrollments",
                                         headers=ADMIN).json["items"][0] for e in answered}
    assert expected[ended.json["id"]] == ended.json
    assert [expected[e["id"]]["status"] for e in answered] == ["completed"] + ["active"] * 6 + ["waitlisted"]
    assert expected[answered[-1]["id"]]["waitlist_position"] == 1
    path = f"/v1/groups/{group['id']}/enrollments"
    for caller in (ADMIN, bearer("facilitator", lead["id"]), bearer("facilitator", co["id"])):
        items, cursor = [], None
        while True:
            query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = roster.http.get(path, query_string=query, headers=caller)
            assert page.status_code == 200, page.json
            items += page.json["items"]
            if (cursor := page.json["next_cursor"]) is None:
                break
        assert items == [expected[e["id"]] for e in answered]
        for status in ("active", "waitlisted", "completed"):
            page = roster.http.get(path, query_string={"status": status}, headers=caller)
            assert page.json["items"] == [expected[e["id"]] for e in answered if expected[e["id"]]["status"] == status]
    stranger = bearer("facilitator", roster.facilitator()["id"])
    assert roster.http.get(path, headers=stranger).status_code == 404


def test_each_read_is_one_statement(roster):
    lead = roster.facilitator()
    me = bearer("facilitator", lead["id"])
    group = roster.group([lead["id"]], headers=me)
    pid = roster.participant(headers=me)["id"]
    roster.enroll(group["id"], pid, headers=me)
    selects = []
    event.listen(roster.context.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: selects.append(sql.lstrip()[:6].upper() == "SELECT"))

    for path, headers in [(f"/v1/groups/{group['id']}", me), (f"/v1/groups/{group['id']}", bearer("participant", pid)),
                          (f"/v1/groups/{group['id']}/enrollments", me), ("/v1/participants", me),
                          (f"/v1/participants/{pid}", me), (f"/v1/participants/{pid}/enrollments", me)]:
        selects.clear()
        assert roster.http.get(path, headers=headers).status_code == 200
        assert sum(selects) == 1, path
