"""Wait until what a process needs is in place, then exit 0: the init container of every API and
worker pod on Kubernetes (deploy/kubernetes/), so nothing starts before its migrate Job has run.

    python -m shared.wait_ready --schema roster                           # roster's schema at head
    python -m shared.wait_ready --schema roster --queue sessions --queue notifications

--schema: the database at DATABASE_URL is at the newest Alembic revision of this image's code (an
older schema means the Job of this release has not finished; a pod of the previous release keeps
serving meanwhile). --queue: the consumers' queues exist on the broker at AMQP_URL (a relay must not
publish before them: the broker drops what no queue is bound to). Exits 1 after --timeout seconds.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from pika.exceptions import AMQPError, ChannelClosedByBroker

from shared.messaging.broker import connect
from shared.migrations import schema_at_head


def missing(schema: str | None, queues: list[str]) -> str | None:
    """What is not there yet (None when everything is)."""
    if schema is not None:
        try:
            if not schema_at_head(schema, os.environ["DATABASE_URL"]):
                return f"the {schema} schema is not at head yet (its migrate Job has not finished)"
        except Exception as exc:  # noqa: BLE001 - the database is not reachable yet: keep waiting
            return f"the {schema} database does not answer ({type(exc).__name__})"
    for queue in queues:
        try:
            connection = connect(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
        except AMQPError as exc:
            return f"the broker does not answer ({type(exc).__name__})"
        try:
            connection.channel().queue_declare(queue, passive=True)
        except ChannelClosedByBroker:
            return f"queue {queue!r} is not declared yet (its service's migrate Job has not run)"
        finally:
            if connection.is_open:
                connection.close()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.wait_ready", description=__doc__.splitlines()[0])
    parser.add_argument("--schema", help="service whose database (DATABASE_URL) must be at head")
    parser.add_argument("--queue", action="append", default=[], help="queue that must exist (repeatable)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before giving up (default 600)")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between checks (default 3)")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    last = None
    while (problem := missing(args.schema, args.queue)) is not None:
        if problem != last:
            print(f"waiting: {problem}", file=sys.stderr, flush=True)
            last = problem
        if time.monotonic() > deadline:
            print(f"gave up after {args.timeout:.0f}s: {problem}", file=sys.stderr)
            return 1
        time.sleep(args.interval)
    print("ready", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
