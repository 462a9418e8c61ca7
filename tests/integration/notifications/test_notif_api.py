"""The notifications API: the log with filters and scoping, the in-app inbox, dead letters."""
import uuid
from datetime import timedelta

import pytest

from services.notifications.entrypoints.api.app import create_app
from shared.events import new_envelope
from shared.messaging.dead_letters import record_dead_letter
from tests.integration.notifications.notif_world import World, now
from tests.support.tokens import bearer

ADMIN = bearer("admin", str(uuid.uuid4()))


@pytest.fixture
def story(settings_for, sink):
    """Two groups, each with a facilitator and a member; the first has a session; all sent."""
    world = World(settings_for, sink)
    world.lead, world.other_lead = world.facilitator(), world.facilitator()
    world.group_a, world.group_b = world.group([world.lead]), world.group([world.other_lead])
    world.member = world.participant(channels=("email", "in_app"))
    world.stranger = world.participant(channels=("email", "in_app"))
    world.enroll(world.group_a, world.member)
    world.enroll(world.group_b, world.stranger)
    world.session_a = world.session(world.group_a, now() + timedelta(days=3))
    world.send_due()
    world.http = create_app(world.settings).test_client()
    return world


def ids(response) -> set[str]:
    assert response.status_code == 200, response.json
    return {item["recipient_id"] for item in response.json["items"]}


def test_admins_see_all_and_can_filter(story):
    http = story.http
    everything = http.get("/v1/notifications?limit=200", headers=ADMIN).json["items"]
    assert len(everything) == 8  # welcome and 2 reminders x 2 channels for the member; welcome x 2 for the other
    assert ids(http.get(f"/v1/notifications?recipient_id={story.member}", headers=ADMIN)) == {story.member}
    reminders = http.get(f"/v1/notifications?session_id={story.session_a}&status=pending&type=reminder_virtual",
                         headers=ADMIN).json["items"]
    assert len(reminders) == 4 and {r["status"] for r in reminders} == {"pending"}
    sent = http.get("/v1/notifications?status=sent&type=welcome", headers=ADMIN).json["items"]
    assert {(r["channel"], r["attempts"]) for r in sent} == {("email", 1), ("in_app", 1)} and len(sent) == 4
    assert "body" not in sent[0] and "title" not in sent[0]  # the log never shows message text


