"""The dead-letter command line: list what a consumer gave up on, replay it once fixed."""
from __future__ import annotations

import json
import uuid

from shared.dead_letters_cli import main
from shared.events import new_envelope
from shared.messaging.dead_letters import record_dead_letter


def test_list_and_replay_a_sessions_dead_letter(settings_for, monkeypatch, capsys):
    settings = settings_for("sessions")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JWT_SECRET", settings.jwt_secret)
    from services.sessions.bootstrap import build_context
    context = build_context(settings)
    group_id = str(uuid.uuid4())
    event = new_envelope("roster.group.created", {
        "group_id": group_id, "name": "G", "kind": "process", "capacity": 10, "modality": "virtual",
        "location": None, "enrollment_policy": "open", "facilitator_ids": [str(uuid.uuid4())],
        "schedule": {"weekdays": ["mon"], "start_time": "18:00", "duration_minutes": 180,
                     "timezone": "America/New_York"},
        "starts_on": "2030-01-07", "ends_on": None, "status": "forming"}, "roster", "corr")
    letter_id = record_dead_letter(context.session_factory, context.tables, "sessions",
                                   event.to_json().encode(), "RuntimeError: was down", 5, event.id, event.type)

    assert main(["sessions", "list"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(l["id"], l["event_type"], l["attempts"]) for l in listed] == [(letter_id, "roster.group.created", 5)]
    assert "America/New_York" not in json.dumps(listed)  # bodies are not printed

    assert main(["sessions", "replay", letter_id]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "handled"
    assert main(["sessions", "replay", letter_id]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "already_replayed"
    assert main(["sessions", "list"]) == 0 and capsys.readouterr().out == ""
    from sqlalchemy import text
    with context.session_factory() as session:
        assert session.execute(text("SELECT count(*) FROM groups")).scalar_one() == 1
