"""The machinery of the authorization matrix: rows, expected statuses, and checking every cell.

A row is one endpoint (method and URL rule, exactly as the app's url_map names it) with the status
each caller must get. A cell is one caller on one row. Each cell also checks that
- a refusal changed nothing in the service's database (every table compared before and after),
- a JSON refusal is the uniform error body,
- a caller from another group that is let in (a list, say) sees none of the subject's ids,
- with an `AuditCheck`, the audit rows it left are exactly the expected ones (tests.security.audit_check).
"""
from __future__ import annotations

import warnings

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.security.callers import BAD_CREDENTIALS, CALLERS

OUTSIDERS = ("other_facilitator", "other_participant")


def scoped(admin: int, own_facilitator: int, other_facilitator: int, self_: int, other_participant: int
           ) -> dict[str, int]:
    """Statuses of the five real callers; every broken or missing credential gets 401."""
    return {"admin": admin, "own_facilitator": own_facilitator, "other_facilitator": other_facilitator,
            "self": self_, "other_participant": other_participant, **{c: 401 for c in BAD_CREDENTIALS}}


def everyone(status: int) -> dict[str, int]:
    """A public endpoint: the same answer whoever calls, whatever credential they bring."""
    return {caller: status for caller in CALLERS}


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    path: Callable[[Any], str]
    expect: dict[str, int]
    body: Callable[[Any], Any] | None = None
    audit: str | None = None  # the action each call leaves in the access audit; None: not audited
    touched: Callable[[Any, Any], set[str]] | None = None  # (world, response) -> whom an allowed change concerned
    credential: str | None = None  # the audit's actor role when the view's own credential let the caller in

    def __post_init__(self):
        assert set(self.expect) == set(CALLERS), f"{self.method} {self.rule}: a status for every caller"


def public_rows() -> list[Row]:
    """What the shared app factory serves to anyone, in every service."""
    return [Row("GET", path, lambda w, path=path: path, everyone(200))
            for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")] + [
        Row("GET", "/static/<path:filename>", lambda w: "/static/nothing-here.txt", everyone(404))]


def audit_rows() -> list[Row]:
    """The access audit every service serves (shared.audit.api): admins only."""
    return [Row("GET", "/v1/audit", lambda w: f"/v1/audit?participant_id={w.me}", scoped(200, 403, 403, 403, 403)),
            Row("GET", "/v1/participants/<participant_id>/access-report",
                lambda w: f"/v1/participants/{w.me}/access-report", scoped(200, 403, 403, 403, 403),
                audit="access_report.read")]


def endpoints(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) the app answers, HEAD and OPTIONS aside (Flask adds them to every GET)."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


class DatabaseSnapshot:
    """Every row of every table of a service's database, to prove a refusal changed nothing (but for
    the access audit, where a refusal is recorded: AuditCheck checks those rows)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.metadata = sa.MetaData()
        with warnings.catch_warnings():  # SQLite cannot reflect an expression index (lower(email)): not needed here
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            self.metadata.reflect(bind=engine)

    def take(self) -> dict[str, list[str]]:
        with self.engine.connect() as conn:
            return {name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
                    for name, table in self.metadata.tables.items() if name != "audit_log"}


@dataclass
class MatrixRun:
    http: Any
    headers: dict[str, dict[str, str]]
    snapshot: DatabaseSnapshot
    subject_ids: set[str]
    audit: Any = None  # an AuditCheck, or None
    cells: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, world: Any, rows: list[Row]) -> None:
        for row in rows:
            for caller in CALLERS:
                self._cell(world, row, caller)

    def _cell(self, world: Any, row: Row, caller: str) -> None:
        path = row.path(world)
        body = row.body(world) if row.body else None
        expected = row.expect[caller]
        before = self.snapshot.take() if expected >= 400 else None
        if self.audit is not None:
            self.audit.skip_setup()  # what building the path and body recorded (a fresh group, say)
        response = self.http.open(path, method=row.method, json=body, headers=self.headers[caller])
        self.cells += 1
        where = f"{row.method} {row.rule} as {caller}"
        if self.audit is not None:
            self.failures.extend(self.audit.check(where, row, world, path, self.headers[caller], body, response))
        if response.status_code != expected:
            self.failures.append(f"{where}: expected {expected}, got {response.status_code} "
                                 f"{response.get_data(as_text=True)[:160]}")
            return
        if before is not None:
            if self.snapshot.take() != before:
                self.failures.append(f"{where}: refused with {expected} but the database changed")
            if response.is_json and response.json.get("code") != expected:
                self.failures.append(f"{where}: the error body is not the uniform JSON error")
        elif caller in OUTSIDERS and response.status_code < 300:
            text = response.get_data(as_text=True)
            leaked = sorted(i for i in self.subject_ids if i in text)
            if leaked:
                self.failures.append(f"{where}: let in, and shown another group's ids {leaked}")