def test_paging_follows_the_cursor(story):
    first = story.http.get("/v1/notifications?limit=5", headers=ADMIN).json
    second = story.http.get(f"/v1/notifications?limit=5&cursor={first['next_cursor']}", headers=ADMIN).json
    assert len(first["items"]) == 5 and len(second["items"]) == 3 and second["next_cursor"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_facilitators_see_only_their_groups(story):
    mine = story.http.get("/v1/notifications", headers=bearer("facilitator", story.lead))
    assert ids(mine) == {story.member}
    other = story.http.get(f"/v1/notifications?recipient_id={story.member}",
                           headers=bearer("facilitator", story.other_lead))
    assert ids(other) == set()


def test_participants_see_only_their_own(story):
    own = story.http.get("/v1/notifications", headers=bearer("participant", story.member))
    assert ids(own) == {story.member}
    peek = story.http.get(f"/v1/notifications?recipient_id={story.stranger}",
                          headers=bearer("participant", story.member))
    assert ids(peek) == set()


def test_the_in_app_inbox_is_its_owners(story):
    inbox = story.http.get(f"/v1/participants/{story.member}/notifications",
                           headers=bearer("participant", story.member))
    assert inbox.status_code == 200
    [welcome] = inbox.json["items"]
    assert welcome["type"] == "welcome" and welcome["title"] and "member of the group" in welcome["text"]
    path = f"/v1/participants/{story.stranger}/notifications"
    assert story.http.get(path, headers=bearer("participant", story.member)).status_code == 404
    assert story.http.get(path, headers=bearer("facilitator", story.other_lead)).status_code == 403
    assert story.http.get(path, headers=ADMIN).status_code == 200
    assert story.http.get(path).status_code == 401


@pytest.mark.parametrize("query", ["status=sending", "type=party", "recipient_id=nope", "limit=0", "cursor=%%%"])
def test_bad_filters_are_422(story, query):
    response = story.http.get(f"/v1/notifications?{query}", headers=ADMIN)
    assert response.status_code == 422 and response.json["code"] == 422


def test_dead_letters_are_listed_and_replayed_by_admins_only(story):
    group = str(uuid.uuid4())
    event = new_envelope("roster.enrollment.activated", {
        "enrollment_id": str(uuid.uuid4()), "group_id": group, "participant_id": story.member,
        "from_waitlist": False, "active_from": now().isoformat()}, "roster", None)
    letter = record_dead_letter(story.context.session_factory, story.context.tables, "notifications",
                                event.to_json().encode(), "GroupNotKnownYet: group not known yet", 5, event.id,
                                event.type)
    http = story.http
    assert http.get("/v1/dead-letters", headers=bearer("facilitator", story.lead)).status_code == 403
    [listed] = http.get("/v1/dead-letters", headers=ADMIN).json["items"]
    assert listed["id"] == letter and listed["event_type"] == event.type and "body" not in listed

    failed = http.post(f"/v1/dead-letters/{letter}/replay", headers=ADMIN)
    assert failed.json["outcome"] == "failed"  # the group is still unknown: the letter stays
    story.group([story.lead], group_id=group)
    assert http.post(f"/v1/dead-letters/{letter}/replay", headers=ADMIN).json == {"outcome": "handled",
                                                                                  "error": None}
    assert http.post(f"/v1/dead-letters/{letter}/replay", headers=ADMIN).json["outcome"] == "already_replayed"
    assert http.get("/v1/dead-letters", headers=ADMIN).json["items"] == []
    assert len(story.rows(recipient_id=story.member, kind="welcome")) == 4
    assert http.post(f"/v1/dead-letters/{uuid.uuid4()}/replay", headers=ADMIN).status_code == 404
    assert http.post("/v1/dead-letters/not-an-id/replay", headers=ADMIN).status_code == 422


def test_openapi_documents_the_endpoints(story):
    paths = story.http.get("/openapi.json").json["paths"]
    assert {"/v1/notifications", "/v1/participants/{participant_id}/notifications", "/v1/dead-letters",
            "/v1/dead-letters/{dead_letter_id}/replay"} <= set(paths)


def test_a_participant_marks_their_in_app_messages_read_once_and_only_their_own(story):
    me = bearer("participant", story.member)
    inbox = story.http.get(f"/v1/participants/{story.member}/notifications", headers=me).json["items"]
    assert inbox and all(item["read_at"] is None for item in inbox)
    theirs = story.http.get(f"/v1/participants/{story.stranger}/notifications", headers=ADMIN).json["items"]

    path = f"/v1/participants/{story.member}/notifications/read"
    r = story.http.post(path, json={"ids": [i["id"] for i in inbox] + [theirs[0]["id"]]}, headers=me)
    assert r.status_code == 200 and r.json == {"marked": len(inbox)}  # the stranger's is not theirs to mark
    assert story.http.post(path, json={"ids": [inbox[0]["id"]]}, headers=me).json == {"marked": 0}
    again = story.http.get(f"/v1/participants/{story.member}/notifications", headers=me).json["items"]
    assert all(item["read_at"] for item in again)
    stranger_inbox = story.http.get(f"/v1/participants/{story.stranger}/notifications", headers=ADMIN).json["items"]
    assert all(item["read_at"] is None for item in stranger_inbox)
    other = f"/v1/participants/{story.stranger}/notifications/read"
    assert story.http.post(other, json={"ids": [theirs[0]["id"]]}, headers=me).status_code == 404
    assert story.http.post(path, json={"ids": []}, headers=me).status_code == 422


def test_the_inbox_since_a_time_leaves_older_messages_out(story):
    me = bearer("participant", story.member)
    base = f"/v1/participants/{story.member}/notifications"
    assert story.http.get(base, headers=me).json["items"]
    later = (now() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert story.http.get(base, query_string={"since": later}, headers=me).json["items"] == []
