"""Flask-client tests of the web app: a real app from `create_app`, settings built in the test."""
from __future__ import annotations

import pytest

from services.web.app import create_app
from services.web.config import WebSettings
from tests.support.tokens import TEST_SECRET
from tests.web.forging_provider import ForgingProvider


def web_settings(**overrides) -> WebSettings:
    base = dict(app_env="test", jwt_secret=TEST_SECRET, secret_key="s" * 40, cookie_secure=False,
                oidc_client_id="iop-web-test", oidc_client_secret="secret", admin_emails=frozenset({"admin@clinic.example"}),
                roster_url="http://127.0.0.1:9", sessions_url="http://127.0.0.1:9", notifications_url="http://127.0.0.1:9",
                api_timeout_seconds=0.5)
    base.update(overrides)
    return WebSettings(**base)


@pytest.fixture
def forger():
    provider = ForgingProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def web(forger):
    app = create_app(web_settings(oidc_issuer=forger.issuer))
    return app
