"""NOTES_KEY: rotation (old rows stay readable, the command re-encrypts them under the newest key), a
tampered row under rotation, and the processes' refusal to start without a usable key."""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from services.sessions.adapters.note_cipher import DEVELOPMENT_NOTES_KEY
from shared.config import REPO_ROOT
from tests.integration.sessions.notes_world import SECRET, NotesWorld
from tests.integration.sessions.sessions_client import ADMIN

NEW_KEY = "k2:" + base64.b64encode(b"k" * 32).decode()


def _with_keys(settings, keys: str):
    return dataclasses.replace(settings, extra={**settings.extra, "NOTES_KEY": keys})


def _rotate(settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "NOTES_KEY": settings.extra["NOTES_KEY"],
           "APP_ENV": "test", "JWT_SECRET": settings.jwt_secret}
    return subprocess.run([sys.executable, "-m", "services.sessions.entrypoints.rotate_notes_key"], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_rotation_keeps_old_rows_readable_and_the_command_reencrypts_them(settings_for):
    old = _with_keys(settings_for("sessions"), DEVELOPMENT_NOTES_KEY)
    w = NotesWorld(old)
    note = w.start(participant_id=w.present, progress=SECRET).json
    w.sign(note, 1)
    w.post(f"/v1/notes/{note['id']}/addenda", {"text": "later"})

    w.restart(_with_keys(old, f"{NEW_KEY},{DEVELOPMENT_NOTES_KEY}"))  # the new key first, the old after it
    assert w.http.get(f"/v1/notes/{note['id']}", headers=ADMIN).json["sections"]["progress"] == SECRET
    newer = w.start(participant_id=w.late, progress="under the new key").json
    assert sorted(r.key_id for r in w.raw("SELECT key_id FROM notes")) == ["development-only", "k2"]

    result = _rotate(w.context.settings)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["resealed"], summary["rows_by_key_id"]) == (2, {"k2": 3})
    assert "Zephyrine" not in result.stdout + result.stderr

    w.restart(_with_keys(old, NEW_KEY))  # the old key can now be dropped
    shown = w.http.get(f"/v1/notes/{note['id']}", headers=ADMIN).json
    assert (shown["sections"]["progress"], shown["addenda"][0]["text"]) == (SECRET, "later")
    assert w.http.get(f"/v1/notes/{newer['id']}", headers=ADMIN).status_code == 200


def test_rotation_leaves_a_tampered_row_and_reports_it_by_id(settings_for):
    w = NotesWorld(_with_keys(settings_for("sessions"), DEVELOPMENT_NOTES_KEY))
    bad = w.start(participant_id=w.present, progress=SECRET).json
    w.start(participant_id=w.late, progress="fine")
    w.tamper(bad["id"])
    result = _rotate(_with_keys(w.context.settings, f"{NEW_KEY},{DEVELOPMENT_NOTES_KEY}"))
    assert result.returncode == 1
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["failed_row_ids"] == [bad["id"]]
    assert summary["rows_by_key_id"] == {"k2": 1, "development-only": 1}


def _start_api(**env) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "APP_ENV": "production", "JWT_SECRET": "p" * 40,
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "IOP_VAR_DIR": "/tmp"}
    return subprocess.run([sys.executable, "-c", "import services.sessions.entrypoints.wsgi"], cwd=REPO_ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("notes_key", "message"), [
    (None, "production needs NOTES_KEY"),
    (DEVELOPMENT_NOTES_KEY, "refuses the development notes key"),
    ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
    ("k1:not base64!!", "not valid base64"),
    (base64.b64encode(b"k" * 32).decode(), "must be <key id>:<base64 key>"),
])
def test_the_api_refuses_to_start_without_a_usable_key(notes_key, message):
    result = _start_api(**({"NOTES_KEY": notes_key} if notes_key else {}))
    assert result.returncode != 0
    assert message in result.stderr
    if notes_key:
        assert notes_key.rpartition(":")[2] not in result.stderr  # the key itself is never printed


def test_development_uses_the_named_development_key(settings_for):
    w = NotesWorld(settings_for("sessions"))
    w.start(participant_id=w.present)
    assert [r.key_id for r in w.raw("SELECT key_id FROM notes")] == ["development-only"]
