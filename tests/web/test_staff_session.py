"""The staff session around the pages: idle timeout back to the same page, CSRF, headers, cookies,
who counts as staff, and what production refuses."""
from __future__ import annotations

import time

import pytest

from services.web.auth import guard
from services.web.auth.guard import safe_next
from services.web.auth.identity import Refusal, StaffMember, decide
from services.web.config import WebSettings
from shared.config import ConfigError
from tests.web.test_oidc_forged_responses import answer, begin, csrf_of


def signed_in(web, forger, next_path=None):
    client = web.test_client()
    state, nonce = begin(client, forger, next_path)
    assert answer(client, forger, state, nonce).status_code == 302
    return client


def test_an_idle_session_ends_and_signing_in_again_returns_to_the_page(web, forger, monkeypatch):
    client = signed_in(web, forger)
    later = time.time() + 16 * 60
    monkeypatch.setattr(guard.time, "time", lambda: later)
    response = client.get("/admin/facilitators")
    assert response.status_code == 302 and response.headers["Location"] == "/login?expired=1"
    page = client.get("/login?expired=1").get_data(as_text=True)
    assert "signed out after a while without activity" in page
    state, nonce = begin(client, forger)
    back = answer(client, forger, state, nonce, code="code-2")
    assert back.headers["Location"] == "/admin/facilitators"


def test_a_form_without_its_csrf_token_is_refused(web, forger):
    client = signed_in(web, forger)
    refused = client.post("/admin/dead-letters/00000000-0000-4000-8000-000000000001/replay")
    assert refused.status_code == 400 and "This form had expired" in refused.get_data(as_text=True)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 302


def test_pages_carry_a_strict_policy_and_the_cookie_is_httponly_and_lax(web, forger):
    client = web.test_client()
    page = client.get("/login")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    start = client.get("/login/start")
    cookie = start.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # http://localhost dev
    from tests.web.conftest import web_settings
    from services.web.app import create_app
    secure = create_app(web_settings(oidc_issuer=forger.issuer, cookie_secure=True)).test_client()
    assert "Secure" in secure.get("/login/start").headers["Set-Cookie"]


def test_signing_out_ends_the_session_and_goes_to_the_providers_sign_out(web, forger):
    client = signed_in(web, forger)
    response = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert response.headers["Location"].startswith(f"{forger.issuer}/logout?")
    assert "id_token_hint=" in response.headers["Location"]
    assert client.get("/admin").status_code == 302


@pytest.mark.parametrize("target,expected", [("/groups/1?x=2", "/groups/1?x=2"), ("https://evil.example/", "/"),
                                             ("//evil.example", "/"), ("/\\evil", "/"), (None, "/")])
def test_only_paths_on_this_site_are_returned_to(target, expected):
    assert safe_next(target) == expected


def test_who_counts_as_staff():
    lead = {"id": "f-1", "name": "Dana"}

    def find(email):
        return lead if email == "dana@clinic.example" else None

    def who(**claims):
        return decide({"sub": "s", "email_verified": True, **claims}, "https://idp", frozenset({"boss@clinic.example"}),
                      "iop-admins", find)

    assert who(email="Dana@Clinic.example") == StaffMember("facilitator", "f-1", "f-1", "Dana")
    assert who(email="boss@clinic.example").role == "admin"
    assert who(email="it@clinic.example", groups=["iop-admins"]).role == "admin"
    assert who(email="dana@clinic.example", groups=["iop-admins"]) == StaffMember("admin", "f-1", "f-1", "Dana")
    assert who(email="someone@clinic.example") == Refusal("not_staff")
    assert decide({"sub": "s", "email": "dana@clinic.example"}, "https://idp", frozenset(), None, find) == \
        Refusal("email_not_verified")


def test_production_refuses_the_development_provider_and_secrets(monkeypatch):
    good = dict(app_env="production", oidc_issuer="https://login.microsoftonline.com/t/v2.0", oidc_client_id="app",
                jwt_secret="j" * 40, secret_key="k" * 40, cookie_secure=True)
    WebSettings(**good).check()
    for change, message in [({"oidc_issuer": "http://localhost:9400"}, "development OpenID provider"),
                            ({"oidc_issuer": "http://idp.clinic.example"}, "development OpenID provider"),
                            ({"secret_key": "short"}, "WEB_SECRET_KEY"), ({"cookie_secure": False}, "Secure"),
                            ({"oidc_client_id": "iop-web-dev"}, "OIDC_CLIENT_ID")]:
        with pytest.raises(ConfigError, match=message):
            WebSettings(**{**good, **change}).check()
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "j" * 40)
    monkeypatch.setenv("WEB_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    with pytest.raises(ConfigError, match="development OpenID provider"):
        WebSettings.from_env()
    from services.web import dev_provider
    with pytest.raises(SystemExit, match="APP_ENV=production"):
        dev_provider.main([])
