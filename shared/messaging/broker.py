"""Where the broker is: AMQP_URL names one node or several (comma-separated URLs, tried in turn),
so a worker whose node goes away connects to another node of the cluster by itself.

    AMQP_URL=amqp://iop:secret@rabbit-0:5672/%2F,amqp://iop:secret@rabbit-1:5672/%2F

A comma inside a password must be percent-encoded (%2C), as any reserved character in a URL.
"""
from __future__ import annotations

import pika


def node_urls(amqp_url: str) -> list[str]:
    """Every node's URL AMQP_URL names, in the order given."""
    urls = [part.strip() for part in amqp_url.split(",") if part.strip()]
    if not urls:
        raise ValueError("AMQP_URL names no broker")
    return urls


def broker_nodes(amqp_url: str) -> list[pika.URLParameters]:
    return [pika.URLParameters(url) for url in node_urls(amqp_url)]


def connect(amqp_url: str) -> pika.BlockingConnection:
    """A blocking connection to the first node that answers (pika tries the list in order)."""
    return pika.BlockingConnection(broker_nodes(amqp_url))
