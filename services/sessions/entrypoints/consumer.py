"""The sessions event consumer: `python -m services.sessions.entrypoints.consumer`.

Keeps the read model of roster's groups and memberships, from the durable queue "sessions"
(CONSUMER_QUEUE overrides the name).
"""
from services.sessions.bootstrap import BINDINGS, build_context, build_pipeline, consumer_queue
from shared.processes import consume


def main() -> None:
    context = build_context()
    consume(context, build_pipeline(context), consumer_queue(context), BINDINGS)


if __name__ == "__main__":
    main()
