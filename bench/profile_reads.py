"""Profile the read endpoints in-process: where does a request's time go (Python or the database)?

    .venv/bin/pip install pyinstrument          # a profiling tool, not a dependency of the project
    .venv/bin/python -m bench.profile_reads [--groups 200] [--requests 300] [--endpoint session-list]

Loads the benchmark's data set (bench/dataset.py, smaller by default) into fresh databases, builds
each service's Flask app exactly as gunicorn does (create_app with production settings), and runs
the read endpoints through Flask's test client under pyinstrument, one endpoint at a time; prints
each profile and the SQL statements one request issues (counted with a SQLAlchemy event hook).
Nothing is left behind: the databases are dropped at the end.
"""
from __future__ import annotations

import argparse
import base64
import os
import secrets
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from bench import dataset as ds
from bench.infra import Databases, new_run_id
from shared.auth import mint_token

ENDPOINTS = ("group", "roster-page", "session-list", "participant-sessions")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--endpoint", action="append", choices=ENDPOINTS)
    parser.add_argument("--html", help="also write each profile as HTML into this directory")
    parser.add_argument("--cprofile", action="store_true",
                        help="use cProfile and print the functions with the most time of their own (environment: "
                             "PROFILE_READS_SORT=cumulative, PROFILE_READS_FILTER=<regex>, PROFILE_READS_PSTATS=<file>)")
    parser.add_argument("--explain", action="store_true",
                        help="also print EXPLAIN (ANALYZE, BUFFERS) of each statement of one request")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("pyinstrument is missing: .venv/bin/pip install pyinstrument")

    databases = Databases(args.admin_url, new_run_id())
    try:
        urls, secret, data = ds.load_for_profiling(databases, args.groups)
        apps = {}
        for service in ("roster", "sessions"):
            os.environ.update({"APP_ENV": "production", "JWT_SECRET": secret, "DATABASE_URL": urls[service],
                               "NOTES_KEY": "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
                               "LOG_LEVEL": "WARNING"})
            module = __import__(f"services.{service}.entrypoints.api.app", fromlist=["create_app"])
            apps[service] = module.create_app()
        today = datetime.now(UTC).date().isoformat()

        def tok(role, sub):
            return {"Authorization": f"Bearer {mint_token(secret, role, sub, timedelta(hours=1))}"}

        groups = data.groups
        members = [(pid, g) for g in groups for pid in g.active]
        plans = {
            "group": ("roster", lambda i: (f"/v1/groups/{groups[i % len(groups)].id}",
                                           tok("facilitator", groups[i % len(groups)].lead))),
            "roster-page": ("roster", lambda i: (f"/v1/groups/{groups[i % len(groups)].id}/enrollments",
                                                 tok("facilitator", groups[i % len(groups)].lead))),
            "session-list": ("sessions", lambda i: (f"/v1/sessions?group_id={groups[i % len(groups)].id}&from={today}",
                                                    tok("facilitator", groups[i % len(groups)].lead))),
            "participant-sessions": ("sessions", lambda i: (f"/v1/participants/{members[i % len(members)][0]}/sessions",
                                                            tok("participant", members[i % len(members)][0]))),
        }
        for name in args.endpoint or ENDPOINTS:
            service, plan = plans[name]
            app = apps[service]
            client = app.test_client()
            requests = [plan(i * 7) for i in range(args.requests)]
            statements: Counter = Counter()
            engine = app.extensions["iop"].engine

            def count(conn, cursor, statement, parameters, context, executemany):
                statements[" ".join(statement.split())[:160]] += 1  # noqa: B023 - listened to in this pass only

            for path, headers in requests[:10]:  # warm
                assert client.get(path, headers=headers).status_code == 200, path
            event.listen(engine, "before_cursor_execute", count)
            profiler = CProfiler() if args.cprofile else Profiler(interval=0.0005)
            started = time.perf_counter()
            profiler.start()
            for path, headers in requests:
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code, response.data[:200])
            profiler.stop()
            elapsed = time.perf_counter() - started
            event.remove(engine, "before_cursor_execute", count)
            print(f"\n===== {name}: {args.requests} requests, {elapsed / args.requests * 1000:.2f} ms each "
                  f"(in-process, one thread) =====")
            print(f"SQL statements per request: {sum(statements.values()) / args.requests:.1f}")
            for statement, n in statements.most_common(8):
                print(f"  {n / args.requests:5.1f} x {statement}")
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            if args.explain:
                explain(engine, client, *requests[len(requests) // 2])
            if args.html:
                os.makedirs(args.html, exist_ok=True)
                with open(os.path.join(args.html, f"{name}.html"), "w") as f:
                    f.write(profiler.output_html())
        for app in apps.values():
            app.extensions["iop"].engine.dispose()
    finally:
        databases.drop_all()
    return 0


class CProfiler:
    """cProfile behind pyinstrument's start/stop/output_text, for time spent inside each function."""

    def __init__(self):
        import cProfile
        self.profile = cProfile.Profile()
        self.start, self.stop = self.profile.enable, self.profile.disable

    def output_text(self, **_options) -> str:
        import io
        import pstats
        if os.environ.get("PROFILE_READS_PSTATS"):  # a file for pstats/snakeviz, of the last endpoint run
            self.profile.dump_stats(os.environ["PROFILE_READS_PSTATS"])
        out = io.StringIO()
        pstats.Stats(self.profile, stream=out).sort_stats(os.environ.get("PROFILE_READS_SORT", "tottime")).print_stats(
            os.environ.get("PROFILE_READS_FILTER", ""), 40)
        return out.getvalue()


def explain(engine, client, path: str, headers: dict) -> None:
    """EXPLAIN ANALYZE of every SELECT one request issues, with the request's own parameters."""
    captured = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    client.get(path, headers=headers)
    event.remove(engine, "before_cursor_execute", grab)
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        for statement, parameters in captured:
            print(f"--- EXPLAIN {' '.join(statement.split())[:300]}")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            for (line,) in cursor.fetchall():
                print("    " + line)
        raw.driver_connection.rollback()
    finally:
        raw.close()


if __name__ == "__main__":
    raise SystemExit(main())
