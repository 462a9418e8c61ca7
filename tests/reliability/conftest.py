"""Fixtures for the fault tests: private brokers and database servers that only these tests stop or
crash (the shared RabbitMQ and PostgreSQL are never touched), the whole platform as processes, and
the figures each test reports (printed in the summary at the end of the run)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.clinic import Ledger
from tests.reliability.stack import SERVICES, WORKERS, Stack
from tests.support.private_postgres import PrivatePostgres
from tests.support.private_rabbit import PrivateRabbit
from tests.support.rabbit_cluster import RabbitCluster

_FIGURES: dict[str, dict] = {}


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("reliability figures")
        for test, figures in _FIGURES.items():
            terminalreporter.write_line(f"{test}: {json.dumps(figures, default=str)}")


@pytest.fixture
def figures(request):
    """A dict the test fills with its figures (faults, in flight, lost, duplicated, timings)."""
    found: dict = {}
    yield found
    _FIGURES[request.node.name] = found
    path = Path(request.config.rootpath) / "var" / "reliability"
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{request.node.name}.json").write_text(json.dumps(found, indent=2, default=str))


@pytest.fixture
def private_rabbit():
    rabbit = PrivateRabbit()
    rabbit.start()
    try:
        yield rabbit
    finally:
        rabbit.cleanup()


@pytest.fixture
def rabbit_cluster():
    """A private three-node RabbitMQ cluster (tests/support/rabbit_cluster.py), its nodes joined."""
    cluster = RabbitCluster(size=3)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.cleanup()


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def platform_on(tmp_path):
    """platform_on(database_urls, amqp_url[, apis, workers], **env) -> (stack, ledger), started (all of
    the platform by default); stopped at the end."""
    started: list[tuple[Stack, Ledger]] = []

    def start(database_urls: dict[str, str], amqp_url: str, apis: tuple[str, ...] = SERVICES,
              workers: tuple[str, ...] = tuple(WORKERS), **env: str) -> tuple[Stack, Ledger]:
        mail = tmp_path / "mail"
        stack = Stack(tmp_path / "logs", database_urls, amqp_url, mail, **env)
        (tmp_path / "logs").mkdir(exist_ok=True)
        ledger = Ledger(database_urls, mail)
        started.append((stack, ledger))
        stack.start(apis, workers)
        return stack, ledger

    yield start
    for stack, ledger in started:
        stack.stop()
        ledger.dispose()


@pytest.fixture
def shared_postgres_urls(databases) -> dict[str, str]:
    """Fresh, migrated databases on the shared PostgreSQL (safe: these tests never stop it)."""
    return {service: databases.new("postgresql", service) for service in SERVICES}
