"""The real sign-in flow against the real development OpenID provider process (oidc-provider-mock),
the web console under gunicorn and the roster API: authorization code with PKCE, state and nonce,
the facilitator matched by verified email, a stranger refused, a tampered or replayed answer refused,
sign-out at the provider."""
from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.e2e.stack import Stack, isolated_vhost
from tests.support.databases import AMQP_URL
from tests.support.tokens import bearer
from tests.support.web_processes import ADMIN_EMAIL, start_provider, start_web

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory, services_up):
    workdir = tmp_path_factory.mktemp("oidc-world")
    with isolated_vhost(AMQP_URL) as amqp_url:
        stack = Stack(workdir, databases, amqp_url)
        started = []
        try:
            stack.start("roster", "sessions", "notifications")
            provider, issuer = start_provider(workdir)
            started.append(provider)
            web, web_url = start_web(workdir, issuer, stack.urls)
            started.append(web)
            yield stack, issuer, web_url, web
        finally:
            for process in started:
                process.stop()
            stack.close()


def authorize_at_provider(browser: requests.Session, web_url: str, email: str) -> str:
    """The console's redirect to the provider, the provider's form submitted: the callback URL."""
    to_provider = browser.get(f"{web_url}/login/start", allow_redirects=False)
    assert to_provider.status_code == 302
    authorize_url = to_provider.headers["Location"]
    query = parse_qs(urlparse(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0] and query["state"][0]
    assert browser.get(authorize_url).status_code == 200  # the provider's sign-in page
    back = browser.post(authorize_url, data={"sub": email}, allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"].startswith(f"{web_url}/auth/callback?")
    return back.headers["Location"]


def facilitator(stack) -> dict:
    email = f"lead-{uuid.uuid4().hex[:8]}@clinic.example"
    response = requests.post(f"{stack.urls['roster']}/v1/facilitators", json={"name": "Dana Reyes", "email": email},
                             headers=bearer("admin", str(uuid.uuid4())), timeout=10)
    assert response.status_code == 201
    return response.json()


def test_a_registered_facilitator_signs_in_and_comes_back_to_the_page_they_asked_for(world):
    stack, _, web_url, _ = world
    lead = facilitator(stack)
    browser = requests.Session()
    asked = browser.get(f"{web_url}/admin/groups", allow_redirects=False)
    assert asked.status_code == 302 and asked.headers["Location"] == "/login"
    callback = authorize_at_provider(browser, web_url, lead["email"].upper())  # addresses match without case
    landed = browser.get(callback, allow_redirects=False)
    assert landed.status_code == 302 and landed.headers["Location"] == "/admin/groups"
    assert browser.get(f"{web_url}/admin/groups").status_code == 404  # a facilitator is not an admin
    dashboard = browser.get(f"{web_url}/")
    assert dashboard.status_code == 200 and "Dana Reyes" in dashboard.text and "My groups" in dashboard.text


def test_an_admin_from_admin_emails_signs_in(world):
    _, _, web_url, _ = world
    browser = requests.Session()
    browser.get(authorize_at_provider(browser, web_url, ADMIN_EMAIL))
    assert browser.get(f"{web_url}/admin").status_code == 200


def test_someone_unknown_is_refused_and_the_log_names_no_address(world):
    _, _, web_url, web = world
    browser = requests.Session()
    refused = browser.get(authorize_at_provider(browser, web_url, "stranger@elsewhere.example"))
    assert refused.status_code == 403 and "not registered as a facilitator" in refused.text
    assert browser.get(f"{web_url}/", allow_redirects=False).status_code == 302
    lines = [json.loads(line) for line in web.log().splitlines() if line.startswith("{")]
    assert any(line.get("msg") == "staff sign-in refused" and line.get("outcome") == "not_staff" for line in lines)
    assert "stranger@elsewhere.example" not in web.log()


def test_a_tampered_state_and_a_replayed_answer_are_refused(world):
    stack, _, web_url, _ = world
    lead = facilitator(stack)
    browser = requests.Session()
    callback = authorize_at_provider(browser, web_url, lead["email"])
    tampered = callback.replace("state=", "state=x")
    assert browser.get(tampered, allow_redirects=False).status_code == 400
    # The genuine answer still works once (the tampered one did not use the state) ...
    assert browser.get(callback, allow_redirects=False).status_code == 302
    # ... and never twice, even in a fresh browser that saw it.
    assert requests.get(callback, allow_redirects=False).status_code == 400
    assert browser.get(callback, allow_redirects=False).status_code == 400


def test_a_code_issued_for_one_sign_in_cannot_finish_another(world):
    """Two sign-ins started in one browser: the code of the first cannot complete the second (its PKCE
    verifier and nonce differ)."""
    stack, _, web_url, _ = world
    lead = facilitator(stack)
    browser = requests.Session()
    first = parse_qs(urlparse(authorize_at_provider(browser, web_url, lead["email"])).query)
    second = parse_qs(urlparse(authorize_at_provider(browser, web_url, lead["email"])).query)
    swapped = f"{web_url}/auth/callback?code={first['code'][0]}&state={second['state'][0]}"
    assert browser.get(swapped, allow_redirects=False).status_code == 400
    assert browser.get(f"{web_url}/", allow_redirects=False).status_code == 302


def test_signing_out_ends_the_session_here_and_at_the_provider(world):
    _, issuer, web_url, _ = world
    browser = requests.Session()
    browser.get(authorize_at_provider(browser, web_url, ADMIN_EMAIL))
    page = browser.get(f"{web_url}/admin").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = browser.post(f"{web_url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"].startswith(f"{issuer}/oauth2/end_session?")
    assert "id_token_hint=" in out.headers["Location"] and "post_logout_redirect_uri=" in out.headers["Location"]
    assert browser.get(out.headers["Location"]).status_code == 200  # the provider's sign-out page
    assert browser.get(f"{web_url}/admin", allow_redirects=False).status_code == 302
