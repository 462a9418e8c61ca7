"""The authorization matrix: every endpoint of the three services against ten callers.

Callers: an admin, the group's own facilitator, another group's facilitator, the participant
themself, another group's participant, and five broken credentials (none, expired, signed with
another key, a participant's token edited to say admin, unsigned `alg: none`). The subject of every
row is one group (led by the own facilitator, with the participant in it), its sessions and that
participant. Out of scope answers 404 (whether someone is a client is itself protected); a role
that may never do something gets 403; a broken credential 401.

The rows are checked against each app's url_map both ways: a new endpoint without a row, or a row
for an endpoint that is gone, fails the test. Real data on PostgreSQL; the failed-authentication
limit is off here (it has its own tests), since this matrix fails authentication on purpose.

Every cell also leaves exactly its expected access-audit rows (SPEC 9; tests.security.audit_check),
allowed and refused alike; test_audit_matrix_sqlite runs the same on SQLite.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.integration.roster.roster_client import schedule
from tests.security.figures import FIGURES
from tests.security.audit_check import AuditCheck
from tests.security.matrix import (DatabaseSnapshot, MatrixRun, Row, audit_rows, endpoints, everyone, public_rows,
                                   scoped)
from tests.security.worlds import NotificationsWorld, RosterWorld, SessionsWorld

NO_FAILURE_LIMIT = {"RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "0"}


def unique_email() -> str:
    return f"{uuid.uuid4().hex[:10]}@clinic.example"


# --- roster ------------------------------------------------------------------------------------------

ROSTER_ROWS = [
    Row("POST", "/v1/facilitators", lambda w: "/v1/facilitators", scoped(201, 403, 403, 403, 403),
        body=lambda w: {"name": "New colleague", "email": unique_email()}),
    Row("GET", "/v1/facilitators", lambda w: "/v1/facilitators", scoped(200, 200, 200, 403, 403)),
    Row("GET", "/v1/facilitators/<facilitator_id>", lambda w: f"/v1/facilitators/{w.lead}",
        scoped(200, 200, 200, 403, 403)),
    Row("POST", "/v1/participants", lambda w: "/v1/participants", scoped(201, 201, 201, 403, 403),
        body=lambda w: {"preferred_name": "Alex", "email": unique_email(), "timezone": "America/New_York"}, audit="participant.create", touched=lambda w, r: {r.json["id"]}),
    Row("GET", "/v1/participants", lambda w: "/v1/participants", scoped(200, 200, 200, 403, 403), audit="participant.list"),
    Row("GET", "/v1/participants/<participant_id>", lambda w: f"/v1/participants/{w.me}",
        scoped(200, 200, 404, 200, 404), audit="participant.read"),
    Row("PATCH", "/v1/participants/<participant_id>", lambda w: f"/v1/participants/{w.me}",
        scoped(200, 200, 404, 200, 404), body=lambda w: {"preferred_name": "Sam"}, audit="participant.update"),
    Row("GET", "/v1/participants/<participant_id>/enrollments", lambda w: f"/v1/participants/{w.me}/enrollments",
        scoped(200, 200, 404, 200, 404), audit="enrollment.list"),
    Row("POST", "/v1/participants/<participant_id>/page-link/revoke",
        lambda w: f"/v1/participants/{w.me}/page-link/revoke", scoped(200, 200, 404, 403, 403), audit="page_link.revoke"),
    # Anyone may ask for a fresh page link: always 202, whoever asks, known address or not.
    Row("POST", "/v1/page-link-requests", lambda w: "/v1/page-link-requests", everyone(202),
        body=lambda w: {"email": "nobody-here@mail.example"}),
    # Another facilitator may create groups, but not one they do not lead (422 names facilitator_ids).
    Row("POST", "/v1/groups", lambda w: "/v1/groups", scoped(201, 201, 422, 403, 403),
        body=lambda w: {"name": "Thursday", "kind": "process", "modality": "virtual", "facilitator_ids": [w.lead],
                        "schedule": schedule(), "starts_on": "2030-01-07"}),
    Row("GET", "/v1/groups", lambda w: "/v1/groups", scoped(200, 200, 200, 200, 200)),
    Row("GET", "/v1/groups/<group_id>", lambda w: f"/v1/groups/{w.group}", scoped(200, 200, 404, 200, 404)),
    Row("PATCH", "/v1/groups/<group_id>", lambda w: f"/v1/groups/{w.group}", scoped(200, 200, 404, 403, 403),
        body=lambda w: {"name": "Tuesday evening"}, audit="group.update"),
    Row("POST", "/v1/groups/<group_id>/close", lambda w: f"/v1/groups/{w.fresh_group_with_me()[0]}/close",
        scoped(200, 200, 404, 403, 403), audit="group.close", touched=lambda w, r: {w.me}),
    Row("GET", "/v1/groups/<group_id>/enrollments", lambda w: f"/v1/groups/{w.group}/enrollments",
        scoped(200, 200, 404, 403, 403), audit="enrollment.list"),
    Row("POST", "/v1/groups/<group_id>/enrollments", lambda w: f"/v1/groups/{w.group}/enrollments",
        scoped(201, 201, 404, 403, 403), body=lambda w: {"participant_id": w.client.participant()["id"]}, audit="enrollment.create", touched=lambda w, r: {r.json["participant_id"]}),
    Row("POST", "/v1/groups/<group_id>/enrollments/<enrollment_id>/end",
        lambda w: "/v1/groups/{}/enrollments/{}/end".format(*w.fresh_group_with_me()),
        scoped(200, 200, 404, 403, 403), body=lambda w: {"reason": "withdrew"}, audit="enrollment.end", touched=lambda w, r: {w.me}),
]


# --- sessions ----------------------------------------------------------------------------------------

def _week_ahead() -> dict:
    monday_next = date.today() + timedelta(days=7 - date.today().weekday() + 14)
    return {"from": monday_next.isoformat(), "to": (monday_next + timedelta(days=6)).isoformat()}


SESSIONS_ROWS = [
    Row("POST", "/v1/groups/<group_id>/sessions", lambda w: f"/v1/groups/{w.group}/sessions",
        scoped(201, 201, 404, 403, 403), body=lambda w: {"starts_at": w.later()}),
    Row("POST", "/v1/groups/<group_id>/sessions/generate", lambda w: f"/v1/groups/{w.group}/sessions/generate",
        scoped(200, 200, 404, 403, 403), body=lambda w: _week_ahead()),
    Row("GET", "/v1/sessions", lambda w: "/v1/sessions", scoped(200, 200, 200, 200, 200), audit="session.list"),
    Row("GET", "/v1/sessions/<session_id>", lambda w: f"/v1/sessions/{w.upcoming}", scoped(200, 200, 404, 200, 404), audit="session.read"),
    Row("PATCH", "/v1/sessions/<session_id>", lambda w: f"/v1/sessions/{w.upcoming}",
        scoped(200, 200, 404, 403, 403), body=lambda w: {"topic": "Coping skills"}),
    Row("POST", "/v1/sessions/<session_id>/reschedule", lambda w: f"/v1/sessions/{w.upcoming}/reschedule",
        scoped(200, 200, 404, 403, 403), body=lambda w: {"starts_at": w.later()}),
    Row("POST", "/v1/sessions/<session_id>/cancel", lambda w: f"/v1/sessions/{w.fresh_session()}/cancel",
        scoped(200, 200, 404, 403, 403), body=lambda w: {"reason": "Facilitator ill"}),
    Row("GET", "/v1/sessions/<session_id>/attendance", lambda w: f"/v1/sessions/{w.running}/attendance",
        scoped(200, 200, 404, 403, 403), audit="attendance.read"),
    Row("PUT", "/v1/sessions/<session_id>/attendance", lambda w: f"/v1/sessions/{w.running}/attendance",
        scoped(200, 200, 404, 403, 403), body=lambda w: [{"participant_id": w.me, "status": "present"}], audit="attendance.update", touched=lambda w, r: {w.me}),
    Row("GET", "/v1/sessions/<session_id>/join-links", lambda w: f"/v1/sessions/{w.running}/join-links",
        scoped(200, 200, 404, 403, 403), audit="join_link.list"),
    Row("GET", "/v1/participants/<participant_id>/sessions", lambda w: f"/v1/participants/{w.me}/sessions",
        scoped(200, 200, 404, 200, 404), audit="session.list"),
    Row("GET", "/v1/participants/<participant_id>/attendance", lambda w: f"/v1/participants/{w.me}/attendance",
        scoped(200, 200, 404, 200, 404), audit="attendance.read"),
    Row("GET", "/v1/participants/<participant_id>/attendance-exports",
        lambda w: f"/v1/participants/{w.me}/attendance-exports", scoped(200, 200, 404, 200, 404), audit="disclosure.list"),
    Row("POST", "/v1/participants/<participant_id>/attendance-exports",
        lambda w: f"/v1/participants/{w.me}/attendance-exports", scoped(201, 201, 404, 201, 404),
        body=lambda w: {"from": "2026-01-05", "to": "2026-02-01", "purpose": "Proof of attendance",
                        "recipient": "County probation office"}, audit="attendance_export.create"),
    # Public (the signed feed URL needs no bearer token), but without one it checks the bearer itself.
    Row("GET", "/v1/participants/<participant_id>/calendar.ics", lambda w: f"/v1/participants/{w.me}/calendar.ics",
        scoped(200, 200, 404, 200, 404), audit="calendar_feed.read"),
    # The link is the credential: whoever follows it, with whatever header, joins as its participant.
    Row("GET", "/join/<token>", lambda w: w.join_path, everyone(302), audit="join_link.follow", touched=lambda w, r: {w.me}, credential="join_link"),
    # Session notes: the group's facilitators and admins only; participants never (403).
    Row("GET", "/v1/groups/<group_id>/note-settings", lambda w: f"/v1/groups/{w.group}/note-settings",
        scoped(200, 200, 404, 403, 403)),
    Row("PUT", "/v1/groups/<group_id>/note-settings", lambda w: f"/v1/groups/{w.group}/note-settings",
        scoped(200, 200, 404, 403, 403), body=lambda w: {"requires_cosignature": True}),
    Row("GET", "/v1/sessions/<session_id>/notes", lambda w: f"/v1/sessions/{w.held}/notes",
        scoped(200, 200, 404, 403, 403), audit="note.list"),
    Row("POST", "/v1/sessions/<session_id>/notes", lambda w: f"/v1/sessions/{w.fresh_past_session()}/notes",
        scoped(201, 201, 404, 403, 403), body=lambda w: {"kind": "group"}, audit="note.create"),
    Row("POST", "/v1/sessions/<session_id>/notes/apply-to-all", lambda w: f"/v1/sessions/{w.running}/notes/apply-to-all",
        scoped(200, 200, 404, 403, 403), body=lambda w: {"field": "plan", "text": "Practice at home."}, audit="note.apply_to_all"),
    Row("GET", "/v1/notes/<note_id>", lambda w: f"/v1/notes/{w.draft}", scoped(200, 200, 404, 403, 403), audit="note.read"),
    Row("PATCH", "/v1/notes/<note_id>", lambda w: f"/v1/notes/{w.draft}", scoped(200, 200, 404, 403, 403),
        body=lambda w: {"version": w.draft_version(), "sections": {"plan": "Next week: check in."}}, audit="note.update"),
    # Only the author signs (the admin is not the author: 403); only the lead co-signs.
    Row("POST", "/v1/notes/<note_id>/sign", lambda w: f"/v1/notes/{w.fresh_draft()}/sign",
        scoped(403, 200, 404, 403, 403), body=lambda w: {"version": 1}, audit="note.sign"),
    Row("POST", "/v1/notes/<note_id>/cosign", lambda w: f"/v1/notes/{w.awaiting_cosignature()}/cosign",
        scoped(403, 200, 404, 403, 403), audit="note.cosign"),
    Row("POST", "/v1/notes/<note_id>/addenda", lambda w: f"/v1/notes/{w.signed}/addenda",
        scoped(201, 201, 404, 403, 403), body=lambda w: {"text": "Spoke with the member afterwards."}, audit="note.addendum"),
    Row("GET", "/v1/unsigned-notes", lambda w: f"/v1/unsigned-notes?facilitator_id={w.lead}",
        scoped(200, 200, 404, 403, 403), audit="note.unsigned_list"),
    Row("POST", "/v1/participants/<participant_id>/note-exports", lambda w: f"/v1/participants/{w.me}/note-exports",
        scoped(201, 201, 404, 403, 403),
        body=lambda w: {"from": "2026-01-05", "to": "2026-02-01", "purpose": "Payer review",
                        "recipient": "Health plan", "consent": {"given_on": "2026-01-02"}}, audit="note_export.create"),
    Row("GET", "/join/prejoin.js", lambda w: "/join/prejoin.js", everyone(200)),
]


# --- notifications -----------------------------------------------------------------------------------

NOTIFICATIONS_ROWS = [
    Row("GET", "/v1/notifications", lambda w: "/v1/notifications", scoped(200, 200, 200, 200, 200), audit="notification.list"),
    Row("GET", "/v1/participants/<participant_id>/notifications",
        lambda w: f"/v1/participants/{w.me}/notifications", scoped(200, 403, 403, 200, 404), audit="notification.list"),
    Row("POST", "/v1/participants/<participant_id>/notifications/read",
        lambda w: f"/v1/participants/{w.me}/notifications/read", scoped(403, 403, 403, 200, 404),
        body=lambda w: {"ids": ["00000000-0000-4000-8000-000000000000"]}),
    Row("GET", "/v1/dead-letters", lambda w: "/v1/dead-letters", scoped(200, 403, 403, 403, 403)),
    Row("POST", "/v1/dead-letters/<dead_letter_id>/replay", lambda w: f"/v1/dead-letters/{w.dead_letter}/replay",
        scoped(200, 403, 403, 403, 403)),
]


def _run(world, rows: list[Row], service: str) -> None:
    rows = rows + public_rows() + audit_rows()
    documented = {(row.method, row.rule) for row in rows}
    served = endpoints(world.http.application)
    assert served - documented == set(), f"{service}: endpoints with no row in the matrix"
    assert documented - served == set(), f"{service}: rows for endpoints the app no longer serves"
    audit = AuditCheck(world.http.application)
    run = MatrixRun(world.http, world.headers, DatabaseSnapshot(world.context.engine), world.subject_ids, audit)
    run.check(world, rows)
    FIGURES[f"authorization matrix cells ({service})"] = run.cells
    FIGURES[f"audit rows checked ({service}, {world.context.engine.dialect.name})"] = audit.rows
    assert run.failures == [], "\n".join(run.failures)
    assert run.cells == len(rows) * len(world.headers)


def test_roster_matrix(settings_for):
    _run(RosterWorld(settings_for, NO_FAILURE_LIMIT), ROSTER_ROWS, "roster")


def test_sessions_matrix(settings_for):
    _run(SessionsWorld(settings_for, NO_FAILURE_LIMIT), SESSIONS_ROWS, "sessions")


def test_notifications_matrix(settings_for):
    _run(NotificationsWorld(settings_for, NO_FAILURE_LIMIT), NOTIFICATIONS_ROWS, "notifications")


@pytest.mark.parametrize("service_rows", [ROSTER_ROWS, SESSIONS_ROWS, NOTIFICATIONS_ROWS])
def test_every_row_is_a_distinct_endpoint(service_rows):
    keys = [(row.method, row.rule) for row in service_rows + public_rows() + audit_rows()]
    assert len(keys) == len(set(keys))
