"""A queue of the test's own, bound to every roster event: what really reached the broker."""
from __future__ import annotations

import json

import pika

from shared.messaging.topology import EXCHANGE


class EventTap:
    def __init__(self, amqp_url: str):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(EXCHANGE, "topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, EXCHANGE, "roster.#")
        self.seen: list[tuple[str, dict]] = []  # (routing key, envelope), in arrival order

    def drain(self) -> list[tuple[str, dict]]:
        """Everything seen so far, after taking what has arrived since the last call."""
        while True:
            method, _, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return self.seen
            self.seen.append((method.routing_key, json.loads(body)))

    def ids(self) -> list[str]:
        """The event ids seen so far, a redelivered event as often as it arrived."""
        return [envelope["id"] for _, envelope in self.drain()]

    def of_type(self, event_type: str, group_id: str) -> list[dict]:
        """This test's events only: other runs may publish on the same broker meanwhile."""
        return [e for key, e in self.drain() if key == event_type and e["data"].get("group_id") == group_id]

    def close(self) -> None:
        self.connection.close()
