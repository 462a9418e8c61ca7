"""The sessions event consumer: `python -m services.sessions.entrypoints.consumer`.

Keeps the read model of roster's groups and memberships, from the durable queue "sessions".
"""
from services.sessions.bootstrap import BINDINGS, QUEUE, build_context, build_pipeline
from shared.processes import consume


def main() -> None:
    context = build_context()
    consume(context, build_pipeline(context), QUEUE, BINDINGS)


if __name__ == "__main__":
    main()
