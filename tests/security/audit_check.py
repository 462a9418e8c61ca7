"""The audit side of the authorization matrix: each cell leaves exactly the audit rows it should.

Expected from what the caller saw, not from the audit's own code: the action of the row; the actor
the caller's credential names (anonymous when it is broken or missing); the outcome and status of
the response (a change let in is recorded in its own transaction, before there is a status); the
correlation id the response carries; one row per participant: for a refusal the path's participant
(and those a change's body names),
for a change the participants it concerned, for a read every known participant whose id the response
shows (a participant let in who is shown no one has read their own record), else one row with none.
"""
from __future__ import annotations

import re
import uuid
import warnings
from typing import Any

import sqlalchemy as sa
from flask import Flask

from shared.auth import AuthError, decode_token
from tests.support.tokens import TEST_SECRET

_PATH_PARTICIPANT = re.compile(r"/participants/([0-9a-f-]{36})")


def actor_of(headers: dict[str, str]) -> tuple[str, str | None]:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    try:
        principal = decode_token(token, TEST_SECRET) if scheme == "Bearer" else None
    except AuthError:
        principal = None
    return (principal.role, principal.sub) if principal else ("anonymous", None)


def expected_outcome(status: int) -> str:
    return "allowed" if status < 400 else "refused" if status in (401, 403, 404, 410) else "failed"


class AuditCheck:
    def __init__(self, app: Flask):
        context = app.extensions["iop"]
        self.buffer = app.extensions["iop_audit_buffer"]
        self.engine, self.table = context.engine, context.audit
        self.metadata = sa.MetaData()
        with warnings.catch_warnings():  # SQLite cannot reflect an expression index (lower(email)): not needed here
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            self.metadata.reflect(bind=self.engine)
        self.seen: set[str] = set()
        self.rows = 0
        self._new_rows()

    def _new_rows(self) -> list[dict]:
        self.buffer.flush()  # what the background thread would write within AUDIT_FLUSH_SECONDS
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(sa.select(self.table))]
        new = [r for r in rows if r["id"] not in self.seen]
        self.seen.update(r["id"] for r in new)
        self.rows += len(new)
        return new

    def skip_setup(self) -> None:
        self._new_rows()

    def known_participants(self) -> set[str]:
        ids: set[str] = set()
        with self.engine.connect() as conn:
            for table in self.metadata.tables.values():
                if table.name == self.table.name:
                    continue
                for column in table.columns:
                    if column.name == "participant_id" or (table.name == "participants" and column.name == "id"):
                        # Canonical text: SQLite keeps a Uuid column as 32 hex digits.
                        ids.update(str(uuid.UUID(str(v))) for v in conn.scalars(sa.select(column).distinct())
                                   if v is not None)
        return ids

    def check(self, where: str, row: Any, world: Any, path: str, headers: dict[str, str], body: Any, response
              ) -> list[str]:
        rows = self._new_rows()
        if row.audit is None:
            return [f"{where}: not an audited endpoint, yet it left {len(rows)} audit rows"] if rows else []
        status = response.status_code
        role, sub = actor_of(headers)
        if row.credential and status < 400:
            role, sub = row.credential, None  # the link is the credential, whatever header comes with it
        change = row.method != "GET" or row.touched is not None
        in_path = _PATH_PARTICIPANT.search(path)
        path_ids = {in_path.group(1)} if in_path else set()
        if change:  # a change concerns whom its body names, even when refused
            items = body if isinstance(body, list) else [body]
            path_ids |= {i["participant_id"] for i in items if isinstance(i, dict) and "participant_id" in i}
        if status >= 400:
            participants = path_ids
        elif change:
            participants = row.touched(world, response) if row.touched else path_ids
        else:
            text = response.get_data(as_text=True)
            participants = path_ids | {pid for pid in self.known_participants() if pid in text}
            if not participants and role == "participant":
                participants = {sub}
        expected = {"action": row.audit, "actor_role": role, "actor_id": sub if role not in (
            "anonymous", row.credential) else None, "method": row.method,
            "resource": "/join/***" if path.startswith("/join/") else path.split("?")[0],
            "outcome": expected_outcome(status), "status": None if change and status < 400 else status,
            "correlation_id": response.headers.get("X-Correlation-ID"), "client_address": "127.0.0.1"}
        failures = []
        got_participants = sorted((r["participant_id"] or "-") for r in rows)
        want_participants = sorted(participants or {"-"})
        if got_participants != want_participants:
            failures.append(f"{where}: audit rows name participants {got_participants}, expected {want_participants}")
        for r in rows:
            wrong = {k: (r[k], v) for k, v in expected.items() if r[k] != v}
            if wrong:
                failures.append(f"{where}: audit row differs (got, expected): {wrong}")
        if len({r["request_id"] for r in rows}) > 1:
            failures.append(f"{where}: one request's audit rows carry different request ids")
        return failures
