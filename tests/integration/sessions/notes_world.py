"""A session that has been held, with attendance taken, for the session-notes tests: a group led by
`lead` with co-facilitator `co`, three members (two attended, one absent) and one walk-in."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import text

from tests.integration.sessions.sessions_client import SessionsClient, as_facilitator, midnight, monday, now

# Distinctive clinical-sounding text that must never be found in the clear anywhere but the API.
SECRET = "Zephyrine disclosed relapse on oxycodone; plan: naltrexone titration"


class NotesWorld:
    def __init__(self, settings, ended_hours_ago: float = 30):
        self.client = c = SessionsClient(settings)
        self.http, self.context = c.http, c.context
        self.lead, self.co, self.outsider = (str(uuid.uuid4()) for _ in range(3))
        self.group = c.group([self.lead, self.co], modality="in_person")["group_id"]
        c.group([self.outsider], modality="in_person")
        since = midnight(monday(5))
        self.present, self.late, self.absent = (c.enroll(self.group, since)["participant_id"] for _ in range(3))
        self.walk_in = str(uuid.uuid4())
        starts = now() - timedelta(hours=ended_hours_ago) - timedelta(minutes=90)
        self.session = c.schedule(self.group, starts, duration_minutes=90)["id"]
        c.take_attendance(self.session, [
            {"participant_id": self.present, "status": "present"},
            {"participant_id": self.late, "status": "late", "minutes": 60},
            {"participant_id": self.absent, "status": "absent"},
            {"participant_id": self.walk_in, "status": "present"}])

    def restart(self, settings) -> None:
        """The same database, as the service would be after a restart with other settings (a new key)."""
        self.client = SessionsClient(settings)
        self.http, self.context = self.client.http, self.client.context

    def as_(self, who: str) -> dict:
        return as_facilitator(who)

    def post(self, path: str, body: dict | None = None, who: str | None = None):
        return self.http.post(path, json=body if body is not None else {}, headers=self.as_(who or self.co))

    def start(self, who: str | None = None, participant_id: str | None = None, **sections):
        body = {"kind": "individual" if participant_id else "group", "participant_id": participant_id}
        if sections:
            body["sections"] = sections
        return self.post(f"/v1/sessions/{self.session}/notes", body, who)

    def patch(self, note: dict, version: int, who: str | None = None, **sections):
        return self.http.patch(f"/v1/notes/{note['id']}", json={"version": version, "sections": sections},
                               headers=self.as_(who or self.co))

    def sign(self, note: dict, version: int, who: str | None = None):
        return self.post(f"/v1/notes/{note['id']}/sign", {"version": version}, who)

    def raw(self, sql: str, **params) -> list:
        with self.context.engine.connect() as conn:
            return conn.execute(text(sql), params).all()

    def tamper(self, note_id: str) -> None:
        """Flip one byte of the stored ciphertext, as a disk fault or an attacker with the database would."""
        with self.context.engine.begin() as conn:
            blob = bytearray(conn.execute(text("SELECT ciphertext FROM notes WHERE id = :id"),
                                          {"id": _db_id(conn, note_id)}).scalar_one())
            blob[-1] ^= 0x01
            conn.execute(text("UPDATE notes SET ciphertext = :c WHERE id = :id"),
                         {"c": bytes(blob), "id": _db_id(conn, note_id)})


def _db_id(conn, note_id: str):
    # SQLAlchemy's Uuid is CHAR(32) hex on SQLite and a native uuid on PostgreSQL.
    return uuid.UUID(note_id).hex if conn.dialect.name == "sqlite" else note_id
