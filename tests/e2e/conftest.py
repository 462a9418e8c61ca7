"""Fixtures of the end-to-end ring: one RabbitMQ virtual host for the whole test session; and the
privacy scan of each module, which runs after that module's other tests (it reads what they wrote)."""
from __future__ import annotations

import pytest

from tests.e2e.clinic import Clinic
from tests.e2e.stack import isolated_vhost
from tests.support.databases import AMQP_URL


def pytest_configure(config):
    config.addinivalue_line("markers", "privacy_scan: reads what the module's other tests made the platform "
                                       "write, so it runs after all of them")


@pytest.hookimpl(trylast=True)  # after any plugin that reorders tests
def pytest_collection_modifyitems(items):
    """Each module's privacy_scan tests move to the end of that module; nothing else moves."""
    first_of_module: dict = {}
    for index, item in enumerate(items):
        first_of_module.setdefault(item.path, index)
    items.sort(key=lambda item: (first_of_module[item.path], item.get_closest_marker("privacy_scan") is not None))


@pytest.fixture(scope="session")
def e2e_amqp_url(services_up) -> str:
    with isolated_vhost(AMQP_URL) as url:
        yield url


@pytest.fixture
def clinic(stack) -> Clinic:
    """The clinic's staff at work on the module's own `stack` (each story module starts the processes it needs)."""
    return Clinic(stack)
