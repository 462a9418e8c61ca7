"""The reminder scheduler and sender: `python -m services.notifications.entrypoints.scheduler`.

Sends every notification as it falls due (reminders, and the immediate ones the consumer plans).
Several may run side by side; SIGTERM lets the batch in hand finish.
"""
from services.notifications.bootstrap import build_context, build_scheduler
from shared.logging import configure_logging
from shared.metrics import serve_worker_metrics
from shared.worker import GracefulStop, Heartbeat


def main() -> None:
    context = build_context()
    settings = context.settings
    configure_logging(f"{settings.service}-scheduler", settings.log_level)
    serve_worker_metrics()
    build_scheduler(context, stop=GracefulStop().install(), heartbeat=Heartbeat(settings.heartbeat_file)).run()


if __name__ == "__main__":
    main()
