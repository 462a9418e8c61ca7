"""A participant's sessions, on SQLite and PostgreSQL: exactly those they were a member during (a membership
of the group active at the start, from its first moment, not at its end, or begun while it was under way)
plus their walk-ins, the same
in every read that lists them, across pages; and how many statements those reads cost."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.integration.sessions.sessions_client import (ADMIN, SessionsClient, as_facilitator, as_participant,
                                                        midnight, monday, now)

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
def story(settings_for):
    """Two memberships of group A with a gap between them, one walk-in to group B."""
    clinic = SessionsClient(settings_for("sessions"))
    lead_a, lead_b, pid = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    a = clinic.group([lead_a], modality="virtual")["group_id"]
    b = clinic.group([lead_b], modality="virtual")["group_id"]
    base = midnight(monday(6))
    first = clinic.enroll(a, base + 7 * DAY, pid)
    clinic.end(first, base + 21 * DAY)
    clinic.enroll(a, base + 28 * DAY, pid)
    clinic.enroll(a, base, str(uuid.uuid4()))  # a fellow member all along: their sessions are not pid's
    at = {"a_before": (a, base + 7 * DAY - 4 * HOUR), "a_under_way": (a, base + 7 * DAY - HOUR), "a_at_start": (a, base + 7 * DAY), "a_during": (a, base + 14 * DAY),
          "a_at_end": (a, base + 21 * DAY), "a_between": (a, base + 24 * DAY), "a_second": (a, base + 28 * DAY + HOUR),
          "a_future": (a, now() + 2 * DAY), "b_walk_in": (b, base + 10 * DAY), "b_other": (b, base + 11 * DAY),
          "b_future": (b, now() + 3 * DAY)}
    ids = {name: clinic.schedule(gid, starts)["id"] for name, (gid, starts) in at.items()}
    clinic.take_attendance(ids["b_walk_in"], [{"participant_id": pid, "status": "present"}])
    return clinic, pid, ids, as_facilitator(lead_a), base


# a_under_way: enrolled while it was under way, they may still join it (as a walk-in).
THEIRS = ["a_under_way", "a_at_start", "b_walk_in", "a_during", "a_second", "a_future"]
NOT_THEIRS = ["a_before", "a_at_end", "a_between", "b_other", "b_future"]


def all_pages(clinic: SessionsClient, path: str, headers: dict, **query) -> list[str]:
    """Every item of a list, two to a page, following the cursors."""
    ids, cursor = [], None
    while True:
        r = clinic.http.get(path, query_string={**query, "limit": 2, **({"cursor": cursor} if cursor else {})},
                            headers=headers)
        assert r.status_code == 200, r.json
        ids += [item["id"] for item in r.json["items"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            return ids


def test_their_sessions_are_the_expected_ones_and_walk_ins_in_every_list(story):
    clinic, pid, ids, _, base = story
    me = as_participant(pid)
    theirs = [ids[name] for name in THEIRS]

    assert all_pages(clinic, "/v1/sessions", me) == theirs
    period = {"from": str(base.date()), "to": str((now() + 7 * DAY).date())}
    assert all_pages(clinic, f"/v1/participants/{pid}/sessions", me, **period) == theirs
    assert all_pages(clinic, f"/v1/participants/{pid}/sessions", me) == [ids["a_future"]]  # upcoming
    for name in THEIRS:
        assert clinic.http.get(f"/v1/sessions/{ids[name]}", headers=me).status_code == 200, name
    for name in NOT_THEIRS:
        assert clinic.http.get(f"/v1/sessions/{ids[name]}", headers=me).status_code == 404, name


def test_the_export_and_the_calendar_feed_cover_the_same_sessions(story):
    clinic, pid, ids, _, base = story
    body = {"from": str(base.date()), "to": str(now().date()), "purpose": "Proof", "recipient": "Court"}

    export = clinic.http.post(f"/v1/participants/{pid}/attendance-exports", json=body, headers=ADMIN)
    feed = clinic.http.get(f"/v1/participants/{pid}/calendar.ics", headers=as_participant(pid))

    assert export.status_code == 201, export.json
    assert [(s["session_id"], s["walk_in"]) for s in export.json["sessions"]] == [
        (ids[name], name == "b_walk_in") for name in THEIRS[:-1]]
    assert feed.status_code == 200 and feed.data.count(b"BEGIN:VEVENT") == 1 and ids["a_future"].encode() in feed.data


def test_their_groups_facilitator_sees_those_of_their_group_only(story):
    clinic, pid, ids, lead_a, base = story
    period = {"from": str(base.date()), "to": str((now() + 7 * DAY).date())}

    listed = all_pages(clinic, f"/v1/participants/{pid}/sessions", lead_a, **period)

    assert listed == [ids[name] for name in THEIRS if name.startswith("a_")]


def test_a_session_read_and_a_list_are_one_statement_each(story):
    clinic, pid, ids, lead_a, _ = story
    selects = []
    event.listen(clinic.context.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: selects.append(sql.lstrip()[:6].upper() == "SELECT"))

    def statements(path: str, headers: dict) -> int:
        selects.clear()
        assert clinic.http.get(path, headers=headers).status_code == 200
        return sum(selects)

    assert statements(f"/v1/sessions/{ids['a_during']}", lead_a) == 1
    assert statements(f"/v1/sessions/{ids['a_during']}", as_participant(pid)) == 1  # over: no link to look up
    assert statements("/v1/sessions", lead_a) == 1
    # A participant's page says in each row whether they are still in its group: links need no second query.
    assert statements("/v1/sessions", as_participant(pid)) == 1
    assert statements(f"/v1/participants/{pid}/sessions", as_participant(pid)) == 1


def test_lists_show_each_session_exactly_as_reading_it_alone_does(story):
    """The lists read rows without the ORM (adapters/session_reads.py): each item must be what
    GET /v1/sessions/<id> (the ORM's read) answers, field for field, join link included, to every
    caller allowed to see it, across pages and with each filter; a cancelled session too. (Staff
    reading a participant's sessions also see that participant's links, as before.)"""
    clinic, pid, ids, lead_a, base = story
    assert clinic.http.post(f"/v1/sessions/{ids['b_future']}/cancel", json={"reason": "snow"},
                            headers=ADMIN).status_code == 200
    period = {"from": str(base.date()), "to": str((now() + 7 * DAY).date())}
    lists = [(f"/v1/participants/{pid}/sessions", {}), (f"/v1/participants/{pid}/sessions", period),
             ("/v1/sessions", period), ("/v1/sessions", {**period, "status": "completed"}),
             ("/v1/sessions", {**period, "status": "cancelled"}), ("/v1/sessions", {"status": "scheduled"})]
    links = 0
    for role, caller in (("admin", ADMIN), ("lead", lead_a), ("participant", as_participant(pid))):
        for path, query in lists:
            items, cursor = [], None
            while True:
                page = clinic.http.get(path, query_string={**query, "limit": 2, **({"cursor": cursor} if cursor else {})},
                                       headers=caller)
                assert page.status_code == 200, page.json
                items += page.json["items"]
                if (cursor := page.json["next_cursor"]) is None:
                    break
            assert items or path == "/v1/sessions" and "status" in query, (path, query)
            for item in items:
                alone = clinic.http.get(f"/v1/sessions/{item['id']}", headers=caller)
                shown = item if path == "/v1/sessions" or role == "participant" \
                    else {k: v for k, v in item.items() if not k.startswith("join_")}
                assert alone.status_code == 200 and alone.json == shown, (path, query, role)
                links += "join_url" in item
    assert links >= 4  # the participant's upcoming virtual session, in each list that shows it
