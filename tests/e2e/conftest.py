"""Fixtures of the end-to-end ring: one RabbitMQ virtual host for the whole test session."""
from __future__ import annotations

import pytest

from tests.e2e.stack import isolated_vhost
from tests.support.databases import AMQP_URL


@pytest.fixture(scope="session")
def e2e_amqp_url(services_up) -> str:
    with isolated_vhost(AMQP_URL) as url:
        yield url
