"""The roster's outbox relay process: `python -m services.roster.entrypoints.relay`."""
from services.roster.bootstrap import build_context
from shared.processes import relay

if __name__ == "__main__":
    relay(build_context())
