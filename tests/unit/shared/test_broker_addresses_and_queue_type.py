"""AMQP_URL names one node or several; RABBITMQ_QUEUE_TYPE is quorum (the default) or classic."""
from __future__ import annotations

import socket

import pytest

from shared.config import ConfigError, Settings
from shared.health import broker_reachable
from shared.messaging.broker import broker_nodes


def test_several_nodes_are_comma_separated_urls_tried_in_order():
    nodes = broker_nodes("amqp://u:p%2Cw@rabbit-0:5672/iop, amqp://u:p%2Cw@rabbit-1:5673/iop")
    assert [(n.host, n.port, n.virtual_host) for n in nodes] == [("rabbit-0", 5672, "iop"), ("rabbit-1", 5673, "iop")]
    assert nodes[0].credentials.password == "p,w"  # a comma in a password is percent-encoded


def test_an_empty_amqp_url_names_no_broker():
    with pytest.raises(ValueError, match="names no broker"):
        broker_nodes(" , ")


def test_the_readiness_report_finds_the_one_node_that_answers():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        alive = f"amqp://g:g@127.0.0.1:{listening.getsockname()[1]}/%2F"
        assert broker_reachable(f"amqp://g:g@127.0.0.1:1/%2F,{alive}") is True
    assert broker_reachable("amqp://g:g@127.0.0.1:1/%2F") is False


def test_queues_are_quorum_unless_the_setting_says_classic(monkeypatch):
    monkeypatch.delenv("RABBITMQ_QUEUE_TYPE", raising=False)
    assert Settings.from_env("roster").queue_type == "quorum"
    monkeypatch.setenv("RABBITMQ_QUEUE_TYPE", "Classic")
    assert Settings.from_env("roster").queue_type == "classic"
    monkeypatch.setenv("RABBITMQ_QUEUE_TYPE", "mirrored")
    with pytest.raises(ConfigError, match="RABBITMQ_QUEUE_TYPE must be quorum or classic"):
        Settings.from_env("roster")
