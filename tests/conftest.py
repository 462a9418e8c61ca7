"""Fixtures shared by every ring of tests.

Integration tests need the real PostgreSQL and RabbitMQ. When either is unreachable the run
fails at once with a clear message; it never quietly skips.
"""
from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.audit.buffer import close_all  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.messaging.vhost import delete_vhost, ensure_vhost  # noqa: E402
from tests.support.databases import AMQP_URL, OWN_VHOST, PG_URL, DatabaseFactory, reachable  # noqa: E402
from tests.support.tokens import TEST_SECRET  # noqa: E402

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def services_up():
    missing = []
    if not reachable(PG_URL, 5432):
        missing.append(f"PostgreSQL at {PG_URL} (set TEST_DATABASE_URL)")
    if not reachable(AMQP_URL, 5672):
        missing.append(f"RabbitMQ at {AMQP_URL} (set TEST_AMQP_URL)")
    if missing:
        pytest.exit("integration tests need the real services; unreachable: " + "; ".join(missing), returncode=3)
    ensure_vhost(AMQP_URL)
    yield
    if OWN_VHOST:
        delete_vhost(AMQP_URL)


@pytest.fixture(scope="session")
def databases(services_up, tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    close_all()  # the apps' queued audit rows go to their databases while these still exist
    factory.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return request.param


@pytest.fixture
def amqp_url(services_up) -> str:
    return AMQP_URL


def make_settings(service: str, database_url: str, **overrides) -> Settings:
    base = Settings.from_env(service)
    return dataclasses.replace(base, app_env="test", database_url=database_url, jwt_secret=TEST_SECRET,
                               amqp_url=overrides.pop("amqp_url", AMQP_URL), **overrides)


@pytest.fixture
def settings_for(databases, backend):
    """settings_for('roster') -> Settings pointing at a fresh, migrated database of this backend."""
    def build(service: str, **overrides) -> Settings:
        return make_settings(service, databases.new(backend, service), **overrides)
    return build


@pytest.fixture(scope="session")
def _test_var_dir(tmp_path_factory) -> str:
    """The session's own var/ (IOP_TEST_VAR_DIR if set): no folder shared with another run."""
    return os.environ.get("IOP_TEST_VAR_DIR") or str(tmp_path_factory.mktemp("var"))


@pytest.fixture(autouse=True)
def _no_real_env_leaks(monkeypatch, _test_var_dir):
    # Tests build their settings explicitly; a developer's shell must not change what they see.
    for name in ("DATABASE_URL", "APP_ENV", "AMQP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IOP_VAR_DIR", _test_var_dir)
