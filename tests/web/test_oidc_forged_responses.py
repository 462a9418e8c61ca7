"""The callback refuses forged and replayed answers: wrong state, wrong nonce, wrong issuer or
audience, an expired id token, an email the provider did not verify. The provider is a real HTTP
server signing whatever the test asks (tests.web.forging_provider)."""
from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs, urlparse

import pytest


def begin(client, forger, next_path=None):
    """Start a sign-in; returns (state, nonce) of the authorization request sent to the provider."""
    if next_path:
        client.get(next_path)
    response = client.get("/login/start")
    assert response.status_code == 302
    query = parse_qs(urlparse(response.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    return query["state"][0], query["nonce"][0]


def answer(client, forger, state, sent_nonce, code="code-1", **claims):
    forger.codes[code] = sent_nonce  # the provider answers with the nonce it was sent, unless forged
    forger.next_claims = claims
    return client.get(f"/auth/callback?code={code}&state={state}")


def test_a_genuine_answer_signs_the_admin_in_and_returns_to_the_page_they_asked_for(web, forger):
    client = web.test_client()
    state, nonce = begin(client, forger, next_path="/admin/groups?status=closed")
    response = answer(client, forger, state, nonce)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/groups?status=closed"
    assert client.get("/admin").status_code == 200


@pytest.mark.parametrize("forgery", [
    {"nonce": "not-the-nonce-we-sent"},
    {"iss": "http://localhost:1/evil"},
    {"aud": "some-other-client"},
    {"exp": int(time.time()) - 60, "iat": int(time.time()) - 400},
], ids=["wrong-nonce", "wrong-issuer", "wrong-audience", "expired"])
def test_a_forged_id_token_is_refused_and_nobody_is_signed_in(web, forger, forgery, caplog):
    client = web.test_client()
    state, nonce = begin(client, forger)
    with caplog.at_level(logging.WARNING, logger="services.web.auth.views"):
        response = answer(client, forger, state, nonce, **forgery)
    assert response.status_code == 400
    assert "Sign-in could not be completed" in response.get_data(as_text=True)
    assert client.get("/admin").status_code == 302  # still signed out
    assert any(record.getMessage() == "staff sign-in refused" for record in caplog.records)


def test_an_answer_to_a_state_we_never_sent_is_refused(web, forger):
    client = web.test_client()
    _, nonce = begin(client, forger)
    assert answer(client, forger, "forged-state", nonce).status_code == 400
    assert client.get("/admin").status_code == 302


def test_a_replayed_answer_is_refused(web, forger):
    client = web.test_client()
    state, nonce = begin(client, forger)
    assert answer(client, forger, state, nonce).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert answer(client, forger, state, nonce).status_code == 400  # the state was used up
    assert client.get("/admin").status_code == 302


def test_an_unverified_email_is_refused_with_a_clear_page_and_logged_by_ids_only(web, forger, caplog):
    client = web.test_client()
    state, nonce = begin(client, forger)
    with caplog.at_level(logging.WARNING, logger="services.web.auth.views"):
        response = answer(client, forger, state, nonce, email_verified=False, email="admin@clinic.example")
    assert response.status_code == 403
    assert "did not confirm your email address" in response.get_data(as_text=True)
    refused = [r for r in caplog.records if r.getMessage() == "staff sign-in refused"]
    assert refused and refused[0].outcome == "email_not_verified" and len(refused[0].subject_hash) == 16
    from shared.logging import JsonFormatter
    assert "admin@clinic.example" not in json.dumps([JsonFormatter().format(r) for r in caplog.records])


def csrf_of(client) -> str:
    page = client.get("/admin").get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
