"""Revoking a participant's page links and asking for a fresh one, through the API and its outbox."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.integration.roster.roster_client import ADMIN, RosterClient
from tests.support.tokens import bearer


@pytest.fixture
def roster(settings_for):
    return RosterClient(settings_for("roster", extra={"RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE": "4"}))


def outbox_rows(roster) -> list[tuple[str, dict]]:
    outbox = roster.context.tables.outbox
    with roster.context.session_factory() as session:
        rows = session.execute(select(outbox.c.event_type, outbox.c.body).order_by(outbox.c.seq)).all()
    return [(row.event_type, json.loads(row.body))
            for row in rows]


def test_a_facilitator_revokes_their_participants_links_and_the_event_carries_the_new_generation(roster):
    lead = roster.facilitator()
    as_lead = bearer("facilitator", lead["id"])
    participant = roster.participant(headers=as_lead)
    assert participant["page_link_generation"] == 1

    r = roster.http.post(f"/v1/participants/{participant['id']}/page-link/revoke", headers=as_lead)
    assert r.status_code == 200 and r.json["page_link_generation"] == 2
    assert roster.http.get(f"/v1/participants/{participant['id']}", headers=ADMIN).json["page_link_generation"] == 2
    kind, envelope = outbox_rows(roster)[-1]
    assert kind == "roster.participant.updated" and envelope["data"]["page_link_generation"] == 2


def test_only_staff_who_see_the_participant_may_revoke(roster):
    participant = roster.participant()
    stranger = roster.facilitator()
    path = f"/v1/participants/{participant['id']}/page-link/revoke"
    assert roster.http.post(path, headers=bearer("facilitator", stranger["id"])).status_code == 404
    assert roster.http.post(path, headers=bearer("participant", participant["id"])).status_code == 403
    assert roster.http.post(path).status_code == 401


def test_a_link_request_answers_the_same_for_known_and_unknown_addresses_and_emits_ids_only(roster):
    participant = roster.participant(email="Robin.Known@mail.example")
    before = len(outbox_rows(roster))
    known = roster.http.post("/v1/page-link-requests", json={"email": "robin.known@MAIL.example"})
    unknown = roster.http.post("/v1/page-link-requests", json={"email": "nobody@mail.example"})
    assert known.status_code == unknown.status_code == 202 and known.data == unknown.data
    new = outbox_rows(roster)[before:]
    assert [kind for kind, _ in new] == ["roster.participant.page_link_requested"]
    assert new[0][1]["data"] == {"participant_id": participant["id"]}
    assert "robin" not in json.dumps(new[0][1]).lower()


def test_link_requests_beyond_the_limit_are_dropped_with_the_same_answer(roster):
    roster.participant(email="flood@mail.example")
    before = len(outbox_rows(roster))
    answers = {roster.http.post("/v1/page-link-requests", json={"email": "flood@mail.example"}).status_code
               for _ in range(6)}
    assert answers == {202}
    assert len(outbox_rows(roster)) - before == 2  # 4 per minute per caller, 2 per address


def test_a_bad_address_names_the_field(roster):
    r = roster.http.post("/v1/page-link-requests", json={"email": "not an address"})
    assert r.status_code == 422 and "email" in json.dumps(r.json["errors"])


def test_sms_consent_records_the_time_and_wording_and_opting_out_clears_them(roster):
    participant = roster.participant(phone="+13125550100")
    me = bearer("participant", participant["id"])
    path = f"/v1/participants/{participant['id']}"
    r = roster.http.patch(path, json={"sms_consent": True, "channels": ["email", "sms"]}, headers=me)
    assert r.status_code == 200 and r.json["sms_consent_at"] and "text messages" in r.json["sms_consent_wording"]
    r = roster.http.patch(path, json={"sms_consent": False, "channels": ["email"]}, headers=me)
    assert r.status_code == 200 and r.json["sms_consent_at"] is None
