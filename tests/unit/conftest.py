"""The handler rings' database: a migrated SQLite file per test, copied from a template made once per
session. No PostgreSQL, no RabbitMQ (the broker URL points at a port nobody listens on)."""
from __future__ import annotations

import dataclasses
import shutil

import pytest

from shared.config import Settings
from shared.migrations import upgrade
from tests.support.tokens import TEST_SECRET

NO_BROKER = "amqp://guest:guest@127.0.0.1:1/%2F"


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory) -> dict[str, str]:
    return {}


@pytest.fixture
def sqlite_settings(tmp_path, tmp_path_factory, _sqlite_templates):
    """sqlite_settings('roster', NAME=value...) -> Settings of a fresh, migrated SQLite database."""
    def build(service: str, **extra: str) -> Settings:
        if service not in _sqlite_templates:
            template = tmp_path_factory.mktemp("templates") / f"{service}.db"
            upgrade(service, f"sqlite:///{template}")
            _sqlite_templates[service] = str(template)
        path = tmp_path / f"{service}.db"
        shutil.copyfile(_sqlite_templates[service], path)
        base = Settings.from_env(service)
        return dataclasses.replace(base, app_env="test", database_url=f"sqlite:///{path}", jwt_secret=TEST_SECRET,
                                   amqp_url=NO_BROKER, extra={**base.extra, **extra})
    return build
