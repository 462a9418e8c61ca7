"""The notifications consumer process: `python -m services.notifications.entrypoints.consumer`.

Reads roster.* and sessions.* from the durable queue "notifications" and plans notifications.
"""
from services.notifications.bootstrap import BINDINGS, QUEUE, build_context, build_pipeline
from shared.processes import consume

if __name__ == "__main__":
    context = build_context()
    consume(context, build_pipeline(context), QUEUE, BINDINGS)
