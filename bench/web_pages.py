"""`python -m bench.web_pages`: the console's pages under load (part of `make bench`).

Starts the platform's real processes (tests.e2e.stack: the three APIs under gunicorn, relays,
consumers, scheduler) and the web console under gunicorn, sets up a facilitator's group (10 active
members, a waitlist, a month of sessions, one session under way with its attendance taken), and sends
the dashboard, the group page and the attendance sheet at 20 requests/s each (open loop, bench.loadgen).
Reports p50/p99 per page against the 300 ms budget and the API calls each page made (X-API-Calls,
budget 4). Results: bench/results/web-latest.json.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.loadgen import Req, paced
from services.web.app import create_app
from tests.e2e.stack import EVERYTHING, Stack, isolated_vhost
from tests.support.databases import AMQP_URL, DatabaseFactory
from tests.support.tokens import bearer
from tests.support.web_processes import WEB_SECRET_KEY, start_provider, start_web, web_env

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_P99_MS, BUDGET_CALLS = 300.0, 4


def setup(stack: Stack) -> tuple[dict, dict, dict]:
    admin = bearer("admin", str(uuid.uuid4()))

    def call(method, service, path, body=None, **params):
        response = requests.request(method, stack.urls[service] + path, json=body, params=params, headers=admin,
                                    timeout=30)
        response.raise_for_status()
        return response.json()

    lead = call("POST", "roster", "/v1/facilitators", {"name": "Bench Lead", "email": f"b-{uuid.uuid4().hex[:6]}@clinic.example"})
    group = call("POST", "roster", "/v1/groups", {
        "name": "Evening", "kind": "process", "modality": "hybrid", "location": "Room 2",
        "facilitator_ids": [lead["id"]], "starts_on": datetime.now(UTC).date().isoformat(),
        "schedule": {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
                     "timezone": "America/New_York"}})
    for n in range(12):
        person = call("POST", "roster", "/v1/participants", {"preferred_name": f"P{n}", "timezone": "America/New_York",
                                                             "email": f"p{n}-{uuid.uuid4().hex[:6]}@mail.example"})
        call("POST", "roster", f"/v1/groups/{group['id']}/enrollments", {"participant_id": person["id"]})
    deadline = time.monotonic() + 60
    while True:
        try:
            call("POST", "sessions", f"/v1/groups/{group['id']}/sessions/generate",
                 {"from": datetime.now(UTC).date().isoformat(),
                  "to": (datetime.now(UTC) + timedelta(days=30)).date().isoformat()})
            break
        except requests.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    session = call("POST", "sessions", f"/v1/groups/{group['id']}/sessions",
                   {"starts_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(), "duration_minutes": 180})
    while len(call("GET", "sessions", f"/v1/sessions/{session['id']}/attendance")["items"]) < 10:
        if time.monotonic() > deadline:
            raise RuntimeError("the sheet never listed the members")
        time.sleep(0.5)
    rows = call("GET", "sessions", f"/v1/sessions/{session['id']}/attendance")["items"]
    call("PUT", "sessions", f"/v1/sessions/{session['id']}/attendance",
         [{"participant_id": row["participant_id"], "status": "present"} for row in rows])
    return lead, group, session


def session_cookie(web_url: str, issuer: str, stack: Stack, lead: dict) -> str:
    """The console's signed session cookie for the facilitator, as a sign-in would set it."""
    from services.web.config import WebSettings
    env = web_env(issuer, stack.urls, 0)
    app = create_app(WebSettings(app_env="test", jwt_secret=env["JWT_SECRET"], secret_key=WEB_SECRET_KEY,
                                 oidc_issuer=issuer, cookie_secure=False))
    serializer = app.session_interface.get_signing_serializer(app)
    return "iop_staff=" + serializer.dumps({"staff": {"role": "facilitator", "sub": lead["id"],
                                                      "facilitator_id": lead["id"], "name": "Bench Lead"},
                                            "seen": int(time.time()), "_permanent": True})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_pages", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--count", type=int, default=400, help="requests per page")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="iop-bench-web-"))
    databases = DatabaseFactory(work)
    results: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "rate": args.rate, "pages": {}}
    try:
        with isolated_vhost(AMQP_URL) as amqp_url:
            stack = Stack(work, databases, amqp_url)
            extra = []
            try:
                stack.start(*EVERYTHING)
                provider, issuer = start_provider(work)
                extra.append(provider)
                web, web_url = start_web(work, issuer, stack.urls)
                extra.append(web)
                lead, group, session = setup(stack)
                cookie = session_cookie(web_url, issuer, stack, lead)
                base = web_url.replace("localhost", "127.0.0.1")
                pages = {"dashboard": "/", "group": f"/groups/{group['id']}", "attendance sheet": f"/sessions/{session['id']}"}
                for name, path in pages.items():
                    probe = requests.get(base + path, headers={"Cookie": cookie}, timeout=30)
                    assert probe.status_code == 200, (name, probe.status_code)
                    run = paced(base, [Req("GET", path, {"Cookie": cookie})], rate=args.rate, count=args.count)
                    run.pop("_sent", None)
                    run["api_calls"] = int(probe.headers["X-API-Calls"])
                    run["met"] = bool(run["p99_ms"] is not None and run["p99_ms"] < BUDGET_P99_MS
                                      and run["api_calls"] <= BUDGET_CALLS and run["errors"] == 0)
                    results["pages"][name] = run
                    print(f"{name:17} p50 {run['p50_ms']} ms  p99 {run['p99_ms']} ms  errors {run['errors']}  "
                          f"API calls {run['api_calls']}  {'met' if run['met'] else 'NOT MET'}", flush=True)
            finally:
                for process in extra:
                    process.stop()
                stack.close()
    finally:
        databases.drop_all()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "web-latest.json").write_text(json.dumps(results, indent=2))
    return 0  # a budget not met is a finding in the results, not a failed run


if __name__ == "__main__":
    raise SystemExit(main())
