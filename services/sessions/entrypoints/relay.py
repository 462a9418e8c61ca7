"""The sessions outbox relay process: `python -m services.sessions.entrypoints.relay`."""
from services.sessions.bootstrap import build_context
from shared.processes import relay

if __name__ == "__main__":
    relay(build_context())
