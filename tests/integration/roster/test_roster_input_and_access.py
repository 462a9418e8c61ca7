"""Bad input gets a clear 4xx naming the field and changes nothing; each role sees only its own."""
from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

import pytest

from shared.logging import JsonFormatter

from tests.integration.roster.roster_client import ADMIN, RosterClient, schedule
from tests.support.tokens import bearer


@pytest.fixture
def roster(settings_for):
    return RosterClient(settings_for("roster"))


def _group_body(facilitator_id, **overrides):
    return {"name": "G", "kind": "process", "modality": "virtual", "facilitator_ids": [facilitator_id],
            "schedule": schedule(), "starts_on": "2030-01-07", **overrides}


@pytest.mark.parametrize("overrides, field", [
    ({"capacity": 5}, "capacity"),
    ({"capacity": 16}, "capacity"),
    ({"kind": "support"}, "kind"),
    ({"modality": "phone"}, "modality"),
    ({"facilitator_ids": ["not-a-uuid"]}, "facilitator_ids"),
    ({"schedule": {**schedule(), "timezone": "Mars/Olympus"}}, "schedule.timezone"),
    ({"schedule": {**schedule(), "start_time": "25:00"}}, "schedule"),
    ({"modality": "in_person", "location": None}, "location"),
    ({"starts_on": "next tuesday"}, "starts_on"),
])
def test_a_bad_group_is_refused_naming_the_field_and_nothing_is_stored(roster, overrides, field):
    lead = roster.facilitator()
    before = roster.outbox_types()
    response = roster.http.post("/v1/groups", json=_group_body(lead["id"], **overrides), headers=ADMIN)
    assert response.status_code == 422
    assert response.is_json and set(response.json) >= {"code", "status", "errors"}
    assert field.split(".")[0] in json.dumps(response.json["errors"])
    assert roster.http.get("/v1/groups", headers=ADMIN).json["items"] == []
    assert roster.outbox_types() == before


def test_an_unknown_facilitator_is_named(roster):
    response = roster.http.post("/v1/groups", json=_group_body(str(uuid.uuid4())), headers=ADMIN)
    assert response.status_code == 422 and "facilitator_ids" in response.json["errors"]["json"]


@pytest.mark.parametrize("send, status, location", [
    (dict(data="{not json", content_type="application/json"), 400, "json"),
    (dict(), 422, "json"),
    (dict(json=[1, 2]), 422, "json"),
])
def test_malformed_or_missing_bodies_get_a_json_4xx(roster, send, status, location):
    response = roster.http.post("/v1/participants", headers=ADMIN, **send)
    assert response.status_code == status and response.is_json
    assert location in response.json["errors"]


def test_a_malformed_uuid_in_the_path_is_named(roster):
    response = roster.http.get("/v1/groups/12345/enrollments", headers=ADMIN)
    assert response.status_code == 422 and response.json["errors"] == {"path": {"group_id": ["Not a valid UUID."]}}


def test_an_unknown_participant_cannot_be_enrolled(roster):
    group = roster.group([roster.facilitator()["id"]])
    response = roster.enroll(group["id"], str(uuid.uuid4()))
    assert response.status_code == 422 and "participant_id" in response.json["errors"]["json"]


def test_oversized_bodies_are_refused(roster):
    response = roster.http.post("/v1/participants", data="x" * 300_000, content_type="application/json",
                                headers=ADMIN)
    assert response.status_code == 413 and response.is_json


