"""List and replay dead letters of a consuming service, from a shell or a container:

    python -m shared.dead_letters_cli sessions list [--all] [--limit 50]
    python -m shared.dead_letters_cli notifications replay <dead-letter id>
    python -m shared.dead_letters_cli notifications replay --all

Replay runs the stored event through the service's own pipeline (inbox included), so an event
that was meanwhile handled, or is replayed twice, has one effect at most. Output is JSON lines
with ids, types, errors and attempts; event bodies are not printed (they may hold contact data).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from shared.logging import configure_logging
from shared.messaging.dead_letters import list_dead_letters, replay_dead_letter

CONSUMING_SERVICES = ("sessions", "notifications")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=CONSUMING_SERVICES)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters not yet replayed")
    listing.add_argument("--all", action="store_true", help="include replayed ones")
    listing.add_argument("--limit", type=int, default=50)
    replay = commands.add_parser("replay", help="handle a dead letter again")
    replay.add_argument("letter_id", nargs="?")
    replay.add_argument("--all", action="store_true", help="replay every dead letter not yet replayed")
    args = parser.parse_args(argv)

    bootstrap = importlib.import_module(f"services.{args.service}.bootstrap")
    context = bootstrap.build_context()
    configure_logging(f"{args.service}-dead-letters", context.settings.log_level)
    if args.command == "list":
        with context.session_factory() as session:
            letters = list_dead_letters(session, context.tables, args.limit, include_replayed=args.all)
        for letter in letters:
            print(json.dumps({k: letter[k] for k in ("id", "event_id", "event_type", "error", "attempts",
                                                      "created_at", "replayed_at")}, default=str))
        return 0
    if not args.letter_id and not args.all:
        parser.error("replay needs a dead letter id or --all")
    pipeline = bootstrap.build_pipeline(context)
    if args.all:
        with context.session_factory() as session:
            ids = [letter["id"] for letter in list_dead_letters(session, context.tables, limit=10_000)]
    else:
        ids = [args.letter_id]
    failed = 0
    for letter_id in ids:
        result = replay_dead_letter(pipeline, letter_id)
        outcome = "not_found" if result is None else result.outcome
        failed += outcome in ("failed", "not_found")
        print(json.dumps({"id": letter_id, "outcome": outcome, "error": result.error if result else None}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
