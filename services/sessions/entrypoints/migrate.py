"""The sessions one-shot before the service starts: `python -m services.sessions.entrypoints.migrate`.

Applies the database migrations, then declares the consumer's queue and bindings on the broker, so
events the relays publish from the first moment are kept for the consumer.
"""
from services.sessions.bootstrap import BINDINGS, QUEUE
from shared.processes import migrate

if __name__ == "__main__":
    migrate("sessions", QUEUE, BINDINGS)