def test_no_token_bad_token_expired_token_get_401(roster):
    assert roster.http.get("/v1/groups").status_code == 401
    assert roster.http.get("/v1/groups", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    expired = bearer("admin", str(uuid.uuid4()), ttl=timedelta(seconds=-5))
    assert roster.http.get("/v1/groups", headers=expired).status_code == 401
    other_key = bearer("admin", str(uuid.uuid4()), secret="another-secret-" + "y" * 32)
    assert roster.http.get("/v1/groups", headers=other_key).status_code == 401


def test_a_facilitator_sees_and_changes_only_their_own_groups(roster):
    mine, theirs = roster.facilitator("Mine"), roster.facilitator("Theirs")
    me, them = bearer("facilitator", mine["id"]), bearer("facilitator", theirs["id"])
    my_group = roster.group([mine["id"]], headers=me)
    their_group = roster.group([theirs["id"]], headers=them)
    listed = roster.http.get("/v1/groups", headers=me).json["items"]
    assert [g["id"] for g in listed] == [my_group["id"]]
    assert roster.http.get(f"/v1/groups/{their_group['id']}", headers=me).status_code == 404
    assert roster.http.patch(f"/v1/groups/{their_group['id']}", json={"name": "x"}, headers=me).status_code == 404
    assert roster.http.post(f"/v1/groups/{their_group['id']}/close", headers=me).status_code == 404
    pid = roster.participant(headers=me)["id"]
    assert roster.enroll(their_group["id"], pid, headers=me).status_code == 404
    assert roster.http.get(f"/v1/groups/{their_group['id']}/enrollments", headers=me).status_code == 404
    # creating a group for someone else only is refused (they would lose sight of it)
    refused = roster.http.post("/v1/groups", json=_group_body(theirs["id"]), headers=me)
    assert refused.status_code == 422


def test_facilitators_see_the_participants_they_registered_or_facilitate(roster):
    mine, theirs = roster.facilitator("Mine"), roster.facilitator("Theirs")
    me, them = bearer("facilitator", mine["id"]), bearer("facilitator", theirs["id"])
    registered_by_me = roster.participant(headers=me)
    registered_by_them = roster.participant(headers=them)
    assert [p["id"] for p in roster.http.get("/v1/participants", headers=me).json["items"]] == [registered_by_me["id"]]
    assert roster.http.get(f"/v1/participants/{registered_by_them['id']}", headers=me).status_code == 404
    my_group = roster.group([mine["id"]], headers=me)
    roster.enroll(my_group["id"], registered_by_them["id"], headers=me)
    assert roster.http.get(f"/v1/participants/{registered_by_them['id']}", headers=me).status_code == 200


def test_a_participant_sees_only_themself(roster):
    lead = roster.facilitator()
    alice, bob = roster.participant(), roster.participant()
    as_alice = bearer("participant", alice["id"])
    assert roster.http.get("/v1/participants", headers=as_alice).status_code == 403
    assert roster.http.post("/v1/participants", json={}, headers=as_alice).status_code in (403, 422)
    assert roster.http.get(f"/v1/participants/{alice['id']}", headers=as_alice).status_code == 200
    assert roster.http.get(f"/v1/participants/{bob['id']}", headers=as_alice).status_code == 404
    assert roster.http.get(f"/v1/participants/{bob['id']}/enrollments", headers=as_alice).status_code == 404
    changed = roster.http.patch(f"/v1/participants/{alice['id']}", json={"quiet_hours": {"start": "22:00", "end": "07:00"}},
                                headers=as_alice)
    assert changed.status_code == 200 and changed.json["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert roster.http.patch(f"/v1/participants/{alice['id']}", json={"status": "inactive"},
                             headers=as_alice).status_code == 403
    group = roster.group([lead["id"]])
    assert roster.http.post("/v1/groups", json=_group_body(lead["id"]), headers=as_alice).status_code == 403
    roster.enroll(group["id"], alice["id"])
    assert [g["id"] for g in roster.http.get("/v1/groups", headers=as_alice).json["items"]] == [group["id"]]


def test_logs_carry_ids_but_never_names_emails_or_phones(roster, caplog):
    caplog.set_level(logging.DEBUG)
    lead = roster.facilitator("Dr Unique Facilitatorname")
    person = roster.participant(preferred_name="Zebulon Privateperson", email="zebulon.private@mail.example",
                                phone="+1 555 013 9274", channels=["email", "sms"], sms_consent=True)
    group = roster.group([lead["id"]])
    roster.enroll(group["id"], person["id"])
    roster.http.post("/v1/participants", json={"preferred_name": "Zebulon Privateperson", "email": "broken"},
                     headers=ADMIN)
    roster.http.post("/v1/facilitators", json={"name": "Dr Unique Facilitatorname", "email": lead["email"]},
                     headers=ADMIN)  # a conflict
    formatter = JsonFormatter()  # exactly what the services write to stdout
    text = "\n".join(formatter.format(record) for record in caplog.records)
    assert person["id"] in text and group["id"] in text  # the story was logged, by ids
    for secret in ("Zebulon", "Privateperson", "zebulon.private", "0139274", "013 9274", "Facilitatorname",
                   lead["email"]):
        assert secret not in text


def test_an_admin_finds_a_facilitator_by_email_without_case_and_a_facilitator_may_not(settings_for):
    client = RosterClient(settings_for("roster"))
    lead = client.facilitator()
    client.facilitator()
    found = client.http.get(f"/v1/facilitators?email={lead['email'].upper()}", headers=ADMIN)
    assert found.status_code == 200
    assert [item["id"] for item in found.json["items"]] == [lead["id"]]
    assert client.http.get("/v1/facilitators?email=nobody@clinic.example", headers=ADMIN).json["items"] == []
    as_facilitator = bearer("facilitator", lead["id"])
    assert client.http.get(f"/v1/facilitators?email={lead['email']}", headers=as_facilitator).status_code == 403
    bad = client.http.get("/v1/facilitators?email=not-an-address", headers=ADMIN)
    assert bad.status_code == 422 and "email" in bad.json["errors"]["query"]


def test_participants_are_found_by_group_by_ids_and_by_text_within_the_callers_caseload(settings_for):
    client = RosterClient(settings_for("roster"))
    lead, other = client.facilitator(), client.facilitator()
    group = client.group([lead["id"]])
    sam = client.participant(preferred_name="Sam_Rivera%")
    alex = client.participant(preferred_name="Alex")
    client.participant(preferred_name="Samantha")  # registered by an admin, in no group: not in lead's caseload
    for member in (sam, alex):
        assert client.enroll(group["id"], member["id"]).status_code == 201
    as_lead = bearer("facilitator", lead["id"])

    def ids(query, headers=as_lead):
        response = client.http.get(f"/v1/participants?{query}", headers=headers)
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    assert ids(f"group_id={group['id']}") == {sam["id"], alex["id"]}
    assert ids(f"id={alex['id']}&id={sam['id']}") == {sam["id"], alex["id"]}
    assert ids("q=sam") == {sam["id"]}  # Samantha is outside this facilitator's caseload
    assert ids("q=sam", headers=ADMIN) >= {sam["id"]} and len(ids("q=sam", headers=ADMIN)) >= 2
    assert ids("q=_rivera%") == {sam["id"]}  # LIKE wildcards are literal text
    assert ids(f"group_id={group['id']}", headers=bearer("facilitator", other["id"])) == set()
    assert client.http.get("/v1/participants?q=s", headers=as_lead).status_code == 422
