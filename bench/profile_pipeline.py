"""What one event costs a consumer: SQL statements and time per event, in-process, no broker.

    .venv/bin/python -m bench.profile_pipeline [--groups 200] [--events 200]

Loads the benchmark's data set into fresh databases, then hands the notifications consumer's
pipeline (services/notifications/bootstrap.py build_pipeline: inbox + handler in one transaction,
exactly as the consumer process runs it) a series of `roster.enrollment.activated` events (a
participant joins a group that has about a week of upcoming sessions) and `sessions.session.scheduled`
events (a new session for a group of about ten), and prints statements and milliseconds per event
with the most frequent statements. With pyinstrument installed, also the profile of the first kind.
The databases are dropped at the end.
"""
from __future__ import annotations

import argparse
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from bench import dataset as ds
from bench.infra import Databases, new_run_id
from shared.events import new_envelope


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args(argv)
    databases = Databases(args.admin_url, new_run_id())
    try:
        urls, secret, data = ds.load_for_profiling(databases, args.groups)
        from services.notifications import bootstrap as notif_boot
        context = notif_boot.build_context(ds.settings_for(
            "notifications", urls["notifications"], ds.PROFILING_AMQP_URL, secret,
            {"SESSIONS_PUBLIC_URL": ds.PROFILING_SESSIONS_URL}))
        pipeline = notif_boot.build_pipeline(context)
        now = datetime.now(UTC)
        in_group = data.groups_of()
        joins = []
        for i, pid in enumerate(data.participants):
            group = data.groups[i % len(data.groups)]
            if group.id not in in_group.get(pid, []):
                joins.append(new_envelope("roster.enrollment.activated", {
                    "enrollment_id": str(uuid.uuid4()), "group_id": group.id, "participant_id": pid,
                    "active_from": now.isoformat(), "from_waitlist": False}, "roster", uuid.uuid4().hex))
            if len(joins) >= args.events:
                break
        starts = now + timedelta(days=3)
        scheduled = []
        for i in range(args.events):
            group = data.groups[i % len(data.groups)]
            start = starts + timedelta(minutes=i)
            scheduled.append(new_envelope("sessions.session.scheduled", {
                "session_id": str(uuid.uuid4()), "group_id": group.id, "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=3)).isoformat(), "duration_minutes": 180, "modality": "virtual",
                "location": None, "video_room_url": "https://meet.example.org/room", "topic": None}, "sessions", uuid.uuid4().hex))
        for label, events in (("roster.enrollment.activated", joins), ("sessions.session.scheduled", scheduled)):
            statements: Counter = Counter()

            def count(conn, cursor, statement, parameters, context_, executemany):
                statements[" ".join(statement.split())[:140]] += 1  # noqa: B023 - listened to in this pass only

            event.listen(context.engine, "before_cursor_execute", count)
            profiler = _profiler()
            started = time.perf_counter()
            if profiler:
                profiler.start()
            for envelope in events:
                pipeline.handle(envelope)
            if profiler:
                profiler.stop()
            elapsed = time.perf_counter() - started
            event.remove(context.engine, "before_cursor_execute", count)
            n = len(events)
            print(f"\n===== {label}: {n} events, {elapsed / n * 1000:.2f} ms and "
                  f"{sum(statements.values()) / n:.1f} SQL statements per event =====")
            for statement, k in statements.most_common(10):
                print(f"  {k / n:5.1f} x {statement}")
            if profiler:
                print(profiler.output_text(unicode=True, color=False))
        context.engine.dispose()
    finally:
        databases.drop_all()
    return 0


def _profiler():
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    return Profiler(interval=0.0005)


if __name__ == "__main__":
    raise SystemExit(main())
