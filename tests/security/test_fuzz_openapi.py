"""Every answer as documented: `st run --checks all` against each service behind a real HTTP server.

schemathesis 4 reads the service's own /openapi.json and runs all its phases (examples, coverage,
fuzzing, stateful) with every check: no server error, documented statuses, content types, headers
and bodies, valid data accepted and invalid data refused, `Allow` on 405, missing auth refused,
deleted things gone... Requests carry an admin token (who may call everything, so the code behind
the checks runs) against the real data of tests/security/worlds.py on PostgreSQL; half of the ids
generated for a path or a body are those of records that exist, so the run reaches past "no such
group". The run is seeded and bounded (EXAMPLES per operation); its case count is reported.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.security.figures import FIGURES
from tests.security.worlds import NotificationsWorld, RosterWorld, SessionsWorld

EXAMPLES = 10  # per operation and phase
SEED = 18
NO_LIMITS = {"RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "0", "RATE_LIMIT_JOIN_PER_MINUTE": "0"}
WORLDS = {"roster": RosterWorld, "sessions": SessionsWorld, "notifications": NotificationsWorld}
# Rules the document cannot state (OpenAPI 3.0 has no way to compare two dates, nor to look at the
# records a request names or changes): these operations may refuse schema-valid data with a 422
# naming the field. Each entry says why; every other operation must accept all its document allows.
STATE_RULES = {
    "PATCH /v1/groups/{group_id}": "the changed group as a whole: an in-person or hybrid one needs its place, "
                                   "ends_on not before starts_on, capacity not under the active count",
    "PATCH /v1/participants/{participant_id}": "the changed profile as a whole: sms needs a number on file",
    "POST /v1/groups": "facilitator_ids must name registered facilitators",
    "POST /v1/groups/{group_id}/enrollments": "participant_id must name a registered participant",
    "POST /v1/groups/{group_id}/sessions/generate": "to not before from, at most 366 days apart",
    "POST /v1/participants/{participant_id}/attendance-exports": "to not before from, at most 366 days apart",
    "GET /v1/participants/{participant_id}/attendance": "to not before from, at most 366 days apart",
    "PUT /v1/sessions/{session_id}/attendance": "minutes within the session's length, required for left_early",
}
POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the service logs what matters; not a line per case
        pass


class Served:
    """The service's WSGI app on a free loopback port, threaded like gunicorn's gthread workers."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


def config_for(world, path: Path) -> Path:
    """A schemathesis.toml binding every known id to its parameter, half of the time."""
    lines = []
    for name, value in world.known_ids.items():
        values = value if isinstance(value, list) else [value]
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name, value in world.known_ids.items():
        if isinstance(value, list):
            continue
        for location in ("path", "query", "body"):
            lines.append(f'"{location}.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    for operation in STATE_RULES:
        method, route = operation.split(" ", 1)
        lines += ["", "[[operations]]", f'include-method = "{method}"', f'include-path = "{route}"',
                  f"checks.positive_data_acceptance.expected-statuses = {json.dumps([*POSITIVE_ACCEPTED, '422'])}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_schemathesis(url: str, token_header: str, config: Path, report: Path) -> subprocess.CompletedProcess:
    st = Path(sys.executable).with_name("st")
    return subprocess.run(
        [str(st), "--config-file", str(config), "run", f"{url}/openapi.json", "--checks", "all",
         "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1", "--no-shrink",
         "--header", f"Authorization: {token_header}", "--request-timeout", "20",
         "--report", "ndjson", "--report-ndjson-path", str(report), "--suppress-health-check", "all",
         "--output-truncate", "false"],
        capture_output=True, text=True, timeout=900, cwd=config.parent, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


def count_cases(output: str) -> tuple[int, int]:
    """(test cases generated, failures found) from the run's summary."""
    found = re.search(r"(\d+) generated(?:, (\d+) found)?", output)
    assert found, output[-3000:]
    return int(found.group(1)), int(found.group(2) or 0)


@pytest.mark.parametrize("service", list(WORLDS))
def test_every_answer_is_as_documented(settings_for, service, tmp_path):
    world = WORLDS[service](settings_for, NO_LIMITS)
    admin = world.headers["admin"]["Authorization"]
    with Served(world.http.application) as served:
        result = run_schemathesis(served.url, admin, config_for(world, tmp_path / "schemathesis.toml"),
                                  tmp_path / "events.ndjson")
    cases, failures = count_cases(result.stdout)
    FIGURES[f"schemathesis cases ({service})"] = cases
    FIGURES[f"schemathesis failures ({service})"] = failures
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    assert failures == 0
    assert cases >= 100, result.stdout[-3000:]  # generation was not starved
