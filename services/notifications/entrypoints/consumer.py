"""The notifications consumer process: `python -m services.notifications.entrypoints.consumer`.

Reads roster.* and sessions.* from the durable queue "notifications" (CONSUMER_QUEUE overrides the
name) and plans notifications.
"""
from services.notifications.bootstrap import BINDINGS, build_context, build_pipeline, consumer_queue
from shared.processes import consume

if __name__ == "__main__":
    context = build_context()
    consume(context, build_pipeline(context), consumer_queue(context), BINDINGS)
