"""A facilitator's view of the log, page after page: their groups' notifications and their own, each once."""
from datetime import timedelta

import pytest

from services.notifications.entrypoints.api.app import create_app
from tests.integration.notifications.notif_world import SCHEDULE, World, now
from tests.support.tokens import bearer


@pytest.fixture
def clinic(settings_for, sink):
    """The lead runs groups A and B and used to run D; another facilitator runs C and now D."""
    world = World(settings_for, sink)
    world.lead, world.other = world.facilitator(), world.facilitator()
    world.a, world.b = world.group([world.lead]), world.group([world.lead])
    world.c, world.d = world.group([world.other]), world.group([world.lead])
    for group in (world.a, world.b, world.c, world.d):
        for _ in range(2):
            world.enroll(group, world.participant(channels=("email", "in_app")))
        world.session(group, now() + timedelta(days=2))
    starts = now() + timedelta(days=3)
    world.cancel(world.session(world.d, starts), world.d, starts)  # the lead is told: their own row, group D
    world.publish("sessions.absence.streak", {"group_id": world.a, "participant_id": world.lead,
                                              "session_ids": [], "count": 2})  # their own row, group A
    world.publish("roster.group.updated", {
        "group_id": world.d, "name": "D", "kind": "process", "capacity": 10, "modality": "virtual",
        "location": None, "enrollment_policy": "open", "facilitator_ids": [world.other], "schedule": SCHEDULE,
        "starts_on": "2026-01-05", "ends_on": None, "status": "active"})
    world.send_due()
    world.http = create_app(world.settings).test_client()
    return world


def all_pages(world: World, query: str, role: str = "facilitator", limit: int = 4) -> list[dict]:
    """Every item the lead (or an admin) sees, following the cursor from page to page."""
    items, cursor = [], None
    while True:
        after = f"&cursor={cursor}" if cursor else ""
        response = world.http.get(f"/v1/notifications?limit={limit}{query}{after}",
                                  headers=bearer(role, world.lead))
        assert response.status_code == 200, response.json
        items += response.json["items"]
        if not (cursor := response.json["next_cursor"]):
            return items


@pytest.mark.parametrize("query", ["", "&status=sent", "&type=reminder_virtual", "&type=session_cancelled"])
def test_a_facilitator_pages_through_exactly_their_groups_and_their_own(clinic, query):
    everything = all_pages(clinic, "", role="admin", limit=200)  # the whole log, in its order
    seen = all_pages(clinic, query)
    expected = {r.id for r in clinic.rows() if r.group_id in (clinic.a, clinic.b) or r.recipient_id == clinic.lead}
    if query:
        name, value = query.lstrip("&").split("=")
        expected = {i["id"] for i in everything if i[name] == value and i["id"] in expected}
    assert [i["id"] for i in seen] == [i["id"] for i in everything if i["id"] in expected]  # in order, once each
    assert {i["id"] for i in seen} == expected and expected


def test_the_facilitators_own_rows_outside_their_groups_are_theirs_alone(clinic):
    own_in_d = [i for i in all_pages(clinic, "") if i["group_id"] == clinic.d]
    assert own_in_d and {i["recipient_id"] for i in own_in_d} == {clinic.lead}
    alert = [i for i in all_pages(clinic, "&type=absence_alert")]
    assert [(i["recipient_id"], i["group_id"]) for i in alert] == [(clinic.lead, clinic.a)]
